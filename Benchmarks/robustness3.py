#!/usr/bin/env python3
"""Robustness round 3 (issue 23): the grader, the console's paste and panels, listings.

1. check against an endless body: peak resident memory and time of `netlab check http`
   (one server; then a targets file of 16 such servers).
2. check against hosts that never answer: 1,000 and 10,000 targets lines at --timeout 1,
   each a port whose backlog is full (the kernel drops the SYNs): time and peak memory.
3. a 1 MB paste into the console (tmux): time until a key typed after it is on screen.
4. a key with a report card open whose server sent a 10 MB status line: key-to-screen for 20
   keys (tmux).
5. a listing of a 100,000-file folder while another client fetches a small file in a loop:
   the listing's time and the other client's slowest request, netlab beside nginx (autoindex).

Loopback only; every loop is bounded. Usage: Benchmarks/robustness3.py [path/to/netlab]
Build first: swift build -c release --product netlab
"""
import os, shutil, signal, socket, subprocess, sys, tempfile, threading, time

from proc import free_port, rss_kib

HERE = os.path.dirname(os.path.abspath(__file__))
NETLAB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", ".build", "release", "netlab"))
HOSTILE = os.path.join(HERE, "..", "Tests", "NetlabCLITests", "Fixtures", "HostileServer.py")


def hostile(mode):
    process = subprocess.Popen([sys.executable, HOSTILE, mode], stdout=subprocess.PIPE, text=True)
    port = int(process.stdout.readline().split()[1])
    return process, port


print = __import__("functools").partial(print, flush=True)


def measured(command):
    """Runs `command`, sampling its resident memory every 10 ms: (seconds, peak MiB, stdout bytes)."""
    started = time.time()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        peak = 0
        while process.poll() is None:
            try:
                peak = max(peak, rss_kib(process.pid))
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.01)
        process.wait()
        size = out.tell()
    return time.time() - started, peak / 1024, size


def targets_file(lines):
    handle = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    handle.write("\n".join(lines) + "\n")
    handle.close()
    return handle.name


def grader():
    server, port = hostile("http-endless")
    try:
        seconds, peak, size = measured([NETLAB, "check", "http", "127.0.0.1", str(port), "--timeout", "2", "--json"])
        print(f"1. endless body, one server:  {seconds:5.1f} s, peak RSS {peak:6.1f} MiB, JSON {size / 1e6:.2f} MB")
        path = targets_file([f"s{i} http 127.0.0.1 {port}" for i in range(16)])
        seconds, peak, size = measured([NETLAB, "check", "--targets", path, "--timeout", "2", "--json"])
        os.unlink(path)
        print(f"   endless body, 16 targets:  {seconds:5.1f} s, peak RSS {peak:6.1f} MiB, JSON {size / 1e6:.2f} MB")
    finally:
        server.kill()
    silent, port = hostile("silent")
    try:
        for count in (1_000, 10_000):
            path = targets_file([f"s{i} tcp 127.0.0.1 {port}" for i in range(count)])
            seconds, peak, size = measured([NETLAB, "check", "--targets", path, "--timeout", "1"])
            os.unlink(path)
            print(f"2. {count:6,} silent targets:     {seconds:5.1f} s, peak RSS {peak:6.1f} MiB, summary {size / 1e3:.0f} kB")
    finally:
        silent.kill()


class Tmux:
    def __init__(self, command, width=100, height=30):
        self.name = f"netlab-r3-{os.getpid()}"
        subprocess.run(["tmux", "-L", self.name, "-f", "/dev/null", "new-session", "-d", "-x", str(width), "-y", str(height)]
                       + command, check=True)

    def screen(self):
        return subprocess.run(["tmux", "-L", self.name, "capture-pane", "-p"], capture_output=True, text=True).stdout

    def keys(self, *keys):
        subprocess.run(["tmux", "-L", self.name, "send-keys", *keys], check=True)

    def wait(self, predicate, within=60):
        end = time.time() + within
        while time.time() < end:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.005)
        raise SystemExit("timed out; screen:\n" + self.screen())

    def close(self):
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True)


def console(port):
    return Tmux([NETLAB, "--no-wire", "--host", "127.0.0.1", "--tcp-port", str(port), "--udp-port", str(port),
                 "--http-port", str(free_port()), "--servers", "none"])


def paste():
    session = console(free_port())
    try:
        session.wait(lambda s: "TCP>" in s)
        buffer = tempfile.NamedTemporaryFile("w", delete=False)
        buffer.write("a" * 1_000_000)
        buffer.close()
        subprocess.run(["tmux", "-L", session.name, "load-buffer", buffer.name], check=True)
        started = time.time()
        subprocess.run(["tmux", "-L", session.name, "paste-buffer"], check=True)
        session.keys("C-u")
        session.keys("-l", "zz")
        session.wait(lambda s: "TCP> zz" in s)
        print(f"3. 1 MB paste: a key typed after it is on screen after {time.time() - started:.2f} s")
        os.unlink(buffer.name)
    finally:
        session.close()


TALL_STATUS = """
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    try:
        c.recv(65536); c.sendall(b"HTTP/1.1 200 " + b"A" * 10_000_000 + b"\\r\\nContent-Length: 0\\r\\n\\r\\n")
    except OSError:
        pass
    c.close()
"""


def report_keys():
    server = subprocess.Popen([sys.executable, "-c", TALL_STATUS], stdout=subprocess.PIPE, text=True)
    port = int(server.stdout.readline())
    session = console(port)
    try:
        session.wait(lambda s: "TCP>" in s)
        session.keys("F5")
        session.keys("F5")
        session.wait(lambda s: "HTTP>" in s)
        session.keys("-l", f":port {port}")
        session.keys("Enter")
        session.keys("-l", ":check")
        session.keys("Enter")
        session.wait(lambda s: "passed: lines 1-" in s, within=120)
        times = []
        for index in range(20):
            before = session.screen()
            started = time.time()
            session.keys("Down" if index < 10 else "Up")  # every one moves the card by a line
            session.wait(lambda s: s != before, within=10)
            times.append(time.time() - started)
        times.sort()
        print(f"4. keys with a report card open (10 MB status line): median {times[10] * 1000:.0f} ms, "
              f"slowest {times[-1] * 1000:.0f} ms (through tmux)")
    finally:
        session.close()
        server.kill()


def get(port, path, timeout=30):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        while s.recv(1 << 16):
            pass


def listing_run(port, name):
    slowest = 0.0
    stop = threading.Event()

    def other():
        nonlocal slowest
        while not stop.is_set():
            started = time.time()
            get(port, "/small.txt")
            slowest = max(slowest, time.time() - started)
            time.sleep(0.005)

    get(port, "/small.txt")
    thread = threading.Thread(target=other)
    thread.start()
    time.sleep(0.2)
    started = time.time()
    get(port, "/big/")
    took = time.time() - started
    time.sleep(0.2)
    stop.set()
    thread.join()
    print(f"5. {name:6} listing 100,000 files: {took * 1000:6.0f} ms; the other client's slowest request {slowest * 1000:6.0f} ms")


def listings():
    root = tempfile.mkdtemp(prefix="netlab-r3-")
    try:
        os.mkdir(os.path.join(root, "big"))
        for i in range(100_000):
            open(os.path.join(root, "big", f"f{i:06d}"), "w").close()
        with open(os.path.join(root, "small.txt"), "w") as f:
            f.write("small\n")
        os.chmod(root, 0o755)
        port = free_port()
        netlab = subprocess.Popen(["taskset", "-c", "0", NETLAB, "http-server", "--host", "127.0.0.1", "--port", str(port),
                                   "--root", root, "--list-dirs", "--quiet"], stdout=subprocess.PIPE)
        netlab.stdout.readline()
        time.sleep(0.3)
        try:
            listing_run(port, "netlab")
        finally:
            netlab.kill()
        if shutil.which("nginx"):
            port = free_port()
            config = os.path.join(root, "nginx.conf")
            with open(config, "w") as f:
                f.write(f"worker_processes 1; daemon off; pid {root}/nginx.pid; error_log /dev/null;\n"
                        f"events {{}}\nhttp {{ access_log off; server {{ listen 127.0.0.1:{port}; root {root}; autoindex on; }} }}\n")
            # Its own process group: the worker must go with the master (an orphaned worker
            # would keep this script's output pipe open).
            nginx = subprocess.Popen(["taskset", "-c", "0", "nginx", "-c", config], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
            time.sleep(0.5)
            try:
                listing_run(port, "nginx")
            finally:
                os.killpg(nginx.pid, signal.SIGKILL)
                nginx.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    print(f"netlab: {NETLAB}")
    grader()
    paste()
    report_keys()
    listings()
