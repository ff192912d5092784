#!/usr/bin/env bash
# Benchmark (hyperfine) of `kube play` + `kube play --down` of a
# two-replica Deployment (ConfigMap as env and file, a PVC, an emptyDir
# written by an initContainer, httpd serving it with an httpGet liveness
# probe), beside podman's `kube play` when installed. One measured command
# is the play and the down together, so every run starts from nothing
# (the claim's volume stays, as it does between plays).
# Results go to BENCH_OUT (default target/bench); record them in
# BENCHMARKS.md by hand.
#
#   bash benches/kube.sh            # RUNS=10 by default
#
# It makes bridges and nftables rules: run it where that is allowed (a
# private network namespace: `unshare -n -m --propagation private`, with
# `ip link set lo up` and a tmpfs on /run/rcon, as /work/itest.sh does).
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init kube hyperfine docker-registry skopeo /bin/busybox
RUNS=${RUNS:-10}
bench_rcon
work=$(mktemp -d /tmp/rcon-bench.XXXXXX)
R="$rcon --root $work/rcon --runroot $work/rcon-run"
P="podman --root $work/podman --runroot $work/podman-run $PODMAN_FLAGS"
cleanup() {
    $R kube play --down "$work/site.yaml" >/dev/null 2>&1 || true
    if command -v podman >/dev/null; then
        $P kube play --down "$work/site.yaml" >/dev/null 2>&1 || true
        $P system reset -f >/dev/null 2>&1 || true
    fi
    registry_stop
    rm -rf "$work"
}
trap cleanup EXIT
bench_image "$work"
$R pull -q "$image" >/dev/null
if command -v podman >/dev/null; then
    # podman builds its pods' pause image from catatonit; `kube play` has no
    # --ulimit, so the lower rlimits of PODMAN_RUN_FLAGS go in containers.conf.
    command -v catatonit >/dev/null || { echo "benches/kube.sh: missing: apt-get install catatonit" >&2; exit 1; }
    printf '[containers]\ndefault_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]\n' >"$work/containers.conf"
    export CONTAINERS_CONF=$work/containers.conf
fi

cat >"$work/site.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: site}
data: {greeting: hello, site.conf: "title=bench"}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: visits}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 10Mi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: site, labels: {app: site}}
spec:
  replicas: 2
  selector: {matchLabels: {app: site}}
  template:
    metadata: {labels: {app: site}}
    spec:
      volumes:
        - {name: www, emptyDir: {}}
        - {name: conf, configMap: {name: site}}
        - {name: data, persistentVolumeClaim: {claimName: visits}}
      initContainers:
        - name: render
          image: $image
          command: [sh, -c, 'echo "\$GREETING \$(cat /conf/site.conf)" > /www/index.html']
          env: [{name: GREETING, valueFrom: {configMapKeyRef: {name: site, key: greeting}}}]
          volumeMounts: [{name: www, mountPath: /www}, {name: conf, mountPath: /conf, readOnly: true}]
      containers:
        - name: web
          image: $image
          command: [httpd, -f, -p, "8080", -h, /www]
          ports: [{containerPort: 8080}]
          livenessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 5}
          volumeMounts: [{name: www, mountPath: /www}, {name: data, mountPath: /data}]
YAML

# The plain Deployment (2 replicas of httpd) for the side by side: podman
# 4.3.1 fails on site.yaml (exit 125), so the full one is timed for rcon only.
cat >"$work/plain.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: plain}
spec:
  replicas: 2
  selector: {matchLabels: {app: plain}}
  template:
    metadata: {labels: {app: plain}}
    spec:
      containers:
        - {name: web, image: $image, command: [httpd, -f, -p, "8080", -h, /]}
YAML

args=(-n "rcon kube play + --down (plain)" "$R kube play $work/plain.yaml >/dev/null && $R kube play --down $work/plain.yaml >/dev/null")
if command -v podman >/dev/null; then
    $P pull -q --tls-verify=false "$image" >/dev/null
    args+=(-n "podman kube play + --down (plain)" "$P kube play --tls-verify=false $work/plain.yaml >/dev/null && $P kube play --down $work/plain.yaml >/dev/null")
fi
args+=(-n "rcon kube play + --down (site: init, ConfigMap, PVC, probe)" "$R kube play $work/site.yaml >/dev/null && $R kube play --down $work/site.yaml >/dev/null")
step "kube play + --down of a 2-replica Deployment ($RUNS runs)"
hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$out/kube.md" --export-json "$out/kube.json" "${args[@]}"
cat "$out/kube.md"
