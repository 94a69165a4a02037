// A load generator for the uppercase servers, the same for netlab's and the lab's Python ones.
// Each of N threads plays the lab's client in a loop: UDP sends one datagram and waits for its
// reply; TCP opens a connection, sends one message, reads the reply, closes (the lab's
// TCPClient.py). Every reply is checked to be the uppercase of the message.
//
//   cc -O2 -pthread -o loadgen Benchmarks/loadgen.c
//   loadgen udp|tcp PORT SECONDS THREADS      -> prints "N round trips/s, M errors"
//   loadgen bulk PORT SECONDS 1               -> one connection, sending lowercase letters as
//       fast as the server echoes them back uppercased: prints "N MB/s echoed, M errors"
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char message[] = "hello, welcome to the socket lab";
static char expected[sizeof message];
static int udp, port;
static double seconds;
static atomic_long done_count, errors;
static atomic_int stop;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *client(void *unused) {
    (void)unused;
    struct sockaddr_in server = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
    struct timeval timeout = { .tv_sec = 1 };
    char reply[2048];
    size_t length = sizeof message - 1;
    int fd = -1;
    if (udp) {
        fd = socket(AF_INET, SOCK_DGRAM, 0);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    while (!atomic_load(&stop)) {
        ssize_t got;
        if (udp) {
            sendto(fd, message, length, 0, (struct sockaddr *)&server, sizeof server);
            got = recv(fd, reply, sizeof reply, 0);
        } else {
            fd = socket(AF_INET, SOCK_STREAM, 0);
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
            if (connect(fd, (struct sockaddr *)&server, sizeof server) != 0) {
                close(fd);
                atomic_fetch_add(&errors, 1);
                continue;
            }
            send(fd, message, length, 0);
            got = recv(fd, reply, sizeof reply, 0);  // the lab's client: one recv
            close(fd);
        }
        if (got == (ssize_t)length && memcmp(reply, expected, length) == 0) {
            atomic_fetch_add(&done_count, 1);
        } else {
            atomic_fetch_add(&errors, 1);
        }
    }
    if (udp) close(fd);
    return NULL;
}

static atomic_long bulk_sent;

static void *bulk_sender(void *arg) {
    int fd = *(int *)arg;
    static char chunk[26 * 2520];  // whole alphabets: the stream is a, b, ..., z, a, ...
    for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (char)('a' + i % 26);
    double end = now() + seconds;
    while (now() < end) {
        ssize_t n = send(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        atomic_fetch_add(&bulk_sent, n);
    }
    shutdown(fd, SHUT_WR);
    return NULL;
}

// Echo throughput on one connection; every byte back must be the uppercase letter sent.
static int bulk(void) {
    struct sockaddr_in server = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&server, sizeof server) != 0) {
        perror("connect");
        return 1;
    }
    pthread_t sender;
    double start = now();
    pthread_create(&sender, NULL, bulk_sender, &fd);
    static char buffer[1 << 18];
    static char expected_stream[(1 << 18) + 26];
    for (size_t i = 0; i < sizeof expected_stream; i++) expected_stream[i] = (char)('A' + i % 26);
    long received = 0, bad = 0;
    ssize_t n;
    while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) {
        if (memcmp(buffer, expected_stream + received % 26, (size_t)n) != 0) bad++;
        received += n;
    }
    double elapsed = now() - start;
    pthread_join(sender, NULL);
    close(fd);
    if (received != atomic_load(&bulk_sent)) bad++;
    printf("%.1f MB/s echoed, %ld errors\n", received / elapsed / 1e6, bad);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: loadgen udp|tcp|bulk PORT SECONDS THREADS\n");
        return 64;
    }
    if (strcmp(argv[1], "bulk") == 0) {
        port = atoi(argv[2]);
        seconds = atof(argv[3]);
        return bulk();
    }
    udp = strcmp(argv[1], "udp") == 0;
    port = atoi(argv[2]);
    seconds = atof(argv[3]);
    int threads = atoi(argv[4]);
    for (size_t i = 0; i < sizeof message; i++) expected[i] = (char)toupper((unsigned char)message[i]);
    pthread_t ids[256];
    if (threads < 1 || threads > 256) threads = 1;
    // Warm up for a tenth of the time, then count.
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, client, NULL);
    struct timespec warm = { .tv_sec = 0, .tv_nsec = (long)(seconds / 10 * 1e9) };
    nanosleep(&warm, NULL);
    long start_count = atomic_load(&done_count), start_errors = atomic_load(&errors);
    double start = now();
    struct timespec run = { .tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - (time_t)seconds) * 1e9) };
    nanosleep(&run, NULL);
    long count = atomic_load(&done_count) - start_count, failed = atomic_load(&errors) - start_errors;
    double elapsed = now() - start;
    atomic_store(&stop, 1);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    printf("%.0f round trips/s, %ld errors\n", count / elapsed, failed);
    return 0;
}
