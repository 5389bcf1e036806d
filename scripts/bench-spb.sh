#!/bin/sh
# scripts/bench-spb.sh [STORE.db [RUN]] - cost of the superpageblock policies: replay
# time (user CPU) and peak memory of spb and spb_p43 as ratios of vanilla on the same
# run, in the same invocation. No target; it says what SPB steering costs the replay.
#
# Without a store: writes a synthetic defrag-storm run (the default scenario, 256 MiB)
# and replays that. Builds a Release tree in build-bench/ (or uses $MMR_BENCH_BUILD).
set -eu
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
bench_build mmreplay
bench_tmp spb

bench_store "${1:-}" "${2:-}" --scenario defrag-storm

# timed POLICY: user seconds and peak RSS (KiB) of a counts-only replay
timed() {
	/usr/bin/time -f '%U %M' -o "$tmp/time" "$MMR" replay -q "$db" --run "$run" \
		--policy "$1" --no-alloc-stream --no-derive -o "$tmp/$1.db" 2>/dev/null
	secs=$(cut -d' ' -f1 "$tmp/time")
	rss=$(cut -d' ' -f2 "$tmp/time")
}
timed vanilla
v_s=$secs v_rss=$rss
printf 'store %s run %s\n' "$db" "$run"
printf '%-8s %7.2f s user  peak %6d KiB\n' vanilla "$v_s" "$v_rss"
for p in spb spb_p43; do
	timed "$p"
	printf '%-8s %7.2f s user  peak %6d KiB  %5.2fx the time, %5.2fx the memory of vanilla\n' \
		"$p" "$secs" "$rss" "$(echo "$secs / $v_s" | bc -l)" "$(echo "$rss / $v_rss" | bc -l)"
done
