#!/usr/bin/env bash
# Build benchmarks (issue 6), beside podman build when podman is installed:
#   1. a fully cached rebuild of a 7-step Dockerfile (target <= 30 ms);
#   2. a build whose context is 10,000 files / 100 MB (COPY . /ctx/),
#      without cache (target: at least 2x faster than podman build).
# Needs hyperfine, docker-registry, skopeo, busybox-static (benches/lib.sh).
# Results go to target/bench (BENCH_OUT) as markdown and JSON.
#   bash benches/build.sh           # RUNS=20 by default (big context: 5)
set -euo pipefail

cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }
RUNS=${RUNS:-20}
BIG_RUNS=${BIG_RUNS:-5}
# podman's global flags as in benches/run.sh (runc with cgroupfs; rlimits
# podman cannot raise here are lowered for its RUN steps).
PODMAN_FLAGS=${PODMAN_FLAGS:---runtime runc --cgroup-manager cgroupfs --storage-driver overlay}
PODMAN_BUILD_FLAGS=${PODMAN_BUILD_FLAGS:---ulimit nofile=16384:16384 --ulimit nproc=4096:4096 --tls-verify=false}
out=${BENCH_OUT:-$PWD/target/bench}
mkdir -p "$out"

for p in hyperfine docker-registry skopeo /bin/busybox; do
    command -v "$p" >/dev/null || { echo "benches/build.sh: $p missing: apt-get install hyperfine docker-registry skopeo busybox-static" >&2; exit 1; }
done

step "machine"
{
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "nproc: $(nproc)"
    echo "kernel: $(uname -r)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "memory: $(grep MemTotal /proc/meminfo | awk '{printf "%.1f GiB", $2/1048576}')"
    . /etc/os-release && echo "os: $PRETTY_NAME"
    echo "rcon: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if command -v podman >/dev/null; then echo "podman: $(podman --version) ($PODMAN_FLAGS $PODMAN_BUILD_FLAGS)"; fi
} | tee "$out/build-machine.txt"

step "cargo build --release"
cargo build --release --locked
rcon=$PWD/target/release/rcon

work=$(mktemp -d /tmp/rcon-bench-build.XXXXXX)
P="podman --root $work/podman --runroot $work/podman-run $PODMAN_FLAGS"
cleanup() {
    registry_stop
    if command -v podman >/dev/null; then
        $P system reset -f >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
. benches/lib.sh
trap cleanup EXIT

registry_start "$work/registry"
image=$REGISTRY_ADDR/busybox:latest
busybox_push "$work/image" "$image"
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
