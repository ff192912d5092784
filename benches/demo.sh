#!/usr/bin/env bash
# rcon end to end on a fresh Debian 12 machine, as root, without Docker Hub:
# installs the packages, builds rcon, starts a local docker-registry on a free
# 127.0.0.1 port, builds a busybox image and pushes it there, then
# `rcon pull`s it and `rcon run --rm`s it. Cleans up everything it started:
# the registry, its storage and rcon's store (a temp --root).
#
#   bash benches/demo.sh
set -euo pipefail

cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
    echo "benches/demo.sh: run as root (rcon creates namespaces and mounts)" >&2
    exit 1
fi

step "apt-get install docker-registry skopeo busybox-static nftables iproute2 (and a C linker for cargo)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
    ca-certificates curl gcc libc6-dev docker-registry skopeo busybox-static nftables iproute2

if ! command -v cargo >/dev/null; then
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
fi
if ! command -v cargo >/dev/null; then
    step "installing Rust with rustup (rcon needs Rust >= 1.85, edition 2024)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    . "$HOME/.cargo/env"
fi

step "cargo build --release"
cargo build --release --locked
rcon=$PWD/target/release/rcon

work=$(mktemp -d /tmp/rcon-demo.XXXXXX)
# The container joins the default bridge network; rcon keeps its bridge and
# nft table (as docker keeps docker0), but the demo removes them if it made them.
had_bridge=$([ -e /sys/class/net/rcon0 ] && echo yes || echo no)
had_table=$(nft list table ip rcon >/dev/null 2>&1 && echo yes || echo no)
cleanup() {
    registry_stop
    "$rcon" --root "$work/rcon" --runroot "$work/run" rm -f $("$rcon" --root "$work/rcon" --runroot "$work/run" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    rm -rf "$work"
    [ "$had_bridge" = yes ] || ip link del rcon0 2>/dev/null || true
    [ "$had_table" = yes ] || nft delete table ip rcon 2>/dev/null || true
}
. benches/lib.sh
trap cleanup EXIT

step "starting docker-registry on a free 127.0.0.1 port"
registry_start "$work/registry"
echo "registry at $REGISTRY_ADDR (pid $REGISTRY_PID)"

image=$REGISTRY_ADDR/busybox:latest
step "building a busybox image (OCI layout) and pushing it with skopeo to $image"
busybox_push "$work/image" "$image"

r() { echo "+ rcon ${*@Q}"; "$rcon" --root "$work/rcon" --runroot "$work/run" "$@"; }

step "pull, list, run"
r pull "$image"
r images
r run --rm --hostname demo -e GREETING=Hello "$image" \
    sh -c 'echo "$GREETING from $(hostname), a container from a registry-pulled image: $(uname -s) pid $$, user $(id -un)"'
echo
echo "rcon works. Store used: $work/rcon (removed now); the registry is stopped."
