#!/usr/bin/env python3
"""Hostile clients against the release binary: the five figures of the robustness targets.

1. pipelining flood: one client pipelines GETs for 8 s and never reads; the http-server's
   peak resident memory (target < 200 MB) and a second client's request time meanwhile.
2. descriptor limit: http-server under `ulimit -n 256`, 400 stalled downloads; the server's
   CPU over 5 s at the limit (target < 20% of a core) and its log lines meanwhile (target 1).
3. console after a 10 MB reply: key-to-screen through tmux, 20 keys, in the normal layout
   and in presenter mode (target < 100 ms).
4. stalled stdout: tcp-server with stdout a pipe nobody reads, 256 MiB echoed through it,
   with its default log and with --hex (about 1.2 GB of dump lines, which must be dropped);
   peak resident memory (target < 300 MB) and the time SIGTERM takes (target < 3 s).
5. lockout: tcp-server with 1,024 idle connections (--idle-timeout 5): what a new client
   gets meanwhile, and when it is served (target: served once the idle ones time out).

Loopback only; every loop is bounded. Usage: Benchmarks/robustness.py [path/to/netlab]
Build first: swift build -c release --product netlab
"""
import os, resource, select, signal, socket, subprocess, sys, time

from proc import cpu_seconds, free_port, rss_kib


def rss_mib(pid):
    return rss_kib(pid) / 1024

HERE = os.path.dirname(os.path.abspath(__file__))
NETLAB = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", ".build", "release", "netlab")








def start(args, stdout=subprocess.PIPE, shell_limit=None):
    if shell_limit:
        command = ["/bin/sh", "-c", f'ulimit -n {shell_limit} && exec "$@"', "sh", NETLAB, *args]
    else:
        command = [NETLAB, *args]
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.STDOUT)
    return process


def wait_listening(process, deadline=10):
    """Reads the server's stdout until its Listening line; returns what was read."""
    text = b""
    end = time.time() + deadline
    while b"Listening on" not in text and time.time() < end:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            text += chunk
    if b"Listening on" not in text:
        raise SystemExit(f"server did not start: {text!r}")
    return text


def get(port, path="/"):
    start_time = time.time()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data, (time.time() - start_time) * 1000


def pipelining_flood():
    port = free_port()
    server = start(["http-server", "--host", "127.0.0.1", "--port", str(port), "--quiet"])
    wait_listening(server)
    flooder = socket.create_connection(("127.0.0.1", port))
    flooder.setblocking(False)
    batch = b"GET /HelloWorld.html HTTP/1.1\r\nHost: x\r\n\r\n" * 1000
    sent, peak, end = 0, 0.0, time.time() + 8
    while time.time() < end:
        try:
            sent += flooder.send(batch)
        except BlockingIOError:
            select.select([], [flooder], [], 0.05)
        peak = max(peak, rss_mib(server.pid))
    _, ms = get(port)
    peak = max(peak, rss_mib(server.pid))
    flooder.close()
    server.send_signal(signal.SIGINT)
    server.wait(10)
    print(f"1. pipelining flood, 8 s: server accepted {sent / 2**20:.1f} MiB of requests, peak RSS {peak:.1f} MiB; "
          f"another client's GET took {ms:.1f} ms meanwhile")


def descriptor_limit():
    root = f"/tmp/netlab-robust-{os.getpid()}"
    os.makedirs(root, exist_ok=True)
    with open(f"{root}/big.bin", "wb") as f:
        f.write(b"\0" * (4 << 20))
    port = free_port()
    server = start(["http-server", "--host", "127.0.0.1", "--port", str(port), "--root", root, "--idle-timeout", "60"],
                   shell_limit=256)
    log = wait_listening(server)
    clients = []
    for _ in range(400):
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        clients.append(c)
    time.sleep(0.5)
    for c in clients:
        try:
            c.send(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        except OSError:
            pass
    time.sleep(1)  # let the server reach the limit
    before, lines_before = cpu_seconds(server.pid), log.count(b"\n")
    start_time = time.time()
    while time.time() - start_time < 5:
        ready, _, _ = select.select([server.stdout], [], [], 0.2)
        if ready:
            log += os.read(server.stdout.fileno(), 1 << 20)
    cpu = (cpu_seconds(server.pid) - before) / (time.time() - start_time)
    window = log.decode(errors="replace").splitlines()[lines_before:]
    quiet_lines = len(window)
    kinds = {
        "access-log": sum(1 for line in window if '" 503 ' in line or '" 200 ' in line),
        "turned away (503)": sum(1 for line in window if "answered 503" in line),
        "reset at the limit": sum(1 for line in window if "connection reset)" in line),
        "EMFILE": sum(1 for line in window if "EMFILE" in line),
    }
    for c in clients:
        c.close()
    time.sleep(2)
    _, ms = get(port, "/")
    server.send_signal(signal.SIGINT)
    rest, _ = server.communicate(timeout=10)
    log += rest
    shortage = [line for line in log.decode(errors="replace").splitlines() if "accepting" in line or "EMFILE" in line]
    print(f"2. descriptor limit (ulimit -n 256, 400 stalled downloads): server CPU {cpu * 100:.1f}% of a core over 5 s "
          f"at the limit, {quiet_lines} log lines in those 5 s ({kinds}); after the clients left a GET took {ms:.1f} ms")
    for line in shortage:
        print("   " + line)
    os.remove(f"{root}/big.bin")
    os.rmdir(root)


def console_after_big_reply():
    big = subprocess.Popen([sys.executable, "-c", """
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept(); c.recv(1024); c.sendall(b"A" * (10 << 20)); c.close()
"""], stdout=subprocess.PIPE, text=True)
    big_port = int(big.stdout.readline())
    sock = f"netlab-robust-{os.getpid()}"

    def tmux(*args):
        return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True).stdout

    port = free_port()
    tmux("-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", "-e", "LANG=C.UTF-8",
         f"{NETLAB} --host 127.0.0.1 --tcp-port {port} --udp-port {port} --http-port {free_port()} --servers none; sleep 30")
    tmux("set-option", "-g", "escape-time", "0")

    def wait_for(needle, seconds=30):
        end = time.time() + seconds
        while time.time() < end:
            if needle in tmux("capture-pane", "-p"):
                return True
            time.sleep(0.002)
        return False

    wait_for("TCP :")
    tmux("send-keys", "-l", f":port {big_port}")
    tmux("send-keys", "Enter")
    tmux("send-keys", "-l", "hello")
    tmux("send-keys", "Enter")
    wait_for("10485760 bytes")
    shell = int(tmux("display-message", "-p", "#{pane_pid}").strip() or 0)
    children = subprocess.run(["pgrep", "-P", str(shell)], capture_output=True, text=True).stdout.split()
    console_rss = rss_mib(int(children[0])) if children else 0.0
    results = {}
    for layout in ["normal", "presenter"]:
        if layout == "presenter":
            tmux("send-keys", "F7")
            wait_for("netlab presenter")
        latencies, typed = [], ""
        for i in range(20):
            key = "abcdefghij"[i % 10]
            typed += key
            start_time = time.time()
            tmux("send-keys", "-l", key)
            if not wait_for("> " + typed, 10):
                latencies.append(10_000)
                continue
            latencies.append((time.time() - start_time) * 1000)
        tmux("send-keys", "C-u")
        latencies.sort()
        results[layout] = latencies
    tmux("kill-server")
    big.kill()
    for layout, values in results.items():
        print(f"3. console after a 10 MB reply, {layout} layout, 20 keys: key-to-screen p50 {values[10]:.1f} ms, "
              f"max {values[-1]:.1f} ms (through tmux capture-pane polling)")
    print(f"   console RSS after the reply: {console_rss:.1f} MiB")


def stalled_stdout(extra=()):
    port = free_port()
    read_end, write_end = os.pipe()
    server = subprocess.Popen([NETLAB, "tcp-server", "--host", "127.0.0.1", "--port", str(port), *extra],
                              stdout=write_end, stderr=subprocess.DEVNULL)
    os.close(write_end)
    # Read only the start-up lines, then never again.
    text = b""
    while b"Listening on" not in text:
        select.select([read_end], [], [], 10)
        text += os.read(read_end, 4096)
    total, peak = 256 << 20, 0.0
    chunk = b"x" * (1 << 20)
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setblocking(False)
        sent = received = 0
        while received < total:
            writable = [s] if sent < total else []
            r, w, _ = select.select([s], writable, [], 5)
            if not r and not w:
                break
            if w:
                try:
                    sent += s.send(chunk[: min(len(chunk), total - sent)])
                except BlockingIOError:
                    pass
            if r:
                data = s.recv(1 << 20)
                if not data:
                    break
                received += len(data)
            peak = max(peak, rss_mib(server.pid))
    start_time = time.time()
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(10)
        stop = f"{time.time() - start_time:.2f} s, exit status {server.returncode}"
    except subprocess.TimeoutExpired:
        server.kill()
        stop = "did not stop within 10 s"
    os.close(read_end)
    flags = " ".join(extra) or "(default log)"
    print(f"4. stalled stdout, tcp-server {flags}: {received / 2**20:.0f} MiB echoed, server peak RSS {peak:.1f} MiB; "
          f"SIGTERM took {stop}")


def lockout():
    port = free_port()
    server = start(["tcp-server", "--host", "127.0.0.1", "--port", str(port), "--idle-timeout", "5"])
    wait_listening(server)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(1024)]
    time.sleep(0.5)
    start_time = time.time()
    first, served_at = None, None
    while time.time() - start_time < 15:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(b"hello")
                s.shutdown(socket.SHUT_WR)
                reply = s.recv(100)
            outcome = f"reply {reply!r}"
        except OSError as error:
            outcome = type(error).__name__
        if first is None:
            first = outcome
        if outcome == "reply b'HELLO'":
            served_at = time.time() - start_time
            break
        time.sleep(0.1)
    for s in idle:
        s.close()
    server.send_signal(signal.SIGINT)
    server.wait(10)
    served = f"served {served_at:.1f} s after the 1,024 idle ones connected" if served_at else "never served within 15 s"
    print(f"5. lockout (1,024 idle clients, --idle-timeout 5): a new client first got {first}; {served}")


if __name__ == "__main__":
    print(f"# robustness, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, {NETLAB}")
    for case in [pipelining_flood, descriptor_limit, console_after_big_reply, stalled_stdout,
                 lambda: stalled_stdout(["--hex"]), lockout]:
        case()
