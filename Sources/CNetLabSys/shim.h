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

// recvmmsg/sendmmsg need _GNU_SOURCE too, and including <sys/socket.h> here would take its
// definitions away from the Glibc module; the Linux ABI types are spelled out instead
// (same layout as glibc's struct iovec, msghdr and mmsghdr on 64-bit Linux).
struct netlab_iovec {
    void *base;
    size_t length;
};
struct netlab_msghdr {
    void *name;
    unsigned int name_length;
    struct netlab_iovec *pieces;
    size_t piece_count;
    void *control;
    size_t control_length;
    int flags;
};
struct netlab_mmsghdr {
    struct netlab_msghdr header;
    unsigned int length;
};
struct timespec;
extern int recvmmsg(int fd, struct netlab_mmsghdr *messages, unsigned int count, int flags, struct timespec *timeout);
extern int sendmmsg(int fd, struct netlab_mmsghdr *messages, unsigned int count, int flags);

#define NETLAB_BATCH_MAX 64
#define NETLAB_SOCKADDR_STORAGE 128
#define NETLAB_MSG_DONTWAIT 0x40
#define NETLAB_MSG_NOSIGNAL 0x4000

// One datagram's message: its bytes and its peer's address.
static inline void netlab_message(struct netlab_mmsghdr *message, struct netlab_iovec *piece, unsigned char *bytes,
                                  size_t length, void *address, unsigned int addressLength) {
    piece->base = bytes;
    piece->length = length;
    message->header.name = address;
    message->header.name_length = addressLength;
    message->header.pieces = piece;
    message->header.piece_count = 1;
    message->header.control = 0;
    message->header.control_length = 0;
    message->header.flags = 0;
    message->length = 0;
}

// Receives up to `max` datagrams in one call, each into its own `slot`-byte part of
// `buffers` (a slot as large as the largest datagram, so none is cut); fills each one's
// length and sender (128-byte sockaddr_storage slots). Returns the count, or -1 with errno
// (EAGAIN: none waiting).
static inline int netlab_recv_batch(int fd, unsigned char *buffers, size_t slot, int max, unsigned int *lengths,
                                    void *senders, unsigned int *senderLengths) {
    struct netlab_mmsghdr messages[NETLAB_BATCH_MAX];
    struct netlab_iovec pieces[NETLAB_BATCH_MAX];
    if (max > NETLAB_BATCH_MAX) max = NETLAB_BATCH_MAX;
    for (int i = 0; i < max; i++) {
        netlab_message(&messages[i], &pieces[i], buffers + (size_t)i * slot, slot,
                       (unsigned char *)senders + (size_t)i * NETLAB_SOCKADDR_STORAGE, NETLAB_SOCKADDR_STORAGE);
    }
    int count;
    do {
        count = recvmmsg(fd, messages, (unsigned int)max, NETLAB_MSG_DONTWAIT, 0);
    } while (count < 0 && errno == EINTR);
    for (int i = 0; i < count; i++) {
        lengths[i] = messages[i].length;
        senderLengths[i] = messages[i].header.name_length;
    }
    return count;
}

// Sends datagrams `first`..<`count` of a batch back to their senders in one call.
// Returns how many went, or -1 with errno for the first one.
static inline int netlab_send_batch(int fd, unsigned char *buffers, size_t slot, int first, int count,
                                    const unsigned int *lengths, void *receivers, const unsigned int *receiverLengths) {
    struct netlab_mmsghdr messages[NETLAB_BATCH_MAX];
    struct netlab_iovec pieces[NETLAB_BATCH_MAX];
    int n = 0;
    for (int i = first; i < count && n < NETLAB_BATCH_MAX; i++, n++) {
        netlab_message(&messages[n], &pieces[n], buffers + (size_t)i * slot, lengths[i],
                       (unsigned char *)receivers + (size_t)i * NETLAB_SOCKADDR_STORAGE, receiverLengths[i]);
    }
    int sent;
    do {
        sent = sendmmsg(fd, messages, (unsigned int)n, NETLAB_MSG_NOSIGNAL | NETLAB_MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    return sent;
}

#endif
