#!/usr/bin/env bash
# Hostile-input campaign (issue 18), the companion of benches/faults.sh:
#
# - hostile Dockerfiles and build contexts (exponential ARG expansion,
#   deep nesting, 20,000 LABELs, 20,000 context files, symlinks out of the
#   context, stage cycles, binary garbage…);
# - a misbehaving registry (benches/hostile_registry.py in front of a real
#   docker-registry: stalled, endless, oversized, corrupt and redirect-loop
#   blobs, broken and 64 MiB manifests, 500s) and hostile layers (paths
#   with `..`, absolute paths, writes through symlinks and hard links to
#   host files);
# - escape attempts from inside containers (mounts, devices, netlink,
#   user namespaces, chroot, /proc/PID/exe of `rcon exec`, `cp` and `-v`
#   through symlinks in the container).
#
# Every try must end without a panic, within bounded memory (peak RSS of
# the rcon process tree, /usr/bin/time) and time, with a clear error when
# it fails, leaving the store as it was (same images, empty tmp/, `system
# check` clean) and the host untouched (a canary directory whose listing
# and contents are compared; the rcon binary's hash).
#
#   bash benches/hostile.sh            # RCON=target/debug/rcon by default
#   TRIES=1 bash benches/hostile.sh    # fewer repetitions
# Runs in a private network and mount namespace (as faults.sh). Prints a
# markdown table (section, tries, failures, worst peak RSS, slowest try) and
# keeps it in target/bench/hostile.md; failures are described in
# target/bench/hostile.log.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
bench_private_ns "$@"
bench_init hostile docker-registry skopeo /bin/busybox ip nft python3 /usr/bin/time
TRIES=${TRIES:-3}
# Bounds every try must stay within.
MAX_RSS_MIB=${MAX_RSS_MIB:-512}
MAX_SECS=${MAX_SECS:-120}

bench_store hostile
log=$out/hostile.log
table=$out/hostile.md
: >"$log"
proxy_pid=
bench_cleanup_extra() { [ -z "$proxy_pid" ] || kill "$proxy_pid" 2>/dev/null; }

# The host's canary: a directory the hostile inputs aim at.
canary=$work/canary
mkdir -p "$canary"
echo host-secret >"$canary/host-file"
canary_state() { (cd "$canary" && find . -printf '%p %s %m\n' | sort && cat host-file); }
canary_before=$(canary_state)
rcon_hash=$(sha256sum "$RCON" | cut -d' ' -f1)

step "registry and images"
bench_image "$work" >/dev/null
$R pull -q "$image" >/dev/null

echo "| section | tries | failures | worst peak RSS | slowest try |" >"$table"
echo "|:--|--:|--:|--:|--:|" >>"$table"

# measure CMD…: runs CMD; sets rc, out (its output, first 4 KiB), rss_mib
# and secs, and keeps the section's worst figures.
measure() {
    /usr/bin/time -f '%M %e' -o "$work/time" "$@" >"$work/out" 2>&1
    rc=$?
    local kib
    read -r kib secs <"$work/time" || { kib=0; secs=0; }
    # (time prints "Command terminated by signal N" first when killed.)
    if ! [[ $kib =~ ^[0-9]+$ ]]; then read -r kib secs < <(tail -1 "$work/time"); fi
    rss_mib=$((kib / 1024))
    out=$(head -c 4096 "$work/out")
    [ "$rss_mib" -le "$worst_rss" ] || worst_rss=$rss_mib
    awk -v a="$secs" -v b="$worst_secs" 'BEGIN { exit !(a > b) }' && worst_secs=$secs
    return 0
}

fail() { echo "[$section] $1" >>"$log"; try_failed=1; }
begin_section() { section=$1; tries=0; failures=0; worst_rss=0; worst_secs=0; step "$section"; }
end_section() { echo "| $section | $tries | $failures | $worst_rss MiB | ${worst_secs} s |" | tee -a "$table"; }
begin_try() { tries=$((tries + 1)); try_failed=0; }
end_try() { failures=$((failures + try_failed)); }

# Checks common to every try: no panic, bounds, the host and the store.
images_before=
common_checks() {
    local what=$1 o
    if echo "$out" | grep -q 'panicked'; then fail "$what: panicked: $out"; fi
    [ "$rc" != 101 ] || fail "$what: exit 101 (a panic)"
    [ "$rc" -lt 128 ] || fail "$what: killed by signal $((rc - 128)): $out"
    [ "$rss_mib" -le "$MAX_RSS_MIB" ] || fail "$what: peak RSS $rss_mib MiB > $MAX_RSS_MIB MiB"
    awk -v a="$secs" -v b="$MAX_SECS" 'BEGIN { exit !(a > b) }' && fail "$what: took $secs s > $MAX_SECS s"
    [ "$(canary_state)" = "$canary_before" ] || fail "$what: the host's canary directory changed: $(canary_state)"
    [ -z "$(find / -xdev -maxdepth 2 -name 'rcon-escape*' 2>/dev/null)" ] || fail "$what: an escape file on the host: $(find / -xdev -maxdepth 2 -name 'rcon-escape*')"
    [ "$(sha256sum "$RCON" | cut -d' ' -f1)" = "$rcon_hash" ] || fail "$what: the rcon binary changed"
    o=$($R system check 2>&1) || fail "$what: system check: $o"
    [ -z "$(ls -A "$root/tmp" 2>/dev/null)" ] || fail "$what: tmp/ not empty: $(ls "$root/tmp")"
    if [ -n "$images_before" ] && [ "$($R images -q --no-trunc | sort)" != "$images_before" ]; then
        fail "$what: the image store changed: $($R images)"
    fi
    if $R ps -a --format '{{.Names}}' | grep -q '^rcon-build-'; then fail "$what: build containers left"; fi
}

# ---------------------------------------------------------------------------
# Hostile Dockerfiles and contexts.
# df_case NAME EXPECT: builds $work/df/NAME; EXPECT is fail (must fail with
# an error naming what is wrong), ok (must succeed) or either.
df_case() {
    local name=$1 expect=$2 i
    for i in $(seq 1 "$TRIES"); do
        begin_try
        images_before=$($R images -q --no-trunc | sort)
        measure $R build -q -t "hostile-$name:1" "$work/df/$name"
        if [ "$rc" = 0 ]; then
            [ "$expect" != fail ] || fail "$name: built, but docker refuses it"
            images_before=$( ($R images -q --no-trunc; $R image inspect -f '{{.Id}}' "hostile-$name:1") | sort -u)
        else
            [ "$expect" != ok ] || fail "$name: failed (exit $rc): $out"
            [ -n "$out" ] || fail "$name: failed (exit $rc) without a message"
        fi
        common_checks "$name"
        if [ "$rc" = 0 ] && [ -n "${df_check:-}" ]; then eval "$df_check" || fail "$name: $df_check failed"; fi
        $R rmi -f "hostile-$name:1" >/dev/null 2>&1
        images_before=
        end_try
    done
    df_check=
}
mkdf() { mkdir -p "$work/df/$1"; cat >"$work/df/$1/Dockerfile"; }

begin_section "hostile Dockerfiles"
{
    echo "FROM $image"
    echo "ARG A=0123456789abcdef"
    for i in $(seq 1 40); do echo 'ARG A=$A$A'; done
    echo 'RUN echo ${#A}'
} | mkdf argdouble
df_case argdouble fail

{
    echo "FROM $image"
    for i in $(seq 1 20000); do echo "LABEL l$i=v$i"; done
} | mkdf labels
df_check="[ \"\$($R image inspect -f '{{index .Config.Labels \"l20000\"}}' hostile-labels:1)\" = v20000 ]"
df_case labels ok

{
    echo "FROM $image"
    printf 'ENV X='
    for i in $(seq 1 20000); do printf '${a:-'; done
    printf 'x'
    for i in $(seq 1 20000); do printf '}'; done
    echo
} | mkdf nested
df_case nested fail

{
    echo "FROM $image"
    printf 'RUN echo '; head -c $((1 << 20)) /dev/zero | tr '\0' a; echo
} | mkdf longline
df_case longline either

printf 'FROM %s\nCOPY link /x\n' "$image" | mkdf dangling
ln -s /nonexistent/rcon-hostile "$work/df/dangling/link"
df_case dangling fail

printf 'FROM %s\nCOPY link /x\nRUN cat /x\n' "$image" | mkdf abslink
ln -s "$canary/host-file" "$work/df/abslink/link"
df_check="! $R run --rm hostile-abslink:1 cat /x | grep -q host-secret"
df_case abslink either

# (The classic builder refuses it; BuildKit cleans `../` to the context's
# root. Either way nothing from outside the context may be copied.)
printf 'FROM %s\nCOPY ../ /x\n' "$image" | mkdf parent
df_check="[ \"\$($R run --rm hostile-parent:1 ls /x)\" = Dockerfile ]"
df_case parent either

printf 'FROM %s\nCOPY dir/up/canary/host-file /x\n' "$image" | mkdf dotdot
mkdir -p "$work/df/dotdot/dir"
ln -s ../../.. "$work/df/dotdot/dir/up"
df_case dotdot fail

printf 'FROM %s\nRUN <<EOF\necho never ends\n' "$image" | mkdf heredoc
df_case heredoc either

{
    echo "FROM $image AS s0"
    for i in $(seq 1 300); do echo "FROM s$((i - 1)) AS s$i"; done
    echo "RUN true"
} | mkdf stages
df_case stages ok

printf 'FROM b AS a\nRUN true\nFROM a AS b\nRUN true\n' | mkdf cycle
df_case cycle fail

printf 'FROM %s AS s\nCOPY --from=s / /\n' "$image" | mkdf fromself
df_case fromself fail

head -c 65536 /dev/urandom | mkdf binary
df_case binary fail

printf 'FROM %s\nONBUILD ONBUILD RUN true\n' "$image" | mkdf onbuild
df_case onbuild fail

printf 'FROM %s\nCOPY . /c\nRUN test -f /c/f19999\n' "$image" | mkdf manyfiles
(cd "$work/df/manyfiles" && for d in $(seq 0 19); do mkdir "d$d"; (cd "d$d" && seq -f "f%g" $((d * 1000)) $((d * 1000 + 999)) | xargs touch); done)
sed -i 's|/c/f19999|/c/d19/f19999|' "$work/df/manyfiles/Dockerfile"
df_case manyfiles ok

printf 'FROM %s\nCOPY . /c\n' "$image" | mkdf deepdir
(cd "$work/df/deepdir" && p=.; for i in $(seq 1 200); do p=$p/d; done; mkdir -p "$p" && touch "$p/leaf")
df_case deepdir ok
end_section

# ---------------------------------------------------------------------------
# A misbehaving registry, and hostile layers.
begin_section "misbehaving registry"
python3 "$(dirname "$0")/hostile_registry.py" "$REGISTRY_ADDR" "$work/proxy.port" &
proxy_pid=$!
for i in $(seq 1 100); do [ -s "$work/proxy.port" ] && break; sleep 0.05; done
proxy=127.0.0.1:$(cat "$work/proxy.port")
PULL="pull --stall-timeout 2s --retry 1 --retry-delay 10ms"
measure $R $PULL "$proxy/ok/busybox:latest"
[ "$rc" = 0 ] || { echo "pull through the proxy in mode ok failed: $out" >&2; exit 1; }
$R rmi -f "$proxy/ok/busybox:latest" >/dev/null
for mode in stall baddigest wrongsize endless redirectloop err500 badjson hugemanifest; do
    for i in $(seq 1 "$TRIES"); do
        begin_try
        $R rmi -f "$image" >/dev/null 2>&1
        images_before=$($R images -q --no-trunc | sort)
        measure $R $PULL "$proxy/$mode/busybox:latest"
        [ "$rc" != 0 ] || fail "$mode: the pull succeeded"
        echo "$out" | grep -q "$proxy" || fail "$mode: the error does not name the registry: $out"
        common_checks "$mode"
        images_before=
        end_try
    done
    printf '  %-13s exit %s, %s s, %s MiB: %s\n' "$mode" "$rc" "$secs" "$rss_mib" "$(echo "$out" | tail -1 | cut -c1-160)" >&2
done
$R pull -q "$image" >/dev/null
end_section

# evil_push NAME: pushes an image of the busybox layer plus the layer
# $work/evil/NAME.tar (written by python's tarfile) as REGISTRY/evil-NAME.
evil_push() {
    local name=$1 layout=$work/evil/layout-$1 base
    rm -rf "$layout"
    base=$work/image/layout
    cp -a "$base" "$layout"
    python3 - "$layout" "$work/evil/$name.tar" <<'PY'
import gzip, hashlib, json, os, shutil, sys
layout, tar = sys.argv[1], sys.argv[2]
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(layout, "blobs/sha256", d), "wb").write(data)
    return d
index = json.load(open(os.path.join(layout, "index.json")))
mdesc = index["manifests"][0]
manifest = json.load(open(os.path.join(layout, "blobs/sha256", mdesc["digest"][7:])))
config = json.load(open(os.path.join(layout, "blobs/sha256", manifest["config"]["digest"][7:])))
raw = open(tar, "rb").read()
gz = gzip.compress(raw, mtime=0)
manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                           "digest": "sha256:" + blob(gz), "size": len(gz)})
config["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(raw).hexdigest())
c = json.dumps(config).encode()
manifest["config"]["digest"] = "sha256:" + blob(c)
manifest["config"]["size"] = len(c)
m = json.dumps(manifest).encode()
mdesc["digest"] = "sha256:" + blob(m)
mdesc["size"] = len(m)
json.dump(index, open(os.path.join(layout, "index.json"), "w"))
PY
    skopeo --insecure-policy copy --quiet --dest-tls-verify=false "oci:$layout:latest" "docker://$REGISTRY_ADDR/evil-$name:latest"
}

begin_section "hostile layers"
mkdir -p "$work/evil"
python3 - "$work/evil" "$canary" <<'PY'
import io, sys, tarfile
out, canary = sys.argv[1], sys.argv[2].lstrip("/")
def layer(name, entries):
    with tarfile.open(f"{out}/{name}.tar", "w", format=tarfile.PAX_FORMAT) as t:
        for kind, path, arg in entries:
            i = tarfile.TarInfo(path)
            if kind == "file":
                data = arg.encode()
                i.size = len(data)
                t.addfile(i, io.BytesIO(data))
            elif kind == "dir":
                i.type, i.mode = tarfile.DIRTYPE, 0o755
                t.addfile(i)
            elif kind == "symlink":
                i.type, i.linkname = tarfile.SYMTYPE, arg
                t.addfile(i)
            elif kind == "hardlink":
                i.type, i.linkname = tarfile.LNKTYPE, arg
                t.addfile(i)
up = "../" * 30
layer("dotdot", [("file", up + canary + "/rcon-escape-dotdot", "x")])
layer("absolute", [("file", "/" + canary + "/rcon-escape-abs", "x"), ("file", "/rcon-escape-root", "x")])
layer("symlinkdir", [("symlink", "lnk", "/" + canary), ("file", "lnk/rcon-escape-symlink", "x")])
layer("symlinkup", [("symlink", "up", up), ("file", "up/" + canary + "/rcon-escape-up", "x")])
layer("hardlink", [("hardlink", "hl", "/" + canary + "/host-file")])
layer("hardlinkup", [("hardlink", "hl", up + canary + "/host-file")])
layer("overwrite", [("symlink", "etc/target", "/" + canary + "/host-file"), ("file", "etc/target", "overwritten")])
layer("whiteout", [("file", up + canary + "/.wh.host-file", ""), ("file", "tmp/.wh..wh..opq", "")])
PY
for name in dotdot absolute symlinkdir symlinkup hardlink hardlinkup overwrite whiteout; do
    evil_push "$name"
    for i in $(seq 1 "$TRIES"); do
        begin_try
        $R rmi -f "$REGISTRY_ADDR/evil-$name:latest" >/dev/null 2>&1
        measure $R pull -q "$REGISTRY_ADDR/evil-$name:latest"
        common_checks "$name (pull)"
        if [ "$rc" = 0 ]; then
            measure $R run --rm "$REGISTRY_ADDR/evil-$name:latest" sh -c 'cat hl etc/target 2>/dev/null; ls /'
            common_checks "$name (run)"
            if echo "$out" | grep -q host-secret; then fail "$name: the container reads the host's file"; fi
        fi
        end_try
    done
    printf '  %-11s pull exit %s: %s\n' "$name" "$rc" "$(echo "$out" | tail -1 | cut -c1-160)" >&2
    $R rmi -f "$REGISTRY_ADDR/evil-$name:latest" >/dev/null 2>&1
done
end_section

# ---------------------------------------------------------------------------
# Escape attempts from inside containers. Each probe must fail (exit not 0)
# inside a default container, and the host must be unchanged.
begin_section "escape attempts"
probes=(
    "mount -t proc proc /mnt"
    "mount -t tmpfs t /mnt"
    "mount -o remount,rw /sys"
    "mount -o remount,rw /proc/sys"
    "mknod /tmp/blk b 7 0 && head -c 512 /tmp/blk >/dev/null"
    "mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem >/dev/null"
    "ip link add rcon-escape type dummy"
    "unshare -U -r true"
    "unshare -m true"
    "cat /proc/sys/kernel/panic_on_oops > /proc/sys/kernel/panic_on_oops"
    ": > /sys/kernel/uevent_helper"
    "echo \$\$ > /sys/fs/cgroup/cgroup.procs || echo \$\$ > /sys/fs/cgroup/memory/cgroup.procs"
    "test -s /proc/kcore"
    "cat $canary/host-file"
    "mkdir -p /j && chroot /j /bin/busybox true 2>/dev/null; cd /; for i in 1 2 3 4 5 6 7 8; do cd ..; done; cat .$canary/host-file"
    "cat /proc/1/root$canary/host-file"
    "nsenter -t 1 -m -- cat $canary/host-file"
    "touch /proc/sysrq-trigger.rcon-escape"
)
for i in $(seq 1 "$TRIES"); do
    for p in "${probes[@]}"; do
        begin_try
        measure $R run --rm "$image" sh -c "$p"
        [ "$rc" != 0 ] || fail "probe succeeded: $p: $out"
        echo "$out" | grep -q host-secret && fail "probe read the host's canary: $p"
        common_checks "probe $p"
        end_try
        # Why it failed, once: a probe is meaningful only if the kernel or
        # rcon refused it (not a missing applet).
        [ "$i" != 1 ] || printf '  %-60s exit %s: %s\n' "${p:0:60}" "$rc" "$(echo "$out" | tail -1 | cut -c1-100)" >&2
    done
done

# /proc/PID/exe of rcon exec's helper: a container rewriting every exe it
# can open while exec runs 20 times.
$R run -d --name exe "$image" sh -c 'while true; do for e in /proc/[0-9]*/exe; do echo rcon-escape 2>/dev/null >"$e"; done; done' >/dev/null
for i in $(seq 1 20); do
    begin_try
    measure $R exec exe true
    [ "$rc" = 0 ] || fail "exec during the exe attack: $out"
    common_checks "exe attack, exec $i"
    end_try
done
$R rm -f exe >/dev/null

# cp and -v through symlinks that point out of the container.
$R run -d --name cpx "$image" sh -c "ln -s / /out; mkdir -p /in; ln -s $canary /in/lnk; ln -s $canary /data; exec sleep 4242" >/dev/null
sleep 0.5
for i in $(seq 1 "$TRIES"); do
    begin_try
    rm -rf "$work/got"
    measure $R cp "cpx:/out$canary/host-file" "$work/got"
    [ "$rc" != 0 ] || ! grep -q host-secret "$work/got" 2>/dev/null || fail "cp read the host's file through /out -> /"
    common_checks "cp out through a symlink"
    end_try
    begin_try
    echo payload >"$work/rcon-escape-cp"
    measure $R cp "$work/rcon-escape-cp" "cpx:/in/lnk/"
    common_checks "cp in through a symlink"
    end_try
done
$R rm -f cpx >/dev/null
# An image whose /data is a symlink to the host's canary directory: -v
# mounts on the container's own path, never the host's.
printf 'FROM %s\nRUN ln -s %s /data\n' "$image" "$canary" | mkdf vlink
$R build -q -t hostile-vlink:1 "$work/df/vlink" >/dev/null
for i in $(seq 1 "$TRIES"); do
    begin_try
    mkdir -p "$work/vol"
    measure $R run --rm -v "$work/vol:/data" hostile-vlink:1 sh -c 'echo inside > /data/rcon-escape-vol'
    [ "$rc" != 0 ] || [ -f "$work/vol/rcon-escape-vol" ] || fail "-v through a symlink: the file is not in the volume"
    common_checks "-v through a symlink"
    rm -rf "$work/vol"
    end_try
done
$R rmi -f hostile-vlink:1 >/dev/null
end_section

echo
cat "$table"
if [ -s "$log" ]; then
    echo
    echo "failures (also in $log):"
    cat "$log"
fi
