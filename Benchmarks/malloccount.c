// Counts a process's heap allocations, for Benchmarks/allocations.py: LD_PRELOAD'ed into a
// server, it counts every malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign
// (glibc's own functions do the work), and on SIGUSR2 writes the count so far, a line, to the
// descriptor named by MALLOCCOUNT_FD.
//
//   cc -O2 -shared -fPIC -o malloccount.so Benchmarks/malloccount.c
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static atomic_long count;
static int out = -1;

void *malloc(size_t size) { atomic_fetch_add_explicit(&count, 1, memory_order_relaxed); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { atomic_fetch_add_explicit(&count, 1, memory_order_relaxed); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { atomic_fetch_add_explicit(&count, 1, memory_order_relaxed); return __libc_realloc(p, size); }
void *memalign(size_t alignment, size_t size) {
    atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
    return __libc_memalign(alignment, size);
}
void *aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }
int posix_memalign(void **p, size_t alignment, size_t size) {
    *p = memalign(alignment, size);
    return *p ? 0 : 12;
}

// Async-signal-safe: digits by hand, one write().
static void report(int signal) {
    (void)signal;
    char text[32];
    int at = sizeof text;
    text[--at] = '\n';
    long value = atomic_load(&count);
    do { text[--at] = '0' + value % 10; value /= 10; } while (value > 0);
    if (out >= 0) (void)!write(out, text + at, sizeof text - at);
}

__attribute__((constructor)) static void start(void) {
    const char *fd = getenv("MALLOCCOUNT_FD");
    if (fd) out = atoi(fd);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = report;
    action.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &action, NULL);
}
