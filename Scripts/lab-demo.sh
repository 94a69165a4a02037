#!/bin/sh
# The lab's three questions, played by netlab alone on this machine (loopback, port 12000
# unless NETLAB_PORT says otherwise). Run from the repository after `swift build -c release`.
set -u
netlab=${NETLAB:-$(dirname "$0")/../.build/release/netlab}
port=${NETLAB_PORT:-12000}
other=$((port + 1))
[ -x "$netlab" ] || { echo "build first: swift build -c release" >&2; exit 1; }

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
# Shows a netlab command as a user would type it, runs it, and prints its exit code.
show() { printf '$ netlab %s\n' "$*"; "$netlab" "$@"; echo "(exit code $?)"; }

say "1. TCP client before TCP server"
show tcp-client --port "$port" hello, welcome to lab

say "2. UDP client before UDP server"
show udp-client --port "$port" hello, welcome
show udp-client --port "$port" --connected hello, welcome

say "Now the servers start (as in another terminal)"
"$netlab" tcp-server --port "$port" & tcp=$!
"$netlab" udp-server --port "$port" & udp=$!
trap 'kill $tcp $udp 2>/dev/null' EXIT
# Wait (at most 5 s) until both answer.
i=0
until "$netlab" tcp-client --port "$port" --timeout 1 ping >/dev/null 2>&1 \
    && "$netlab" udp-client --port "$port" --timeout 1 ping >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 50 ] || { echo "servers did not start" >&2; exit 1; }; sleep 0.1
done
show tcp-client --port "$port" hello, welcome to lab
show udp-client --port "$port" hello, welcome

say "3. Client and server on different ports"
show tcp-client --port "$other" hello
show udp-client --port "$other" hello
