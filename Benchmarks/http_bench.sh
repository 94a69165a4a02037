#!/bin/sh
# HTTP load test: netlab http-server vs python3 -m http.server vs nginx (1 worker), the same
# files, the same wrk, one after another in this run, all on loopback.
# Needs: wrk, python3, nginx (optional; skipped when missing). Build first: swift build -c release
# Usage: Benchmarks/http_bench.sh [seconds per run, default 5]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
netlab=${NETLAB:-$here/../.build/release/netlab}
seconds=${1:-5}
work=$(mktemp -d)
trap 'kill $pids 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
pids=""
mkdir -p "$work/www"
head -c 1024 /dev/urandom > "$work/www/1k.bin"
head -c 1048576 /dev/urandom > "$work/www/1m.bin"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { i=0; until curl -s -o /dev/null "http://127.0.0.1:$1/1k.bin"; do i=$((i+1)); [ $i -lt 100 ] || exit 1; sleep 0.05; done; }

p_netlab=$(free_port); "$netlab" http-server --host 127.0.0.1 --port "$p_netlab" --root "$work/www" > /dev/null & pids="$pids $!"
p_python=$(free_port); (cd "$work/www" && exec python3 -m http.server --bind 127.0.0.1 "$p_python" > /dev/null 2>&1) & pids="$pids $!"
p_nginx=""
if command -v nginx > /dev/null; then
    p_nginx=$(free_port)
    cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    server { listen 127.0.0.1:$p_nginx; root $work/www; }
    client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
}
CONF
    nginx -c "$work/nginx.conf"
fi
for p in $p_netlab $p_python $p_nginx; do wait_port "$p"; done

# One wrk run; prints "requests/s p50 p99".
load() { # port file extra-header
    if [ -n "$3" ]; then out=$(wrk -t2 -c32 -d"${seconds}s" --latency -H "$3" "http://127.0.0.1:$1/$2"); else
        out=$(wrk -t2 -c32 -d"${seconds}s" --latency "http://127.0.0.1:$1/$2"); fi
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    echo "$rps $p50 $p99"
}

printf '%-26s %-8s %12s %10s %10s %14s\n' "case" "server" "requests/s" "p50" "p99" "netlab ratio"
for file in 1k.bin 1m.bin; do
    for mode in keep-alive close; do
        header=""; [ "$mode" = close ] && header="Connection: close"
        set -- $(load "$p_netlab" "$file" "$header"); n_rps=$1
        printf '%-26s %-8s %12s %10s %10s %14s\n' "$file $mode" netlab "$1" "$2" "$3" ""
        set -- $(load "$p_python" "$file" "$header")
        printf '%-26s %-8s %12s %10s %10s %13.1fx\n' "" python "$1" "$2" "$3" "$(echo "$n_rps $1" | awk '{print $1/$2}')"
        if [ -n "$p_nginx" ]; then
            set -- $(load "$p_nginx" "$file" "$header")
            printf '%-26s %-8s %12s %10s %10s %13.2fx\n' "" nginx "$1" "$2" "$3" "$(echo "$n_rps $1" | awk '{print $1/$2}')"
        fi
    done
done
