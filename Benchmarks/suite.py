#!/usr/bin/env python3
"""netlab against what a user would pick instead, side by side, in one run on one machine.

Runs every load test one after another on loopback and prints one table of netlab vs each
peer with the ratio (also written to Benchmarks/results/latest.md):

Each load test runs 3 rounds of 3 s, the servers taking turns (in a rotating order); the median round is shown, and
each ratio is the median of the rounds' ratios (a round against the peer's round of the same
pass) with its lowest and highest.
Like for like: every server is pinned to core 0 and the load generator to core 1 (taskset),
and each figure comes with the server's CPU time per request.

  HTTP   wrk (1 thread, 16 connections) against netlab http-server (--quiet, and with its
         access log to a file), nginx (1 worker, access_log off, and logging to a file) and
         python3 -m http.server: 1 KiB and 1 MiB files, keep-alive and Connection: close;
         requests/s, p50, p99, server CPU per request
  UDP    round trips/s and server CPU per request, netlab udp-server (--quiet, and with its
         log to a file) vs the lab's UDPServer.py and the floor (Benchmarks/floor.c: recvfrom
         and sendto, nothing else), driven by the same client (loadgen, 1 and 4 clients)
  TCP    the same with the lab's one-message client, vs TCPServer.py and the floor (accept,
         recv, send, close), netlab in both modes (--one-message, and waiting for the
         client's close); bulk echo on one connection vs iperf3's one-way loopback figure
  micro  swift package --package-path Benchmarks benchmark: ns/op and allocations of the hot paths
  flood  the console under a UDP flood: events/s, key-to-screen latency, memory

Usage: Benchmarks/suite.py [--quick] [--only http,udp,tcp,micro,flood]
Run through Benchmarks/run-all.sh, which installs the tools and builds in release mode.
"""
import argparse, json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, threading, time

from proc import cpu_seconds, free_port, group_cpu_seconds, group_cpu_split

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NETLAB = os.environ.get("NETLAB", os.path.join(ROOT, ".build", "release", "netlab"))
FIXTURES = os.path.join(ROOT, "Tests", "NetlabCLITests", "Fixtures")
LOADGEN = os.path.join(tempfile.gettempdir(), f"netlab-loadgen-{os.getpid()}")
FLOOR = os.path.join(tempfile.gettempdir(), f"netlab-floor-{os.getpid()}")
# Servers on core 0, load generators on core 1 (with fewer cores, nothing is pinned).
PIN_SERVER = ["taskset", "-c", "0"] if (os.cpu_count() or 1) >= 2 and shutil.which("taskset") else []
PIN_LOAD = ["taskset", "-c", "1"] if PIN_SERVER else []

rows = []  # (area, case, netlab figure, peer name, peer figure, ratio text)


def row(area, case, netlab, peer="", peer_value="", ratio=""):
    rows.append((area, case, netlab, peer, peer_value, ratio))
    print(f"  {area:<6} {case:<40} {netlab:>24}  {peer:<15} {peer_value:>24}  {ratio}", flush=True)






class Server:
    """A server process started on a free port, stopped on exit."""

    def __init__(self, cmd, port, kind="tcp", cwd=None, log=None, pass_fds=()):
        """`log`: a file for the server's stdout (a server that logs, as its users run it)."""
        self.port = port
        self.log = open(log, "wb") if log else None
        self.proc = subprocess.Popen(PIN_SERVER + cmd, cwd=cwd, stdout=self.log or subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True, pass_fds=pass_fds)
        deadline = time.time() + 10
        while not self.ready(kind):
            if time.time() > deadline or self.proc.poll() is not None:
                raise SystemExit("server did not start: " + " ".join(cmd))
            time.sleep(0.05)

    def ready(self, kind):
        if kind == "udp":
            return os.path.exists(f"/proc/{self.proc.pid}") and self.udp_bound()
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def udp_bound(self):
        with open("/proc/net/udp") as f:
            return any(line.split()[1].endswith(":%04X" % self.port) for line in f.readlines()[1:])

    def cpu(self):
        """CPU seconds of the server's whole process group (nginx: master and worker)."""
        return group_cpu_seconds(self.proc.pid)

    def cpu_split(self):
        """The same, as (user, system) seconds."""
        return group_cpu_split(self.proc.pid)

    def stop(self):
        if self.log:
            self.log.close()
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


def loadgen(mode, port, seconds, threads):
    out = subprocess.run(PIN_LOAD + [LOADGEN, mode, str(port), str(seconds), str(threads)], capture_output=True, text=True).stdout
    numbers = re.findall(r"[\d.]+", out)
    if len(numbers) < 2:
        raise SystemExit(f"loadgen {mode} failed: {out}")
    if int(float(numbers[1])) != 0:
        raise SystemExit(f"loadgen {mode} saw wrong replies: {out}")
    return float(numbers[0])


ROUNDS = 3


def median(results):
    """The result whose first figure is the median of the rounds."""
    ordered = sorted(results, key=lambda r: r[0])
    return ordered[len(ordered) // 2]


def ratio(a, b, higher_is_better=True):
    if not a or not b:
        return ""
    return f"{(a / b if higher_is_better else b / a):.2f}x"


def ratios(mine, peer, key=lambda r: r, higher_is_better=True):
    """The ratio of each round to the peer's round of the same pass (the servers take turns),
    as `median (lowest-highest)`: the VM's drift between passes cancels within a pass."""
    values = sorted((key(m) / key(p) if higher_is_better else key(p) / key(m)) for m, p in zip(mine, peer) if key(m) and key(p))
    if not values:
        return ""
    middle = values[len(values) // 2]
    return f"{middle:.2f}x ({values[0]:.2f}-{values[-1]:.2f})" if len(values) > 1 else f"{middle:.2f}x"


# --- UDP and TCP uppercase -------------------------------------------------------------

def rotated(items, shift):
    """The servers' order for pass `shift`: each pass starts one later, so no server always
    runs first or after the same one. Order matters: a pass of Connection: close leaves tens
    of thousands of TIME_WAIT sockets, and once the kernel's table (tcp_max_tw_buckets) is
    full the next server's closes skip making them (TcpExtTCPTimeWaitOverflow counts it)."""
    shift %= max(1, len(items))
    return items[shift:] + items[:shift]


def uppercase(seconds, kinds):
    """Every server against the floor, the same loadgen for all. netlab's TCP default (serve
    until the client closes) leaves TIME_WAIT on the client's side, which slows every later
    connect() for a minute, so its variants run last; --one-message closes first, like the lab."""
    logdir = tempfile.mkdtemp(prefix="netlab-logs-")
    for kind in kinds:
        lab = "UDPServer.py" if kind == "udp" else "TCPServer.py"
        variants = [("floor", [FLOOR, kind], None), (lab, [sys.executable, os.path.join(FIXTURES, lab)], None)]
        server = "udp-server" if kind == "udp" else "tcp-server"
        modes = [[]] if kind == "udp" else [["--one-message"], []]
        for mode in modes:
            suffix = " --one-message" if mode else ""
            base = [NETLAB, server, "--host", "127.0.0.1", *mode]
            variants.append((f"netlab{suffix} --quiet", base + ["--quiet"], None))
            variants.append((f"netlab{suffix} with its log", base, os.path.join(logdir, "log.txt")))
        last = 0 if kind == "udp" else 2  # TCP's waiting variants go last
        for threads in (1, 4):
            runs = {name: [] for name, _, _ in variants}
            first, tail = (variants, []) if last == 0 else (variants[:-last], variants[-last:])
            # Each pass starts with the next server (see `rotated`).
            schedule = [v for r in range(ROUNDS) for v in rotated(first, r)] + [v for v in tail for _ in range(ROUNDS)]
            for name, cmd, log in schedule:
                port = free_port()
                full = cmd + ([str(port)] if not name.startswith("netlab") else ["--port", str(port)])
                server_process = Server(full, port, kind=kind, log=log)
                try:
                    cpu0 = server_process.cpu()
                    rate = loadgen(kind, port, seconds, threads)
                    cpu = server_process.cpu() - cpu0
                    # loadgen counts for `seconds` after a warm-up of a tenth of that.
                    runs[name].append((rate, cpu / (rate * seconds * 1.1) * 1e6))
                finally:
                    server_process.stop()
            figures = {name: median(found) for name, found in runs.items()}
            what = "round trips/s" if kind == "udp" else "connections/s"
            clients = f"{threads} client" + ("s" if threads > 1 else "")
            f_rate, f_cpu = figures["floor"]
            l_rate, l_cpu = figures[lab]
            row(kind.upper(), f"floor (C, {'recvfrom+sendto' if kind == 'udp' else 'accept+recv+send+close'}), {clients}",
                f"{f_rate:,.0f}/s, {f_cpu:.1f} us/req")
            for name, _, _ in variants[1:]:
                n_rate, n_cpu = figures[name]
                # Ratios round by round (median, lowest-highest); the figures are the median rounds.
                row(kind.upper(), f"{name}, {clients}: {what}", f"{n_rate:,.0f}", "floor", f"{f_rate:,.0f}",
                    ratios(runs[name], runs["floor"], key=lambda r: r[0]) + " the floor")
                row(kind.upper(), f"{name}, {clients}: CPU us/req", f"{n_cpu:.1f}", "floor", f"{f_cpu:.1f}",
                    ratios(runs[name], runs["floor"], key=lambda r: r[1]) + " the floor")
                if name != lab:
                    row(kind.upper(), f"{name}, {clients}: CPU us/req vs the lab's", f"{n_cpu:.1f}", lab, f"{l_cpu:.1f}",
                        ratios(runs[name], runs[lab], key=lambda r: r[1]) + f" {lab}")
    shutil.rmtree(logdir, ignore_errors=True)


def bulk(seconds):
    port = free_port()
    server = Server([NETLAB, "tcp-server", "--host", "127.0.0.1", "--port", str(port), "--quiet"], port)
    try:
        echo = loadgen("bulk", port, seconds, 1)
    finally:
        server.stop()
    if not shutil.which("iperf3"):
        row("TCP", "bulk echo MB/s, 1 connection", f"{echo:,.0f}", "iperf3", "not installed")
        return
    port = free_port()
    iperf = subprocess.Popen(["iperf3", "-s", "-1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    out = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", str(seconds), "-J"], capture_output=True, text=True).stdout
    iperf.wait(timeout=10)
    one_way = json.loads(out)["end"]["sum_received"]["bits_per_second"] / 8e6
    row("TCP", "bulk echo MB/s, 1 connection", f"{echo:,.0f}", "iperf3 one-way", f"{one_way:,.0f}", f"{echo / one_way:.2f} of it")


# --- HTTP ------------------------------------------------------------------------------

def wrk(port, path, seconds, close):
    cmd = ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{port}/{path}"]
    if close:
        cmd[1:1] = ["-H", "Connection: close"]
    out = subprocess.run(PIN_LOAD + cmd, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses from port {port}")
    return rps, p50, p99


def user_kernel(rounds):
    """`user / kernel` us per request, the medians of the rounds (rps, p50, p99, cpu, user, kernel)."""
    return f"{statistics.median(r[4] for r in rounds):.1f} / {statistics.median(r[5] for r in rounds):.1f}"


def nginx_conf(www, port, log):
    access = f"access_log {www}/access-{port}.log;" if log else "access_log off;"
    conf = os.path.join(www, f"nginx-{port}.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off; worker_processes 1; pid {www}/nginx-{port}.pid; error_log {www}/error.log;
events {{ worker_connections 1024; }}
http {{ {access} sendfile on; tcp_nopush on;
  client_body_temp_path {www}; proxy_temp_path {www}; fastcgi_temp_path {www}; uwsgi_temp_path {www}; scgi_temp_path {www};
  server {{ listen 127.0.0.1:{port}; root {www}; }} }}
""")
    return conf


def http(seconds):
    www = tempfile.mkdtemp(prefix="netlab-www-")
    with open(os.path.join(www, "1k.bin"), "wb") as f:
        f.write(os.urandom(1024))
    with open(os.path.join(www, "1m.bin"), "wb") as f:
        f.write(os.urandom(1024 * 1024))
    servers = {}
    try:
        port = free_port()
        servers["netlab --quiet"] = Server([NETLAB, "http-server", "--host", "127.0.0.1", "--port", str(port), "--root", www,
                                            "--quiet"], port)
        port = free_port()
        servers["netlab with its log"] = Server([NETLAB, "http-server", "--host", "127.0.0.1", "--port", str(port), "--root", www],
                                                port, log=os.path.join(www, "netlab-access.log"))
        if shutil.which("nginx"):
            for log in (False, True):
                port = free_port()
                servers["nginx, logging" if log else "nginx"] = Server(
                    ["nginx", "-c", nginx_conf(www, port, log), "-e", f"{www}/error.log"], port)
        port = free_port()
        servers["python"] = Server([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)], port, cwd=www)
        pairs = [("netlab --quiet", "nginx", "nginx 1 worker, no log"),
                 ("netlab with its log", "nginx, logging", "nginx 1 worker, logging"),
                 ("netlab with its log", "python", "python3 -m http.server")]
        for path in ("1k.bin", "1m.bin"):
            for close in (False, True):
                case = f"{'1 KiB' if path == '1k.bin' else '1 MiB'} {'close' if close else 'keep-alive'}"
                # Servers take turns, ROUNDS times; the round with the median rate is reported.
                runs = {name: [] for name in servers}
                for r in range(ROUNDS):
                    for name, server in rotated(list(servers.items()), r):
                        user0, system0 = server.cpu_split()
                        rps, p50, p99 = wrk(server.port, path, seconds, close)
                        user1, system1 = server.cpu_split()
                        per_request = 1e6 / (rps * seconds)
                        user_us, system_us = (user1 - user0) * per_request, (system1 - system0) * per_request
                        runs[name].append((rps, p50, p99, user_us + system_us, user_us, system_us))
                results = {name: median(found) for name, found in runs.items()}
                for mine, peer, label in pairs:
                    if peer not in results:
                        continue
                    n, p = results[mine], results[peer]
                    row("HTTP", f"{case}, {mine}: req/s (p50, p99)", f"{n[0]:,.0f} ({n[1]}, {n[2]})",
                        label, f"{p[0]:,.0f} ({p[1]}, {p[2]})", ratios(runs[mine], runs[peer], key=lambda r: r[0]))
                    row("HTTP", f"{case}, {mine}: CPU us/req", f"{n[3]:.1f}", label, f"{p[3]:.1f}",
                        ratios(runs[mine], runs[peer], key=lambda r: r[3], higher_is_better=False))
                    if peer == "nginx":
                        # Where the time goes: in the kernel (system calls, the loopback's
                        # packets) or in the server's own code (user).
                        row("HTTP", f"{case}, {mine}: CPU us/req, user / kernel", user_kernel(runs[mine]), label,
                            user_kernel(runs[peer]), ratios(runs[mine], runs[peer], key=lambda r: r[4], higher_is_better=False))
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(www, ignore_errors=True)


# --- Micro benchmarks ----------------------------------------------------------------

def micro():
    out = subprocess.run(["swift", "package", "--package-path", "Benchmarks", "--disable-sandbox", "benchmark", "--format", "markdown", "--no-progress"],
                         cwd=ROOT, capture_output=True, text=True).stdout
    for name, body in re.findall(r"^### (.+?)\n(.*?)(?=^### |\Z)", out, re.M | re.S):
        time_line = re.search(r"\| Time \(wall clock\) \((\S+)\) \*\s*\|([^\n]+)", body)
        malloc_line = re.search(r"\| Malloc \(total\) \*\s*\|([^\n]+)", body)
        if not time_line:
            continue
        unit, cells = time_line.group(1), [c.strip() for c in time_line.group(2).split("|")]
        p50 = float(cells[2].replace(",", ""))
        ns = p50 * {"ns": 1, "μs": 1e3, "us": 1e3, "ms": 1e6}.get(unit, 1)
        mallocs = [c.strip() for c in malloc_line.group(1).split("|")][2] if malloc_line else "?"
        row("micro", name.strip(), f"{ns:,.0f} ns/op, {mallocs} mallocs")


# --- Console flood -------------------------------------------------------------------

def flood(count):
    # As root the console captures (WIRE on); --no-wire is the same console without the capture.
    for extra in ([], ["--no-wire"]):
        out = subprocess.run([sys.executable, os.path.join(HERE, "console_flood.py"), NETLAB, str(count), *extra],
                             capture_output=True, text=True).stdout
        rows = re.search(r"\(([\d,]+) rows/s", out)
        wire = re.search(r"wire: (on|off); kernel dropped (\d+)", out)
        latency = re.search(r"p50 ([\d.]+) ms, p90 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms", out)
        memory = re.search(r"RSS: ([\d.]+) MiB before, ([\d.]+) MiB after", out)
        inside = re.search(r"frame written, over \d+ keys: p50 ([\d.]+) ms, p99 ([\d.]+) ms", out)
        slowest = re.search(r"^  ([\d.]+) = ([\d.]+) \(([\d.]+)\) \+ ([\d.]+) \+ ([\d.]+)$", out, re.M)
        if not (rows and wire and latency and memory and inside):
            raise SystemExit("console_flood.py failed:\n" + out)
        label = f"WIRE {wire.group(1)}"
        row("flood", f"{label}: {count:,} datagrams, timeline rows/s", rows.group(1))
        row("flood", f"{label}: key-to-screen p50 / p90 / p99 / max",
            f"{latency.group(1)} / {latency.group(2)} / {latency.group(3)} / {latency.group(4)} ms")
        row("flood", f"{label}: netlab's own key-to-frame p50 / p99", f"{inside.group(1)} / {inside.group(2)} ms")
        if slowest:
            row("flood", f"{label}: slowest key: typed-to-read + read-to-drawn + drawn-to-seen",
                f"{slowest.group(1)} = {slowest.group(2)} + {slowest.group(4)} + {slowest.group(5)} ms")
        row("flood", f"{label}: frames the kernel dropped (pane title)", wire.group(2))
        row("flood", f"{label}: resident memory before / after", f"{memory.group(1)} / {memory.group(2)} MiB")


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    kernel = os.uname().release
    return f"{os.cpu_count()} cores ({cpu}), Linux {kernel}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs (1-2 s each) to check that everything works")
    parser.add_argument("--only", default="http,udp,tcp,micro,flood", help="comma list of http,udp,tcp,micro,flood")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    global ROUNDS
    seconds = 1 if args.quick else 3
    ROUNDS = 1 if args.quick else 3
    if not os.path.exists(NETLAB):
        raise SystemExit(f"{NETLAB} is missing: run Benchmarks/run-all.sh (it builds in release mode)")
    subprocess.run(["cc", "-O2", "-pthread", "-o", LOADGEN, os.path.join(HERE, "loadgen.c")], check=True)
    subprocess.run(["cc", "-O2", "-o", FLOOR, os.path.join(HERE, "floor.c")], check=True)
    print(f"netlab benchmark suite on {machine()}")
    print("  pinned: servers on core 0, load generators on core 1" if PIN_SERVER else "  not pinned (fewer than 2 cores)")
    print(f"  {'area':<6} {'case':<40} {'netlab':>24}  {'peer':<15} {'peer figure':>24}  ratio")
    try:
        if "http" in parts:
            http(seconds)
        if "udp" in parts or "tcp" in parts:
            uppercase(seconds, [kind for kind in ("udp", "tcp") if kind in parts])
        if "tcp" in parts:
            bulk(seconds)
        if "micro" in parts:
            micro()
        if "flood" in parts:
            flood(100_000 if args.quick else 1_000_000)
    finally:
        for program in (LOADGEN, FLOOR):
            os.path.exists(program) and os.remove(program)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "latest.md"), "w") as f:
        f.write(f"Measured on {machine()} by `Benchmarks/run-all.sh`.\n\n")
        f.write("| area | case | netlab | peer | peer figure | netlab vs peer |\n|---|---|---:|---|---:|---:|\n")
        for r in rows:
            f.write("| " + " | ".join(r) + " |\n")
    print(f"table written to {os.path.relpath(os.path.join(HERE, 'results', 'latest.md'))}")


if __name__ == "__main__":
    main()
