#!/bin/sh
# scripts/bench-replay.sh [STORE.db [RUN]] - replay speed in recorded events per
# second and peak memory, next to the time SQLite alone takes to read the same rows
# in the same invocation (the floor any replay of a stored run pays).
# Target: at least 5M recorded events/s; memory dominated by the model's per-page
# state (8 bytes a page, printed).
#
# Without a store: writes a synthetic defrag-storm run of about 8M events (10 s of
# the scenario on a 4 GiB zone) and replays that. Builds a Release tree in
# build-bench/ (or uses $MMR_BENCH_BUILD).
set -eu
cd "$(dirname "$0")/.."
B=${MMR_BENCH_BUILD:-build-bench}
if [ ! -x "$B/cmd/mmreplay" ]; then
	cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DMMR_TESTS=OFF >/dev/null
	cmake --build "$B" -j2 --target mmreplay >/dev/null
fi
MMR=$B/cmd/mmreplay
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmr-bench-replay.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ $# -ge 1 ]; then
	db=$1
	run=${2:-$(sqlite3 "$db" "SELECT min(run_id) FROM runs WHERE kind <> 'replay'")}
else
	db=$tmp/synth.db
	run=1
	echo "writing a synthetic defrag-storm run (10 s, 4 GiB zone)..."
	"$MMR" synth -q --scenario defrag-storm -s seconds=10 -s zone_mb=4096 -o "$db"
fi
events=$(sqlite3 "$db" "SELECT (SELECT count(*) FROM mm_page_alloc WHERE run_id = $run) +
	(SELECT count(*) FROM mm_page_free WHERE run_id = $run)")
pages=$(sqlite3 "$db" "SELECT coalesce(sum(spanned), 0) FROM zone_snapshots
	WHERE run_id = $run AND phase = 'start'")

# timed CMD...: wall seconds and peak RSS (KiB) of CMD into $secs and $rss
timed() {
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null
	secs=$(cut -d' ' -f1 "$tmp/time")
	rss=$(cut -d' ' -f2 "$tmp/time")
}
rate() { echo "$events / $1" | bc -l; }

timed sqlite3 "$db" "SELECT count(*), sum(pfn), sum(gfp_flags) FROM mm_page_alloc WHERE run_id = $run;
	SELECT count(*), sum(pfn) FROM mm_page_free WHERE run_id = $run"
read_s=$secs
timed "$MMR" replay -q "$db" --run "$run" --policy vanilla --no-alloc-stream --no-derive \
	-o "$tmp/r1.db"
lean_s=$secs lean_rss=$rss
timed "$MMR" replay -q "$db" --run "$run" --policy defrag_mode --no-alloc-stream --no-derive \
	-o "$tmp/r2.db"
dm_s=$secs
timed "$MMR" replay -q "$db" --run "$run" --policy vanilla -o "$tmp/r3.db"
full_s=$secs full_rss=$rss

printf 'store                              %s run %s: %s alloc/free events, %s pages\n' \
	"$db" "$run" "$events" "$pages"
printf 'sqlite3 reads the rows (floor)     %7.2f s  %6.2f M events/s\n' "$read_s" \
	"$(echo "$(rate "$read_s") / 1000000" | bc -l)"
printf 'replay vanilla, counts only        %7.2f s  %6.2f M events/s  %5.2fx the read time  peak %d MiB\n' \
	"$lean_s" "$(echo "$(rate "$lean_s") / 1000000" | bc -l)" "$(echo "$lean_s / $read_s" | bc -l)" \
	"$((lean_rss / 1024))"
printf 'replay defrag_mode, counts only    %7.2f s  %6.2f M events/s  %5.2fx the read time\n' \
	"$dm_s" "$(echo "$(rate "$dm_s") / 1000000" | bc -l)" "$(echo "$dm_s / $read_s" | bc -l)"
printf 'replay vanilla, all events+storms  %7.2f s  %6.2f M events/s  %5.2fx the read time  peak %d MiB\n' \
	"$full_s" "$(echo "$(rate "$full_s") / 1000000" | bc -l)" "$(echo "$full_s / $read_s" | bc -l)" \
	"$((full_rss / 1024))"
printf 'model per-page state               %d MiB (8 bytes x %s pages)\n' \
	"$((pages * 8 / 1048576))" "$pages"
