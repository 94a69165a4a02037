// netlab --private and netlab shell: a network of netlab's own, without privilege. Linux's
// user namespaces let an unprivileged process make a network namespace in which it holds
// CAP_NET_RAW, so capturing needs no root there. Everything here runs in a forked child
// before an exec (a user namespace can be made or joined only by a single-threaded
// process), so only system calls are made, and a step that fails reports its errno and
// which step it was through a close-on-exec pipe.
#ifndef NETLAB_PRIVATE_SHIM_H
#define NETLAB_PRIVATE_SHIM_H

// No _GNU_SOURCE: it changes glibc's own types (fd_set's member), and Swift then finds two
// definitions of them (this module's and Dispatch's) and stops. The two calls glibc declares
// only under it are declared here, and the namespace flags come from the kernel's header.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

extern int unshare(int flags);
extern int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5);
extern int setns(int fd, int nstype);

// The steps, as reported with errno when one fails.
enum {
    NETLAB_PRIVATE_UNSHARE = 1,
    NETLAB_PRIVATE_SETGROUPS = 2,
    NETLAB_PRIVATE_UID_MAP = 3,
    NETLAB_PRIVATE_GID_MAP = 4,
    NETLAB_PRIVATE_EXEC = 6,
    NETLAB_PRIVATE_JOIN_USER = 7,
    NETLAB_PRIVATE_JOIN_NET = 8,
};

static inline int netlab_private_write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t length = strlen(text);
    ssize_t written = write(fd, text, length);
    int error = errno;
    close(fd);
    errno = error;
    return written == (ssize_t)length ? 0 : -1;
}

static inline void netlab_private_fail(int report, int step) {
    int message[2] = { step, errno };
    (void)!write(report, message, sizeof message);
    _exit(127);
}

// The child's signals as a shell would give them (the parent may ignore or block some).
static inline void netlab_private_default_signals(void) {
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
}

// Forks a child that makes a new user and network namespace (the caller's user and group
// are root in it, as `unshare --map-root-user` makes them) and execs `path`: netlab, which
// brings the namespace's loopback up itself (socket calls belong to NetLabSockets). Returns
// the child's pid, or -1 with errno. `report`: the write end of a close-on-exec pipe, which
// carries the failed step and errno.
static inline pid_t netlab_private_spawn(const char *path, char *const argv[], char *const envp[], int report) {
    uid_t uid = getuid();
    gid_t gid = getgid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    netlab_private_default_signals();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) netlab_private_fail(report, NETLAB_PRIVATE_UNSHARE);
    char map[64];
    // An unprivileged process may map only its own ids, and its group only once setgroups()
    // is denied in the namespace.
    if (netlab_private_write_file("/proc/self/setgroups", "deny") != 0 && errno != ENOENT)
        netlab_private_fail(report, NETLAB_PRIVATE_SETGROUPS);
    snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
    if (netlab_private_write_file("/proc/self/uid_map", map) != 0) netlab_private_fail(report, NETLAB_PRIVATE_UID_MAP);
    snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
    if (netlab_private_write_file("/proc/self/gid_map", map) != 0) netlab_private_fail(report, NETLAB_PRIVATE_GID_MAP);
    execve(path, argv, envp);
    netlab_private_fail(report, NETLAB_PRIVATE_EXEC);
    return -1;
}

// Host b of `--hosts 2`: forks a child that makes a network namespace of its own (inside the
// private network's user namespace) and holds it until netlab ends (it is killed when its
// parent dies). Returns its pid once the namespace exists, or -1 with errno.
static inline pid_t netlab_private_second_host(void) {
    int ready[2];
    if (pipe(ready) != 0) return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(ready[0]);
        close(ready[1]);
        return -1;
    }
    if (pid == 0) {
        close(ready[0]);
        prctl(1 /* PR_SET_PDEATHSIG */, SIGKILL, 0, 0, 0);
        if (getppid() != parent) _exit(1);
        char made = unshare(CLONE_NEWNET) == 0 ? 1 : 0;
        ssize_t ignored = write(ready[1], &made, 1);
        (void)ignored;
        close(ready[1]);
        if (!made) _exit(1);
        for (;;) pause();
    }
    close(ready[1]);
    char made = 0;
    ssize_t got = read(ready[0], &made, 1);
    close(ready[0]);
    if (got != 1 || !made) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        errno = EPERM;
        return -1;
    }
    return pid;
}

// Forks a child that joins the user and network namespaces of process `target` (a running
// `netlab --private`) and execs `path` there. Returns its pid, or -1 with errno.
static inline pid_t netlab_private_join(pid_t target, const char *path, char *const argv[], char *const envp[], int report) {
    char user[64], net[64];
    snprintf(user, sizeof user, "/proc/%d/ns/user", (int)target);
    snprintf(net, sizeof net, "/proc/%d/ns/net", (int)target);
    pid_t pid = fork();
    if (pid != 0) return pid;
    netlab_private_default_signals();
    int userFd = open(user, O_RDONLY | O_CLOEXEC);
    if (userFd < 0 || setns(userFd, CLONE_NEWUSER) != 0) netlab_private_fail(report, NETLAB_PRIVATE_JOIN_USER);
    int netFd = open(net, O_RDONLY | O_CLOEXEC);
    if (netFd < 0 || setns(netFd, CLONE_NEWNET) != 0) netlab_private_fail(report, NETLAB_PRIVATE_JOIN_NET);
    execve(path, argv, envp);
    netlab_private_fail(report, NETLAB_PRIVATE_EXEC);
    return -1;
}

// `:shell`: forks a child that becomes a process group of its own and the terminal's
// foreground (`tty`) before it execs `path`, as a job-control shell starts a job: an
// interactive shell that started in the background would stop itself at its first read.
// The parent makes the same two calls (whichever runs first wins the race). Returns the pid.
static inline pid_t netlab_foreground_spawn(const char *path, char *const argv[], char *const envp[], int tty) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    setpgid(0, 0);
    signal(SIGTTOU, SIG_IGN);
    tcsetpgrp(tty, getpid());
    int defaults[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH, SIGCHLD };
    for (unsigned k = 0; k < sizeof defaults / sizeof defaults[0]; k++) signal(defaults[k], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    execve(path, argv, envp);
    _exit(127);
}

#endif
