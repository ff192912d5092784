#!/usr/bin/env bash
# Benchmark (hyperfine) of rootless rcon beside rootless podman, both run as
# the same ordinary user made for the run (useradd, a subordinate range in
# /etc/subuid and /etc/subgid), against a local docker-registry:
#   - `run --rm IMAGE true` with networking on (rcon: pasta; podman: its
#     rootless default, slirp4netns for podman 4.3, pasta from 5)
#   - `pull IMAGE` into a fresh store each time
# The user, its home and subid lines, the registry and the /dev/net/tun
# mode (0666 for the run, as stock Debian has it) are put back on exit.
# Results go to BENCH_OUT (default target/bench); record them in
# BENCHMARKS.md by hand.
#
#   sudo bash benches/rootless.sh            # RUNS=20 by default
#
# Needs root (to make the user), uidmap, passt, a default route (pasta copies
# the host's), hyperfine, docker-registry, skopeo, busybox-static.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init rootless hyperfine docker-registry skopeo /bin/busybox newuidmap pasta setpriv useradd
RUNS=${RUNS:-20}
[ "$(id -u)" = 0 ] || { echo "benches/rootless.sh: run as root (it makes a user for the run)" >&2; exit 1; }

step "machine"
bench_machine "$out/rootless-machine.txt"
bench_rcon

user=rcbench$$
subid="$user:500000000:65536"
work=$(mktemp -d /tmp/rcon-bench.XXXXXX)
tun_mode=$(stat -c %a /dev/net/tun)
cleanup() {
    set +e
    registry_stop
    for p in $(pgrep -u "$user"); do kill -KILL "$p"; done
    sleep 0.2
    userdel -r -f "$user" >/dev/null 2>&1
    sed -i "\|^$subid\$|d" /etc/subuid /etc/subgid
    chmod "$tun_mode" /dev/net/tun
    rm -rf "$work"
}
trap cleanup EXIT

useradd -m -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$user"
echo "$subid" >>/etc/subuid
echo "$subid" >>/etc/subgid
chmod 0666 /dev/net/tun
uid=$(id -u "$user")
home=$(getent passwd "$user" | cut -d: -f6)
mkdir -m 0700 "$work/xdg" "$work/res" && chown "$user:" "$work/xdg" "$work/res"
chmod 0755 "$work"
cp "$rcon" "$work/rcon" && chmod 0755 "$work/rcon"

bench_image "$work"
echo "image $image"

# as_user CMD…: CMD as the user, with a login-like environment.
as_user() {
    setpriv --reuid "$uid" --regid "$(id -g "$user")" --init-groups -- \
        env -i HOME="$home" USER="$user" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
        XDG_RUNTIME_DIR="$work/xdg" "$@"
}

R="$work/rcon"
as_user $R pull -q "$image" >/dev/null
runs=("rcon run --rm $image true")
cmds=("$R run --rm $image true")
pulls=("rcon pull $image")
pull_cmds=("$R --root $home/pull pull -q $image")
pull_prep=("rm -rf $home/pull")
if command -v podman >/dev/null; then
    as_user podman pull -q --tls-verify=false "$image" >/dev/null
    runs+=("podman run --rm $image true")
    cmds+=("podman run --rm $image true")
    pulls+=("podman pull $image")
    pull_cmds+=("podman --root $home/podman-pull pull -q --tls-verify=false $image")
    pull_prep+=("podman --root $home/podman-pull system reset -f >/dev/null 2>&1; rm -rf $home/podman-pull")
fi

# Interleaved rounds (one run of each command in turn, so that the load of
# the shared machine hits them alike): medians and the paired ratio.
# RCON_BASE=path/to/other/rcon adds that binary (an A/B of two commits).
step "rootless run --rm IMAGE true, interleaved ($RUNS rounds; medians)"
pair=("${cmds[@]}")
if [ -n "${RCON_BASE:-}" ]; then
    cp "$RCON_BASE" "$work/rcon-base" && chmod 0755 "$work/rcon-base"
    as_user "$work/rcon-base" pull -q "$image" >/dev/null
    pair+=("$work/rcon-base run --rm $image true")
fi
printf '%s\n' "${pair[@]}" >"$work/res/cmds"
as_user python3 - "$RUNS" "$work/res/cmds" <<'PY' | tee "$out/rootless-interleaved.txt"
import statistics, subprocess, sys, time
rounds, cmds = int(sys.argv[1]), open(sys.argv[2]).read().splitlines()
times = {c: [] for c in cmds}
for c in cmds:  # warm-up
    subprocess.run(c.split(), check=True, stdout=subprocess.DEVNULL)
for _ in range(rounds):
    for c in cmds:
        t = time.monotonic()
        subprocess.run(c.split(), check=True, stdout=subprocess.DEVNULL)
        times[c].append((time.monotonic() - t) * 1e3)
ratios = [p / r for r, p in zip(times[cmds[0]], times[cmds[1]])] if len(cmds) > 1 else []
for c in cmds:
    x = sorted(times[c])
    print(f"median {statistics.median(x):6.1f} ms  min {x[0]:6.1f}  {c.split(' run')[0].rsplit('/', 1)[-1]}")
if ratios:
    print(f"paired ratio {cmds[1].split()[0].rsplit('/', 1)[-1]}/rcon: median {statistics.median(ratios):.1f}x")
PY
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/rootless-interleaved.txt"

step "rootless run --rm IMAGE true, networking on ($RUNS runs)"
args=()
for i in "${!runs[@]}"; do args+=(-n "${runs[$i]}" "${cmds[$i]}"); done
as_user hyperfine -N --warmup 3 --runs "$RUNS" --export-markdown "$work/res/run.md" "${args[@]}"
cp "$work/res/run.md" "$out/rootless-run.md"

step "rootless pull IMAGE into a fresh store ($(( RUNS / 2 )) runs)"
args=()
for i in "${!pulls[@]}"; do args+=(-n "${pulls[$i]}" --prepare "${pull_prep[$i]}" "${pull_cmds[$i]}"); done
as_user hyperfine --warmup 1 --runs "$(( RUNS / 2 ))" --export-markdown "$work/res/pull.md" "${args[@]}"
cp "$work/res/pull.md" "$out/rootless-pull.md"
