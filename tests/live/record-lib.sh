# tests/live/record-lib.sh - helpers of the recorder's live tests (tests/live/t035*.sh):
# skip without root or tracefs, the top-level tracing state, a small mm workload.
. "$MMR_SRC/tests/live/tracefs-ns.sh"
. "$MMR_SRC/tests/cli/lib.sh"
TR=/sys/kernel/tracing
[ "$(id -u)" -eq 0 ] || skip "needs root (tracefs instances)"
[ -e "$TR/trace" ] || skip "tracefs is not mounted at $TR (mount -t tracefs nodev $TR)"
command -v sqlite3 >/dev/null || skip "needs sqlite3"

# top_state: what must be exactly as before after a recording: the top-level
# instance (enabled events, tracing_on, buffer size, tracer, clock) and ftrace_enabled
top_state() {
	for f in set_event tracing_on buffer_size_kb current_tracer trace_clock events/enable; do
		echo "== $f"
		cat "$TR/$f"
	done
	echo "== ftrace_enabled"
	cat /proc/sys/kernel/ftrace_enabled 2>/dev/null || true
}

# instance_gone PID: the recorder's instance is removed (allowing the watchdog 5 s)
instance_gone() {
	i=0
	while [ -d "$TR/instances/mmreplay-$1" ]; do
		i=$((i + 1))
		[ $i -lt 50 ] || return 1
		sleep 0.1
	done
}

. "$MMR_SRC/tests/live/record-workload.sh"

q() { sqlite3 "$1" "$2"; }
