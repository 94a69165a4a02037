#!/usr/bin/env python3
"""Heap allocations per request of netlab's uppercase servers, on the lab's own exchange.

Each server runs with Benchmarks/malloccount.c preloaded (it counts every malloc, calloc,
realloc and aligned allocation of the process), pinned to core 0; loadgen (1 client, core 1)
plays the lab's client. After a one-second warm-up the count is read, loadgen runs for
SECONDS, the count is read again: the difference over the requests served is the figure.

HTTP: wrk with one connection (keep-alive, or a new connection per request) on 1 KiB and
1 MiB files of a temporary --root.

Usage: NETLAB=.build/release/netlab Benchmarks/allocations.py [SECONDS]
"""
import os, re, signal, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proc import free_port
from suite import FIXTURES, HERE, NETLAB, PIN_LOAD, PIN_SERVER, Server

COUNTER = os.path.join(tempfile.gettempdir(), f"netlab-malloccount-{os.getpid()}.so")
LOADGEN = os.path.join(tempfile.gettempdir(), f"netlab-loadgen-alloc-{os.getpid()}")


def load(kind, port, seconds):
    if kind.startswith("http"):
        # wrk, one connection; kind is "http PATH [HEADER]".
        _, path, *header = kind.split(" ", 2)
        extra = ["-H", header[0]] if header else []
        out = subprocess.run(PIN_LOAD + ["wrk", "-t1", "-c1", f"-d{max(1, int(seconds))}s", *extra, f"http://127.0.0.1:{port}{path}"],
                             capture_output=True, text=True).stdout
        found = re.search(r"(\d+) requests in", out)
        if not found or "Non-2xx" in out or "Socket errors" in out:
            raise SystemExit(f"wrk failed: {out}")
        return float(found.group(1))
    out = subprocess.run(PIN_LOAD + [LOADGEN, kind, str(port), str(seconds), "1"], capture_output=True, text=True).stdout
    numbers = re.findall(r"[\d.]+", out)
    if len(numbers) < 2 or int(float(numbers[1])) != 0:
        raise SystemExit(f"loadgen {kind} failed: {out}")
    # loadgen counts for `seconds` after a warm-up of a tenth of that.
    return float(numbers[0]) * seconds * 1.1


def measure(name, kind, cmd, seconds):
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)
    saved = {key: os.environ.get(key) for key in ("LD_PRELOAD", "MALLOCCOUNT_FD")}
    os.environ["LD_PRELOAD"] = COUNTER
    os.environ["MALLOCCOUNT_FD"] = str(write_end)
    port = free_port()
    try:
        server = Server(cmd + ["--port", str(port)], port, kind=kind.split(" ")[0], pass_fds=(write_end,))
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    os.close(write_end)
    reader = os.fdopen(read_end)

    def count():
        os.kill(server.proc.pid, signal.SIGUSR2)
        return int(reader.readline())

    try:
        load(kind, port, 1)
        before = count()
        requests = load(kind, port, seconds)
        after = count()
    finally:
        server.stop()
        reader.close()
    per = (after - before) / requests
    print(f"  {name:<44} {per:8.1f} allocations per request ({requests:,.0f} requests)", flush=True)
    return per


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", COUNTER, os.path.join(HERE, "malloccount.c")], check=True)
    subprocess.run(["cc", "-O2", "-pthread", "-o", LOADGEN, os.path.join(HERE, "loadgen.c")], check=True)
    print(f"heap allocations per request, {NETLAB}")
    try:
        base = [NETLAB]
        measure("udp-server --quiet", "udp", base + ["udp-server", "--host", "127.0.0.1", "--quiet"], seconds)
        measure("udp-server (its log, to /dev/null)", "udp", base + ["udp-server", "--host", "127.0.0.1"], seconds)
        measure("tcp-server --one-message --quiet", "tcp", base + ["tcp-server", "--host", "127.0.0.1", "--one-message", "--quiet"],
                seconds)
        measure("tcp-server --one-message (its log, to /dev/null)", "tcp", base + ["tcp-server", "--host", "127.0.0.1", "--one-message"], seconds)
        measure("tcp-server --quiet (waits for the client's FIN)", "tcp", base + ["tcp-server", "--host", "127.0.0.1", "--quiet"],
                seconds)
        www = tempfile.mkdtemp(prefix="netlab-alloc-www-")
        for name, size in (("1k.bin", 1024), ("1m.bin", 1 << 20)):
            with open(os.path.join(www, name), "wb") as f:
                f.write(bytes(i % 251 for i in range(size)))
        http = base + ["http-server", "--host", "127.0.0.1", "--root", www, "--quiet"]
        measure("http-server --quiet, 1 KiB, keep-alive", "http /1k.bin", http, seconds)
        measure("http-server --quiet, 1 KiB, Connection: close", "http /1k.bin Connection: close", http, seconds)
        measure("http-server --quiet, 1 MiB, Connection: close", "http /1m.bin Connection: close", http, seconds)
    finally:
        for program in (COUNTER, LOADGEN):
            os.path.exists(program) and os.remove(program)


if __name__ == "__main__":
    main()
