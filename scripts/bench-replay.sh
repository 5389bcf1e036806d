#!/bin/sh
# scripts/bench-replay.sh [STORE.db [RUN]] - replay speed in recorded events per
# second and peak memory, next to the time SQLite alone takes to read the same rows
# in the same invocation (the floor any replay of a stored run pays).
# Target: at least 5M recorded events/s; memory dominated by the model's per-page
# state (8 bytes a page, printed).
# Events/s are wall-clock: a replay reads the recording in a second thread, so on two
# free cores its wall time is below its CPU time (printed too; on a busy machine the
# two come together). "one thread" is the same replay with --one-thread.
#
# Without a store: writes a synthetic defrag-storm run of about 8M events (10 s of
# the scenario on a 4 GiB zone) and replays that. Builds a Release tree in
# build-bench/ (or uses $MMR_BENCH_BUILD).
set -eu
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
bench_build mmreplay
bench_tmp replay

[ $# -ge 1 ] || echo "writing a synthetic defrag-storm run (10 s, 4 GiB zone)..."
bench_store "${1:-}" "${2:-}" --scenario defrag-storm -s seconds=10 -s zone_mb=4096
events=$(sqlite3 "$db" "SELECT (SELECT count(*) FROM mm_page_alloc WHERE run_id = $run) +
	(SELECT count(*) FROM mm_page_free WHERE run_id = $run)")
pages=$(sqlite3 "$db" "SELECT coalesce(sum(spanned), 0) FROM zone_snapshots
	WHERE run_id = $run AND phase = 'start'")

# timed CMD...: wall seconds, CPU seconds and peak RSS (KiB) of CMD into $secs,
# $cpu and $rss
timed() {
	/usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$@" >/dev/null
	secs=$(cut -d' ' -f1 "$tmp/time")
	rss=$(cut -d' ' -f2 "$tmp/time")
	cpu=$(echo "$(cut -d' ' -f3 "$tmp/time") + $(cut -d' ' -f4 "$tmp/time")" | bc -l)
}
rate() { echo "$events / $1" | bc -l; }

timed sqlite3 "$db" "SELECT count(*), sum(pfn), sum(gfp_flags) FROM mm_page_alloc WHERE run_id = $run;
	SELECT count(*), sum(pfn) FROM mm_page_free WHERE run_id = $run"
read_s=$secs read_cpu=$cpu
timed "$MMR" replay -v "$db" --run "$run" --policy vanilla --no-alloc-stream --no-derive \
	-o "$tmp/r1.db" 2>"$tmp/r1.log"
lean_s=$secs lean_cpu=$cpu lean_rss=$rss
threads=$(sed -n 's/^mmreplay replay: CPU: //p' "$tmp/r1.log")
timed "$MMR" replay -q "$db" --run "$run" --policy vanilla --no-alloc-stream --no-derive \
	--one-thread -o "$tmp/r0.db"
one_s=$secs one_cpu=$cpu one_rss=$rss
timed "$MMR" replay -q "$db" --run "$run" --policy defrag_mode --no-alloc-stream --no-derive \
	-o "$tmp/r2.db"
dm_s=$secs dm_cpu=$cpu dm_rss=$rss
timed "$MMR" replay -q "$db" --run "$run" --policy vanilla -o "$tmp/r3.db"
full_s=$secs full_cpu=$cpu full_rss=$rss

printf 'store                              %s run %s: %s alloc/free events, %s pages\n' \
	"$db" "$run" "$events" "$pages"
printf '%-34s %7s %7s %10s %11s %9s\n' "" "wall s" "CPU s" "M events/s" "x read time" "peak MiB"
# row LABEL WALL CPU [RSS]
row() {
	printf '%-34s %7.2f %7.2f %10.2f %11.2f' "$1" "$2" "$3" \
		"$(echo "$(rate "$2") / 1000000" | bc -l)" "$(echo "$2 / $read_s" | bc -l)"
	if [ $# -ge 4 ]; then printf ' %9d\n' "$(($4 / 1024))"; else printf '\n'; fi
}
row 'sqlite3 reads the rows (floor)' "$read_s" "$read_cpu"
row 'replay vanilla, counts only' "$lean_s" "$lean_cpu" "$lean_rss"
row 'replay vanilla, counts, one thread' "$one_s" "$one_cpu" "$one_rss"
row 'replay defrag_mode, counts only' "$dm_s" "$dm_cpu" "$dm_rss"
row 'replay vanilla, all events+storms' "$full_s" "$full_cpu" "$full_rss"
printf 'threads of the counts-only vanilla   %s\n' "$threads"
printf 'model per-page state               %d MiB (8 bytes x %s pages)\n' \
	"$((pages * 8 / 1048576))" "$pages"
