// The floor: the lab's uppercase servers doing only the syscalls their protocol needs, so
// every other server's figure reads as "how far from the limit".
//
//   cc -O2 -o floor Benchmarks/floor.c
//   floor udp PORT   recvfrom, uppercase in place, sendto; forever
//   floor tcp PORT   accept, recv (one, as the lab's server), uppercase, send, close; forever
//
// Blocking sockets, no threads, no log: one core's worth of syscalls and nothing else.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void uppercase(char *bytes, ssize_t length) {
    for (ssize_t i = 0; i < length; i++) {
        if (bytes[i] >= 'a' && bytes[i] <= 'z') bytes[i] -= 32;
    }
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "udp") != 0 && strcmp(argv[1], "tcp") != 0)) {
        fprintf(stderr, "usage: floor udp|tcp PORT\n");
        return 64;
    }
    int udp = strcmp(argv[1], "udp") == 0;
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        perror("bind");
        return 1;
    }
    char buffer[65536];
    if (udp) {
        for (;;) {
            struct sockaddr_storage peer;
            socklen_t length = sizeof peer;
            ssize_t n = recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr *)&peer, &length);
            if (n < 0) continue;
            uppercase(buffer, n);
            sendto(fd, buffer, (size_t)n, 0, (struct sockaddr *)&peer, length);
        }
    }
    listen(fd, 128);
    for (;;) {
        int client = accept(fd, NULL, NULL);
        if (client < 0) continue;
        ssize_t n = recv(client, buffer, 1024, 0);
        if (n > 0) {
            uppercase(buffer, n);
            send(client, buffer, (size_t)n, MSG_NOSIGNAL);
        }
        close(client);
    }
}
