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

static const int netlab_epoll_ctl_add = EPOLL_CTL_ADD;
static const int netlab_epoll_ctl_del = EPOLL_CTL_DEL;
static const int netlab_epoll_ctl_mod = EPOLL_CTL_MOD;

// SOCK_CLOEXEC is O_CLOEXEC, as is EPOLL_CLOEXEC: the hand-written flag below, checked when built.
_Static_assert(EPOLL_CLOEXEC == 02000000, "SOCK_CLOEXEC is not 02000000 here");

static inline int netlab_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

// op: netlab_epoll_ctl_add, _del or _mod. `id` comes back with every event.
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

// Joins the network namespace `fd` names, for the calling thread only (a socket made after it
// belongs to that namespace for good). Hidden by glibc without _GNU_SOURCE.
extern int setns(int fd, int nstype);
static const int NETLAB_CLONE_NEWNET = 0x40000000;

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
// The 64-bit Linux ABI sizes, checked when built (ShimLayoutTests compares the field offsets
// and the flag values with Glibc's own at test time).
_Static_assert(sizeof(void *) == 8, "the spelled-out socket structs assume 64-bit Linux");
_Static_assert(sizeof(struct netlab_iovec) == 16, "struct iovec is 16 bytes");
_Static_assert(sizeof(struct netlab_msghdr) == 56, "struct msghdr is 56 bytes");
_Static_assert(sizeof(struct netlab_mmsghdr) == 64, "struct mmsghdr is 64 bytes");
struct timespec;
extern int recvmmsg(int fd, struct netlab_mmsghdr *messages, unsigned int count, int flags, struct timespec *timeout);
extern int sendmmsg(int fd, struct netlab_mmsghdr *messages, unsigned int count, int flags);

#define NETLAB_BATCH_MAX 64
#define NETLAB_SOCKADDR_STORAGE 128
#define NETLAB_MSG_DONTWAIT 0x40
#define NETLAB_MSG_NOSIGNAL 0x4000
#define NETLAB_MSG_WAITFORONE 0x10000

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

// Each datagram's destination address, from IP_PKTINFO / IPV6_PKTINFO control messages:
// `family` 4 or 6 (0: none came), `address` 4 or 16 bytes. The same address is the source of
// the reply, so a server bound to every address answers from the address it was asked on.
struct netlab_destination {
    unsigned char family;
    unsigned char address[16];
};
#define NETLAB_CONTROL_SIZE 64
#define NETLAB_IPPROTO_IP 0
#define NETLAB_IPPROTO_IPV6 41
#define NETLAB_IP_PKTINFO 8
#define NETLAB_IPV6_RECVPKTINFO 49
#define NETLAB_IPV6_PKTINFO 50

// struct cmsghdr on 64-bit Linux: the data starts 16 bytes in, headers align to 8.
struct netlab_cmsghdr {
    size_t length;
    int level;
    int type;
};
_Static_assert(sizeof(struct netlab_cmsghdr) == 16, "struct cmsghdr is 16 bytes");
_Static_assert(sizeof(struct netlab_destination) == 17, "family and 16 address bytes");

static inline void netlab_read_destination(const unsigned char *control, size_t length, struct netlab_destination *out) {
    out->family = 0;
    size_t at = 0;
    while (at + sizeof(struct netlab_cmsghdr) <= length) {
        const struct netlab_cmsghdr *header = (const struct netlab_cmsghdr *)(control + at);
        if (header->length < sizeof(struct netlab_cmsghdr) || at + header->length > length) return;
        const unsigned char *data = control + at + sizeof(struct netlab_cmsghdr);
        if (header->level == NETLAB_IPPROTO_IP && header->type == NETLAB_IP_PKTINFO && header->length >= 16 + 12) {
            // struct in_pktinfo { int ifindex; in_addr spec_dst; in_addr addr; }: addr is the header's destination.
            out->family = 4;
            for (int i = 0; i < 4; i++) out->address[i] = data[8 + i];
        } else if (header->level == NETLAB_IPPROTO_IPV6 && header->type == NETLAB_IPV6_PKTINFO && header->length >= 16 + 20) {
            // struct in6_pktinfo { in6_addr addr; unsigned ifindex; }
            out->family = 6;
            for (int i = 0; i < 16; i++) out->address[i] = data[i];
        }
        at += (header->length + 7) & ~(size_t)7;
    }
}

// A control message that sets a datagram's source address (zero ifindex: the kernel routes).
static inline size_t netlab_write_source(unsigned char *control, const struct netlab_destination *source) {
    struct netlab_cmsghdr *header = (struct netlab_cmsghdr *)control;
    unsigned char *data = control + sizeof(struct netlab_cmsghdr);
    for (int i = 0; i < 20; i++) data[i] = 0;
    if (source->family == 4) {
        header->level = NETLAB_IPPROTO_IP;
        header->type = NETLAB_IP_PKTINFO;
        header->length = sizeof(struct netlab_cmsghdr) + 12;
        for (int i = 0; i < 4; i++) data[4 + i] = source->address[i];  // ipi_spec_dst
        return (header->length + 7) & ~(size_t)7;
    }
    if (source->family == 6) {
        header->level = NETLAB_IPPROTO_IPV6;
        header->type = NETLAB_IPV6_PKTINFO;
        header->length = sizeof(struct netlab_cmsghdr) + 20;
        for (int i = 0; i < 16; i++) data[i] = source->address[i];
        return (header->length + 7) & ~(size_t)7;
    }
    return 0;
}

// Receives up to `max` datagrams in one call, each into its own `slot`-byte part of
// `buffers` (a slot as large as the largest datagram, so none is cut); fills each one's
// length and sender (128-byte sockaddr_storage slots). Returns the count, or -1 with errno
// (EAGAIN: none waiting).
// `wait`: block until one datagram comes (on a blocking socket, up to its SO_RCVTIMEO), then
// take what else has come; otherwise take what is there now.
static inline int netlab_recv_batch(int fd, unsigned char *buffers, size_t slot, int max, unsigned int *lengths,
                                    void *senders, unsigned int *senderLengths, struct netlab_destination *destinations,
                                    int wait) {
    struct netlab_mmsghdr messages[NETLAB_BATCH_MAX];
    struct netlab_iovec pieces[NETLAB_BATCH_MAX];
    unsigned char control[NETLAB_BATCH_MAX][NETLAB_CONTROL_SIZE] __attribute__((aligned(8)));
    if (max > NETLAB_BATCH_MAX) max = NETLAB_BATCH_MAX;
    for (int i = 0; i < max; i++) {
        netlab_message(&messages[i], &pieces[i], buffers + (size_t)i * slot, slot,
                       (unsigned char *)senders + (size_t)i * NETLAB_SOCKADDR_STORAGE, NETLAB_SOCKADDR_STORAGE);
        if (destinations) {
            messages[i].header.control = control[i];
            messages[i].header.control_length = NETLAB_CONTROL_SIZE;
        }
    }
    int count;
    do {
        count = recvmmsg(fd, messages, (unsigned int)max, wait ? NETLAB_MSG_WAITFORONE : NETLAB_MSG_DONTWAIT, 0);
    } while (count < 0 && errno == EINTR);
    for (int i = 0; i < count; i++) {
        lengths[i] = messages[i].length;
        senderLengths[i] = messages[i].header.name_length;
        if (destinations) netlab_read_destination(control[i], messages[i].header.control_length, &destinations[i]);
    }
    return count;
}

// Sends datagrams `first`..<`count` of a batch back to their senders in one call.
// Returns how many went, or -1 with errno for the first one.
// `sources` (may be NULL): the address each reply leaves from (the request's destination).
static inline int netlab_send_batch(int fd, unsigned char *buffers, size_t slot, int first, int count,
                                    const unsigned int *lengths, void *receivers, const unsigned int *receiverLengths,
                                    const struct netlab_destination *sources) {
    struct netlab_mmsghdr messages[NETLAB_BATCH_MAX];
    struct netlab_iovec pieces[NETLAB_BATCH_MAX];
    unsigned char control[NETLAB_BATCH_MAX][NETLAB_CONTROL_SIZE] __attribute__((aligned(8)));
    int n = 0;
    for (int i = first; i < count && n < NETLAB_BATCH_MAX; i++, n++) {
        netlab_message(&messages[n], &pieces[n], buffers + (size_t)i * slot, lengths[i],
                       (unsigned char *)receivers + (size_t)i * NETLAB_SOCKADDR_STORAGE, receiverLengths[i]);
        if (sources && sources[i].family != 0) {
            messages[n].header.control = control[n];
            messages[n].header.control_length = netlab_write_source(control[n], &sources[i]);
        }
    }
    int sent;
    do {
        sent = sendmmsg(fd, messages, (unsigned int)n, NETLAB_MSG_NOSIGNAL | NETLAB_MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    return sent;
}

#endif
