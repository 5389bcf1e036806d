# tests/live/bpf-lib.sh - helpers for the BPF collector's live tests (t08NN-*.sh):
# skip checks, a private tracefs instance, and throw-away cgroups for a workload.
# Everything created here is removed by the EXIT trap.
set -u
: "${MMREPLAY:?run through ctest}"
. "$MMR_SRC/tests/live/tracefs-ns.sh"
T=$(mktemp -d "/var/tmp/mmr-live-bpf.XXXXXX")	# on disk: workload files must be reclaimable
INST=""
CG2=""
CGMEM=""
DRV_PID=""

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
ok() { echo "ok - $*"; }

cleanup() {
	[ -n "$DRV_PID" ] && kill -TERM "$DRV_PID" 2>/dev/null && wait "$DRV_PID" 2>/dev/null
	if [ -n "$INST" ] && [ -d "$INST" ]; then
		echo 0 > "$INST/tracing_on" 2>/dev/null
		rmdir "$INST" 2>/dev/null
	fi
	for d in "$CG2" "$CGMEM"; do
		[ -n "$d" ] && [ -d "$d" ] || continue
		# move anything left to the parent, then remove
		while read -r p; do echo "$p" > "$d/../cgroup.procs" 2>/dev/null; done < "$d/cgroup.procs"
		rmdir "$d" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# bpf_require: skips unless `mmreplay record --bpf` can run here (root, a build with
# the collector, kernel BTF); a one-second recording is the probe.
bpf_require() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to load BPF programs"
	command -v sqlite3 >/dev/null || skip "needs the sqlite3 shell"
	if ! out=$("$MMREPLAY" record --bpf -q -o "$T/probe.db" -d 1 2>&1); then
		case $out in
		*"not available"*) skip "${out#*--bpf is not available: }" ;;
		*) fail "probe recording failed: $out" ;;
		esac
	fi
}

# tracefs_require: sets TRACEFS (tracefs-ns.sh mounted it in the test's own mount
# namespace if the host had not).
tracefs_require() {
	TRACEFS=/sys/kernel/tracing
	[ -e "$TRACEFS/trace" ] || skip "tracefs is not mounted and could not be mounted"
	[ -d "$TRACEFS/instances" ] || skip "tracefs has no instances"
}

# tracefs_instance EVENT...: a private instance (named after this shell's pid) with
# the mono clock (that of bpf_ktime_get_ns()) and the given system/event enabled.
tracefs_instance() {
	INST="$TRACEFS/instances/mmr-t08-$$"
	mkdir "$INST" || fail "cannot create tracefs instance $INST"
	echo 0 > "$INST/tracing_on"
	echo mono > "$INST/trace_clock" || fail "tracefs has no mono clock"
	echo 8192 > "$INST/buffer_size_kb"
	for e in "$@"; do
		echo 1 > "$INST/events/$e/enable" || fail "cannot enable $e"
	done
}

# driver_start DB [OPTS...]: `mmreplay record --bpf` in the background until
# driver_stop; returns once the run exists (its first commit is done).
driver_start() {
	db=$1; shift
	"$MMREPLAY" record --bpf -o "$db" "$@" > "$T/driver.out" 2> "$T/driver.err" &
	DRV_PID=$!
	i=0
	until [ "$(sqlite3 "$db" "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ]; do
		kill -0 "$DRV_PID" 2>/dev/null || { cat "$T/driver.err" >&2; fail "recorder exited early"; }
		i=$((i + 1))
		[ $i -lt 600 ] || fail "recorder not started after 60 s"
		sleep 0.1
	done
	sleep 0.2	# the first drain discards what preceded the run
}

driver_stop() {
	kill -INT "$DRV_PID"
	wait "$DRV_PID"
	rc=$?
	DRV_PID=""
	[ $rc -eq 0 ] || { cat "$T/driver.err" >&2; fail "recorder exited $rc"; }
	cat "$T/driver.out"
}

# Number of our BPF programs loaded in the kernel (names start with mmr_).
bpf_progs_loaded() {
	command -v bpftool >/dev/null || { echo -1; return; }
	bpftool prog show 2>/dev/null | grep -c " name mmr_"
}

# cgroups_make NAME LIMIT_BYTES: CG2 = a new cgroup v2 directory (what
# bpf_get_current_cgroup_id() reports); CGMEM = the directory whose memory limit
# is LIMIT_BYTES (the same one on a pure v2 host, a v1 memory cgroup on a hybrid one).
cgroups_make() {
	name=$1; limit=$2
	root2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$root2" ] || skip "no cgroup v2 hierarchy mounted"
	CG2="$root2/$name"
	mkdir "$CG2" || fail "cannot create cgroup $CG2"
	if grep -qw memory "$root2/cgroup.controllers"; then
		grep -qw memory "$root2/cgroup.subtree_control" ||
			echo +memory > "$root2/cgroup.subtree_control" ||
			skip "cannot enable the memory controller in $root2"
		echo "$limit" > "$CG2/memory.max" || fail "cannot set memory.max"
		echo 0 > "$CG2/memory.swap.max" 2>/dev/null
		return
	fi
	rootm=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
	[ -n "$rootm" ] || skip "no memory controller mounted (v1 or v2)"
	CGMEM="$rootm/$name"
	mkdir "$CGMEM" || fail "cannot create memory cgroup $CGMEM"
	echo "$limit" > "$CGMEM/memory.limit_in_bytes" || fail "cannot set memory.limit_in_bytes"
}

# in_cgroups CMD...: runs CMD (sh -c) inside CG2 and CGMEM; its pid goes to $T/pids.
in_cgroups() {
	sh -c 'echo $$ >> "$1/pids"; echo $$ > "$2/cgroup.procs" &&
	       { [ -z "$3" ] || echo $$ > "$3/cgroup.procs"; } && shift 3 && exec sh -c "$@"' \
		sh "$T" "$CG2" "$CGMEM" "$@"
}

# outside CMD...: runs CMD (sh -c) where the test runs; its pid goes to $T/pids.
outside() {
	sh -c 'echo $$ >> "$1/pids"; shift; exec sh -c "$@"' sh "$T" "$@"
}

# The memory hog: writes then reads back a file four times the memory limit, all
# page cache, so the cgroup reclaims without swap and without an OOM kill.
hog() {
	mb=$(( $1 / 1048576 * 4 ))
	in_cgroups "dd if=/dev/zero of='$T/hog' bs=1M count=$mb status=none && cat '$T/hog' > /dev/null && cat '$T/hog' > /dev/null" ||
		fail "hog failed"
}

compact() {
	outside "echo 1 > /proc/sys/vm/compact_memory" || fail "compact_memory failed"
}
