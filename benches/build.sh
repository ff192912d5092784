#!/usr/bin/env bash
# Build benchmarks (issue 6), beside podman build when podman is installed:
#   1. a fully cached rebuild of a 7-step Dockerfile (target <= 30 ms);
#   2. a build whose context is 10,000 files / 100 MB (COPY . /ctx/),
#      without cache (target: at least 2x faster than podman build).
# Needs hyperfine, docker-registry, skopeo, busybox-static (benches/lib.sh).
# Results go to target/bench (BENCH_OUT) as markdown and JSON.
#   bash benches/build.sh           # RUNS=20 by default (big context: 5)
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init build hyperfine docker-registry skopeo /bin/busybox
RUNS=${RUNS:-20}
BIG_RUNS=${BIG_RUNS:-5}
PODMAN_BUILD_FLAGS=${PODMAN_BUILD_FLAGS:---ulimit nofile=16384:16384 --ulimit nproc=4096:4096 --tls-verify=false}
PODMAN_RUN_FLAGS=$PODMAN_BUILD_FLAGS

step "machine"
bench_machine "$out/build-machine.txt"
bench_rcon

work=$(mktemp -d /tmp/rcon-bench-build.XXXXXX)
P="podman --root $work/podman --runroot $work/podman-run $PODMAN_FLAGS"
cleanup() {
    registry_stop
    if command -v podman >/dev/null; then
        $P system reset -f >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

bench_image "$work"
R="$rcon --root $work/rcon --runroot $work/rcon-run"

# 1. A 7-step Dockerfile, built once, then rebuilt fully from the cache.
small=$work/small
mkdir -p "$small/app"
for i in $(seq 1 20); do echo "file $i" >"$small/app/f$i.txt"; done
cat >"$small/Dockerfile" <<EOF
FROM $image
ENV PORT=8080
WORKDIR /app
COPY app/ /app/
RUN echo built >/app/built.txt
EXPOSE \$PORT
CMD ["sh", "-c", "echo \$PORT"]
EOF
$R build -q -t cached "$small" >/dev/null
names=(-n "rcon build (cached, 7 steps)")
cmds=("$R build -q -t cached $small")
if command -v podman >/dev/null; then
    $P build -q $PODMAN_BUILD_FLAGS -t cached "$small" >/dev/null
    names+=(-n "podman build (cached, 7 steps)")
    cmds+=("$P build -q $PODMAN_BUILD_FLAGS -t cached $small")
fi
step "fully cached rebuild of a 7-step Dockerfile ($RUNS runs)"
args=()
for i in "${!cmds[@]}"; do args+=("${names[$((2 * i))]}" "${names[$((2 * i + 1))]}" "${cmds[$i]}"); done
hyperfine -N --warmup 2 --runs "$RUNS" --export-markdown "$out/build-cached.md" --export-json "$out/build-cached.json" "${args[@]}"

# 2. A context of 10,000 files of 10 KiB (100 dirs x 100 files, random
#    content, so 100 MB that does not compress), copied without cache.
big=$work/big
mkdir -p "$big"
head -c $((10000 * 10240)) /dev/urandom >"$work/random"
for d in $(seq -w 0 99); do mkdir -p "$big/d$d"; done
python3 - "$work/random" "$big" <<'PY'
import os, sys
data = open(sys.argv[1], 'rb').read()
n = 0
for d in range(100):
    for f in range(100):
        with open(os.path.join(sys.argv[2], 'd%02d' % d, 'f%02d' % f), 'wb') as o:
            o.write(data[n * 10240:(n + 1) * 10240])
        n += 1
PY
rm -f "$work/random"
printf 'FROM %s\nCOPY . /ctx/\n' "$image" >"$big/Dockerfile"
echo "context: $(find "$big" -type f | wc -l) files, $(du -sm "$big" | cut -f1) MB"
names=(-n "rcon build (10,000 files / 100 MB)")
cmds=("$R build -q --no-cache -t big $big")
prep=("$R rmi -f big >/dev/null 2>&1 || true")
if command -v podman >/dev/null; then
    names+=(-n "podman build (10,000 files / 100 MB)")
    cmds+=("$P build -q --no-cache $PODMAN_BUILD_FLAGS -t big $big")
    prep+=("$P rmi -f big >/dev/null 2>&1 || true")
fi
step "build with a 10,000-file / 100 MB context, no cache ($BIG_RUNS runs)"
args=()
for i in "${!cmds[@]}"; do args+=("${names[$((2 * i))]}" "${names[$((2 * i + 1))]}" --prepare "${prep[$i]}" "${cmds[$i]}"); done
hyperfine --warmup 1 --runs "$BIG_RUNS" --export-markdown "$out/build-big.md" --export-json "$out/build-big.json" "${args[@]}"

step "results in $out"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/build-load.txt"
cat "$out/build-cached.md" "$out/build-big.md"
