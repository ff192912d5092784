#!/usr/bin/env bash
# The cost of detached containers' monitors, beside podman's conmon when
# podman is installed:
#   - RSS and PSS (/proc/PID/smaps_rollup) of each monitor with COUNT (100)
#     detached `sleep` containers running, as mean per container;
#   - the monitor's log throughput: `yes | head -c YES_BYTES` (default
#     200 MB: 100 M lines) in a detached container, from `run -d` to `wait`,
#     and the monitor's CPU time (default rotation keeps 100 MiB of log).
# Results go to BENCH_OUT (default target/bench); record them in
# BENCHMARKS.md by hand. RCON=path measures another rcon binary; PODMAN=0
# skips podman.
#
#   flock /tmp/rcon-itest.lock bash benches/monitor.sh
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init monitor docker-registry skopeo /bin/busybox
COUNT=${COUNT:-100}
bench_rcon
# The binary's pages must be clean page cache (not just written), or they
# count as private in smaps.
sync

work=$(mktemp -d /tmp/rcon-bench.XXXXXX)
R=("$RCON" --root "$work/rcon" --runroot "$work/rcon-run")
P=
cleanup() {
    "${R[@]}" rm -f $("${R[@]}" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    if [ -n "$P" ]; then
        $P rm -f -t 0 -a >/dev/null 2>&1 || true
        $P system reset -f >/dev/null 2>&1 || true
    fi
    registry_stop
    rm -rf "$work"
}
trap cleanup EXIT

bench_image "$work"
"${R[@]}" pull -q "$image" >/dev/null

# sum_memory PID...: prints "RSS_KIB PSS_KIB" summed over the pids.
sum_memory() {
    local pid rss=0 pss=0 r p
    for pid in "$@"; do
        read -r r p < <(awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} END {print r, p}' "/proc/$pid/smaps_rollup")
        rss=$((rss + r)); pss=$((pss + p))
    done
    echo "$rss $pss"
}

# ppid PID: the parent of PID (a container's monitor is its init's parent).
ppid() { awk '{print $4}' "/proc/$1/stat"; }

step "$COUNT detached containers: monitor memory"
monitors=()
for i in $(seq 1 "$COUNT"); do
    id=$("${R[@]}" run -d --network none "$image" sleep 100000)
    monitors+=("$(ppid "$("${R[@]}" inspect -f '{{.State.Pid}}' "$id")")")
done
sleep 1
read -r rss pss < <(sum_memory "${monitors[@]}")
{
    echo "rcon monitor, $COUNT running: RSS $(awk "BEGIN {printf \"%.2f\", $rss/1024/$COUNT}") MiB, PSS $(awk "BEGIN {printf \"%.2f\", $pss/1024/$COUNT}") MiB per container"
} | tee "$out/monitor.txt"
"${R[@]}" rm -f $("${R[@]}" ps -aq) >/dev/null

if [ "${PODMAN:-1}" = 1 ] && command -v podman >/dev/null; then
    P="podman --root $work/podman --runroot $work/podman-run $PODMAN_FLAGS"
    $P pull -q --tls-verify=false "$image" >/dev/null
    for i in $(seq 1 "$COUNT"); do
        $P run -d --network none $PODMAN_RUN_FLAGS "$image" sleep 100000 >/dev/null
    done
    sleep 1
    conmons=()
    for id in $($P ps -q --no-trunc); do
        conmons+=("$(ppid "$($P inspect -f '{{.State.Pid}}' "$id")")")
    done
    read -r rss pss < <(sum_memory "${conmons[@]}")
    echo "podman conmon, ${#conmons[@]} running: RSS $(awk "BEGIN {printf \"%.2f\", $rss/1024/${#conmons[@]}}") MiB, PSS $(awk "BEGIN {printf \"%.2f\", $pss/1024/${#conmons[@]}}") MiB per container" | tee -a "$out/monitor.txt"
    $P rm -f -t 0 -a >/dev/null 2>&1
fi

YES_BYTES=${YES_BYTES:-200000000}
step "log throughput: $YES_BYTES bytes of yes"
start=$(date +%s.%N)
id=$("${R[@]}" run -d --network none "$image" sh -c "sleep 0.2; yes | head -c $YES_BYTES")
mon=$(ppid "$("${R[@]}" inspect -f '{{.State.Pid}}' "$id")")
"${R[@]}" wait "$id" >/dev/null &
waiter=$!
# The monitor's CPU time (utime + stime, clock ticks) just before it exits.
ticks=0
while t=$(awk '{print $14 + $15}' "/proc/$mon/stat" 2>/dev/null); do ticks=$t; sleep 0.05; done
wait "$waiter"
end=$(date +%s.%N)
size=$(cat "$work/rcon/containers/$id"/ctr.log* | wc -c)
echo "rcon: $YES_BYTES bytes of 'yes' logged in $(awk "BEGIN {printf \"%.2f\", $end - $start}") s, monitor CPU $(awk "BEGIN {printf \"%.2f\", $ticks / $(getconf CLK_TCK)}") s; log kept: $(awk "BEGIN {printf \"%.1f\", $size/1048576}") MiB in $(ls "$work/rcon/containers/$id"/ctr.log* | wc -l) files" | tee -a "$out/monitor.txt"

step "results in $out"
cat "$out/monitor.txt"
