#!/usr/bin/env bash
# Benchmarks (hyperfine) of detached containers, beside podman when installed:
#   - `rcon run -d IMAGE sleep 1000` (image present; the container removed
#     between runs by --prepare)
#   - `rcon ps -a` with 100 containers in the store (created, not started)
# Results go to BENCH_OUT (default target/bench); record them in
# BENCHMARKS.md by hand.
#
#   bash benches/lifecycle.sh            # RUNS=30 by default
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init lifecycle hyperfine docker-registry skopeo /bin/busybox
RUNS=${RUNS:-30}
bench_rcon
work=$(mktemp -d /tmp/rcon-bench.XXXXXX)
R="$rcon --root $work/rcon --runroot $work/rcon-run"
P="podman --root $work/podman --runroot $work/podman-run $PODMAN_FLAGS"
cleanup() {
    $R rm -f $($R ps -aq) >/dev/null 2>&1 || true
    if command -v podman >/dev/null; then
        $P rm -af >/dev/null 2>&1 || true
        $P system reset -f >/dev/null 2>&1 || true
    fi
    registry_stop
    rm -rf "$work"
}
trap cleanup EXIT
bench_image "$work"
$R pull -q "$image" >/dev/null

args=(-n "rcon run -d" --prepare "$R rm -f bench >/dev/null 2>&1 || true" "$R run -d --name bench $image sleep 1000")
if command -v podman >/dev/null; then
    $P pull -q --tls-verify=false "$image" >/dev/null
    args+=(-n "podman run -d" --prepare "$P rm -f -t 0 bench >/dev/null 2>&1 || true" "$P run -d $PODMAN_RUN_FLAGS --name bench $image sleep 1000")
fi
step "run -d IMAGE sleep 1000 ($RUNS runs)"
hyperfine --warmup 2 --runs "$RUNS" --export-markdown "$out/run-d.md" --export-json "$out/run-d.json" "${args[@]}"
$R rm -f bench >/dev/null 2>&1 || true

step "create 100 containers"
for i in $(seq 100); do $R create "$image" sleep 1 >/dev/null; done
args=(-n "rcon ps -a (100 containers)" "$R ps -a")
if command -v podman >/dev/null; then
    $P rm -f -t 0 bench >/dev/null 2>&1 || true
    for i in $(seq 100); do $P create "$image" sleep 1 >/dev/null; done
    args+=(-n "podman ps -a (100 containers)" "$P ps -a")
fi
hyperfine -N --warmup 3 --runs "$RUNS" --export-markdown "$out/ps.md" --export-json "$out/ps.json" "${args[@]}"
cat "$out/run-d.md" "$out/ps.md"
