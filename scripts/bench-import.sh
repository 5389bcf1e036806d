#!/bin/sh
# scripts/bench-import.sh FILE.dat - import speed against `trace-cmd report`, in one run.
#
# Prints events/s of `mmreplay import` (into a new store, clustered tables
# included), events/s of `trace-cmd report > /dev/null` on the same file, their
# ratio, and peak memory of the importer and of its reader process (libtracecmd).
#   scripts/bench-import.sh FILE.dat [RUNS]
# runs the two in turn RUNS times (default 3) and prints the median of each: on a
# shared machine one run of either can be far off.
#
#   scripts/bench-import.sh --make FILE.dat [SECONDS]
# records a large trace first (root, tracefs, stress-ng): the alloc stream under a
# memory workload, in a private tracefs instance, extracted with trace-cmd.
set -eu
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--make" ]; then
	out=$2
	secs=${3:-6}
	T=/sys/kernel/tracing
	inst=mmr-bench-$$
	empty=$(mktemp)
	trap '[ -d "$T/instances/$inst" ] && rmdir "$T/instances/$inst"; rm -f "$empty"' EXIT INT TERM
	[ -e "$T/trace" ] || { echo "tracefs is not mounted at $T" >&2; exit 1; }
	mkdir "$T/instances/$inst"
	I=$T/instances/$inst
	echo 262144 >"$I/buffer_size_kb"
	for e in kmem/mm_page_alloc kmem/mm_page_free kmem/mm_page_alloc_zone_locked \
		 kmem/mm_page_pcpu_drain kmem/mm_page_alloc_extfrag compaction vmscan oom; do
		echo 1 >"$I/events/$e/enable"
	done
	echo 1 >"$I/tracing_on"
	timeout "$secs" stress-ng --vm 2 --vm-bytes 1G --vm-method all --page-in -q >/dev/null 2>&1 || true
	echo 0 >"$I/tracing_on"
	unshare -m sh -c "mount --bind '$empty' /proc/kallsyms && trace-cmd extract -B '$inst' -o '$out'" \
		>/dev/null 2>&1
	ls -l "$out"
	exit 0
fi

file=${1:?usage: scripts/bench-import.sh FILE.dat [RUNS] | --make FILE.dat [SECONDS]}
runs=${2:-3}
. scripts/bench-lib.sh
if [ -n "${MMR:-}" ]; then	# MMR=path/to/mmreplay times that binary
	[ -x "$MMR" ] || { echo "bench-import: $MMR is not executable" >&2; exit 1; }
else
	bench_build mmreplay
fi
bench_tmp import

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

i=0
while [ "$i" -lt "$runs" ]; do
	rm -f "$tmp/bench.db"
	t0=$(now)
	/usr/bin/time -f "%M" -o "$tmp/rss" "$MMR" import -v "$file" -o "$tmp/bench.db" >"$tmp/out" 2>"$tmp/err" ||
		{ cat "$tmp/err"; exit 1; }
	t1=$(now)
	trace-cmd report "$file" >/dev/null 2>&1
	t2=$(now)
	echo "$t1 - $t0" | bc -l >>"$tmp/imp"
	echo "$t2 - $t1" | bc -l >>"$tmp/rep"
	i=$((i + 1))
done

events=$(sqlite3 "$tmp/bench.db" "SELECT sum(nr_events) FROM runs")
imp=$(median <"$tmp/imp")
rep=$(median <"$tmp/rep")
importer=$(sed -n 's/.*importer peaked at \([0-9]*\) MiB.*/\1/p' "$tmp/err")
reader=$(sed -n 's/.*reader process peaked at \([0-9]*\) MiB.*/\1/p' "$tmp/err")
printf 'file                      %s (%s bytes)\n' "$file" "$(wc -c <"$file")"
printf 'events                    %s (median of %s runs of each, in turn)\n' "$events" "$runs"
printf 'mmreplay import           %8.2f s  %10.0f events/s\n' "$imp" "$(echo "$events / $imp" | bc -l)"
printf 'trace-cmd report          %8.2f s  %10.0f events/s\n' "$rep" "$(echo "$events / $rep" | bc -l)"
printf 'ratio import/report       %8.2fx faster\n' "$(echo "$rep / $imp" | bc -l)"
printf 'peak memory: importer %s MiB, reader process (libtracecmd) %s MiB\n' "$importer" "$reader"
