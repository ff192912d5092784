# Shell helpers shared by benches/demo.sh and benches/run.sh (source this
# file): a throw-away docker-registry on a free 127.0.0.1 port, and a busybox
# image written as an OCI image layout by hand (tar, gzip, sha256sum, printf
# JSON) and pushed with skopeo. Same recipe as the Rust test harness
# (tests/common/mod.rs): busybox-static with every applet linked into /bin,
# /etc/passwd with root, app (1000) and nobody, /tmp 1777.
#
# Needs: docker-registry, skopeo, busybox-static, GNU tar, gzip, coreutils.

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
