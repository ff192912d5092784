#!/usr/bin/env bash
# Benchmarks (hyperfine) of rcon's main job against a local docker-registry,
# beside podman when podman is installed:
#   - `rcon run --rm IMAGE true` (image already pulled)
#   - `rcon pull IMAGE` into a fresh --root each time (hyperfine --prepare)
#   - peak RSS of `rcon run --rm IMAGE true` (/usr/bin/time -v)
# Prints the machine and the tables; results go to BENCH_OUT (default
# target/bench). Record them in BENCHMARKS.md by hand.
#
#   bash benches/run.sh            # RUNS=50 by default
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init run hyperfine docker-registry skopeo /bin/busybox /usr/bin/time
RUNS=${RUNS:-50}

step "machine"
bench_machine "$out/machine.txt"
bench_rcon

work=$(mktemp -d /tmp/rcon-bench.XXXXXX)
cleanup() {
    registry_stop
    if command -v podman >/dev/null; then
        podman --root "$work/podman" --runroot "$work/podman-run" $PODMAN_FLAGS rm -af >/dev/null 2>&1 || true
        podman --root "$work/podman" --runroot "$work/podman-run" $PODMAN_FLAGS system reset -f >/dev/null 2>&1 || true
        podman --root "$work/podman-pull" --runroot "$work/podman-pull-run" $PODMAN_FLAGS system reset -f >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

bench_image "$work"
echo "image $image"

R=("$rcon" --root "$work/rcon" --runroot "$work/rcon-run")
"${R[@]}" pull -q "$image" >/dev/null

runs=("rcon run --rm $image true")
cmds=("${R[*]} run --rm $image true")
pulls=("rcon pull $image")
pull_cmds=("$rcon --root $work/pull --runroot $work/pull-run pull -q $image")
pull_prep=("rm -rf $work/pull $work/pull-run")
if command -v podman >/dev/null; then
    P="podman --root $work/podman --runroot $work/podman-run $PODMAN_FLAGS"
    $P pull -q --tls-verify=false "$image" >/dev/null
    runs+=("podman run --rm $image true")
    cmds+=("$P run --rm $PODMAN_RUN_FLAGS $image true")
    PP="podman --root $work/podman-pull --runroot $work/podman-pull-run $PODMAN_FLAGS"
    pulls+=("podman pull $image")
    pull_cmds+=("$PP pull -q --tls-verify=false $image")
    pull_prep+=("$PP system reset -f >/dev/null 2>&1; rm -rf $work/podman-pull $work/podman-pull-run")
fi

step "run --rm IMAGE true ($RUNS runs)"
args=()
for i in "${!runs[@]}"; do args+=(-n "${runs[$i]}" "${cmds[$i]}"); done
hyperfine -N --warmup 3 --runs "$RUNS" --export-markdown "$out/run.md" --export-json "$out/run.json" "${args[@]}"

step "pull IMAGE into a fresh store ($(( RUNS / 2 )) runs)"
args=()
for i in "${!pulls[@]}"; do args+=(-n "${pulls[$i]}" --prepare "${pull_prep[$i]}" "${pull_cmds[$i]}"); done
hyperfine --warmup 1 --runs $(( RUNS / 2 )) --export-markdown "$out/pull.md" --export-json "$out/pull.json" "${args[@]}"

step "peak RSS of rcon run --rm IMAGE true"
rss=0
for i in 1 2 3 4 5; do
    kb=$(/usr/bin/time -v "${R[@]}" run --rm "$image" true 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}')
    (( kb > rss )) && rss=$kb
done
echo "rcon run: max RSS over 5 runs: $rss KiB ($(awk "BEGIN {printf \"%.1f\", $rss/1024}") MiB)" | tee "$out/rss.txt"
if command -v podman >/dev/null; then
    kb=$(/usr/bin/time -v $P run --rm $PODMAN_RUN_FLAGS "$image" true 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}')
    echo "podman run: max RSS: $kb KiB ($(awk "BEGIN {printf \"%.1f\", $kb/1024}") MiB)" | tee -a "$out/rss.txt"
fi

step "results in $out"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/load.txt"
cat "$out/run.md" "$out/pull.md" "$out/rss.txt"
if command -v jq >/dev/null; then
    jq -r '.results[] | "\(.command): median \(.median * 1000 | round) ms"' "$out/run.json" "$out/pull.json" | tee "$out/medians.txt"
fi
