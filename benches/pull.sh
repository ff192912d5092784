#!/usr/bin/env bash
# Pull and push of a Debian bookworm root filesystem image from/to a local
# registry (127.0.0.1), rcon beside podman (when installed), with hyperfine;
# and the peak RSS of each. Issue 7's targets: pull ≤ 0.4× podman's wall
# time, peak RSS ≤ 30 MiB; push ≤ podman's time.
#
# The image: `debootstrap --variant=minbase bookworm` (from Debian's mirror,
# cached in $BENCH_ROOTFS), as one gzip layer, and as three layers (usr/share,
# var, the rest). Each pull starts from an empty store (--root per run).
#
# Usage: benches/pull.sh            (builds target/release/rcon first)
# Env:   RCON (a built binary: skips the build), RUNS (default 10), BENCH_ROOTFS (default /var/tmp/rcon-bench/rootfs),
#        BENCH_OUT (default target/bench), PODMAN_FLAGS (as benches/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh

RUNS=${RUNS:-10}
ROOTFS=${BENCH_ROOTFS:-/var/tmp/rcon-bench/rootfs}
out=${BENCH_OUT:-$PWD/target/bench}
PODMAN_FLAGS=${PODMAN_FLAGS:---runtime runc --cgroup-manager cgroupfs --storage-driver overlay --events-backend none}
mkdir -p "$out"
step() { printf '\n==> %s\n' "$*"; }

for p in hyperfine docker-registry skopeo debootstrap /usr/bin/time sha256sum gzip; do
    command -v "$p" >/dev/null || { echo "benches/pull.sh: $p missing: apt-get install hyperfine docker-registry skopeo debootstrap time" >&2; exit 1; }
done

if [ -z "${RCON:-}" ]; then
    step "cargo build --release"
    cargo build --release --quiet
    RCON=$PWD/target/release/rcon
fi

if [ ! -x "$ROOTFS/bin/sh" ]; then
    step "debootstrap --variant=minbase bookworm $ROOTFS"
    mkdir -p "$(dirname "$ROOTFS")"
    debootstrap --variant=minbase bookworm "$ROOTFS" http://deb.debian.org/debian >"$out/debootstrap.log"
fi

work=$(mktemp -d /var/tmp/rcon-bench-pull.XXXXXX)
cleanup() {
    registry_stop || true
    if [ -n "${REG2_PID:-}" ]; then kill "$REG2_PID" 2>/dev/null || true; wait "$REG2_PID" 2>/dev/null || true; fi
    if command -v podman >/dev/null; then
        podman --root "$work/podman" --runroot "$work/podman-run" $PODMAN_FLAGS system reset -f >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step "image layouts (tar + gzip of the rootfs)"
# Writes an OCI layout in $1 from layer tarballs $3… with tag $2.
write_layout() {
    local dir=$1 tag=$2; shift 2
    mkdir -p "$dir/blobs/sha256"
    local layers="" diffs="" t
    for t in "$@"; do
        local diff gz size
        diff=$(sha256sum <"$t" | cut -d' ' -f1)
        gzip -6 -n -c "$t" >"$dir/blob.tmp"
        gz=$(sha256sum <"$dir/blob.tmp" | cut -d' ' -f1)
        size=$(stat -c %s "$dir/blob.tmp")
        mv "$dir/blob.tmp" "$dir/blobs/sha256/$gz"
        layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$gz\",\"size\":$size}"
        diffs="$diffs${diffs:+,}\"sha256:$diff\""
    done
    printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["bash"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffs" >"$dir/config.json"
    local cd cs
    cd=$(sha256sum <"$dir/config.json" | cut -d' ' -f1); cs=$(stat -c %s "$dir/config.json")
    mv "$dir/config.json" "$dir/blobs/sha256/$cd"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' "$cd" "$cs" "$layers" >"$dir/manifest.json"
    local md ms
    md=$(sha256sum <"$dir/manifest.json" | cut -d' ' -f1); ms=$(stat -c %s "$dir/manifest.json")
    mv "$dir/manifest.json" "$dir/blobs/sha256/$md"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' "$md" "$ms" "$tag" >"$dir/index.json"
}
tar --numeric-owner --xattrs -C "$ROOTFS" -cf "$work/one.tar" .
tar --numeric-owner --xattrs -C "$ROOTFS" -cf "$work/l1.tar" --exclude=./usr/share --exclude=./var .
tar --numeric-owner --xattrs -C "$ROOTFS" -cf "$work/l2.tar" ./usr/share
tar --numeric-owner --xattrs -C "$ROOTFS" -cf "$work/l3.tar" ./var
write_layout "$work/one" 1 "$work/one.tar"
write_layout "$work/three" 1 "$work/l1.tar" "$work/l2.tar" "$work/l3.tar"
gz1=$(du -b "$work"/one/blobs/sha256/* | sort -n | tail -1 | cut -f1)
raw1=$(stat -c %s "$work/one.tar")

registry_start "$work/registry"
for img in one three; do
    skopeo --insecure-policy copy --quiet --dest-tls-verify=false "oci:$work/$img:1" "docker://$REGISTRY_ADDR/bookworm-$img:1"
done

{
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "rcon: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+dirty')"
    if command -v podman >/dev/null; then echo "podman: $(podman --version) ($PODMAN_FLAGS)"; fi
    echo "image: debootstrap minbase bookworm, one layer ${gz1} bytes gzip, ${raw1} bytes tar; three-layer variant"
} | tee "$out/pull-machine.txt"

step "pull (fresh store per run)"
cmds=() prep=()
for img in one three; do
    ref="$REGISTRY_ADDR/bookworm-$img:1"
    cmds+=("$RCON --root $work/rcon --runroot $work/rcon-run pull -q $ref")
    prep+=("rm -rf $work/rcon $work/rcon-run")
    if command -v podman >/dev/null; then
        cmds+=("podman --root $work/podman --runroot $work/podman-run $PODMAN_FLAGS pull -q --tls-verify=false $ref")
        prep+=("podman --root $work/podman --runroot $work/podman-run $PODMAN_FLAGS system reset -f >/dev/null 2>&1; rm -rf $work/podman $work/podman-run")
    fi
done
args=()
for i in "${!cmds[@]}"; do args+=(--prepare "${prep[$i]}" "${cmds[$i]}"); done
hyperfine --runs "$RUNS" --export-markdown "$out/pull.md" "${args[@]}" | tee "$out/pull.txt"

step "peak RSS of one pull (fresh store)"
: >"$out/pull-rss.txt"
for img in one three; do
    ref="$REGISTRY_ADDR/bookworm-$img:1"
    rm -rf "$work/rcon" "$work/rcon-run"
    /usr/bin/time -f "%M" -o "$work/rss" "$RCON" --root "$work/rcon" --runroot "$work/rcon-run" pull -q "$ref" >/dev/null
    echo "rcon pull bookworm-$img: max RSS $(cat "$work/rss") KiB" | tee -a "$out/pull-rss.txt"
    if command -v podman >/dev/null; then
        podman --root "$work/podman" --runroot "$work/podman-run" $PODMAN_FLAGS system reset -f >/dev/null 2>&1 || true
        /usr/bin/time -f "%M" -o "$work/rss" podman --root "$work/podman" --runroot "$work/podman-run" $PODMAN_FLAGS pull -q --tls-verify=false "$ref" >/dev/null
        echo "podman pull bookworm-$img: max RSS $(cat "$work/rss") KiB" | tee -a "$out/pull-rss.txt"
    fi
done

step "push of the one-layer image to an empty registry"
# A second registry, emptied before each run by a small script.
reg2=$work/registry2
mkdir -p "$reg2"
port2=$(( 20000 + RANDOM % 40000 ))
cat >"$reg2/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $reg2/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port2
YAML
cat >"$work/reset-reg2.sh" <<SH
#!/bin/sh
# Restarts the second registry with empty storage.
[ -f $reg2/pid ] && kill \$(cat $reg2/pid) 2>/dev/null && while kill -0 \$(cat $reg2/pid) 2>/dev/null; do sleep 0.02; done
rm -rf $reg2/storage
docker-registry serve $reg2/config.yml >$reg2/log 2>&1 </dev/null &
echo \$! >$reg2/pid
for i in \$(seq 1 200); do curl -sf http://127.0.0.1:$port2/v2/ >/dev/null 2>&1 && exit 0; sleep 0.05; done
exit 1
SH
ref="$REGISTRY_ADDR/bookworm-one:1"
rm -rf "$work/rcon" "$work/rcon-run"
"$RCON" --root "$work/rcon" --runroot "$work/rcon-run" pull -q "$ref" >/dev/null
pcmds=()
pprep=()
# The first push of a pulled layer rebuilds its tar and compresses it (kept
# for later pushes): timed once; hyperfine then times the steady state.
sh "$work/reset-reg2.sh"
/usr/bin/time -f "%e s, max RSS %M KiB" -o "$work/first" "$RCON" --root "$work/rcon" --runroot "$work/rcon-run" push -q "$ref" "127.0.0.1:$port2/pushed:1"
echo "rcon first push (rebuild + gzip + upload): $(cat "$work/first")" | tee "$out/push-first.txt"
pcmds+=("$RCON --root $work/rcon --runroot $work/rcon-run push -q $ref 127.0.0.1:$port2/pushed:1")
pprep+=("sh $work/reset-reg2.sh")
if command -v podman >/dev/null; then
    P="podman --root $work/podman --runroot $work/podman-run $PODMAN_FLAGS"
    $P pull -q --tls-verify=false "$ref" >/dev/null
    pcmds+=("$P push -q --tls-verify=false $ref 127.0.0.1:$port2/pushed:1")
    pprep+=("sh $work/reset-reg2.sh")
fi
args=()
for i in "${!pcmds[@]}"; do args+=(--prepare "${pprep[$i]}" "${pcmds[$i]}"); done
hyperfine --runs "$RUNS" --export-markdown "$out/push.md" "${args[@]}" | tee "$out/push.txt"
[ -f "$reg2/pid" ] && REG2_PID=$(cat "$reg2/pid")
echo "results in $out/pull.md, $out/pull-rss.txt, $out/push.md, $out/push-first.txt"
