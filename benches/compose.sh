#!/usr/bin/env bash
# `compose up -d` and `compose down` of a three-service stack (issue 13):
# db with a healthcheck, app depending on it with service_healthy and a
# named volume, worker depending on app. Side by side:
#   - rcon compose                     (this build)
#   - podman-compose (PyPI, in a venv under target/bench-venvs) driving podman
#   - docker-compose 1.29 driving dockerd, when both are installed and
#     dockerd answers (`--docker`: this script starts a private dockerd)
# The image is busybox-static in a FROM-scratch build, built by each engine
# from the same context, so nothing is pulled. Everything runs inside a
# private network and mount namespace (unshare -n -m), so bridges and
# firewall rules of the three engines never touch the host's.
#
#   [RUNS=N] bash benches/compose.sh [path/to/rcon] [--docker]  (default: target/release/rcon; 10 runs)
# Needs: hyperfine, podman, python3-venv, busybox-static, util-linux (unshare).
set -euo pipefail
cd "$(dirname "$0")/.."
# podman-compose from PyPI, installed before the private namespace (which
# has no network).
venv=target/bench-venvs/podman-compose
if [ ! -x "$venv/bin/podman-compose" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q podman-compose
fi
if [ -z "${RCON_BENCH_NS:-}" ]; then
    exec env RCON_BENCH_NS=1 unshare -n -m --propagation private bash "$0" "$@"
fi
ip link set lo up
mkdir -p /run/rcon && mount -t tmpfs -o mode=0755 rcon-bench /run/rcon
RCON=$(realpath "${1:-target/release/rcon}")
DOCKER=0
[ "${2:-}" = "--docker" ] && DOCKER=1
for t in hyperfine podman busybox python3; do
    command -v "$t" >/dev/null || { echo "benches/compose.sh: $t is missing (apt-get install hyperfine podman busybox-static python3-venv)" >&2; exit 1; }
done
PC=$(realpath "$venv/bin/podman-compose")

tmp=$(mktemp -d /tmp/rcon-composebench.XXXXXX)
R=("$RCON" --root "$tmp/root" --runroot "$tmp/run")
# podman as on this machine's other benches (lib.sh): runc, cgroupfs, lower
# rlimits (no CAP_SYS_RESOURCE), its own storage; podman-compose's podman
# reads these files.
export CONTAINERS_STORAGE_CONF=$tmp/storage.conf CONTAINERS_CONF=$tmp/containers.conf
cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
graphroot = "$tmp/podman"
runroot = "$tmp/podman-run"
EOF
cleanup() {
    (cd "$tmp/stack" && "${R[@]}" compose -p bench down -v -t 0 >/dev/null 2>&1) || true
    (cd "$tmp/stack" && "$PC" -p bench down -v -t 0 >/dev/null 2>&1) || true
    podman rm -af -t 0 >/dev/null 2>&1 || true
    podman network rm -f bench_default >/dev/null 2>&1 || true
    umount -R "$tmp/podman" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/ctx" "$tmp/stack"
cp "$(command -v busybox)" "$tmp/ctx/busybox"
cat >"$tmp/ctx/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "mkdir", "-p", "/usr/bin", "/sbin", "/usr/sbin", "/tmp", "/etc", "/data"]
RUN ["/bin/busybox", "--install", "-s"]
EOF
"${R[@]}" build -q -t localhost/cb "$tmp/ctx" >/dev/null
podman build -q -t localhost/cb "$tmp/ctx" >/dev/null

# The stack: db, app (db's named volume), worker (after app). Podman runs
# healthchecks from systemd timers, which this machine lacks, so the
# side-by-side stack starts in order with service_started; rcon's time with
# `condition: service_healthy` on db is measured on its own after.
stack() {
    cat <<EOF
services:
  db:
    image: localhost/cb
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    volumes: ["dbdata:/data"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
  app:
    image: localhost/cb
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    environment:
      ROLE: app
    volumes: ["dbdata:/data"]
    depends_on:
      db:
        condition: $1
  worker:
    image: localhost/cb
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    depends_on: [app]
volumes:
  dbdata: {}
EOF
}
mkdir -p "$tmp/healthy"
stack service_started >"$tmp/stack/compose.yaml"
stack service_healthy >"$tmp/healthy/compose.yaml"
cd "$tmp/stack"
rc="${R[*]} compose -p bench"
pc="$PC -p bench"
echo "== up -d (hyperfine; down before each run)"
hyperfine -N --warmup 1 --runs ${RUNS:-10} \
    --prepare "$rc down -t 0" -n "rcon compose up -d" "$rc up -d" \
    --prepare "$pc down -t 0" -n "podman-compose up -d" "$pc up -d"
$rc down -t 0 >/dev/null 2>&1; $pc down -t 0 >/dev/null 2>&1
echo "== down (hyperfine; up -d before each run)"
hyperfine -N --warmup 1 --runs ${RUNS:-10} \
    --prepare "$rc up -d" -n "rcon compose down" "$rc down -t 0" \
    --prepare "$pc up -d" -n "podman-compose down" "$pc down -t 0"
$rc down -v -t 0 >/dev/null 2>&1; $pc down -v -t 0 >/dev/null 2>&1
echo "== rcon compose up -d with depends_on: service_healthy (healthcheck interval 1s)"
(cd "$tmp/healthy" && hyperfine -N --warmup 1 --runs ${RUNS:-10} --prepare "$rc down -t 0" -n "rcon compose up -d (healthy)" "$rc up -d" \
    && $rc down -v -t 0 >/dev/null 2>&1)

if [ "$DOCKER" = 1 ]; then
    command -v docker-compose >/dev/null && command -v dockerd >/dev/null || {
        echo "benches/compose.sh --docker: docker-compose 1.29 and dockerd are needed (apt-get install docker-compose docker.io)" >&2
        exit 1
    }
    dockerd --data-root "$tmp/docker" --exec-root "$tmp/docker-run" -H "unix://$tmp/docker.sock" \
        --pidfile "$tmp/docker.pid" >"$tmp/dockerd.log" 2>&1 &
    export DOCKER_HOST=unix://$tmp/docker.sock
    for _ in $(seq 1 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
    docker build -q -t localhost/cb "$tmp/ctx" >/dev/null
    dc="docker-compose -p bench"
    echo "== docker-compose 1.29: up -d and down"
    hyperfine -N --warmup 1 --runs ${RUNS:-10} \
        --prepare "$dc down -t 0" -n "docker-compose up -d" "$dc up -d" \
        --prepare "$dc up -d" -n "docker-compose down" "$dc down -t 0"
    $dc down -v -t 0 >/dev/null 2>&1 || true
    kill "$(cat "$tmp/docker.pid")"
fi
