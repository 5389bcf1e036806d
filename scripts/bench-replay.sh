#!/bin/sh
# scripts/bench-replay.sh [STORE.db [RUN]] - replay speed in recorded events per
# second and peak memory, next to the time SQLite alone takes to read the same rows
# in the same invocation (the floor any replay of a stored run pays).
# Target: at least 5M recorded events/s; memory dominated by the model's per-page
# state. The replay's own account of its large tables (page state, owner table,
# pfn map, rings between the threads) is printed beside the peak.
# Events/s are wall-clock: a replay reads the recording in a second thread, so on two
# free cores its wall time is below its CPU time (printed too; on a busy machine the
# two come together). "one thread" is the same replay with --one-thread.
#
# RUNS=N (default 3) repeats the counts-only replays and the sqlite3 read in turn
# and prints medians.
#
# Without a store: writes a synthetic defrag-storm run of about 8.7M events (5.5 s
# of the scenario on a 4 GiB zone: 4.3M allocations, 0.5M frees by the workload,
# 3.9M page-cache frees by the recorded host's kswapd) and replays that. SYNTH="-s
# reclaim=0 -s seconds=10" gives the older stream of the same size without the
# host's reclaim (page cache never freed, new pfns throughout). Builds a Release
# tree in build-bench/ (or uses $MMR_BENCH_BUILD).
set -eu
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
bench_build mmreplay
bench_tmp replay

synth="-s seconds=5.5 ${SYNTH:-}"
[ $# -ge 1 ] || echo "writing a synthetic defrag-storm run (4 GiB zone, $synth)..."
# shellcheck disable=SC2086 # $synth is words
bench_store "${1:-}" "${2:-}" --scenario defrag-storm -s zone_mb=4096 $synth
events=$(sqlite3 "$db" "SELECT (SELECT count(*) FROM mm_page_alloc WHERE run_id = $run) +
	(SELECT count(*) FROM mm_page_free WHERE run_id = $run)")
pages=$(sqlite3 "$db" "SELECT coalesce(sum(spanned), 0) FROM zone_snapshots
	WHERE run_id = $run AND phase = 'start'")

# timed NAME CMD...: runs CMD and appends its wall seconds, CPU seconds and peak RSS
# (KiB) to $tmp/NAME
timed() {
	name=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$@" >/dev/null
	read -r w m u s <"$tmp/time"
	echo "$w $(echo "$u + $s" | bc -l) $m" >>"$tmp/$name"
}
# med NAME FIELD: the median of column FIELD (1 wall, 2 CPU, 3 RSS) of NAME's runs
med() {
	cut -d' ' -f"$2" "$tmp/$1" | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
rate() { echo "$events / $1" | bc -l; }

# RUNS rounds (default 3) of the quick ones in turn, so that a slow moment of the
# machine touches all of them; medians are printed. The full replay runs once.
runs=${RUNS:-3}
for i in $(seq "$runs"); do
	timed read sqlite3 "$db" "SELECT count(*), sum(pfn), sum(gfp_flags) FROM mm_page_alloc
		WHERE run_id = $run; SELECT count(*), sum(pfn) FROM mm_page_free WHERE run_id = $run"
	rm -f "$tmp"/r?.db*
	timed lean "$MMR" replay -v "$db" --run "$run" --policy vanilla --no-alloc-stream \
		--no-derive -o "$tmp/r1.db" 2>>"$tmp/r1.log"
	timed one "$MMR" replay -q "$db" --run "$run" --policy vanilla --no-alloc-stream \
		--no-derive --one-thread -o "$tmp/r0.db"
	timed dm "$MMR" replay -q "$db" --run "$run" --policy defrag_mode --no-alloc-stream \
		--no-derive -o "$tmp/r2.db"
done
timed full "$MMR" replay -q "$db" --run "$run" --policy vanilla -o "$tmp/r3.db"
read_s=$(med read 1)
threads=$(sed -n 's/^mmreplay replay: CPU: //p' "$tmp/r1.log" | tail -1)
tables=$(sed -n 's/^mmreplay replay: memory: //p' "$tmp/r1.log" | tail -1)

printf 'store                              %s run %s: %s alloc/free events, %s pages\n' \
	"$db" "$run" "$events" "$pages"
printf '%-34s %7s %7s %10s %11s %9s\n' "" "wall s" "CPU s" "M events/s" "x read time" "peak MiB"
# row LABEL NAME [rss]: medians of NAME's runs
row() {
	w=$(med "$2" 1) c=$(med "$2" 2)
	printf '%-34s %7.2f %7.2f %10.2f %11.2f' "$1" "$w" "$c" \
		"$(echo "$(rate "$w") / 1000000" | bc -l)" "$(echo "$w / $read_s" | bc -l)"
	if [ $# -ge 3 ]; then printf ' %9d\n' "$(($(med "$2" 3) / 1024))"; else printf '\n'; fi
}
row 'sqlite3 reads the rows (floor)' read
row 'replay vanilla, counts only' lean rss
row 'replay vanilla, counts, one thread' one rss
row 'replay defrag_mode, counts only' dm rss
row 'replay vanilla, all events+storms' full rss
printf 'threads of the counts-only vanilla %s (last run)\n' "$threads"
echo "medians of $runs runs (the full replay: one run)"
printf 'model per-page state               %d MiB (8 bytes x %s pages)\n' \
	"$((pages * 8 / 1048576))" "$pages"
printf 'tables of the counts-only vanilla  %s\n' "$tables"
