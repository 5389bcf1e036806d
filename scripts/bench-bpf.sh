#!/bin/sh
# scripts/bench-bpf.sh [SECONDS] (also scripts/bench-record.sh --bpf [SECONDS]) - the
# BPF collector against the tracefs recorder, side by side: both record the same stress-ng workload at the same time, so they
# see the same events at the same rate. Prints, for each: events stored, events/s,
# losses, collector CPU (user + system of the collector process and its children,
# from /usr/bin/time) and CPU per event; then the CPU ratio BPF / tracefs.
# Target (issue 8): the BPF collector's CPU at most half the tracefs recorder's.
#
# Then the store floor: bench/store-floor reads the BPF collector's event rows back
# and writes them, alone, into a fresh store made as the collector makes it (same
# open flags, pragmas, writer and commit cadence); it times only that writing (median
# of 3 passes, after the recordings). Its CPU over the tracefs recorder's, R, bounds
# the ratio from below: a collector that stores these rows pays at least that.
#
# Both record the same event set: the BPF collector's (libreplay/ingest/bpf/mmtrace.h),
# passed to the tracefs recorder with -e. Root, tracefs, BTF and stress-ng needed.
#
# Environment: MMREPLAY (default: a Release build in $MMR_BENCH_BUILD, build-bench,
# made here); STORE_FLOOR, the store-floor program (default: bench/store-floor of the
# build MMREPLAY comes from, or of $MMR_BENCH_BUILD; without one, no floor is printed).
# WORKLOAD overrides the stress-ng command line (default: the workload of
# scripts/bench-record.sh); BPF_OPTS adds options to the BPF
# side (its in-kernel filters, e.g. "--bpf-sample 8"): then the two no longer store
# the same rows, and the figures say what the filters save.
# "lost" is ring-buffer losses; for BPF, "missed" is the tracepoint hits the kernel
# did not run a program for (recursion), also lost.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-12}
if [ -n "${MMREPLAY:-}" ]; then
	MMR=$MMREPLAY
	FLOOR=${STORE_FLOOR:-$(dirname "$MMR")/../bench/store-floor}
else
	. scripts/bench-lib.sh
	bench_build mmreplay store-floor
	FLOOR=${STORE_FLOOR:-$B/bench/store-floor}
fi
WORKLOAD=${WORKLOAD:-stress-ng --vm 1 --vm-bytes 512M --vm-method all --page-in -q}
T=$(mktemp -d /var/tmp/mmr-bench-bpf.XXXXXX)
# (kill with no pid fails, and under set -e that ended the trap before the rm)
trap 'kill $p1 $p2 2>/dev/null || true; rm -rf "$T"' EXIT INT TERM
p1=""; p2=""

[ "$(id -u)" -eq 0 ] || { echo "bench-bpf: needs root" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-bpf: needs /usr/bin/time (package time)" >&2; exit 1; }
"$MMR" record --help >/dev/null 2>&1 || { echo "bench-bpf: $MMR has no record command" >&2; exit 1; }
"$MMR" record --help | grep -q -- '--bpf' || { echo "bench-bpf: $MMR has no record --bpf" >&2; exit 1; }
BPF="$MMR record --bpf -q"
events=$(sed -n 's/^[[:space:]]*X([A-Z_0-9]*,[[:space:]]*\([a-z]*\),[[:space:]]*\([a-z_]*\)).*/\1:\2/p' \
	libreplay/ingest/bpf/mmtrace.h | paste -sd, -)

# Both start, then the workload runs inside both recordings' windows.
/usr/bin/time -f '%U %S' -o "$T/tracefs.time" "$MMR" record -q -o "$T/tracefs.db" \
	-d "$secs" -e "$events" >"$T/tracefs.out" 2>"$T/tracefs.err" &
p1=$!
/usr/bin/time -f '%U %S' -o "$T/bpf.time" $BPF ${BPF_OPTS:-} -o "$T/bpf.db" -d "$secs" \
	>"$T/bpf.out" 2>"$T/bpf.err" &
p2=$!
sleep 2
timeout "$((secs - 4))" $WORKLOAD >/dev/null 2>&1 || true
wait $p1 || { cat "$T/tracefs.err" >&2; echo "bench-bpf: tracefs recorder failed" >&2; exit 1; }
wait $p2 || { cat "$T/bpf.err" >&2; echo "bench-bpf: BPF collector failed" >&2; exit 1; }
p1=""; p2=""

row() {	# name db timefile
	sqlite3 -separator ' ' "$2" "SELECT nr_events, (end_ts - start_ts) / 1e9,
		(SELECT coalesce(sum(lost_events), 0) FROM run_cpu_stats s WHERE s.run_id = r.run_id),
		coalesce((SELECT value FROM host_facts h WHERE h.run_id = r.run_id AND
			h.key = 'bpf.recursion_misses'), '-')
		FROM runs r ORDER BY run_id DESC LIMIT 1" | {
		read -r n span lost missed
		read -r u s < "$3"
		cpu=$(echo "$u + $s" | bc -l)
		printf "%-8s %10d %10.0f %10d %8s %8.2f %10.2f\n" "$1" "$n" \
			"$(echo "$n / $span" | bc -l)" "$lost" "$missed" "$cpu" \
			"$(echo "$cpu * 1000000 / ($n + 1)" | bc -l)"
		echo "$cpu" > "$T/$1.cpu"
		echo "$n" > "$T/$1.n"
	}
}
echo "workload: $WORKLOAD, ${secs} s recordings, both collectors at once${BPF_OPTS:+; bpf: $BPF_OPTS}"
printf "%-8s %10s %10s %10s %8s %8s %10s\n" collector events events/s lost missed cpu_s cpu_us/ev
row tracefs "$T/tracefs.db" "$T/tracefs.time"
row bpf "$T/bpf.db" "$T/bpf.time"
printf "cpu ratio bpf/tracefs: %.3f (target <= 0.5)\n" \
	"$(echo "$(cat "$T/bpf.cpu") / $(cat "$T/tracefs.cpu")" | bc -l)"

# The floor: these rows stored alone, through the same writer into the same kind of store.
if [ ! -x "$FLOOR" ]; then
	echo "store floor: not measured (no store-floor program at $FLOOR; set STORE_FLOOR)"
	exit 0
fi
"$FLOOR" -n 3 "$T/bpf.db" "$T/floor.db" > "$T/floor.out" 2>"$T/floor.err" ||
	{ cat "$T/floor.err" >&2; echo "bench-bpf: store-floor failed" >&2; exit 1; }
fcpu=$(sed -n 's/.* cpu_s=\([0-9.]*\) .*/\1/p' "$T/floor.out")
fus=$(sed -n 's/.* us_per_event=\([0-9.]*\) .*/\1/p' "$T/floor.out")
fsys=$(sed -n 's/.* sys_s=\([0-9.]*\) .*/\1/p' "$T/floor.out")
fn=$(sed -n 's/^events=\([0-9]*\) .*/\1/p' "$T/floor.out")
fr=$(echo "$fcpu / $(cat "$T/tracefs.cpu")" | bc -l)
printf "storing these rows alone: %.2f s CPU = %.3f x the tracefs recorder's CPU\n" "$fcpu" "$fr"
printf "  (store-floor: the bpf run's %d event rows through the writer into a fresh store as the\n" "$fn"
printf "   collector makes it; %.2f s of it system, %.3f us/event; median of 3 passes;\n" "$fsys" "$fus"
tus=$(echo "$(cat "$T/tracefs.cpu") * 1000000 / $(cat "$T/tracefs.n")" | bc -l)
fre=$(echo "$fus / $tus" | bc -l)
printf "   per event, %.3f x the tracefs recorder's %.3f us)\n" "$fre" "$tus"
# the claim takes the lower of the two (the bpf run may hold a few more rows)
[ "$(echo "$fre < $fr" | bc -l)" -eq 1 ] && fr=$fre
printf "no collector storing the same rows can go below %.3f of the tracefs recorder's CPU (target <= 0.5)\n" "$fr"
[ -z "${BPF_OPTS:-}" ] ||
	echo "  (with BPF_OPTS the bpf run holds only the rows its filters keep: the floor is theirs)"
printf "bpf collector above the floor: %.2f s CPU (%.3f x the tracefs recorder's)\n" \
	"$(echo "$(cat "$T/bpf.cpu") - $fcpu" | bc -l)" \
	"$(echo "($(cat "$T/bpf.cpu") - $fcpu) / $(cat "$T/tracefs.cpu")" | bc -l)"
