#!/bin/sh
# scripts/bench-storms.sh [FILE.dat] - time of `mmreplay storms` (every derived
# table, then storm detection) as a share of the time it took to load the same run,
# measured in one invocation. Target: under 10 % of the import.
#
# With FILE.dat: imports it into a new store (timed), then runs storms on it
# (timed). Make a big real trace with scripts/bench-import.sh --make FILE.dat [SECONDS].
# Always: bench/storms-gen writes a synthetic run of $NR_EVENTS (default 8M) events
# through mmr_writer (timed: the store half of an import, without decoding, so the
# share it gives is a stricter one), then storms runs on it (timed).
#
# Builds a Release tree in build-bench/ (or uses $MMR_BENCH_BUILD).
set -eu
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
bench_build mmreplay storms-gen
bench_tmp storms
now() { date +%s.%N; }
pct() { echo "100 * $1 / $2" | bc -l; }

if [ $# -ge 1 ]; then
	f=$1
	t0=$(now)
	"$MMR" import -q "$f" -o "$tmp/imp.db"
	t1=$(now)
	"$MMR" storms -f csv "$tmp/imp.db" >"$tmp/imp.csv"
	t2=$(now)
	ev=$(sqlite3 "$tmp/imp.db" "SELECT sum(nr_events) FROM runs")
	imp=$(echo "$t1 - $t0" | bc -l)
	sto=$(echo "$t2 - $t1" | bc -l)
	printf 'trace                     %s (%s events)\n' "$f" "$ev"
	printf 'mmreplay import           %8.2f s\n' "$imp"
	printf 'mmreplay storms           %8.2f s  (%s storms)\n' "$sto" \
		"$(sqlite3 "$tmp/imp.db" 'SELECT count(*) FROM storms')"
	printf 'storms / import           %8.1f %%\n' "$(pct "$sto" "$imp")"
	rm -f "$tmp"/imp.db*
fi

n=${NR_EVENTS:-8000000}
out=$("$B/bench/storms-gen" "$tmp/syn.db" "$n")
wr=$(echo "$out" | sed -n 's/.*write_s \([0-9.]*\).*/\1/p')
t1=$(now)
"$MMR" storms -f csv "$tmp/syn.db" >"$tmp/syn.csv"
t2=$(now)
sto=$(echo "$t2 - $t1" | bc -l)
printf 'synthetic run             %s\n' "$out"
printf 'write through mmr_writer  %8.2f s\n' "$wr"
printf 'mmreplay storms           %8.2f s  (%s storms)\n' "$sto" \
	"$(sqlite3 "$tmp/syn.db" 'SELECT count(*) FROM storms')"
printf 'storms / write            %8.1f %%  (import = decode + write: the share of an import is lower)\n' \
	"$(pct "$sto" "$wr")"
