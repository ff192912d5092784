# Shell helpers shared by the scripts in benches/ (source this file): the
# common preamble (bench_init: output directory, podman's flags, required
# tools; bench_machine; bench_rcon), a throw-away docker-registry on a free
# 127.0.0.1 port, and a busybox image written as an OCI image layout by hand
# (tar, gzip, sha256sum, printf JSON) and pushed with skopeo. Same recipe as the Rust test harness
# (tests/common/mod.rs): busybox-static with every applet linked into /bin,
# /etc/passwd with root, app (1000) and nobody, /tmp 1777.
#
# Needs: docker-registry, skopeo, busybox-static, GNU tar, gzip, coreutils.

# Prints a step title (to stderr, so that a script's stdout stays data).
step() { printf '\n==> %s\n' "$*" >&2; }

# The Debian package that provides a tool bench_init checks for.
_bench_package() {
    case $1 in
        /bin/busybox) echo busybox-static ;;
        /usr/bin/time) echo time ;;
        docker|dockerd) echo docker.io ;;
        *) basename "$1" ;;
    esac
}

# bench_init NAME TOOL…: the preamble of benches/NAME.sh. Runs from the
# repository's root; sets `out` (BENCH_OUT, default target/bench, created),
# PODMAN_FLAGS and PODMAN_RUN_FLAGS (podman's global and run flags for this
# machine: Debian's crun refuses the hybrid cgroup v1/v2 hierarchy, so runc
# with cgroupfs; without CAP_SYS_RESOURCE podman's default rlimits cannot
# be set, so lower ones); fails with an apt-get hint when a TOOL is missing.
bench_init() {
    local name=$1 missing=() p
    shift
    cd "$(dirname "${BASH_SOURCE[0]}")/.."
    PODMAN_FLAGS=${PODMAN_FLAGS:---runtime runc --cgroup-manager cgroupfs --storage-driver overlay}
    PODMAN_RUN_FLAGS=${PODMAN_RUN_FLAGS:---ulimit nofile=16384:16384 --ulimit nproc=4096:4096}
    out=${BENCH_OUT:-$PWD/target/bench}
    mkdir -p "$out"
    for p in "$@"; do
        command -v "$p" >/dev/null || missing+=("$(_bench_package "$p")")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "benches/$name.sh: missing: apt-get install ${missing[*]}" >&2
        exit 1
    fi
}

# bench_private_ns ARGS…: runs the calling script again, with ARGS, in a
# private network and mount namespace of its own (loopback up, a tmpfs on
# /run/rcon), so that its bridges, nftables table and /run/rcon/network are
# its own; returns at once inside it. Call right after sourcing lib.sh.
bench_private_ns() {
    [ -z "${RCON_BENCH_PRIVATE_NS:-}" ] || return 0
    exec unshare -n -m --propagation private env RCON_BENCH_PRIVATE_NS=1 bash -c '
        set -e; ip link set lo up; mkdir -p /run/rcon
        mount -t tmpfs -o mode=0755 rcon-bench /run/rcon
        exec bash "$@"' bash "${BASH_SOURCE[1]}" "$@"
}

# bench_store NAME: a throw-away store for the calling script: sets RCON
# (default target/debug/rcon; fails when it is not built), `work`
# (/tmp/rcon-NAME.XXXXXX), `root` and `R` (RCON with that root and run
# root), and an EXIT trap that removes its containers, runs the function
# `bench_cleanup_extra` when the script defines one, stops the registry,
# unmounts what is left under `work` and removes it.
bench_store() {
    RCON=${RCON:-$PWD/target/debug/rcon}
    [ -x "$RCON" ] || { echo "no rcon binary at $RCON: cargo build first (or set RCON)" >&2; exit 1; }
    work=$(mktemp -d "/tmp/rcon-$1.XXXXXX")
    root=$work/root
    R="$RCON --root $root --runroot $work/run"
    trap _bench_store_cleanup EXIT
}

_bench_store_cleanup() {
    $R rm -f $($R ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    if declare -F bench_cleanup_extra >/dev/null; then bench_cleanup_extra; fi
    registry_stop
    grep " $work" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$work"
}

# bench_machine FILE: the machine's description (load, CPUs, kernel, memory,
# OS, rcon's commit, podman's version and flags), printed and kept in FILE.
bench_machine() {
    {
        echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "nproc: $(nproc)"
        echo "kernel: $(uname -r)"
        echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
        echo "memory: $(grep MemTotal /proc/meminfo | awk '{printf "%.1f GiB", $2/1048576}')"
        (. /etc/os-release && echo "os: $PRETTY_NAME")
        echo "rcon: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
        if command -v podman >/dev/null; then echo "podman: $(podman --version) ($PODMAN_FLAGS $PODMAN_RUN_FLAGS)"; fi
    } | tee "$1"
}

# bench_rcon: sets `rcon` (and RCON) to the binary to measure: RCON when
# set, else a fresh `cargo build --release`.
bench_rcon() {
    if [ -z "${RCON:-}" ]; then
        step "cargo build --release"
        cargo build --release --locked
        RCON=$PWD/target/release/rcon
    fi
    rcon=$RCON
}

# bench_image DIR: a registry under DIR with the busybox image pushed;
# sets `image` (REGISTRY_ADDR/busybox:latest). Call registry_stop when done.
bench_image() {
    registry_start "$1/registry"
    image=$REGISTRY_ADDR/busybox:latest
    busybox_push "$1/image" "$image"
}

# Starts docker-registry with storage under DIR; sets REGISTRY_ADDR
# (127.0.0.1:PORT) and REGISTRY_PID. Call registry_stop when done.
registry_start() {
    local dir=$1 port attempt
    mkdir -p "$dir/storage"
    for attempt in 1 2 3 4 5; do
        port=$(( 20000 + RANDOM % 40000 ))
        # Skip a port something already listens on.
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
        cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
        docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
        REGISTRY_PID=$!
        REGISTRY_ADDR=127.0.0.1:$port
        local i
        for i in $(seq 1 200); do
            if registry_ping; then return 0; fi
            if ! kill -0 "$REGISTRY_PID" 2>/dev/null; then break; fi
            sleep 0.05
        done
        registry_stop
    done
    echo "docker-registry did not start; log:" >&2
    cat "$dir/registry.log" >&2
    return 1
}

# Succeeds when GET /v2/ on REGISTRY_ADDR answers 200.
registry_ping() {
    local line
    { exec 3<>"/dev/tcp/${REGISTRY_ADDR%:*}/${REGISTRY_ADDR#*:}"; } 2>/dev/null || return 1
    printf 'GET /v2/ HTTP/1.0\r\nHost: %s\r\n\r\n' "$REGISTRY_ADDR" >&3
    read -r line <&3 || true
    exec 3<&- 3>&-
    [[ $line == *" 200 "* ]]
}

# Stops the registry started by registry_start (by its pid).
registry_stop() {
    if [ -n "${REGISTRY_PID:-}" ]; then
        kill "$REGISTRY_PID" 2>/dev/null || true
        wait "$REGISTRY_PID" 2>/dev/null || true
        REGISTRY_PID=
    fi
}

# Writes a file into the layout's blob store; prints its sha256 hex.
_blob() {
    local layout=$1 file=$2 hex
    hex=$(sha256sum "$file" | cut -d' ' -f1)
    mv "$file" "$layout/blobs/sha256/$hex"
    echo "$hex"
}

# busybox_push WORKDIR REFERENCE [CMD_JSON]: builds the busybox image in
# WORKDIR and pushes it to REFERENCE (e.g. 127.0.0.1:5000/busybox:latest).
# CMD_JSON is the config's Cmd as a JSON array, default ["sh"].
busybox_push() {
    local work=$1 ref=$2 cmd=${3:-'["sh"]'}
    local rootfs=$work/rootfs layout=$work/layout a
    rm -rf "$rootfs" "$layout"
    mkdir -p "$rootfs"/{bin,dev,etc,home/app,proc,root,sys,tmp} "$layout/blobs/sha256"
    cp /bin/busybox "$rootfs/bin/busybox"
    for a in $(/bin/busybox --list); do
        [ "$a" = busybox ] || ln -s busybox "$rootfs/bin/$a"
    done
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'app:x:1000:1000:app:/home/app:/bin/sh' \
        'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$rootfs/etc/passwd"
    printf '%s\n' 'root:x:0:' 'staff:x:50:app' 'app:x:1000:' 'nogroup:x:65534:' >"$rootfs/etc/group"
    chmod 1777 "$rootfs/tmp"; chmod 700 "$rootfs/root"; chmod 555 "$rootfs/proc" "$rootfs/sys"
    chown 1000:1000 "$rootfs/home/app"

    tar --create --numeric-owner --sort=name --mtime=@1700000000 -C "$rootfs" -f "$work/layer.tar" .
    local diff_id layer layer_size config config_size manifest manifest_size
    diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
    gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz"
    layer_size=$(stat -c %s "$work/layer.tar.gz")
    layer=$(_blob "$layout" "$work/layer.tar.gz")
    rm -f "$work/layer.tar"

    printf '{"created":"2023-11-14T22:13:20Z","architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"2023-11-14T22:13:20Z","created_by":"rcon benches/lib.sh"}]}' \
        "$cmd" "$diff_id" >"$work/config.json"
    config_size=$(stat -c %s "$work/config.json")
    config=$(_blob "$layout" "$work/config.json")

    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
        "$config" "$config_size" "$layer" "$layer_size" >"$work/manifest.json"
    manifest_size=$(stat -c %s "$work/manifest.json")
    manifest=$(_blob "$layout" "$work/manifest.json")

    printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
        "$manifest" "$manifest_size" >"$layout/index.json"

    skopeo --insecure-policy copy --quiet --dest-tls-verify=false "oci:$layout:latest" "docker://$ref"
    rm -rf "$rootfs"
}
