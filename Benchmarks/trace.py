#!/usr/bin/env python3
"""What does `netlab run` cost? Three measurements, untraced and traced alternately in one
run, each repeated (this VM's speed drifts: compare within a run):

1. per traced call: a C program makes N sendto() calls of one byte to a closed loopback UDP
   port; (traced - untraced) / N is the cost of one stop, decode and resume.
2. untraced calls stay untraced: the same program making N getppid() calls, which the filter
   lets through: traced should equal untraced.
3. the lab's exchange: TCPClient.py against netlab's TCP server, start to end (Python's start
   dominates), traced vs untraced, as a student sees it.

The tracer pinned to core 0 and the program to core 1 would not be like for like (ptrace
stops cross cores either way), so neither is pinned; CPU time is reported beside wall time.
Usage: Benchmarks/trace.py [path/to/netlab] [repeats]   (build: swift build -c release --product netlab)
"""
import os, resource, shutil, subprocess, sys, tempfile, time

from proc import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
NETLAB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", ".build", "release", "netlab"))
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
CALLS = 20000

LOOP_C = r"""
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
    int n = atoi(argv[1]), port = atoi(argv[3]);
    if (argv[2][0] == 'p') { for (int i = 0; i < n; i++) getppid(); return 0; }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a; memset(&a, 0, sizeof a);
    a.sin_family = AF_INET; a.sin_port = htons(port); a.sin_addr.s_addr = htonl(0x7f000001);
    char byte = 'a';
    for (int i = 0; i < n; i++) sendto(fd, &byte, 1, 0, (struct sockaddr *)&a, sizeof a);
    return 0;
}
"""


def timed(command, stdin=b""):
    """Wall seconds and the children's CPU seconds (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    work = tempfile.mkdtemp(prefix="netlab-trace-bench-")
    try:
        loop = os.path.join(work, "loop")
        with open(loop + ".c", "w") as f:
            f.write(LOOP_C)
        subprocess.run(["cc", "-O2", "-o", loop, loop + ".c"], check=True)
        closed = free_port()
        # Traced rows go to a file (a terminal would measure the terminal).
        rows = os.path.join(work, "rows.txt")
        def per_call(args, extra):
            """Median wall and CPU per call: (traced - untraced) / CALLS, each less its zero-call run (start-up)."""
            runs = {"plain": [], "traced": [], "plain0": [], "traced0": []}
            zero = [args[0] and "0"] + args[1:]
            for _ in range(REPEATS):
                runs["plain"].append(timed([loop] + args))
                runs["traced"].append(timed([NETLAB, "run"] + extra + ["-o", rows, "--", loop] + args))
                runs["plain0"].append(timed([loop] + zero))
                runs["traced0"].append(timed([NETLAB, "run"] + extra + ["-o", rows, "--", loop] + zero))
            m = {k: (median([w for w, _ in v]), median([c for _, c in v])) for k, v in runs.items()}
            wall = ((m["traced"][0] - m["traced0"][0]) - (m["plain"][0] - m["plain0"][0])) / CALLS
            cpu = ((m["traced"][1] - m["traced0"][1]) - (m["plain"][1] - m["plain0"][1])) / CALLS
            return m, wall, cpu

        for name, args in [("sendto", [str(CALLS), "s", str(closed)]), ("getppid", [str(CALLS), "p", "0"])]:
            for label, extra in [("one CPU, with the packets (as root)", []), ("one CPU, --no-wire", ["--no-wire"]),
                                 ("--all-cpus --no-wire", ["--all-cpus", "--no-wire"])]:
                if name == "getppid" and extra:
                    continue
                m, wall, cpu = per_call(args, extra)
                print(f"{name} x{CALLS}, {label}: untraced {m['plain'][0] * 1000:.1f} ms, traced {m['traced'][0] * 1000:.1f} ms "
                      f"(start-up {m['traced0'][0] * 1000:.1f} ms): {wall * 1e6:.1f} us per call wall, {cpu * 1e6:.1f} us cpu")
        # strace on the same loop, as its users run it, for scale (it stops at every call's
        # entry and exit; -o so it measures no terminal).
        if shutil.which("strace"):
            strace = [shutil.which("strace"), "-f", "-e", "trace=sendto", "-o", rows]
            for label, prefix in [("strace, one CPU", ["taskset", "-c", "1"]), ("strace, every CPU", [])]:
                plain = median([timed([loop, str(CALLS), "s", str(closed)])[0] for _ in range(REPEATS)])
                traced = median([timed(prefix + strace + [loop, str(CALLS), "s", str(closed)])[0] for _ in range(REPEATS)])
                print(f"sendto x{CALLS}, {label}: {(traced - plain) / CALLS * 1e6:.1f} us per call wall (start-up included)")
        server_port = free_port()
        server = subprocess.Popen([NETLAB, "tcp-server", "--host", "127.0.0.1", "--port", str(server_port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        client = [sys.executable, os.path.join(HERE, "..", "Tests", "NetlabCLITests", "Fixtures", "TCPClient.py"),
                  "127.0.0.1", str(server_port)]
        plain, traced, calls_only = [], [], []
        for _ in range(REPEATS * 2):
            plain.append(timed(client, b"hello\n"))
            traced.append(timed([NETLAB, "run", "-o", rows, "--"] + client, b"hello\n"))
            calls_only.append(timed([NETLAB, "run", "--no-wire", "-o", rows, "--"] + client, b"hello\n"))
        server.kill()
        p = median([w for w, _ in plain])
        for label, runs in [("with the packets (as root)", traced), ("--no-wire", calls_only)]:
            t = median([w for w, _ in runs])
            print(f"lab exchange (TCPClient.py), {label}: untraced {p * 1000:.1f} ms, traced {t * 1000:.1f} ms: {t / p:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
