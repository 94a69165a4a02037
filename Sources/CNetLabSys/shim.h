// Linux calls the Glibc module does not import: epoll and sendfile. Only NetLabSockets
// imports this module. epoll_event is a packed struct, so the wrappers take plain values.
#ifndef NETLAB_CNETLABSYS_SHIM_H
#define NETLAB_CNETLABSYS_SHIM_H

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/types.h>

static const uint32_t netlab_epoll_in = EPOLLIN;
static const uint32_t netlab_epoll_out = EPOLLOUT;
static const uint32_t netlab_epoll_err = EPOLLERR;
static const uint32_t netlab_epoll_hup = EPOLLHUP;
static const uint32_t netlab_epoll_rdhup = EPOLLRDHUP;
static const uint32_t netlab_epoll_oneshot = EPOLLONESHOT;

static inline int netlab_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

// op: 1 add, 2 delete, 3 modify (EPOLL_CTL_*). `id` comes back with every event.
static inline int netlab_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t id) {
    struct epoll_event event;
    event.events = events;
    event.data.u64 = id;
    return epoll_ctl(epfd, op, fd, &event);
}

// Waits up to `timeout` ms; fills ids[i] and flags[i] for each ready descriptor.
static inline int netlab_epoll_wait(int epfd, uint64_t *ids, uint32_t *flags, int max, int timeout) {
    struct epoll_event events[256];
    if (max > 256) max = 256;
    int count;
    do {
        count = epoll_wait(epfd, events, max, timeout);
    } while (count < 0 && errno == EINTR);
    for (int i = 0; i < count; i++) {
        ids[i] = events[i].data.u64;
        flags[i] = events[i].events;
    }
    return count;
}

// Sends up to `count` bytes of file `in_fd` from `*offset` to socket `out_fd`.
static inline ssize_t netlab_sendfile(int out_fd, int in_fd, off_t *offset, size_t count) {
    return sendfile(out_fd, in_fd, offset, count);
}

// accept4 needs _GNU_SOURCE, which would change how <sys/socket.h> reads for the whole
// Glibc module; its prototype is stable on Linux, so it is declared here instead.
struct sockaddr;
extern int accept4(int fd, struct sockaddr *address, unsigned int *length, int flags);

// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC (Linux: 04000 | 02000000): one call instead of
// accept and three fcntl calls.
static inline int netlab_accept_nonblocking(int fd, struct sockaddr *address, unsigned int *length) {
    return accept4(fd, address, length, 04000 | 02000000);
}

#endif
