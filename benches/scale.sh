#!/usr/bin/env bash
# The store at scale (issue 15): with 0, 100, 1,000 and 10,000 containers
# in the store (created, never started), time (hyperfine) and peak RSS
# (/usr/bin/time, largest process) of
#   create, run --rm true, ps -a, ps -a --filter name=X, inspect X, rm X,
# and the time to create the containers; beside podman at PODMAN_COUNTS.
# Goals: `run --rm true` at 10,000 within 1.2x of the empty store; `ps -a`
# at 1,000 <= 30 ms and <= 20 MiB; creating 1,000 <= 15 s.
# Needs hyperfine, docker-registry, skopeo, busybox-static (benches/lib.sh).
#   bash benches/scale.sh                      # COUNTS="0 100 1000 10000"
#   COUNTS="0 100" PODMAN_COUNTS=0 RUNS=5 bash benches/scale.sh
# A 10,000-container podman fill takes long: fill a kept store ahead of time
# (SCALE_WORK keeps the work directory, FILL_ONLY only creates containers,
# ENGINES picks the engines), then time against it later; the fill loop
# starts from the fill-N containers the store already has.
#   SCALE_WORK=/var/tmp/scale-podman ENGINES=podman FILL_ONLY=1 \
#     PODMAN_COUNTS=10000 nice -n 19 bash benches/scale.sh
#   SCALE_WORK=/var/tmp/scale-podman ENGINES=podman PODMAN_COUNTS=10000 bash benches/scale.sh
# Run it in a network namespace of its own (as /work/itest.sh does), so the
# bridge and nft rules of `run` stay there:
#   unshare -n -m --propagation private bash -c 'ip link set lo up;
#     mount -t tmpfs tmpfs /run/rcon; bash benches/scale.sh'
# Results: target/bench/scale.md (a markdown table) and the raw JSON.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init scale hyperfine docker-registry skopeo /bin/busybox jq /usr/bin/time
COUNTS=${COUNTS:-0 100 1000 10000}
PODMAN_COUNTS=${PODMAN_COUNTS:-0 100 1000}
RUNS=${RUNS:-10}
PODMAN_RUNS=${PODMAN_RUNS:-5}
ENGINES=${ENGINES:-rcon podman}
FILL_ONLY=${FILL_ONLY:-}
bench_rcon

if [ -n "${SCALE_WORK:-}" ]; then
    work=$SCALE_WORK
    mkdir -p "$work"
else
    work=$(mktemp -d /tmp/rcon-bench-scale.XXXXXX)
fi
P="podman --root $work/podman --runroot $work/podman-run $PODMAN_FLAGS"
R="$rcon --root $work/rcon --runroot $work/rcon-run"
cleanup() {
    registry_stop
    if [ -n "${SCALE_WORK:-}" ]; then return; fi
    $R rm -f $($R ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    if command -v podman >/dev/null; then $P system reset -f >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

rm -rf "$work/registry" "$work/image"
bench_image "$work"
bench_machine "$out/scale-machine.txt"
table=$out/scale.md
echo "| engine | containers | create | run --rm true | ps -a | ps -a --filter name=X | inspect X | rm X | fill (s) |" >"$table"
echo "|:--|--:|--:|--:|--:|--:|--:|--:|--:|" >>"$table"

# median ms (peak RSS MiB) of one hyperfine JSON result
cell() { jq -r '.results[0].median * 1000 | . * 10 | round / 10 | tostring + " ms"' "$1"; }
rss() { # peak RSS in MiB of one run of the command
    local kb f
    f=$(mktemp)
    /usr/bin/time -o "$f" -f '%M' "$@" >/dev/null 2>&1 || true
    kb=$(tail -1 "$f")
    rm -f "$f"
    awk -v k="$kb" 'BEGIN { printf "%.1f MiB", k / 1024 }'
}

# bench ENGINE CMD RUNS COUNTS RUN_FLAGS PULL_FLAGS
bench() {
    local engine=$1 E=$2 runs=$3 counts=$4 run_flags=$5 pull_flags=$6 have n
    # shellcheck disable=SC2086
    $E pull -q $pull_flags "$image" >/dev/null
    # A kept store (SCALE_WORK) already has `target` and fill-0 … fill-(have-1).
    $E inspect target >/dev/null 2>&1 || $E create --name target "$image" true >/dev/null
    have=$($E ps -a --format '{{.Names}}' | grep -c '^fill-' || true)
    step "$engine: $have fill containers already in the store"
    for n in $counts; do
        step "$engine with $n containers"
        local t0 t1 fill=""
        t0=$(date +%s.%N)
        while [ "$have" -lt "$n" ]; do
            $E create --name "fill-$have" "$image" true >/dev/null
            have=$((have + 1))
        done
        t1=$(date +%s.%N)
        if [ "$n" -gt 0 ]; then fill=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'); fi
        if [ -n "$FILL_ONLY" ]; then
            echo "$engine: $have containers, this fill took $fill s (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$out/scale-fill-$engine.txt"
            continue
        fi
        local j=$out/scale-$engine-$n
        hyperfine -N --warmup 1 --runs "$runs" --prepare "$E rm -f bench-c" --export-json "$j-create.json" \
            "$E create --name bench-c $image true" >/dev/null
        $E rm -f bench-c >/dev/null
        hyperfine -N --warmup 1 --runs "$runs" --export-json "$j-run.json" "$E run --rm $run_flags $image true" >/dev/null
        hyperfine -N --warmup 1 --runs "$runs" --export-json "$j-ps.json" "$E ps -a" >/dev/null
        hyperfine -N --warmup 1 --runs "$runs" --export-json "$j-filter.json" "$E ps -a --filter name=target" >/dev/null
        hyperfine -N --warmup 1 --runs "$runs" --export-json "$j-inspect.json" "$E inspect target" >/dev/null
        hyperfine -N --warmup 1 --runs "$runs" --prepare "$E create --name bench-rm $image true" \
            --export-json "$j-rm.json" "$E rm bench-rm" >/dev/null
        $E create --name bench-rm "$image" true >/dev/null
        # shellcheck disable=SC2086
        local rss_create rss_run rss_ps rss_filter rss_inspect rss_rm
        rss_create=$(rss $E create --name bench-c "$image" true)
        rss_run=$(rss $E run --rm $run_flags "$image" true)
        rss_ps=$(rss $E ps -a)
        rss_filter=$(rss $E ps -a --filter name=target)
        rss_inspect=$(rss $E inspect target)
        rss_rm=$(rss $E rm bench-rm)
        $E rm -f bench-c >/dev/null
        printf '| %s | %s | %s (%s) | %s (%s) | %s (%s) | %s (%s) | %s (%s) | %s (%s) | %s |\n' "$engine" "$n" \
            "$(cell "$j-create.json")" "$rss_create" "$(cell "$j-run.json")" "$rss_run" \
            "$(cell "$j-ps.json")" "$rss_ps" "$(cell "$j-filter.json")" "$rss_filter" \
            "$(cell "$j-inspect.json")" "$rss_inspect" "$(cell "$j-rm.json")" "$rss_rm" "$fill" | tee -a "$table"
    done
}

case " $ENGINES " in *" rcon "*) bench rcon "$R" "$RUNS" "$COUNTS" "" "" ;; esac
if [[ " $ENGINES " == *" podman "* ]] && command -v podman >/dev/null && [ -n "$PODMAN_COUNTS" ]; then
    # The test registry speaks plain HTTP on loopback.
    bench podman "$P" "$PODMAN_RUNS" "$PODMAN_COUNTS" "$PODMAN_RUN_FLAGS" "--tls-verify=false"
fi
step "results (median, peak RSS in parentheses; fill = time to create the containers added at this count)"
cat "$table"
