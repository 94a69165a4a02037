#!/bin/bash
# Profiles one server under the lab's load, the way issue 30's profiles were taken: the server
# pinned to core 0, the load on core 1, `perf record` sampling the server's CPU clock (a
# software event: this VM has no hardware counters) with call graphs. Prints the rate, the
# server's CPU per request, where that time goes by system call (microseconds per request),
# and the user-space functions with the most samples. Needs root (or perf_event_paranoid <= 1),
# perf and a built loadgen/wrk.
#
#   Benchmarks/profile.sh tcp  -- .build/release/netlab tcp-server --host 127.0.0.1 --port PORT --quiet --one-message
#   Benchmarks/profile.sh udp  -- .build/release/netlab udp-server --host 127.0.0.1 --port PORT
#   Benchmarks/profile.sh http:/1k.bin:close -- .build/release/netlab http-server --host 127.0.0.1 --port PORT --root DIR --quiet
#
# PORT in the command is replaced by a free port. The samples stay in $PROFILE_OUT
# (default /tmp/netlab-profile.data) for `perf report -i`.
set -euo pipefail
if [ $# -lt 3 ] || [ "$2" != "--" ]; then
    sed -n 2,14p "$0" | sed 's/^# \{0,1\}//'
    exit 64
fi
kind=$1
shift 2
case $kind in
    tcp | udp | http:/*) ;;
    *)
        echo "profile.sh: $kind is not tcp, udp or http:PATH[:close]" >&2
        exit 64 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
out=${PROFILE_OUT:-/tmp/netlab-profile.data}
seconds=${PROFILE_SECONDS:-4}
command -v perf > /dev/null || { echo "profile.sh: perf is missing: apt-get install linux-perf" >&2; exit 1; }
loadgen=$(mktemp /tmp/netlab-loadgen-XXXXXX)
trap 'rm -f "$loadgen"' EXIT
cc -O2 -pthread -o "$loadgen" "$here/loadgen.c"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
args=()
for word in "$@"; do args+=("${word//PORT/$port}"); done
taskset -c 0 "${args[@]}" > /dev/null 2>&1 &
server=$!
trap 'kill $server 2> /dev/null; rm -f "$loadgen"' EXIT
sleep 0.7
pids=$(echo $server $(pgrep -P $server || true) | tr ' ' ',')
perf record -F 2000 -e cpu-clock -g -p "$pids" -o "$out" -- sleep "$seconds" > /dev/null 2>&1 &
recorder=$!
case $kind in
    tcp | udp)
        rate=$(taskset -c 1 "$loadgen" "$kind" "$port" "$seconds" 1 | awk '{print $1}') ;;
    http:*)
        IFS=: read -r _ path close <<< "$kind"
        header=()
        [ "${close:-}" = close ] && header=(-H "Connection: close")
        rate=$(taskset -c 1 wrk -t1 -c16 -d"${seconds}s" "${header[@]}" "http://127.0.0.1:$port$path" | awk '/^Requests\/sec/ {print $2}') ;;
esac
wait $recorder
samples=$(perf script -i "$out" -F tid 2> /dev/null | wc -l)
echo "$rate requests/s; $(echo "$samples * 500 / ($rate * $seconds)" | bc -l | cut -c1-6) us of server CPU per request (sampled)"
echo "by system call, us per request (children included):"
perf report -i "$out" --stdio --children --sort sym -g none 2> /dev/null \
    | grep -E '__x64_sys_|handle_softirqs|do_syscall_64$' \
    | awk -v r="$rate" -v t="$samples" -v s="$seconds" '{ gsub("%", "", $1); printf "  %-32s %7.2f\n", $NF, $1 / 100 * t * 500 / (r * s) }'
echo "user space, most samples (self):"
perf report -i "$out" --stdio --no-children --sort dso,sym -g none 2> /dev/null | grep '%' | grep -v '\[k\]' | head -15 | cut -c1-150
