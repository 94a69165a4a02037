#!/usr/bin/env python3
"""Round trips per second against netlab's uppercase servers and the lab's Python servers.

Same client, same machine, same run: the client sends a message and waits for its reply,
N times in a row (UDP: one datagram each; TCP: one connection per message, as the lab's
client does). Usage: Benchmarks/uppercase_roundtrips.py [path/to/netlab] [rounds]
Build netlab first: swift build -c release
"""
import os, socket, subprocess, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Tests", "NetlabCLITests", "Fixtures")
NETLAB = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", ".build", "release", "netlab")
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
MESSAGE = b"hello, welcome to the socket lab"


def start(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for raw in proc.stdout:
        line = raw.decode()
        port = None
        if line.startswith("port "):
            port = int(line.split()[1])
        if line.startswith("Listening on "):
            port = int(line.split()[2].rsplit(":", 1)[1])
        if port is not None:
            # Keep reading the server's log (one line per request) so it never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, port
    raise SystemExit("server did not start: " + " ".join(cmd))


def udp_rounds(port, rounds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    begin = time.perf_counter()
    for _ in range(rounds):
        s.sendto(MESSAGE, ("127.0.0.1", port))
        reply, _ = s.recvfrom(2048)
        assert reply == MESSAGE.upper()
    return rounds / (time.perf_counter() - begin)


def tcp_rounds(port, rounds):
    begin = time.perf_counter()
    for _ in range(rounds):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(("127.0.0.1", port))
        s.sendall(MESSAGE)
        reply = s.recv(1024)  # the lab's client: one recv, no half-close
        assert reply == MESSAGE.upper()
        s.close()
    return rounds / (time.perf_counter() - begin)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(kind, cmd, rounds):
    proc, port = start(cmd)
    try:
        run = udp_rounds if kind == "udp" else tcp_rounds
        run(port, min(1000, rounds))  # warm up
        cpu0 = cpu_seconds(proc.pid)
        rate = run(port, rounds)
        cpu = cpu_seconds(proc.pid) - cpu0
        return rate, cpu / rounds * 1e6
    finally:
        proc.terminate()
        proc.wait()


def main():
    print(f"{ROUNDS} round trips each, loopback, {os.cpu_count()} cores")
    print(f"{'test':<34} {'round trips/s':>14} {'server CPU us/req':>18}")
    for kind in ("udp", "tcp"):
        lab = "UDPServer.py" if kind == "udp" else "TCPServer.py"
        rows = [
            (f"netlab {kind}-server", [NETLAB, f"{kind}-server", "--host", "127.0.0.1", "--port", "0", "--quiet"]),
            (f"lab {lab}", [sys.executable, "-u", os.path.join(FIXTURES, lab), "0"]),
        ]
        results = []
        for name, cmd in rows:
            rate, cpu = measure(kind, cmd, ROUNDS if kind == "udp" else ROUNDS // 4)
            results.append(rate)
            print(f"{name:<34} {rate:>14,.0f} {cpu:>18.1f}")
        print(f"{'  ratio netlab / lab':<34} {results[0] / results[1]:>14.2f}x")


if __name__ == "__main__":
    main()
