#!/usr/bin/env bash
# Fault campaign (issue 18): kill -9 at random moments of `save`, `rm -f`,
# `pull`, `rename`, `build`, `start`, `run -d`, `create`, `run --rm`,
# `exec`, `stop`, `load`, `commit` and `rmi` (KILLS tries each, default
# 20; each kill lands at a uniform random moment of the command's own
# duration, measured first), damaged records, and PARALLEL (default 40)
# parallel `run -d` then `rm -f`. After every try the next command must
# work and `system check` must be clean; after each scenario, with its
# containers removed, nothing may be left: mounts under the store, cgroups
# named after its containers, veths, nftables DNAT elements, leases and
# port reservations, staging under tmp/, temp files beside `save -o`,
# processes (monitors, container inits).
#
# Runs in a private network and mount namespace (as /work/itest.sh), so the
# bridge, the nftables table and /run/rcon/network are its own.
# Needs docker-registry, skopeo, busybox-static (benches/lib.sh), iproute2,
# nftables, python3, util-linux (unshare).
#   bash benches/faults.sh                   # RCON=target/debug/rcon by default
#   KILLS=5 PARALLEL=10 bash benches/faults.sh
# Prints a markdown table (scenario, tries, failures, leaks) and keeps it in
# target/bench/faults.md; failures and leaks are described in faults.log.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
bench_private_ns "$@"
bench_init faults docker-registry skopeo /bin/busybox ip nft python3
KILLS=${KILLS:-20}
PARALLEL=${PARALLEL:-40}

bench_store faults
log=$out/faults.log
table=$out/faults.md
: >"$log"

step "registry and images"
bench_image "$work" >/dev/null
$R pull -q "$image" >/dev/null
# make_big: big:1, a 48 MiB image for save (a single layer from a tar
# streamed to disk); prints import's errors.
make_big() {
    mkdir -p "$work/big"
    head -c $((48 << 20)) /dev/urandom >"$work/big/blob"
    tar -C "$work/big" -cf "$work/big.tar" blob
    $R import "$work/big.tar" big:1 2>&1 >/dev/null
    local rc=$?
    rm -rf "$work/big" "$work/big.tar"
    return $rc
}
make_big
mkdir -p "$work/ctx" "$work/save"
printf 'FROM %s\nRUN head -c 8000000 /dev/zero > /big && echo built > /done\n' "$image" >"$work/ctx/Dockerfile"

echo "| scenario | tries | failures | leaks after the scenario |" >"$table"
echo "|:--|--:|--:|:--|" >>"$table"

ids_seen=$work/ids
: >"$ids_seen"
note_ids() { ls "$root/containers" 2>/dev/null >>"$ids_seen"; $R ps -aq --no-trunc 2>/dev/null >>"$ids_seen"; }

# fail SCENARIO MESSAGE: the current try failed (counted once by
# end_try however many checks fail), described in the log.
fail() { echo "[$1] $2" >>"$log"; try_failed=1; }
begin_try() { try_failed=0; }
end_try() { failures=$((failures + try_failed)); }

# try_check SCENARIO: the next command works and the store is consistent.
try_check() {
    local o
    o=$($R ps -a 2>&1) || { fail "$1" "ps -a after the kill: $o"; return 1; }
    o=$($R system check 2>&1) || { fail "$1" "system check: $o"; return 1; }
    if [ -n "$(ls -A "$root/tmp" 2>/dev/null)" ]; then
        fail "$1" "tmp/ not empty after the next command: $(ls "$root/tmp")"
        return 1
    fi
    return 0
}

# leaks: what is left with no container in the store; prints a description.
leaks() {
    local l=() n
    $R rm -f $($R ps -aq 2>/dev/null) >/dev/null 2>&1
    sort -u "$ids_seen" -o "$ids_seen"
    n=$(grep -c " $root" /proc/self/mountinfo)
    [ "$n" = 0 ] || l+=("$n mounts under the store")
    n=0
    if [ -s "$ids_seen" ]; then
        n=$(find /sys/fs/cgroup -maxdepth 6 -type d 2>/dev/null | grep -cF -f "$ids_seen")
    fi
    [ "$n" = 0 ] || l+=("$n cgroups of its containers")
    n=$(ip -o link | grep -c ': rv')
    [ "$n" = 0 ] || l+=("$n veths")
    n=$(nft list table ip rcon 2>/dev/null | grep -cE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+ \. [0-9]+')
    [ "$n" = 0 ] || l+=("$n DNAT elements")
    n=$(grep -rls "$root" /run/rcon/network 2>/dev/null | wc -l)
    [ "$n" = 0 ] || l+=("$n leases/reservations")
    n=$(find "$root/tmp" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    [ "$n" = 0 ] || l+=("$n entries in tmp/")
    n=$(find "$work/save" -name '.*' -type f | wc -l)
    [ "$n" = 0 ] || l+=("$n temp files beside save -o")
    # (Patterns that do not match their own grep's command line.)
    n=$(grep -las -e "${root//\//[/]}" -e 'slee[p].4242' /proc/[0-9]*/cmdline | grep -vc "^/proc/$$/")
    [ "$n" = 0 ] || l+=("$n processes")
    n=$(ls "$root/containers" 2>/dev/null | wc -l)
    [ "$n" = 0 ] || l+=("$n container directories")
    if [ ${#l[@]} = 0 ]; then echo none; else (IFS=';'; echo "${l[*]}"); fi
}

# duration_ms CMD…: how long one uninterrupted run takes.
duration_ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

# kill_at MS CMD…: runs CMD in the background and kills it with SIGKILL
# after a uniform random moment in [0, MS] ms.
kill_at() {
    local ms=$1 pid
    shift
    "$@" >/dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v r="$RANDOM" -v ms="$ms" 'BEGIN { printf "%.3f", r / 32767 * ms / 1000 }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# scenario NAME SETUP CMD RECOVER: KILLS tries of: SETUP; CMD killed at a
# random moment; the next command and system check; RECOVER (must succeed).
scenario() {
    local name=$1 setup=$2 cmd=$3 recover=$4 d i o
    failures=0
    eval "$setup" >/dev/null 2>&1
    d=$(duration_ms eval "$cmd")
    eval "$recover" >/dev/null 2>&1
    step "$name: $KILLS kills within ${d} ms"
    for i in $(seq 1 "$KILLS"); do
        begin_try
        eval "$setup" >/dev/null 2>&1
        kill_at "$d" bash -c "exec $cmd"
        note_ids
        if try_check "$name"; then
            o=$(eval "$recover" 2>&1) || fail "$name" "try $i: recovery: $o"
        fi
        end_try
    done
    echo "| $name | $KILLS | $failures | $(leaks) |" | tee -a "$table"
    : >"$ids_seen"
}

# save: the archive appears only complete; nothing beside it.
scenario "kill -9 save -o" "rm -f $work/save/x.tar" \
    "$R save -o $work/save/x.tar big:1" \
    "[ ! -e $work/save/x.tar ] || tar -tf $work/save/x.tar >/dev/null && [ -z \"\$(ls -A $work/save | grep -v '^x.tar$')\" ]"

# rm -f of a running container with a published port: the next rm -f works.
scenario "kill -9 rm -f (running, -p)" \
    "$R run -d --name victim -p 127.0.0.1::80 $image sleep 4242" \
    "$R rm -f victim" \
    "$R rm -f victim && ! $R inspect victim"

# pull of an image that is not in the store.
scenario "kill -9 pull" "$R rmi -f $image" "$R pull -q $image" "$R pull -q $image && $R run --rm $image true"

# rename: exactly one of the two names afterwards.
scenario "kill -9 rename" \
    "$R rm -f ren-b; $R create --name ren-a $image true" \
    "$R rename ren-a ren-b" \
    "n=\$($R ps -a --format '{{.Names}}' | grep -c '^ren-'); [ \"\$n\" = 1 ] && $R rm -f ren-a ren-b"

# build with a RUN step writing 8 MB.
scenario "kill -9 build" "true" "$R build -q -t faults:1 $work/ctx" \
    "$R build -q -t faults:1 $work/ctx && ! $R ps -a | grep -q rcon-build-"

# start of a created container with a published port: the next start works.
scenario "kill -9 start (-p)" \
    "$R rm -f st; $R create --name st -p 127.0.0.1::80 $image sleep 4242" \
    "$R start st" \
    "$R start st && [ \"\$($R inspect -f '{{.State.Running}}' st)\" = true ] && $R rm -f st"

# run -d: the container is never lost (running, or removable).
scenario "kill -9 run -d (-p)" "$R rm -f rd" \
    "$R run -d --name rd -p 127.0.0.1::80 $image sleep 4242" \
    "$R rm -f rd && ! $R inspect rd"

# create with a published port: the name is free again or the container
# is complete and removable.
scenario "kill -9 create (-p)" "$R rm -f cr" \
    "$R create --name cr -p 127.0.0.1::80 $image sleep 4242" \
    "$R rm -f cr >/dev/null; $R create --name cr -p 127.0.0.1::80 $image sleep 4242 && $R rm -f cr && ! $R inspect cr"

# run --rm in the foreground: the container does not outlive the next
# command's sweep (its init dies with the killed rcon).
scenario "kill -9 run --rm" "true" \
    "$R run --rm --name rr $image sh -c 'sleep 0.3'" \
    "$R ps -a >/dev/null; ! $R ps -a --format '{{.Names}}' | grep -qx rr && $R run --rm --name rr $image true"

# exec into a running container: the container keeps running, exec works.
$R run -d --name ex "$image" sleep 4242 >/dev/null
scenario "kill -9 exec" "true" \
    "$R exec ex sh -c 'sleep 0.3'" \
    "[ \"\$($R exec ex echo ok)\" = ok ] && [ \"\$($R inspect -f '{{.State.Running}}' ex)\" = true ]"
$R rm -f ex >/dev/null 2>&1

# stop (the init ignores SIGTERM: stop waits 1 s, then kills): the next
# stop or rm -f finishes the job.
scenario "kill -9 stop" "$R rm -f sp; $R run -d --name sp $image sleep 4242" \
    "$R stop -t 1 sp" \
    "$R stop -t 0 sp && [ \"\$($R inspect -f '{{.State.Running}}' sp)\" = false ] && $R rm sp"

# load of a 48 MiB archive: the image is there complete, or not at all.
$R save -o "$work/big.tar" big:1
scenario "kill -9 load" "$R rmi -f big:1" "$R load -q -i $work/big.tar" \
    "$R load -q -i $work/big.tar && $R save -o $work/save/x.tar big:1 && rm -f $work/save/x.tar"

# commit of a container with 8 MB of changes.
$R run --name cm "$image" sh -c 'head -c 8000000 /dev/zero > /big' >/dev/null
scenario "kill -9 commit" "$R rmi -f cm:1" "$R commit cm cm:1" \
    "$R commit cm cm:1 >/dev/null && [ \"\$($R run --rm cm:1 wc -c /big)\" = '8000000 /big' ] && $R rmi cm:1"
$R rm -f cm >/dev/null 2>&1

# rmi of an image with a stopped container's layer shared: the other tag
# and the base image stay usable.
scenario "kill -9 rmi" "$R tag big:1 victim:1" "$R rmi victim:1" \
    "$R rmi -f victim:1 >/dev/null 2>&1; ! $R image inspect victim:1 >/dev/null 2>&1 && $R save -o $work/save/x.tar big:1 && rm -f $work/save/x.tar"
rm -f "$work/big.tar"

# Damaged records: one container's config.json or state row, the image
# index; the damaged object is listed or reported, removable, and the
# others keep working.
step "damaged records"
failures=0
tries=0
for kind in truncate garbage missing state-row; do
    for i in 1 2 3 4 5; do
        tries=$((tries + 1))
        begin_try
        good=$($R create --name good "$image" true 2>&1) || { fail damaged "create: $good"; end_try; continue; }
        bad=$($R create --name bad "$image" true 2>&1) || { fail damaged "create: $bad"; end_try; continue; }
        note_ids
        f=$root/containers/$bad/config.json
        case $kind in
            truncate) truncate -s 17 "$f" ;;
            garbage) head -c 300 /dev/urandom >"$f" ;;
            missing) rm -f "$f" ;;
            state-row) python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE containers SET state=? WHERE id=?", ("{not json", sys.argv[2])); c.commit()' "$root/rcon.db" "$bad" ;;
        esac
        o=$($R ps -a 2>&1) || { fail damaged "$kind: ps -a: $o"; }
        echo "$o" | grep -q ' good$' || fail damaged "$kind: good not listed: $o"
        o=$($R start -a good 2>&1) || fail damaged "$kind: start good: $o"
        o=$($R container prune -f 2>&1) || fail damaged "$kind: container prune: $o"
        $R rm -f bad >/dev/null 2>&1 || $R rm -f "$bad" >/dev/null 2>&1 || fail damaged "$kind: rm -f of the damaged container"
        o=$($R system check 2>&1) || fail damaged "$kind: system check after rm -f: $o"
        $R rm -f good >/dev/null 2>&1
        end_try
    done
done
echo "| damaged container records (config.json truncated, garbage, missing; state row not JSON) | $tries | $failures | $(leaks) |" | tee -a "$table"
: >"$ids_seen"
failures=0
tries=0
# The image index (rows of the store database): one image's row truncated
# or garbage. The other images still pull and run; the damaged one is named
# by `system check` and repaired by `system check --repair` (or removable).
for kind in truncate garbage; do
    tries=$((tries + 1))
    begin_try
    $R tag big:1 damaged:1 >/dev/null
    big_id=$($R image inspect -f '{{.Id}}' big:1)
    case $kind in
        truncate) sql='UPDATE images SET record = substr(record, 1, 10) WHERE id = ?' ;;
        garbage) sql="UPDATE images SET record = 'garbage{' WHERE id = ?" ;;
    esac
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2], (sys.argv[3],)); c.commit()' \
        "$root/rcon.db" "$sql" "$big_id"
    o=$($R pull -q "$image" 2>&1) || fail damaged "image row $kind: pull: $o"
    o=$($R run --rm "$image" true 2>&1) || fail damaged "image row $kind: run: $o"
    o=$($R images 2>&1) || fail damaged "image row $kind: images: $o"
    o=$($R system check 2>&1) && fail damaged "image row $kind: system check did not report the damaged row"
    echo "$o" | grep -q "${big_id#sha256:}" || echo "$o" | grep -qi image || fail damaged "image row $kind: system check does not name the image: $o"
    o=$($R system check --repair 2>&1) || true
    o=$($R system check 2>&1) || fail damaged "image row $kind: system check after --repair: $o"
    # The damaged image is gone or whole again; either way big:1 can be made anew.
    $R rmi -f big:1 damaged:1 >/dev/null 2>&1
    o=$(make_big) || fail damaged "image row $kind: import after repair: $o"
    end_try
done
echo "| damaged image rows (record truncated, garbage): pull, run, images, system check --repair | $tries | $failures | $(leaks) |" | tee -a "$table"
: >"$ids_seen"

# PARALLEL parallel run -d, then PARALLEL parallel rm -f; three rounds.
step "$PARALLEL parallel run -d / rm -f"
failures=0
for round in 1 2 3; do
    pids=()
    for i in $(seq 1 "$PARALLEL"); do
        $R run -d --name "par$i" -p "127.0.0.1::80" "$image" sleep 4242 >"$work/par$i.out" 2>&1 &
        pids+=($!)
    done
    for i in $(seq 1 "$PARALLEL"); do
        begin_try
        wait "${pids[$((i - 1))]}" || fail parallel "round $round run par$i: $(cat "$work/par$i.out")"
        end_try
    done
    note_ids
    n=$($R ps -q | wc -l)
    [ "$n" = "$PARALLEL" ] || echo "[parallel] round $round: $n running, not $PARALLEL" >>"$log"
    pids=()
    for i in $(seq 1 "$PARALLEL"); do
        $R rm -f "par$i" >"$work/par$i.out" 2>&1 &
        pids+=($!)
    done
    for i in $(seq 1 "$PARALLEL"); do
        begin_try
        wait "${pids[$((i - 1))]}" || fail parallel "round $round rm par$i: $(cat "$work/par$i.out")"
        end_try
    done
    n=$($R ps -aq | wc -l)
    begin_try
    [ "$n" = 0 ] || fail parallel "round $round: $n containers left after rm -f"
    end_try
done
echo "| $PARALLEL parallel run -d -p, then rm -f (x3) | $((3 * 2 * PARALLEL)) | $failures | $(leaks) |" | tee -a "$table"

echo
cat "$table"
if [ -s "$log" ]; then
    echo
    echo "failures (also in $log):"
    cat "$log"
fi
