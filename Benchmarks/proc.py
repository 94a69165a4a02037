"""What the benchmark scripts ask of the system: a free loopback port, and a process's
resident memory and CPU time from /proc. One copy, imported by suite.py, console_flood.py
and robustness.py."""
import os, socket


def free_port(kind=socket.SOCK_STREAM):
    """A loopback port that was free a moment ago (bound to port 0, then released)."""
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User plus system CPU time of `pid`, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid):
    """User plus system CPU time of every process in process group `pgid` (a server with
    workers, such as nginx's master and worker), in seconds."""
    user, system = group_cpu_split(pgid)
    return user + system


def group_cpu_split(pgid):
    """User and system CPU time, apart, of every process in process group `pgid`, in seconds
    (the kernel counts them by tick: read over thousands of requests, not one)."""
    user = system = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            user += int(fields[11])
            system += int(fields[12])
    ticks = os.sysconf("SC_CLK_TCK")
    return user / ticks, system / ticks
