#!/usr/bin/env python3
"""The console under a flood of UDP datagrams: input-to-screen latency and memory.

Runs the release console in a detached tmux (120x40) with its UDP server on, floods that
server from this process, and meanwhile types a key every 200 ms, timing how long until
tmux shows it on screen (tmux adds its own few ms). Reports latency percentiles, events the
console ingested per second, and the console's resident memory before and after.
With the capture on (as root), the timeline gets two wire rows per exchange as well, and
the kernel's drop count (from pcap's statistics, shown in the pane title) is reported.
Usage: Benchmarks/console_flood.py [path/to/netlab] [datagrams] [--no-wire]
FLOOD_VIEW=ladder (or calls, wire) floods with the timeline in that view (`:view ladder`)
Build first: swift build -c release
"""
import os, re, select, socket, subprocess, sys, threading, time

from proc import free_port as _free_port, rss_kib


def free_port():
    return _free_port(socket.SOCK_DGRAM)

HERE = os.path.dirname(os.path.abspath(__file__))
NETLAB = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", ".build", "release", "netlab")
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 500_000
EXTRA = " ".join(sys.argv[3:])
SOCK = f"netlab-flood-{os.getpid()}"
# netlab's own part of the latency: from reading a key to writing its frame (NETLAB_KEY_LATENCY_LOG).
INSIDE = f"/tmp/netlab-flood-keys-{os.getpid()}.txt"


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCK, *args], capture_output=True, text=True).stdout


class Control:
    """One tmux client in control mode (`tmux -C`): each key and each look at the screen is a
    command on its pipe, not a process. A tmux process per look, spawned in a tight loop on
    two cores already full with the flood, measured the spawning: a slow key's time went to
    send-keys taking 65 ms to return and 120 ms from netlab's frame to the look that saw it."""

    def __init__(self):
        self.process = subprocess.Popen(["tmux", "-L", SOCK, "-C", "attach"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, bufsize=0)
        self.out = self.process.stdout
        self.buffered = b""

    def _line(self, deadline):
        while b"\n" not in self.buffered:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.out], [], [], left)[0]:
                return None
            chunk = os.read(self.out.fileno(), 1 << 16)
            if not chunk:
                return None
            self.buffered += chunk
        line, self.buffered = self.buffered.split(b"\n", 1)
        return line

    def command(self, text, timeout=5):
        """Runs a command; returns its output's lines (between %begin and %end)."""
        self.process.stdin.write(text.encode() + b"\n")
        deadline = time.monotonic() + timeout
        body, inside = [], False
        while (line := self._line(deadline)) is not None:
            if line.startswith(b"%begin"):
                inside = True
            elif inside and (line.startswith(b"%end") or line.startswith(b"%error")):
                return body
            elif inside:
                body.append(line.decode(errors="replace"))
        raise SystemExit(f"tmux did not answer {text!r}")

    def next_output(self, deadline):
        """Waits for the pane's next output (a %output notice); False at the deadline."""
        while (line := self._line(deadline)) is not None:
            if line.startswith(b"%output"):
                return True
        return False

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=5)


def main():
    port = free_port()
    subprocess.run(["tmux", "-L", SOCK, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40",
                    "-e", "LANG=C.UTF-8", "-e", f"NETLAB_KEY_LATENCY_LOG={INSIDE}", f"{NETLAB} --host 127.0.0.1 --udp-port {port} --tcp-port {port} --servers udp {EXTRA}"])
    tmux("set-option", "-g", "escape-time", "0")
    deadline = time.time() + 10
    while "UDP :%d  ON" % port not in tmux("capture-pane", "-p"):
        if time.time() > deadline:
            raise SystemExit("console did not start")
        time.sleep(0.05)
    pids = subprocess.run(["pgrep", "-f", f"udp-port {port}"], capture_output=True, text=True).stdout.split()
    pid = next(int(p) for p in pids if open(f"/proc/{p}/comm").read().strip() == "netlab")
    view = os.environ.get("FLOOD_VIEW")
    if view:
        tmux("send-keys", "-l", f":view {view}")
        tmux("send-keys", "Enter")
        while f"timeline: " not in tmux("capture-pane", "-p"):
            time.sleep(0.05)
    rss_before = rss_kib(pid)

    done = threading.Event()
    def flood():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
        message = b"flood of lowercase datagrams"
        for i in range(COUNT):
            s.sendto(message, ("127.0.0.1", port))
        done.set()
    started = time.time()
    threading.Thread(target=flood, daemon=True).start()

    latencies = []
    # Per key, on CLOCK_MONOTONIC (ns): typed (send-keys sent), send-keys answered, seen.
    stamps = []
    typed = 0
    control = Control()
    while not done.is_set() or typed < 5:
        typed += 1
        t0 = time.monotonic_ns()
        control.command("send-keys -l x")
        t1 = time.monotonic_ns()
        target = "TCP> " + "x" * typed
        deadline = time.monotonic() + 5
        # A look at the screen now, then one after each output of the pane until the key shows.
        while not any(target in line for line in control.command("capture-pane -p")):
            if not control.next_output(deadline):
                break
        t2 = time.monotonic_ns()
        latencies.append((t2 - t0) / 1e6)
        stamps.append((t0, t1, t2))
        time.sleep(0.2)
    flood_seconds = time.time() - started
    control.close()
    screen = tmux("capture-pane", "-p")
    rss_after = rss_kib(pid)
    tmux("send-keys", "F10")
    time.sleep(0.5)
    tmux("kill-server")

    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    newest = max((int(n) for n in re.findall(r"#(\d+) ", screen)), default=0)
    wire = "WIRE  on" in screen
    dropped = re.search(r"kernel dropped (\d+)", screen)
    print(f"datagrams sent: {COUNT} in {flood_seconds:.1f} s; console's timeline reached row #{newest} "
          f"({newest / flood_seconds:,.0f} rows/s, plus a log line per message)")
    print(f"wire: {'on' if wire else 'off'}; kernel dropped {dropped.group(1) if dropped else 0} frames (pane title)")
    print(f"key-to-screen latency over {len(latencies)} keys: p50 {pick(0.5):.1f} ms, p90 {pick(0.9):.1f} ms, "
          f"p99 {pick(0.99):.1f} ms, max {latencies[-1]:.1f} ms")
    lines = [l.split() for l in open(INSIDE).read().splitlines()] if os.path.exists(INSIDE) else []
    os.unlink(INSIDE) if os.path.exists(INSIDE) else None
    inside = sorted(float(l[0]) for l in lines) or [0.0]
    # Where each key's time went: netlab's (read, drawn) matched to the key typed before it.
    reads = [(int(l[1]), int(l[2])) for l in lines if len(l) == 3]
    parts = []
    for t0, t1, t2 in stamps:
        mine = [(r, w) for r, w in reads if t0 <= r <= t2]
        if len(mine) == 1:
            r, w = mine[0]
            parts.append(((t2 - t0) / 1e6, (t1 - t0) / 1e6, (r - t0) / 1e6, (w - r) / 1e6, (t2 - w) / 1e6))
    if parts:
        parts.sort(reverse=True)
        print("slowest keys, ms: total = typed-to-read (send-keys answered after) + read-to-drawn + drawn-to-seen")
        for total, send, wait, draw, seen in parts[:3]:
            print(f"  {total:.1f} = {wait:.1f} ({send:.1f}) + {draw:.1f} + {seen:.1f}")
    pin = lambda q: inside[min(len(inside) - 1, int(q * len(inside)))]
    print(f"inside netlab, key read to frame written, over {len(inside)} keys: p50 {pin(0.5):.1f} ms, "
          f"p99 {pin(0.99):.1f} ms, max {inside[-1]:.1f} ms")
    print(f"console RSS: {rss_before / 1024:.1f} MiB before, {rss_after / 1024:.1f} MiB after")


if __name__ == "__main__":
    main()
