#!/usr/bin/env bash
# Crash safety at scale (issue 15): the kill -9 tests of tests/crash.rs
# with RCON_CRASH_ROUNDS rounds (default 34: 34 kills each of create,
# start, rename, rm, pull and build = 204 injected kills), in a private
# network and mount namespace as /work/itest.sh runs them. Each kill is
# followed by `ps`, `inspect` of every container, `system check --repair`
# and a check that finds nothing; the seed is printed (RCON_CRASH_SEED
# replays a run). Needs root, docker-registry, skopeo, busybox-static.
#   bash benches/crash.sh            # 204 kills
#   RCON_CRASH_ROUNDS=50 bash benches/crash.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export RCON_CRASH_ROUNDS=${RCON_CRASH_ROUNDS:-34}
cargo test --no-run --locked --test tests 2>&1 | tail -1
exec unshare -n -m --propagation private bash -c '
  set -e
  ip link set lo up
  mkdir -p /run/rcon
  mount -t tmpfs -o mode=0755 rcon-crash /run/rcon
  exec cargo test --locked --offline --test tests crash:: -- --nocapture --test-threads 1 2>&1
'
