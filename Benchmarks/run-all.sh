#!/bin/sh
# The whole benchmark suite in one command: installs the peers (wrk, nginx, iperf3, tmux) when
# missing, builds netlab in release mode, and runs Benchmarks/suite.py, which prints netlab vs
# each peer with ratios and writes Benchmarks/results/latest.md.
# Usage: Benchmarks/run-all.sh [--quick] [--only http,udp,tcp,micro,flood]
set -eu
cd "$(dirname "$0")/.."
missing=""
for tool in wrk nginx iperf3 tmux cc python3; do
    command -v "$tool" > /dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    apt-get update -qq && apt-get install -y -qq wrk nginx-light iperf3 tmux gcc python3 libncursesw5-dev > /dev/null
fi
swift build -c release --product netlab
exec python3 Benchmarks/suite.py "$@"
