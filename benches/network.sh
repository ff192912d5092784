#!/usr/bin/env bash
# Networking benchmarks (issue 5), as root on Debian 12:
#  1. the cost of network setup in `rcon run --rm IMAGE true`: --network none
#     (loopback only) vs the default bridge vs the bridge with a published
#     port (hyperfine);
#  2. TCP throughput to a container through a published port (127.0.0.1:PORT,
#     DNAT) vs directly to its address (iperf3; the server is the host's
#     iperf3 run inside the container's network namespace with nsenter).
# Uses a temp store with an image built from busybox-static; removes it after.
#
#   bash benches/network.sh [path/to/rcon]      (default: target/release/rcon)
set -euo pipefail
cd "$(dirname "$0")/.."
RCON=$(realpath "${1:-target/release/rcon}")
for t in hyperfine iperf3 nsenter busybox; do
    command -v "$t" >/dev/null || { echo "benches/network.sh: $t is missing (apt-get install hyperfine iperf3 util-linux busybox-static)" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/rcon-netbench.XXXXXX)
R=("$RCON" --root "$tmp/root" --runroot "$tmp/run")
cleanup() { "${R[@]}" rm -f nbsrv >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

mkdir -p "$tmp/ctx"
cp "$(command -v busybox)" "$tmp/ctx/busybox"
cat >"$tmp/ctx/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "mkdir", "-p", "/usr/bin", "/sbin", "/usr/sbin", "/tmp", "/etc"]
RUN ["/bin/busybox", "--install", "-s"]
EOF
"${R[@]}" build -q -t nb "$tmp/ctx" >/dev/null

echo "== network setup in run --rm (hyperfine)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("",0)); print(s.getsockname()[1])')
hyperfine -N --warmup 5 --runs 50 \
    -n none "${R[*]} run --rm --network none nb true" \
    -n bridge "${R[*]} run --rm nb true" \
    -n "bridge -p" "${R[*]} run --rm -p $port:80 nb true"

echo "== network setup, interleaved (none, bridge, -p in turn; 200 rounds; median, p25, min)"
# Back-to-back runs of one kind (hyperfine above) make each -p run wait for
# the previous run's element deletion to be freed (an RCU grace period under
# nf_tables' commit mutex); interleaving measures a run on its own.
python3 - "$port" "${R[@]}" <<'PY'
import statistics, subprocess, sys, time
port, rcon = sys.argv[1], sys.argv[2:]
kinds = {"none": ["--network", "none"], "bridge": [], "bridge -p": ["-p", f"{port}:80"]}
t = {k: [] for k in kinds}
for _ in range(200):
    for k, a in kinds.items():
        s = time.perf_counter()
        subprocess.run(rcon + ["run", "--rm", *a, "nb", "true"], check=True, stdout=subprocess.DEVNULL)
        t[k].append((time.perf_counter() - s) * 1000)
for k, x in t.items():
    x.sort()
    print(f"{k:10s} median {statistics.median(x):5.1f} ms  p25 {x[len(x) // 4]:5.1f}  min {x[0]:5.1f}")
PY

echo "== throughput: published port vs direct (iperf3, 10 s each)"
id=$("${R[@]}" run -d --name nbsrv -p 5201:5201 nb sleep 3600)
pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$tmp/root/containers/$id/state.json")
cip=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["attachments"][0]["ip"])' "$tmp/root/containers/$id/network.json")
nsenter -t "$pid" -n iperf3 -s -D --pidfile "$tmp/iperf.pid"
sleep 0.3
rate() { iperf3 -c "$1" -p 5201 -t 10 -J | python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))'; }
direct=$(rate "$cip")
published=$(rate 127.0.0.1)
kill "$(cat "$tmp/iperf.pid")" 2>/dev/null || true
echo "direct to $cip:5201:        $direct Gbit/s"
echo "published 127.0.0.1:5201:   $published Gbit/s"
python3 -c "print('published/direct: %.0f%%' % (100*$published/$direct))"
