#!/usr/bin/env bash
# Benchmark (hyperfine) of rootless rcon beside rootless podman, both run as
# the same ordinary user made for the run (useradd, a subordinate range in
# /etc/subuid and /etc/subgid), against a local docker-registry:
#   - `run --rm IMAGE true` with networking on (rcon: pasta; podman: its
#     rootless default, slirp4netns for podman 4.3, pasta from 5)
#   - `pull IMAGE` into a fresh store each time
#   - rcon's two rootless networking backends and a rootless user network
#     (`benchnet`: the rootless network namespace, its pasta, and the -p
#     forwarder) side by side, interleaved:
#     `run --rm --network pasta|slirp4netns|benchnet IMAGE true`, and the fetch of a
#     SIZE_MB file (default 256) from a busybox httpd on the host's loopback
#     through host.containers.internal (slirp4netns with
#     allow_host_loopback), whose time less the start's gives MB/s; and
#     the same file fetched from the host through `-p 127.0.0.1:PORT:80`
#     of a detached container serving it (busybox httpd)
# The user, its home and subid lines, the registry and the /dev/net/tun
# mode (0666 for the run, as stock Debian has it) are put back on exit.
# Results go to BENCH_OUT (default target/bench); record them in
# BENCHMARKS.md by hand.
#
#   sudo bash benches/rootless.sh            # RUNS=20 by default
#   STEPS=net sudo bash benches/rootless.sh  # only some of: run pull net
#
# Needs root (to make the user), uidmap, passt, slirp4netns, a default route
# (pasta copies the host's), hyperfine, docker-registry, skopeo,
# busybox-static.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init rootless hyperfine docker-registry skopeo /bin/busybox newuidmap pasta slirp4netns setpriv useradd
RUNS=${RUNS:-20}
STEPS=" ${STEPS:-run pull net} "
[ "$(id -u)" = 0 ] || { echo "benches/rootless.sh: run as root (it makes a user for the run)" >&2; exit 1; }

step "machine"
bench_machine "$out/rootless-machine.txt"
bench_rcon

user=rcbench$$
subid="$user:500000000:65536"
work=$(mktemp -d /tmp/rcon-bench.XXXXXX)
tun_mode=$(stat -c %a /dev/net/tun)
httpd_pid=
cleanup() {
    set +e
    registry_stop
    [ -n "$httpd_pid" ] && kill "$httpd_pid"

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

if [[ $STEPS == *" run "* ]]; then
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

fi

if [[ $STEPS == *" pull "* ]]; then
step "rootless pull IMAGE into a fresh store ($(( RUNS / 2 )) runs)"
args=()
for i in "${!pulls[@]}"; do args+=(-n "${pulls[$i]}" --prepare "${pull_prep[$i]}" "${pull_cmds[$i]}"); done
as_user hyperfine --warmup 1 --runs "$(( RUNS / 2 ))" --export-markdown "$work/res/pull.md" "${args[@]}"
cp "$work/res/pull.md" "$out/rootless-pull.md"
fi

if [[ $STEPS == *" net "* ]]; then
# The backends side by side: each line of net-cmds is LABEL<TAB>COMMAND,
# run interleaved as above; slirp4netns/pasta ratios pair by pair.
SIZE_MB=${SIZE_MB:-256}
mkdir -p "$work/www"
dd if=/dev/urandom of="$work/www/big" bs=1M count="$SIZE_MB" status=none
chmod -R a+rX "$work/www"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
busybox httpd -f -p "127.0.0.1:$port" -h "$work/www" &
httpd_pid=$!
url="http://host.containers.internal:$port/big"
# A rootless user network (its rootless network namespace and pasta).
as_user $R network create benchnet >/dev/null
{
    printf 'pasta true\t%s\n' "$R run --rm --network pasta $image true"
    printf 'slirp4netns true\t%s\n' "$R run --rm --network slirp4netns $image true"
    printf 'pasta fetch\t%s\n' "$R run --rm --network pasta $image wget -q -O /dev/null $url"
    printf 'slirp4netns fetch\t%s\n' "$R run --rm --network slirp4netns:allow_host_loopback=true $image wget -q -O /dev/null $url"
    printf 'usernet true\t%s\n' "$R run --rm --network benchnet $image true"
    printf 'usernet fetch\t%s\n' "$R run --rm --network benchnet $image wget -q -O /dev/null $url"
} >"$work/res/net-cmds"
step "rootless networking: pasta vs slirp4netns, run --rm true and a $SIZE_MB MB fetch from the host's loopback, interleaved ($RUNS rounds; medians)"
as_user python3 - "$RUNS" "$work/res/net-cmds" "$SIZE_MB" <<'PY' | tee "$out/rootless-net.txt"
import statistics, subprocess, sys, time
rounds, size = int(sys.argv[1]), int(sys.argv[3])
cmds = [l.split("\t", 1) for l in open(sys.argv[2]).read().splitlines()]
times = {label: [] for label, _ in cmds}
for _, c in cmds:  # warm-up
    subprocess.run(c.split(), check=True, stdout=subprocess.DEVNULL)
for _ in range(rounds):
    for label, c in cmds:
        t = time.monotonic()
        subprocess.run(c.split(), check=True, stdout=subprocess.DEVNULL)
        times[label].append((time.monotonic() - t) * 1e3)
med = {label: statistics.median(x) for label, x in times.items()}
for label, x in times.items():
    print(f"median {med[label]:7.1f} ms  min {min(x):7.1f}  {label}")
for what in ("true", "fetch"):
    for b in ("slirp4netns", "usernet"):
        r = [s / p for p, s in zip(times[f"pasta {what}"], times[f"{b} {what}"])]
        print(f"paired ratio {b}/pasta, {what}: median {statistics.median(r):.2f}x")
for b in ("pasta", "slirp4netns", "usernet"):
    print(f"{b}: {size / ((med[b + ' fetch'] - med[b + ' true']) / 1e3):.0f} MB/s ({size} MB, fetch less start, medians)")
PY
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/rootless-net.txt"

# -p: the host fetches SIZE_MB from a detached container of each backend.
step "rootless networking: $SIZE_MB MB through -p 127.0.0.1:PORT:80, pasta vs slirp4netns, interleaved ($RUNS rounds; medians)"
serve="mkdir -p /www && dd if=/dev/zero of=/www/big bs=1M count=$SIZE_MB 2>/dev/null && exec httpd -f -p 80 -h /www"
: >"$work/res/p-cmds"
for b in pasta slirp4netns benchnet; do
    p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_user $R run -d --name "p-$b" --network "$b" -p "127.0.0.1:$p:80" "$image" sh -c "$serve" >/dev/null
    until curl -sf -o /dev/null "http://127.0.0.1:$p/big"; do sleep 0.2; done
    printf '%s -p\tcurl -sf -o /dev/null http://127.0.0.1:%s/big\n' "$b" "$p" >>"$work/res/p-cmds"
done
python3 - "$RUNS" "$work/res/p-cmds" "$SIZE_MB" <<'PY' | tee -a "$out/rootless-net.txt"
import statistics, subprocess, sys, time
rounds, size = int(sys.argv[1]), int(sys.argv[3])
cmds = [l.split("\t", 1) for l in open(sys.argv[2]).read().splitlines()]
times = {label: [] for label, _ in cmds}
for _ in range(rounds):
    for label, c in cmds:
        t = time.monotonic()
        subprocess.run(c.split(), check=True)
        times[label].append((time.monotonic() - t) * 1e3)
for label, x in times.items():
    m = statistics.median(x)
    print(f"median {m:7.1f} ms  min {min(x):7.1f}  {label}: {size / (m / 1e3):.0f} MB/s")
(a, ta), *others = times.items()
for b, tb in others:
    print(f"paired ratio {b}/{a}: median {statistics.median([y / x for x, y in zip(ta, tb)]):.2f}x")
PY
as_user $R rm -f p-pasta p-slirp4netns p-benchnet >/dev/null
as_user $R network rm benchnet >/dev/null
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/rootless-net.txt"
fi
