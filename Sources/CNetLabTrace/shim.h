// ptrace and seccomp for `netlab run`: only NetLabTrace imports this module. The child's side
// (fork, PTRACE_TRACEME, the seccomp filter, execve) runs here in C: between fork and execve a
// multi-threaded parent's child may only make async-signal-safe calls, and Swift code there
// could take a lock another thread held at fork.
#ifndef NETLAB_CNETLABTRACE_SHIM_H
#define NETLAB_CNETLABTRACE_SHIM_H

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#if defined(__x86_64__)
#define NETLAB_TRACE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NETLAB_TRACE_ARCH AUDIT_ARCH_AARCH64
#endif

static const int netlab_ptrace_event_seccomp = PTRACE_EVENT_SECCOMP;
static const int netlab_ptrace_event_fork = PTRACE_EVENT_FORK;
static const int netlab_ptrace_event_vfork = PTRACE_EVENT_VFORK;
static const int netlab_ptrace_event_clone = PTRACE_EVENT_CLONE;
static const int netlab_ptrace_event_exec = PTRACE_EVENT_EXEC;
static const int netlab_ptrace_event_exit = PTRACE_EVENT_EXIT;
static const int netlab_ptrace_event_stop = PTRACE_EVENT_STOP;

// The most numbers the filter takes (its program is 5 + count instructions).
#define NETLAB_TRACE_MAX_CALLS 64

// Closes descriptors low..high (high -1: every one above low) but `except`: close_range where
// the kernel has it (5.9), one by one otherwise.
static inline void netlab_close_between(int low, int high, int except) {
    if (high >= 0 && high < low) return;
    if (except >= low && (high < 0 || except <= high)) {
        netlab_close_between(low, except - 1, -1);
        netlab_close_between(except + 1, high, -1);
        return;
    }
    if (syscall(SYS_close_range, (unsigned)low, high < 0 ? ~0U : (unsigned)high, 0) == 0) return;
    for (int fd = low; fd <= (high < 0 ? 65535 : high); fd++) close(fd);
}

// Child side of netlab_trace_spawn: never returns. Stops itself so the tracer can set its
// options, installs the filter (calls in `numbers` stop for the tracer; the rest run at full
// speed), then execs. On failure it writes errno to `report` and exits 127.
static inline void netlab_trace_child(const char *path, char *const argv[], char *const envp[], const int *numbers, int count,
                                      int report, const int *keep, int kept, int output, int input) {
    int error = 0;
    // `output` >= 0 (the console's `:run`): stdout and stderr go there, stdin comes from
    // `input` (the console's terminal is curses'); -1 keeps netlab's own (`netlab run`).
    if (output >= 0) {
        if (input < 0) input = open("/dev/null", O_RDONLY);
        if (input < 0 || dup2(input, 0) < 0 || dup2(output, 1) < 0 || dup2(output, 2) < 0) { error = errno; goto fail; }
    }
    // Only the descriptors netlab was given (its shell's) reach the program, so its socket()
    // returns 3 as it would from the shell: netlab's own (the capture, Dispatch's eventfd)
    // are closed. `keep` is sorted; the report pipe closes itself at exec.
    int next = 3;
    for (int k = 0; k < kept; k++) {
        if (keep[k] < next) continue;
        netlab_close_between(next, keep[k] - 1, report);
        next = keep[k] + 1;
    }
    netlab_close_between(next, -1, report);
    // The program gets the signals a shell would give it: netlab ignores Ctrl-C while it
    // traces (the program decides), and some of netlab's threads block signals.
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) { error = errno; goto fail; }
    if (raise(SIGSTOP) != 0) { error = errno; goto fail; }
#ifdef NETLAB_TRACE_ARCH
    {
        struct sock_filter program[NETLAB_TRACE_MAX_CALLS + 5];
        int n = count > NETLAB_TRACE_MAX_CALLS ? NETLAB_TRACE_MAX_CALLS : count;
        int i = 0;
        program[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        // Another architecture's calls (x32, ia32 under x86-64) run untraced.
        program[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NETLAB_TRACE_ARCH, 0, (unsigned char)(n + 1));
        program[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        for (int k = 0; k < n; k++) {
            // Equal: jump over the remaining compares and the ALLOW to the TRACE.
            program[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)numbers[k], (unsigned char)(n - k), 0);
        }
        program[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        program[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
        struct sock_fprog fprog = { .len = (unsigned short)i, .filter = program };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { error = errno; goto fail; }
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) { error = errno; goto fail; }
    }
#endif
    execve(path, argv, envp);
    error = errno;
fail:
    (void)!write(report, &error, sizeof error);
    _exit(127);
}

// Forks a child that runs `path` traced; returns its pid (or -1 with errno). `report` is the
// write end of a close-on-exec pipe: it carries the child's errno if the exec failed.
static inline pid_t netlab_trace_spawn(const char *path, char *const argv[], char *const envp[], const int *numbers, int count,
                                       int report, const int *keep, int kept, int output, int input) {
    pid_t pid = fork();
    if (pid == 0) netlab_trace_child(path, argv, envp, numbers, count, report, keep, kept, output, input);
    return pid;
}

// This process's open descriptors above stderr, ascending (the listing's own left out); at
// most `max`. Returns how many, or -1.
static inline int netlab_trace_open_descriptors(int *out, int max) {
    DIR *dir = opendir("/proc/self/fd");
    if (!dir) return -1;
    int own = dirfd(dir), count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != 0 && count < max) {
        int fd = atoi(entry->d_name);
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9' || fd <= 2 || fd == own) continue;
        out[count++] = fd;
    }
    closedir(dir);
    for (int i = 1; i < count; i++) {  // insertion sort: a handful of descriptors
        int value = out[i], j = i - 1;
        while (j >= 0 && out[j] > value) { out[j + 1] = out[j]; j--; }
        out[j + 1] = value;
    }
    return count;
}

static inline long netlab_ptrace(int request, pid_t pid, unsigned long address, unsigned long data) {
    return ptrace((enum __ptrace_request)request, pid, (void *)address, (void *)data);
}

// Waits see this thread's tracees only (__WNOTHREAD): another thread's children (a console's
// other traced program, a test's helper processes) are not reaped here.
static const int netlab_trace_wait_flags = __WALL | __WNOTHREAD;

static const int netlab_ptrace_setoptions = PTRACE_SETOPTIONS;
static const int netlab_ptrace_cont = PTRACE_CONT;
static const int netlab_ptrace_syscall = PTRACE_SYSCALL;
static const int netlab_ptrace_geteventmsg = PTRACE_GETEVENTMSG;
static const int netlab_ptrace_listen = PTRACE_LISTEN;
static const unsigned long netlab_ptrace_options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK
    | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;

// A stopped thread's call: its number, six arguments and (at exit) its result.
typedef struct {
    long number;
    unsigned long args[6];
    long result;
} netlab_trace_regs;

static inline int netlab_trace_get_regs(pid_t pid, netlab_trace_regs *out) {
#if defined(__x86_64__)
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, pid, 0, &regs) != 0) return -1;
    out->number = (long)regs.orig_rax;
    out->args[0] = regs.rdi; out->args[1] = regs.rsi; out->args[2] = regs.rdx;
    out->args[3] = regs.r10; out->args[4] = regs.r8; out->args[5] = regs.r9;
    out->result = (long)regs.rax;
    return 0;
#else
    errno = ENOSYS;
    return -1;
#endif
}

// Up to `length` bytes at `address` in `pid`'s memory; the count read, or -1.
static inline long netlab_trace_read(pid_t pid, unsigned long address, void *buffer, size_t length) {
    struct iovec local = { buffer, length };
    struct iovec remote = { (void *)address, length };
    return (long)process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

// Up to 8 pieces of `pid`'s memory in one system call (a sendto()'s bytes and its address,
// a recvfrom()'s bytes and its address's length): each process_vm_readv costs about 2.5 us in
// this VM, a third of netlab's own work per traced call. The pieces land one after the other
// in `buffer`; the count read (a failed piece ends it), or -1.
static inline long netlab_trace_read_pieces(pid_t pid, const unsigned long *addresses, const size_t *lengths, int count,
                                            void *buffer) {
    struct iovec remote[8];
    size_t total = 0;
    if (count > 8) count = 8;
    for (int k = 0; k < count; k++) {
        remote[k].iov_base = (void *)addresses[k];
        remote[k].iov_len = lengths[k];
        total += lengths[k];
    }
    struct iovec local = { buffer, total };
    return (long)process_vm_readv(pid, &local, 1, remote, (unsigned long)count, 0);
}

// Keeps the calling thread on the CPU it runs on now (a child forked next inherits it): a
// traced call hands control to the tracer and back twice, and across CPUs each hand-over is a
// wake-up on another CPU (measured in this VM: about 180 us per traced call across CPUs, 35
// on one). Returns the CPU, or -1.
static inline int netlab_trace_pin_here(void) {
    unsigned cpu = 0;
    if (syscall(SYS_getcpu, &cpu, NULL, NULL) != 0) return -1;
    unsigned long mask[16];
    memset(mask, 0, sizeof mask);
    if (cpu >= sizeof mask * 8) return -1;
    mask[cpu / (8 * sizeof(unsigned long))] = 1UL << (cpu % (8 * sizeof(unsigned long)));
    if (syscall(SYS_sched_setaffinity, 0, sizeof mask, mask) != 0) return -1;
    return (int)cpu;
}

static inline int netlab_wifexited(int status) { return WIFEXITED(status); }
static inline int netlab_wexitstatus(int status) { return WEXITSTATUS(status); }
static inline int netlab_wifsignaled(int status) { return WIFSIGNALED(status); }
static inline int netlab_wtermsig(int status) { return WTERMSIG(status); }
static inline int netlab_wifstopped(int status) { return WIFSTOPPED(status); }
static inline int netlab_wstopsig(int status) { return WSTOPSIG(status); }

#endif
