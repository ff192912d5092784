#!/usr/bin/env bash
# Differential test: the same ~130 everyday docker invocations (and their
# error paths) against Debian's docker.io 20.10 and against rcon, outputs
# normalized (IDs, digests, times, sizes, addresses, ports), then a table:
#
#   same      exit status, stdout and stderr identical after normalizing
#   cosmetic  exit status identical; stdout identical for machine-read
#             output (-q, --format, inspect, exit codes), same number of
#             lines for human tables; stderr wording may differ
#   breaks    anything else: a script written for docker gets a different
#             exit status or different data
#
# It starts its own dockerd (data-root, exec-root and socket in a temp dir,
# --iptables=false, its own bridge address) and a docker-registry on a free
# 127.0.0.1 port, pushes the busybox test image there, and removes all of it
# at the end: dockerd is stopped by pid, the bridges it made are deleted.
# Holds /tmp/rcon-dockerd.lock while it runs (one dockerd on the machine at
# a time). Run it inside a private network and mount namespace so dockerd's
# bridge never touches the host's: unshare -n -m --propagation private sh -c
# 'ip link set lo up; bash benches/compat.sh'.
#
#   bash benches/compat.sh              # table on stdout, details in $OUT
#   COMPAT_ONLY=pull bash benches/compat.sh   # only cases matching a regex
#
# Needs root, docker.io (apt-get install docker.io), docker-registry,
# skopeo, busybox-static, and a built rcon (cargo build).
set -euo pipefail

cd "$(dirname "$0")/.."
. benches/lib.sh

if [ -z "${COMPAT_LOCKED:-}" ]; then
    exec env COMPAT_LOCKED=1 flock /tmp/rcon-dockerd.lock bash "$0" "$@"
fi

RCON_BIN=${RCON_BIN:-$PWD/target/debug/rcon}
DOCKER_BIN=${DOCKER_BIN:-/usr/bin/docker}
OUT=${OUT:-$PWD/target/compat}
for p in /usr/sbin/dockerd "$DOCKER_BIN" docker-registry skopeo /bin/busybox "$RCON_BIN"; do
    command -v "$p" >/dev/null || {
        echo "benches/compat.sh: $p missing (apt-get install docker.io docker-registry skopeo busybox-static; cargo build)" >&2
        exit 1
    }
done

tmp=$(mktemp -d /tmp/rcon-compat.XXXXXX)
rm -rf "$OUT"
mkdir -p "$OUT"
links_before=$(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort)
nft_before=$(nft list table ip rcon 2>/dev/null | head -1 || true)
DOCKERD_PID=

cleanup() {
    set +e
    if [ -n "${E_RCON:-}" ]; then
        $E_RCON rm -f $($E_RCON ps -aq) >/dev/null 2>&1
        $E_RCON network rm n1 >/dev/null 2>&1
    fi
    if [ -n "$DOCKERD_PID" ]; then
        "$DOCKER_BIN" rm -f $("$DOCKER_BIN" ps -aq) >/dev/null 2>&1
        "$DOCKER_BIN" network rm n1 >/dev/null 2>&1
        kill "$DOCKERD_PID" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$DOCKERD_PID" 2>/dev/null
        wait "$DOCKERD_PID" 2>/dev/null
    fi
    registry_stop
    # Bridges and veths dockerd (or a failed case) left behind, and rcon's
    # bridge and nft table when this run made them.
    for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | comm -13 <(echo "$links_before") -); do
        case $l in docker0|br-*|veth*|rcon0) ip link del "$l" 2>/dev/null ;; esac
    done
    if [ -z "$nft_before" ]; then nft delete table ip rcon 2>/dev/null; fi
    grep -F "$tmp" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

registry_start "$tmp/registry"
IMG=$REGISTRY_ADDR/busybox:latest
busybox_push "$tmp/image" "$IMG"

# dockerd with everything under $tmp; managed containerd under exec-root.
export DOCKER_HOST=unix://$tmp/docker.sock DOCKER_CONFIG=$tmp/docker-config
mkdir -p "$DOCKER_CONFIG"
/usr/sbin/dockerd --data-root "$tmp/docker" --exec-root "$tmp/docker-exec" --pidfile "$tmp/docker.pid" \
    -H "$DOCKER_HOST" --iptables=false --ip-forward=false --ip-masq=false --bip 10.231.0.1/24 \
    --exec-opt native.cgroupdriver=cgroupfs --default-address-pool base=10.232.0.0/16,size=24 \
    >"$OUT/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 1 300); do
    "$DOCKER_BIN" version >/dev/null 2>&1 && break
    kill -0 "$DOCKERD_PID" 2>/dev/null || { echo "dockerd exited; see $OUT/dockerd.log" >&2; tail -20 "$OUT/dockerd.log" >&2; exit 1; }
    sleep 0.1
done
"$DOCKER_BIN" version >/dev/null || { echo "dockerd did not answer; see $OUT/dockerd.log" >&2; exit 1; }

E_DOCKER=$DOCKER_BIN
E_RCON="$RCON_BIN --root $tmp/rcon/root --runroot $tmp/rcon/run"
mkdir -p "$tmp/rcon/root" "$tmp/rcon/run" "$tmp/work"
W=$tmp/work
# rcon's login writes here (docker's: $DOCKER_CONFIG), never the host's.
export REGISTRY_AUTH_FILE=$tmp/rcon-auth.json
export IMG W REGISTRY_ADDR

# Same text for both engines: IDs, digests, times, sizes, addresses, the
# registry's port, the engines' own paths.
normalize() {
    # dockerd prints `<layer>: Verifying Checksum` for a pulled layer only
    # when its progress is not coalesced (2 runs in 3 here): left out.
    sed -E -e '/: Verifying Checksum$/d' \
        -e "s#$tmp/(docker|rcon/root|rcon/run|docker-exec)#<ROOT>#g" \
        -e "s#$W#<W>#g" \
        -e "s#$REGISTRY_ADDR#<REG>#g" \
        -e 's#sha256:[0-9a-f]{64}#sha256:<DIGEST>#g' \
        -e 's#[0-9a-f]{64}#<ID>#g' \
        -e 's#\b[0-9a-f]{12}\b#<ID12>#g' \
        -e 's#[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})#<TIME>#g' \
        -e 's#[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}( [+-][0-9]{4} [A-Z]+)?#<TIME>#g' \
        -e 's#(Less than a second|About a minute|About an hour|[0-9]+ (seconds?|minutes?|hours?|days?|weeks?|months?|years?))#<DUR>#g' \
        -e 's#[0-9]+(\.[0-9]+)? ?(B|kB|KB|MB|GB|KiB|MiB|GiB)\b#<SIZE>#g' \
        -e 's#([0-9]{1,3}\.){3}[0-9]{1,3}#<IP>#g' \
        -e 's#([0-9a-f]{2}:){5}[0-9a-f]{2}#<MAC>#g' \
        -e 's#<IP>:[0-9]+#<IP>:<PORT>#g' \
        -e 's#\{<IP> [0-9]+\}#{<IP> <PORT>}#g'
}

declare -a CASES KINDS OWNERS
# c KIND OWNER 'COMMAND': $E is the engine; KIND m = machine-read output,
# h = a human table; OWNER = who fixes a break (for the report).
c() { KINDS+=("$1"); OWNERS+=("$2"); CASES+=("$3"); }

# --- images
c h out 'E pull $IMG'
c m out 'E pull -q $IMG'
c h out 'E pull $IMG'
c m out 'E pull $IMG >/dev/null; echo $?'
c m out 'E pull $REGISTRY_ADDR/nosuch:latest'
c h - 'E images'
c m - 'E images -q'
c m - 'E images --format "{{.Repository}}:{{.Tag}}"'
c m - 'E images --format "{{.Repository}} {{.Tag}} {{.ID}} {{.Size}}"'
c m - 'E images --format "{{json .}}"'
c h - 'E images --no-trunc'
c m - 'E images --filter reference="*/busybox" --format "{{.Repository}}"'
c m out 'E image inspect -f "{{.Config.Cmd}}" $IMG'
c m out 'E inspect -f "{{.Os}}/{{.Architecture}}" $IMG'
c m out 'E inspect -f "{{json .Config.Env}}" $IMG'
c m out 'E inspect -f "{{.RepoTags}}" $IMG'
c m out 'E inspect -f "{{.Config.Entrypoint}} {{.Config.Labels}}" $IMG'
c h - 'E history $IMG'
c m - 'E history -q $IMG'
c m - 'E tag $IMG $REGISTRY_ADDR/other:v1 && E images --format "{{.Repository}}:{{.Tag}}" | sort'
c m - 'E rmi $REGISTRY_ADDR/other:v1'
c m out 'E rmi nosuchimage'
c m - 'E save $IMG | tar t | grep -c json'
# --- run
c m - 'E run --rm $IMG echo hello'
c m - 'E run --rm $IMG sh -c "exit 3"'
c m - 'E run --rm $IMG nosuchcmd'
c m - 'E run --rm $IMG /etc'
c m - 'E run --rm -e A=b $IMG sh -c "echo \$A"'
c m - 'E run --rm -w /tmp $IMG pwd'
c m runtime 'E run --rm -u 1000 $IMG id'
c m - 'E run --rm --user nobody $IMG id -u'
c m - 'E run --rm --hostname hh $IMG hostname'
c m - 'E run --rm --hostname hh $IMG cat /etc/hostname'
c m out 'E run --rm $IMG sh -c "test -f /.dockerenv && echo dockerenv"'
c m - 'E run --rm $IMG sh -c "env | sort"'
c m - 'E run --rm --entrypoint echo $IMG hi'
c m - 'E run --rm -v vol0:/data $IMG sh -c "echo x > /data/f; cat /data/f"'
c m - 'E run --rm --read-only $IMG touch /x'
c m - 'echo stdin-data | E run --rm -i $IMG cat'
c m - 'E run --rm $IMG sh -c "grep -c localhost /etc/hosts"'
c m - 'E run --rm --nosuchflag $IMG true'
c m - 'E run --rm $REGISTRY_ADDR/nosuch:latest true'
c m - 'E run --rm --name dup $IMG true && E run --name dup -d $IMG sleep 1 >/dev/null && E run --name dup $IMG true; E rm -f dup >/dev/null'
c m out 'E run --name c1 $IMG echo fg-output'
c m out 'E logs c1'
c m - 'E logs --tail 1 c1'
c m - 'E logs -t c1'
c m out 'E logs nosuch'
c m - 'E run -d --name c2 --label app=web $IMG sleep 300'
c m - 'E run -d --name c5 -p 127.0.0.1::80 $IMG sleep 300'
# --- ps
c h out 'E ps'
c m - 'E ps -q | wc -l'
c m - 'E ps --format "{{.Names}} {{.Image}} {{.Command}}" | sort'
c m - 'E ps -a --format "{{.Names}}\t{{.Status}}" | sort'
c m out 'E ps --filter name=c2 --format "{{json .}}"'
c m - 'E ps --filter name=c2 --format "{{.Labels}} {{.Label \"app\"}}"'
c m - 'E ps -a --filter name=c1 --format "{{.Names}}"'
c m - 'E ps -a --filter status=exited --format "{{.Names}}" | sort'
c m - 'E ps -a --filter label=app=web --format "{{.Names}}"'
c m - 'E ps --filter name=c5 --format "{{.Ports}}"'
c h - 'E ps -a --no-trunc'
c m - 'E ps -a -n 1 --format "{{.Names}}"'
c m - 'E ps -l --format "{{.Names}}"'
c m - 'E container ls -a -q | wc -l'
# --- inspect
c m out 'E inspect -f "{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}" c2'
c m out 'E inspect -f "{{.Config.Env}}" c2'
c m out 'E inspect -f "{{.Config.Entrypoint}} {{json .Config.Entrypoint}}" c2'
c m out 'E inspect -f "{{.Config.Cmd}} {{.Path}} {{.Args}}" c2'
c m out 'E inspect -f "{{json .Config.Labels}} {{.Config.Labels}}" c2'
c m out 'E inspect -f "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.AutoRemove}}" c2'
c m out 'E inspect -f "{{.Name}} {{.Config.User}} {{.Config.Tty}}" c2'
c m out 'E inspect -f "{{.State.Health}} {{.NoSuch}}" c2'
c m out 'E inspect -f "{{range \$k, \$v := .Config.Labels}}{{\$k}}={{\$v}} {{end}}" c2'
c m out 'E inspect -f "{{len .Config.Env}} {{index .Config.Env 0}} {{join .Config.Env \",\"}}" c2'
c m out 'E inspect -f "{{upper .Name}} {{lower .Name}} {{title .Name}} {{split .Name \"c\"}}" c2'
c m out 'E inspect -f "{{println .Name}}{{printf \"%s-%d\" .Name 5}}" c2'
c m out 'E inspect -f "{{.NetworkSettings.Ports}}" c5'
c m out 'E inspect -f "{{range \$p, \$b := .NetworkSettings.Ports}}{{\$p}}{{end}}" c5'
c m out 'E inspect -f "{{json .Config.ExposedPorts}}" c5'
c m out 'E inspect -f "{{.Id}}" c2'
c m parity-cmds 'E container inspect -f "{{.Name}}" c2'
c m out 'E inspect c2 | grep -c "\"Id\""'
c m out 'E inspect nosuch'
c m out 'E inspect -f "{{.Name}}" c2 nosuch'
c m parity-cmds 'E container inspect nosuch'
c m out 'E image inspect nosuch'
# --- exec and lifecycle
c m - 'E exec c2 echo hi'
c m - 'E exec c2 sh -c "exit 4"'
c m - 'E exec -e X=1 c2 sh -c "echo \$X"'
c m - 'E exec -w /tmp c2 pwd'
c m - 'E exec -u 1000 c2 id -u'
c m out 'E exec nosuch true'
c m - 'E exec c1 true'
c m - 'E exec c2 nosuchcmd'
c m - 'E exec c2 /etc'
c m - 'E rm c2'
c m - 'E run --rm $IMG id'
c m - 'E run --rm -u app:staff $IMG id'
c m - 'E inspect -f "{{.Name}}" nosuch'
c m - 'E network inspect -f "{{.Name}}" nosuch'
c m - 'E restart nosuch'
c m - 'E pause nosuch'
c m - 'E top nosuch'
c m - 'E rename nosuch other'
c m - 'E tag nosuch other'
c h - 'E top c2'
c m - 'E port c5'
c m - 'E port c2'
c m - 'E stop -t 1 c2'
c m - 'E start c2'
c m - 'E restart -t 1 c2'
c m - 'E pause c2 && E inspect -f "{{.State.Status}}" c2 && E unpause c2'
c m - 'E kill c2'
c m - 'E wait c2'
c m - 'E kill c2'
c m - 'E pause c2'
c m - 'E inspect -f "{{.State.ExitCode}} {{.State.Status}}" c2'
c m - 'E rm c2'
c m out 'E rm nosuch'
c m out 'E rm -f nosuch'
c m out 'E rm -f c5 nosuch'
c m out 'E stop nosuch'
c m out 'E kill nosuch'
c m out 'E start nosuch'
c m out 'E wait nosuch'
c m - 'E create --name c3 -v vol1:/data -v $W:/host:ro $IMG true'
c m out 'E inspect -f "{{range .Mounts}}{{.Type}}:{{.Name}}:{{.Destination}}:{{.RW}}:{{.Driver}} {{end}}" c3 | tr " " "\n" | sort'
c m - 'E start -a c3'
c m - 'E rm -v c3'
c m - 'E run --name c4 $IMG sh -c "mkdir /newdir; touch /newdir/f; rm /bin/vi"'
# docker's diff lists changes in Go map order (random from run to run with
# overlay2's naive diff): compared sorted.
c m - 'E diff c4 | sort'
c m - 'E diff c1'
c m - 'E cp c4:/newdir/f $W/f && ls $W'
c m - 'E export c4 | tar t | grep -c newdir'
c m parity-cmds 'E rename c4 c4b && E ps -a --filter name=c4b --format "{{.Names}}"'
c m parity-cmds 'E commit c4b $REGISTRY_ADDR/committed:v1 | cut -c1-7'
c m - 'E container prune -f | grep -c "^[0-9a-f]\{64\}$"'
c m - 'E image prune -f'
# --- build
c m builder 'printf "FROM $IMG\nRUN echo built > /f\nCMD [\"cat\", \"/f\"]\n" | E build -q -t $REGISTRY_ADDR/built:v1 - | cut -c1-7'
c m builder 'E run --rm $REGISTRY_ADDR/built:v1'
c m builder 'E inspect -f "{{.Config.Cmd}} {{.Config.Env}}" $REGISTRY_ADDR/built:v1'
# docker 20.10's classic builder leaves an intermediate image per step, one
# more `Deleted:` line that rcon's builder (like BuildKit) has no cause for:
# compared on the untag and the image's own line.
c m - 'E rmi $REGISTRY_ADDR/built:v1 | head -2'
# --- push
c h - 'E tag $IMG $REGISTRY_ADDR/pushed:v1 && E push $REGISTRY_ADDR/pushed:v1'
# --- volumes
c m - 'E volume create v1'
c m - 'E volume ls -q | sort'
c h - 'E volume ls'
c m - 'E volume inspect -f "{{.Name}} {{.Driver}} {{.Mountpoint}}" v1'
c m parity-cmds 'E volume ls --format "{{.Name}}" | sort'
c m - 'E volume rm v1'
c m out 'E volume rm nosuch'
c m out 'E volume inspect nosuch'
c m - 'E volume rm vol0 vol1'
# --- networks
c m - 'E network create n1 | wc -c'
c m parity-cmds 'E network ls --format "{{.Name}}" | sort'
c h - 'E network ls'
c m parity-cmds 'E network inspect -f "{{.Name}} {{.Driver}}" n1'
c m - 'E run --rm --network n1 $IMG true'
c m - 'E network create n1'
c m - 'E network rm n1'
c m out 'E network rm nosuch'
c m out 'E network inspect nosuch'
# --- system
c m parity-cmds 'E version --format "{{.Server.Os}}"'
c m parity-cmds 'E info --format "{{.OSType}}"'
c m parity-cmds 'E info >/dev/null; echo $?'
c h parity-cmds 'E system df'
c m parity-cmds 'E stats --no-stream --format "{{.Name}}" c1'
c m - 'E nosuchcommand'
c m - 'E volume ls --filter label!=a=1 -q'
# --- issue 11: what the parity work added, and its error paths
c m - 'E info --format "{{.CgroupVersion}} {{.CgroupDriver}} {{.OSType}} {{.Architecture}} {{.NCPU}} {{.KernelVersion}}"'
c m - 'E system info --format "{{.MemTotal}} {{.OperatingSystem}} {{json .SecurityOptions}}"'
c m - 'E version --format "{{.Server.APIVersion}} {{.Server.Os}} {{.Server.Arch}}"'
c m - 'E run -d --name u1 $IMG sleep 300 | wc -c'
c m - 'E info --format "{{.Containers}} {{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}}"'
c m - 'E update --cpu-shares 512 --memory 64m --restart on-failure:3 u1'
c m - 'E update --cpu-shares 512 --memory 64m --memory-swap 128m --restart on-failure:3 u1'
c m - 'E inspect -f "{{.HostConfig.CpuShares}} {{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}" u1'
c m - 'E update --cpu-shares 512 nosuch'
c m - 'E container rename u1 u2 && E container ls --format "{{.Names}}"'
c m - 'E rename u2 u2'
c m - 'E stats --no-stream u2 | head -1 | tr -s " "'
c m - 'E stats --no-stream --no-trunc --format "{{.ID}} {{.Name}} {{.Container}}" u2'
c m - 'E container stats --no-stream --format "{{.Name}}" nosuch'
c m - 'E commit -m msg -a me -c "ENV A=\"b c\"" -c "CMD [\"sh\"]" u2 $REGISTRY_ADDR/committed2:v1 | cut -c1-7'
c m - 'E inspect -f "{{.Comment}}|{{.Author}}|{{json .Config.Env}}|{{json .Config.Cmd}}" $REGISTRY_ADDR/committed2:v1'
c m - 'E commit nosuch'
c m - 'E export u2 | E import -c "ENV A=\"b c\"" -c "WORKDIR /tmp" - $REGISTRY_ADDR/imported:v1 | cut -c1-7'
c m - 'E inspect -f "{{json .Config.Env}} {{.Config.WorkingDir}}" $REGISTRY_ADDR/imported:v1'
c m - 'printf "FROM $REGISTRY_ADDR/imported:v1\nRUN true\n" | E build -q -t $REGISTRY_ADDR/nopath:v1 - >/dev/null && E inspect -f "{{json .Config.Env}}" $REGISTRY_ADDR/nopath:v1'
# docker's classic builder keeps the container of a failed RUN: pruned.
c m - 'printf "FROM $IMG\nRUN exit 3\n" | E build -q - >/dev/null; echo "exit $?"; E container prune -f >/dev/null'
# Rebuilding a tag leaves the old image dangling (before the multi-stage
# build below, whose stage image docker's classic builder leaves dangling).
c m - 'printf "FROM $IMG\nLABEL v=1\n" | E build -q -t $REGISTRY_ADDR/dang:v1 - >/dev/null; printf "FROM $IMG\nLABEL v=2\n" | E build -q -t $REGISTRY_ADDR/dang:v1 - >/dev/null; E images --filter dangling=true -q | wc -l; E rmi $REGISTRY_ADDR/dang:v1 >/dev/null; E image prune -f >/dev/null'
# BuildKit's cache records (docker) have random IDs: system prune before it.
c m - 'E system prune -f --filter label=nosuch=1'
c m - 'printf "FROM $IMG AS a\nRUN mkdir -p /d/sub /d/gone && touch /d/sub/x /d/gone/y /d/keep\nRUN rm -rf /d && mkdir -p /d/sub && touch /d/sub/new\nFROM $IMG\nCOPY --from=a /d /d\nCMD find /d\n" | E build -q -t $REGISTRY_ADDR/wh:v1 - >/dev/null && E run --rm $REGISTRY_ADDR/wh:v1 | sort'
c m - 'E create --name x1 $REGISTRY_ADDR/wh:v1 >/dev/null && E export x1 | tar t | grep "^d" | sort; E rm x1 >/dev/null'
c m - 'E events --since 10m --until 0s --filter event=rename --format "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"'
c m - 'E events --since 10m --until 0s --filter container=u2 --filter event=update --format "{{.Type}} {{.Action}}"'
c m - 'E system events --since 10m --until 0s --filter type=volume --filter event=create --format "{{.Actor.ID}}" | sort'
# A key dockerd does not know is ignored (its events endpoint validates no
# key); without --since the replay differs by design (dockerd: an in-memory
# buffer of 256 events; rcon: its durable log), so within a window.
c m - 'E events --since 10m --until 0s --filter colour=x --filter event=rename --format "{{.Action}} {{.Actor.Attributes.name}}"'
c m - '( timeout 4 E events --filter type=network --filter event=create --format "{{.Action}} {{.Actor.Attributes.name}}" & sleep 2; E network create n2 >/dev/null; wait ); E network rm n2 >/dev/null'
c m - 'E network create --label team=a n3 >/dev/null && E network ls --filter label=team=a --format "{{.Name}} {{.Driver}} {{.Scope}}"'
c m - 'E network ls --filter name=n3 -q | wc -l'
c m - 'E network inspect --format "{{.Name}} {{.Scope}} {{.Internal}} {{.Attachable}} {{json .Labels}}" n3'
c m - 'E network prune -f --filter label=team=a'
c m - 'E volume create --label team=a v2 >/dev/null && E volume ls --filter label=team=a --format "{{.Name}} {{.Driver}}"'
c m - 'E volume inspect --format "{{.Name}} {{.Scope}} {{json .Labels}} {{.Options}}" v2'
c m - 'E volume ls --filter dangling=true -q | sort'
c m - 'E volume prune -f --filter label=team=a'
c m - 'E volume create -d nosuchdriver v9'
c m - 'E volume create -o bogus=1 v9'
c m - 'E image ls --filter reference="*/committed*" --format "{{.Repository}}:{{.Tag}}" | sort'
c m - 'E image tag $IMG $REGISTRY_ADDR/mtag:v1 && E image rm $REGISTRY_ADDR/mtag:v1'
c m - 'E image history --format "{{.CreatedBy}}" $IMG'
c m - 'E image prune -f --filter until=1h'
c m - 'E container inspect -f "{{.Config.Image}}" u2'
c m - 'E container top u2 | wc -l'
c m - 'E container stop -t 1 u2 && E container wait u2'
c m - 'E container rm u2 && E container ls -a --filter name=u2 -q'
c m - 'E push $REGISTRY_ADDR/nosuchpush:v1'
c m - 'echo p | E login -u u --password-stdin 127.0.0.1:1'
c m - 'echo p | E login -u u --password-stdin $REGISTRY_ADDR'
c m - 'E logout $REGISTRY_ADDR'
c m - 'E logout $REGISTRY_ADDR'
c m - 'E ps --filter bogus=1'
c m - 'E search --limit 101 x'
# The images made above go before the last case: docker's classic builder
# leaves dangling stage images whose parent is the test image.
c m - 'E rmi $REGISTRY_ADDR/committed2:v1 $REGISTRY_ADDR/nopath:v1 $REGISTRY_ADDR/imported:v1 $REGISTRY_ADDR/wh:v1 | grep -c "^Untagged"; E image prune -f >/dev/null'
c h - 'E system df -v'
# Last: the test image itself, with every tag: docker lists each layer it
# deletes (chain IDs) after the image.
c m - 'E rmi $REGISTRY_ADDR/committed:v1; E rmi $REGISTRY_ADDR/pushed:v1 $IMG'
# RUN --mount is BuildKit's (docker 20.10: DOCKER_BUILDKIT=1; rcon ignores
# the variable). Last: BuildKit's cache keeps the base image's layer, which
# would change the rmi case above.
c m - 'mkdir -p $W/mctx/data && echo in-ctx > $W/mctx/data/f && echo s3cret > $W/secret.txt && printf "FROM $IMG\nRUN --mount=type=bind,source=data,target=/m cat /m/f > /r\nRUN --mount=type=cache,target=/c echo c >> /c/n && wc -l < /c/n > /cc\nRUN --mount=type=tmpfs,target=/t grep -c \" /t tmpfs\" /proc/mounts > /tt\nRUN --mount=type=secret,id=tok test ! -e /run/secrets/tok.copy && wc -c < /run/secrets/tok > /ss\n" > $W/mctx/Dockerfile && DOCKER_BUILDKIT=1 E build -q --secret id=tok,src=$W/secret.txt -t $REGISTRY_ADDR/mounts:v1 $W/mctx >/dev/null && E run --rm $REGISTRY_ADDR/mounts:v1 sh -c "cat /r /cc /tt /ss; test -e /run/secrets/tok || echo no-secret"'
c m - 'E system prune -a -f --volumes | tail -1'

echo "engines: $("$DOCKER_BIN" version --format 'docker {{.Client.Version}} / dockerd {{.Server.Version}}') vs rcon $(git rev-parse --short HEAD)"
printf '%-9s %-4s %-12s %s\n' RESULT NO OWNER COMMAND
same=0 cosmetic=0 breaks=0
for i in "${!CASES[@]}"; do
    cmd=${CASES[$i]}
    [[ -n "${COMPAT_ONLY:-}" && ! $cmd =~ $COMPAT_ONLY ]] && continue
    n=$(printf '%03d' "$i")
    for engine in docker rcon; do
        if [ $engine = docker ]; then e=$E_DOCKER; else e=$E_RCON; fi
        # E is the engine: a function, so pipelines and && chains use it too.
        printf 'E() { %s "$@"; }\n%s\n' "$e" "$cmd" >"$OUT/$n.$engine.sh"
        set +e
        (cd "$W" && timeout 60 bash "$OUT/$n.$engine.sh" </dev/null >"$OUT/$n.$engine.out" 2>"$OUT/$n.$engine.err")
        echo $? >"$OUT/$n.$engine.code"
        set -e
        normalize <"$OUT/$n.$engine.out" >"$OUT/$n.$engine.nout"
        # The program's own name: `docker: `/`rcon: ` prefixes, `See 'docker
        # run --help'`, `is not a docker command`.
        normalize <"$OUT/$n.$engine.err" | sed -E -e 's#^(docker|rcon): ##' \
            -e "s#'docker( [a-z]+)? --help'#'rcon\\1 --help'#" -e 's#is not a docker command#is not a rcon command#' \
            >"$OUT/$n.$engine.nerr"
        rm -f "$W/f"
    done
    dc=$(cat "$OUT/$n.docker.code") rc=$(cat "$OUT/$n.rcon.code")
    if [ "$dc" = "$rc" ] && cmp -s "$OUT/$n.docker.nout" "$OUT/$n.rcon.nout" && cmp -s "$OUT/$n.docker.nerr" "$OUT/$n.rcon.nerr"; then
        result=same
    elif [ "$dc" = "$rc" ] && { cmp -s "$OUT/$n.docker.nout" "$OUT/$n.rcon.nout" ||
        { [ "${KINDS[$i]}" = h ] && [ "$(wc -l <"$OUT/$n.docker.nout")" = "$(wc -l <"$OUT/$n.rcon.nout")" ]; }; }; then
        result=cosmetic
    else
        result=breaks
    fi
    case $result in same) same=$((same + 1)) ;; cosmetic) cosmetic=$((cosmetic + 1)) ;; breaks) breaks=$((breaks + 1)) ;; esac
    owner=${OWNERS[$i]}
    [ "$result" = same ] && owner=
    printf '%-9s %-4s %-12s %s\n' "$result" "$n" "$owner" "${cmd//\$IMG/IMG}"
    if [ "$result" != same ]; then
        {
            echo "=== $n $result: $cmd"
            echo "--- exit: docker $dc, rcon $rc"
            diff "$OUT/$n.docker.nout" "$OUT/$n.rcon.nout" | sed 's/^/stdout /' | head -20 || true
            diff "$OUT/$n.docker.nerr" "$OUT/$n.rcon.nerr" | sed 's/^/stderr /' | head -10 || true
        } >>"$OUT/details.txt"
    fi
done
total=$((same + cosmetic + breaks))
echo
echo "total $total: same $same, cosmetic $cosmetic, breaks $breaks (details: $OUT/details.txt)"
