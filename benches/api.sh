#!/usr/bin/env bash
# The Docker Engine API (`rcon system service`, issue 12), beside dockerd
# from Debian's docker.io when DOCKERD=1 (started here on its own data root
# and socket, no iptables, no bridge):
#   - create + start + wait + DELETE of a container running `true`, through
#     the API with curl (NetworkMode none on both engines): hyperfine of a
#     client script (its bash and four curl processes included)
#   - the same cycle as the server's time per request: one client (Python's
#     http.client, a connection per request as docker's CLI makes them),
#     from each request's first byte to its reply's last; create + start +
#     wait is the issue's figure, DELETE is given apart
#   - GET /containers/json?all=1 with 100 containers in the store, with
#     curl (hyperfine: its process start included) and as the server's
#     response time alone (one keep-alive client, LIST_REQUESTS requests)
#   - socket-activated cold start: exec of `rcon system service` on a
#     passed listening socket (LISTEN_FDS) to the reply of the first
#     /_ping (median of COLD_RUNS, measured by a small Python client)
# Results go to BENCH_OUT (default target/bench); record them in
# BENCHMARKS.md by hand.
#
#   bash benches/api.sh                   # RUNS=20
#   DOCKERD=1 RUNS=10 bash benches/api.sh
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init api hyperfine docker-registry skopeo /bin/busybox curl python3
RUNS=${RUNS:-20}
COLD_RUNS=${COLD_RUNS:-30}
bench_rcon
work=$(mktemp -d /tmp/rcon-bench-api.XXXXXX)
R="$rcon --root $work/rcon --runroot $work/rcon-run"
sock=$work/rcon.sock
dsock=$work/docker.sock
svc_pid=
dockerd_pid=
cleanup() {
    [ -n "$svc_pid" ] && kill "$svc_pid" 2>/dev/null && wait "$svc_pid" 2>/dev/null || true
    $R rm -f $($R ps -aq) >/dev/null 2>&1 || true
    if [ -n "$dockerd_pid" ]; then
        DOCKER_HOST=unix://$dsock docker rm -f $(DOCKER_HOST=unix://$dsock docker ps -aq) >/dev/null 2>&1 || true
        kill "$dockerd_pid" 2>/dev/null || true
        wait "$dockerd_pid" 2>/dev/null || true
        umount -R "$work/docker" 2>/dev/null || true
    fi
    registry_stop
    rm -rf "$work"
}
trap cleanup EXIT
bench_machine "$out/api-machine.txt"
bench_image "$work"

# One client "script" per engine: create, start, wait, delete. The ID is
# cut from the reply by bash itself: jq's own start (about 28 ms) would be
# a quarter of the cycle.
cat >"$work/cycle.sh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
s=$1 image=$2
api() { curl -sf --unix-socket "$s" "$@"; }
reply=$(api -X POST -H 'Content-Type: application/json' \
    -d "{\"Image\":\"$image\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}" \
    http://api/v1.41/containers/create)
id=${reply#*\"Id\":\"}
id=${id%%\"*}
api -X POST "http://api/v1.41/containers/$id/start" >/dev/null
api -X POST "http://api/v1.41/containers/$id/wait" >/dev/null
api -X DELETE "http://api/v1.41/containers/$id" >/dev/null
EOF
chmod +x "$work/cycle.sh"

step "rcon system service on $sock"
$R system service --time 0 "unix://$sock" &
svc_pid=$!
for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
curl -sf --unix-socket "$sock" -X POST "http://api/v1.41/images/create?fromImage=$image" >/dev/null

args=(-n "rcon API: create+start+wait+rm true" "$work/cycle.sh $sock $image")
if [ "${DOCKERD:-0}" = 1 ]; then
    step "dockerd on $dsock"
    mkdir -p "$work/docker" "$work/docker-exec"
    dockerd --data-root "$work/docker" --exec-root "$work/docker-exec" --host "unix://$dsock" \
        --pidfile "$work/dockerd.pid" --iptables=false --ip-masq=false --bridge=none \
        --insecure-registry "$REGISTRY_ADDR" >"$work/dockerd.log" 2>&1 &
    dockerd_pid=$!
    for _ in $(seq 1 400); do curl -sf --unix-socket "$dsock" http://api/_ping >/dev/null 2>&1 && break; sleep 0.05; done
    curl -sf --unix-socket "$dsock" -X POST "http://api/v1.41/images/create?fromImage=$image" >/dev/null
    args+=(-n "dockerd 20.10: create+start+wait+rm true" "$work/cycle.sh $dsock $image")
fi
step "create + start + wait + rm of true ($RUNS runs)"
hyperfine -N --warmup 2 --runs "$RUNS" --export-markdown "$out/api-cycle.md" --export-json "$out/api-cycle.json" "${args[@]}"

# The cycle as each request's server time: one Python client, a new
# connection per request; CYCLE_REQUESTS cycles after 3 warm-up cycles.
step "create + start + wait (+ DELETE) of true, each request's server time"
server_cycle() {
    python3 - "$1" "$2" "$image" "${CYCLE_REQUESTS:-30}" <<'PY'
import http.client, json, socket, statistics, sys, time
name, path, image, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
def request(method, url, body=None):
    c = Conn("api")
    headers = {"Content-Type": "application/json"} if body is not None else {}
    c.request(method, url, body=None if body is None else json.dumps(body), headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    assert r.status < 300, (method, url, r.status, data)
    return data
times = {k: [] for k in ("create", "start", "wait", "delete", "create+start+wait")}
body = {"Image": image, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}
for i in range(n + 3):
    t = [time.perf_counter()]
    cid = json.loads(request("POST", "/v1.41/containers/create", body))["Id"]
    t.append(time.perf_counter())
    request("POST", f"/v1.41/containers/{cid}/start")
    t.append(time.perf_counter())
    assert json.loads(request("POST", f"/v1.41/containers/{cid}/wait"))["StatusCode"] == 0
    t.append(time.perf_counter())
    request("DELETE", f"/v1.41/containers/{cid}")
    t.append(time.perf_counter())
    if i < 3:
        continue
    for k, a, b in zip(("create", "start", "wait", "delete"), t, t[1:]):
        times[k].append((b - a) * 1000)
    times["create+start+wait"].append((t[3] - t[0]) * 1000)
print("%s, %d cycles, medians: " % (name, n)
      + ", ".join("%s %.1f ms" % (k, statistics.median(v)) for k, v in times.items())
      + " (create+start+wait mean %.1f ms, p90 %.1f ms)"
      % (statistics.mean(times["create+start+wait"]), sorted(times["create+start+wait"])[n * 9 // 10]))
PY
}
server_cycle "rcon API" "$sock" | tee "$out/api-cycle-server.txt"
if [ -n "$dockerd_pid" ]; then
    server_cycle "dockerd 20.10" "$dsock" | tee -a "$out/api-cycle-server.txt"
fi

step "GET /containers/json?all=1 with 100 containers"
for i in $(seq 1 100); do $R create --network none "$image" true >/dev/null; done
args=(-n "rcon API: GET /containers/json (100)" "curl -sf --unix-socket $sock http://api/v1.41/containers/json?all=1 -o /dev/null")
if [ -n "$dockerd_pid" ]; then
    for i in $(seq 1 100); do
        curl -sf --unix-socket "$dsock" -X POST -H 'Content-Type: application/json' \
            -d "{\"Image\":\"$image\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}" \
            http://api/v1.41/containers/create >/dev/null
    done
    args+=(-n "dockerd 20.10: GET /containers/json (100)" "curl -sf --unix-socket $dsock http://api/v1.41/containers/json?all=1 -o /dev/null")
fi
hyperfine -N --warmup 3 --runs "$RUNS" --export-markdown "$out/api-list.md" --export-json "$out/api-list.json" "${args[@]}"

# The same list measured as the server's response time alone: one
# keep-alive HTTP/1.1 client (Python's http.client on the unix socket) per
# engine, from the request's first byte to the body's last, without any
# process start; LIST_REQUESTS requests after 10 warm-up requests.
step "GET /containers/json?all=1 with 100 containers, one keep-alive client"
keepalive_list() {
    python3 - "$1" "$2" "${LIST_REQUESTS:-200}" <<'PY'
import http.client, json, socket, statistics, sys, time
name, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
c = Conn("api")
def get():
    c.request("GET", "/v1.41/containers/json?all=1")
    r = c.getresponse()
    body = r.read()
    assert r.status == 200, r.status
    return body
for _ in range(10):
    count = len(json.loads(get()))
times = []
for _ in range(n):
    t0 = time.perf_counter()
    get()
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print("%s: %d containers listed, %d requests on one connection: median %.2f ms, mean %.2f ms, p10 %.2f ms, p90 %.2f ms"
      % (name, count, n, statistics.median(times), statistics.mean(times), times[n // 10], times[n * 9 // 10]))
PY
}
keepalive_list "rcon API" "$sock" | tee "$out/api-list-keepalive.txt"
if [ -n "$dockerd_pid" ]; then
    keepalive_list "dockerd 20.10" "$dsock" | tee -a "$out/api-list-keepalive.txt"
fi
kill "$svc_pid"; wait "$svc_pid" 2>/dev/null || true; svc_pid=

step "socket-activated cold start to the first /_ping ($COLD_RUNS runs)"
python3 - "$rcon" "$work" "$COLD_RUNS" <<'EOF' | tee "$out/api-cold.txt"
import os, socket, statistics, subprocess, sys, time
rcon, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
path = os.path.join(work, "activated.sock")
lst = socket.socket(socket.AF_UNIX)
lst.bind(path)
lst.listen(64)
fd = lst.fileno()
times = []
for _ in range(runs):
    t0 = time.perf_counter()
    p = subprocess.Popen(
        ["sh", "-c", 'export LISTEN_PID=$$ LISTEN_FDS=1; exec "$@"', "sh", rcon,
         "--root", os.path.join(work, "rcon"), "--runroot", os.path.join(work, "rcon-run"),
         "system", "service", "--time", "0"],
        pass_fds=[fd], preexec_fn=lambda: os.dup2(fd, 3) if fd != 3 else None)
    c = socket.socket(socket.AF_UNIX)
    c.connect(path)
    c.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    reply = b""
    while not reply.endswith(b"OK"):
        chunk = c.recv(4096)
        if not chunk:
            break
        reply += chunk
    times.append((time.perf_counter() - t0) * 1000)
    assert reply.startswith(b"HTTP/1.1 200"), reply
    c.close()
    p.kill()
    p.wait()
print("cold start to first /_ping: median %.1f ms, min %.1f ms, max %.1f ms (%d runs, includes sh's exec)"
      % (statistics.median(times), min(times), max(times), runs))
EOF
