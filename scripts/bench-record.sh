#!/bin/sh
# scripts/bench-record.sh [SECONDS] - `mmreplay record` at a high event rate, next to
# a reference in the same invocation.
#
# The workload (stress-ng touching anonymous memory: the mm_page_alloc/free stream at
# a few hundred thousand events/s) runs twice for SECONDS (default 8):
#   1. under `mmreplay record` with default settings;
#   2. with the same events enabled by hand in a bare tracefs instance of the same
#      buffer size and no reader at all: the events the workload makes the kernel
#      trace (read + overwritten + still buffered, from per_cpu/cpuN/stats) per
#      second, i.e. the rate a reader must sustain. (A shell reader is no reference:
#      blocking reads of trace_pipe_raw return early and `cat` or `dd` stop.)
# It prints sustained events/s, events lost in the ring buffer, and the recorder's
# CPU time as a share of one core over the steady part of the run (from 1.5 s after
# the start to 0.5 s before the end) and over the whole run.
# Targets (issue 3): nothing lost at >= 300k events/s, recorder under 25% of a core.
# Needs root, tracefs and stress-ng. Leaves no instance behind.
set -eu
cd "$(dirname "$0")/.."
# --bpf: the BPF collector against this recorder, side by side (scripts/bench-bpf.sh)
[ "${1:-}" = "--bpf" ] && { shift; exec scripts/bench-bpf.sh "$@"; }
secs=${1:-8}
T=/sys/kernel/tracing
[ "$(id -u)" -eq 0 ] || { echo "bench-record: needs root" >&2; exit 1; }
[ -e "$T/trace" ] || { echo "bench-record: tracefs is not mounted: mount -t tracefs nodev $T" >&2; exit 1; }
command -v stress-ng >/dev/null || { echo "bench-record: needs stress-ng (scripts/setup.sh)" >&2; exit 1; }

. scripts/bench-lib.sh
bench_build mmreplay
W=$(mktemp -d "${TMPDIR:-/tmp}/mmr-bench-record.XXXXXX")
inst=mmr-bench-ref-$$
cleanup() {
	wait 2>/dev/null || true
	[ -d "$T/instances/$inst" ] && rmdir "$T/instances/$inst" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

workload() {
	stress-ng --vm 1 --vm-bytes 512M --vm-method all --page-in -t "${secs}s" -q >/dev/null 2>&1 || true
}

hz=$(getconf CLK_TCK)
# cpu_ticks PID...: utime + stime of the processes, in clock ticks
cpu_ticks() {
	t=0
	for p in "$@"; do
		v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)
		t=$((t + v))
	done
	echo "$t"
}

# ---- 1. mmreplay record, default settings
w0=$(date +%s.%N)
"$MMR" record -q -v -o "$W/rec.db" -- sh -c "$(command -v stress-ng) --vm 1 --vm-bytes 512M \
	--vm-method all --page-in -t ${secs}s -q >/dev/null 2>&1" 2>"$W/err" &
rec=$!
sleep 1.5
c1=$(cpu_ticks $rec)
s1=$(date +%s.%N)
sleep "$(echo "$secs - 2" | bc)"
c2=$(cpu_ticks $rec)
s2=$(date +%s.%N)
wait $rec || { cat "$W/err" >&2; echo "bench-record: mmreplay record failed" >&2; exit 1; }
w1=$(date +%s.%N)
q() { sqlite3 "$W/rec.db" "$1"; }
rec_events=$(q "SELECT nr_events FROM runs")
rec_span=$(q "SELECT (end_ts - start_ts) / 1e9 FROM runs")
rec_lost=$(q "SELECT coalesce(sum(lost_events + max(overrun, 0) + max(dropped_events, 0)), 0) FROM run_cpu_stats")
rec_complete=$(q "SELECT complete FROM runs")
events=$(q "SELECT value FROM host_facts WHERE key = 'events_enabled'")
buffer_kb=$(q "SELECT value FROM host_facts WHERE key = 'buffer_kb'")
# its own CPU (getrusage: not the workload, its child) over the whole run
rec_cpu=$(sed -n 's/.*recorder CPU \([0-9.]*\) s user \([0-9.]*\) s system.*/\1 + \2/p' "$W/err")
rec_whole=$(echo "scale=1; 100 * ($rec_cpu) / ($w1 - $w0)" | bc)
rec_rate=$(echo "$rec_events / $rec_span" | bc)
rec_share=$(echo "scale=1; 100 * ($c2 - $c1) / $hz / ($s2 - $s1)" | bc)

# ---- 2. reference: the same events in a bare instance, no reader
mkdir "$T/instances/$inst"
I=$T/instances/$inst
echo 0 >"$I/tracing_on"
echo "$buffer_kb" >"$I/buffer_size_kb"
echo mono >"$I/trace_clock"
echo "$events" | tr ',' '\n' | while read -r e; do
	echo 1 >"$I/events/$(echo "$e" | tr ':' '/')/enable"
done
echo 1 >"$I/tracing_on"
t0=$(date +%s.%N)
workload
t1=$(date +%s.%N)
echo 0 >"$I/tracing_on"
# everything the workload made the kernel trace: read, overwritten or still buffered
ref_events=$(cat "$I"/per_cpu/cpu*/stats | awk '/^read events/ || /^overrun/ || /^entries/ { n += $NF } END { print n + 0 }')
ref_lost=$(cat "$I"/per_cpu/cpu*/stats | awk '/^overrun/ || /^dropped events/ { n += $NF } END { print n + 0 }')
rmdir "$I"
ref_rate=$(echo "$ref_events / ($t1 - $t0)" | bc)

echo "workload: stress-ng --vm 1 --vm-bytes 512M --vm-method all --page-in, ${secs} s, $(nproc) CPUs"
echo "events: $(echo "$events" | tr ',' '\n' | wc -l) enabled, buffer $buffer_kb KiB per CPU"
printf "%-34s %10s %10s %14s\n" "" "events/s" "lost" "reader CPU"
printf "%-34s %10s %10s %14s\n" "reference (traced, no reader)" "$ref_rate" "($ref_lost)" "-"
printf "%-34s %10s %10s %13s%%\n" "mmreplay record" "$rec_rate" "$rec_lost" "$rec_share"
echo "recorded $rec_events events in $rec_span s, run complete=$rec_complete; recorder CPU over the"
echo "whole run (start-up, 1 s of snapshots and the final drain included): $rec_whole% of one core"
echo "ratio recorder/reference events/s: $(echo "scale=2; $rec_rate / $ref_rate" | bc)"
# the cost per event, which does not depend on the rate this machine happened to reach
us=$(echo "scale=3; 10000 * $rec_share / $rec_rate" | bc)
echo "recorder cost: $us us of CPU per event, i.e. $(echo "scale=1; $us * 300000 / 10000" | bc)% of one core at 300k events/s"
# The CPU target is stated at 300k events/s; the workload reaches what this machine
# gives it, so the verdict uses the measured share when the rate was at most 300k/s
# and the share the cost per event implies at 300k/s when it was higher.
at300=$(echo "scale=1; $us * 300000 / 10000" | bc)
ok=PASS
[ "$rec_lost" -eq 0 ] || ok=FAIL
[ "$rec_rate" -ge 300000 ] || ok="$ok (rate below 300k/s: the target is not exercised)"
if [ "$rec_rate" -le 300000 ]; then cpu=$rec_share; else cpu=$at300; fi
[ "$(echo "$cpu < 25" | bc)" -eq 1 ] || ok=FAIL
echo "target (0 lost at >= 300k events/s, recorder < 25% of one core at 300k/s: $cpu%): $ok"
