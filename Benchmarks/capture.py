#!/usr/bin/env python3
"""Does the capture keep up? netlab's capture and tcpdump (its defaults) on the same bursts, in
the same run, each writing a pcapng file; the frames in each file are counted with tshark, and
each tool's own count of frames the kernel dropped is reported beside them.

Bursts (loopback only, bounded):
1. udp-echo: 2,000 datagrams to netlab's UDP server as fast as Python sends them, every reply
   read (4,000 frames).
2. page: a page and its 20 assets (16-64 KiB) fetched over 6 connections, as a browser does.
3. zero-window: a client that sends 4 MiB to netlab's TCP server without reading, so both
   windows fill and close, then reads every byte back (the refill).

Usage (as root: capturing needs CAP_NET_RAW): Benchmarks/capture.py [path/to/netlab] [repeats]
Build first: swift build -c release --product netlab
"""
import os, re, shutil, socket, subprocess, sys, tempfile, threading, time

from proc import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
NETLAB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", ".build", "release", "netlab"))
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def wait_line(process, needle, limit=10):
    end = time.time() + limit
    seen = b""
    while time.time() < end:
        line = process.stdout.readline()
        seen += line
        if needle in line:
            return
    raise SystemExit(f"no {needle!r} in {seen!r}")


def udp_echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    received = 0
    for i in range(2000):
        s.sendto(b"hello, welcome to the socket lab %d" % i, ("127.0.0.1", port))
    try:
        while received < 2000:
            s.recv(2048)
            received += 1
    except socket.timeout:
        pass
    return f"{received}/2000 replies"


def page(port):
    names = ["/index.html"] + [f"/asset{i:02d}.bin" for i in range(20)]
    queue = list(names)
    lock = threading.Lock()
    fetched = []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                name = queue.pop(0)
            with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
                c.sendall(f"GET {name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
                size = 0
                while True:
                    data = c.recv(65536)
                    if not data:
                        break
                    size += len(data)
            with lock:
                fetched.append(size)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return f"{len(fetched)}/21 responses"


def zero_window(port):
    total = 4 << 20
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    c.setblocking(False)
    sent = 0
    chunk = b"x" * 65536
    stalled_since = None
    while sent < total:
        try:
            sent += c.send(chunk[: min(len(chunk), total - sent)])
            stalled_since = None
        except BlockingIOError:
            # Both windows are full: the refill starts when we read.
            stalled_since = stalled_since or time.time()
            if time.time() - stalled_since > 0.3:
                break
            time.sleep(0.01)
    c.setblocking(True)
    received = 0
    c.shutdown(socket.SHUT_WR) if sent >= total else None
    while received < sent:
        data = c.recv(1 << 20)
        if not data:
            break
        received += len(data)
        if sent < total and received >= sent - 65536:
            # Send the rest once the refill has begun.
            while sent < total:
                sent += c.send(chunk[: min(len(chunk), total - sent)])
            c.shutdown(socket.SHUT_WR)
    c.close()
    return f"{received}/{total} bytes back"


def count_frames(path):
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return 0
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number"], capture_output=True, text=True).stdout
    return len(out.split())


def run_burst(name, port, action):
    directory = tempfile.mkdtemp(prefix="netlab-capture-")
    netlab_file, tcpdump_file = os.path.join(directory, "netlab.pcapng"), os.path.join(directory, "tcpdump.pcapng")
    netlab = subprocess.Popen([NETLAB, "capture", "--port", str(port), "--write", netlab_file], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    tcpdump = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "-w", tcpdump_file, f"port {port} or icmp"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    time.sleep(1.0)  # both listening
    outcome = action(port)
    time.sleep(1.5)  # both delivered
    netlab.terminate()
    tcpdump.terminate()
    netlab_err = netlab.communicate(timeout=10)[1].decode()
    tcpdump_err = tcpdump.communicate(timeout=10)[1].decode()
    netlab_drop = re.search(r"(\d+) dropped by the kernel", netlab_err)
    tcpdump_drop = re.search(r"(\d+) packets dropped by kernel", tcpdump_err)
    n, t = count_frames(netlab_file), count_frames(tcpdump_file)
    shutil.rmtree(directory, ignore_errors=True)
    print(f"{name:12} {outcome:22} tcpdump {t:6} frames (kernel dropped {tcpdump_drop.group(1) if tcpdump_drop else '?'})"
          f"   netlab {n:6} frames (said dropped {netlab_drop.group(1) if netlab_drop else 0})", flush=True)


def main():
    if os.geteuid() != 0:
        raise SystemExit("run as root: capturing needs CAP_NET_RAW")
    root = tempfile.mkdtemp(prefix="netlab-site-")
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write("<html>" + "".join(f'<img src="asset{i:02d}.bin">' for i in range(20)) + "</html>\n")
    for i in range(20):
        with open(os.path.join(root, f"asset{i:02d}.bin"), "wb") as f:
            f.write(os.urandom((16 + (i * 48) // 19) << 10))
    udp_port, http_port, tcp_port = free_port(socket.SOCK_DGRAM), free_port(), free_port()
    servers = [
        subprocess.Popen([NETLAB, "udp-server", "--host", "127.0.0.1", "--port", str(udp_port), "--quiet"], stdout=subprocess.PIPE),
        subprocess.Popen([NETLAB, "http-server", "--host", "127.0.0.1", "--port", str(http_port), "--root", root, "--quiet"],
                         stdout=subprocess.PIPE),
        subprocess.Popen([NETLAB, "tcp-server", "--host", "127.0.0.1", "--port", str(tcp_port), "--quiet"], stdout=subprocess.PIPE),
    ]
    try:
        for server in servers:
            wait_line(server, b"Listening on")
        print(f"netlab: {NETLAB}")
        for _ in range(REPEATS):
            run_burst("udp-echo", udp_port, udp_echo)
            run_burst("page", http_port, page)
            run_burst("zero-window", tcp_port, zero_window)
    finally:
        for server in servers:
            server.kill()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
