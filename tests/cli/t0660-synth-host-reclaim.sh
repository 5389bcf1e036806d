#!/bin/sh
# tests/cli/t0660-synth-host-reclaim.sh - a synthetic recording is one a host could
# have made: its kswapd frees page cache when free memory falls below the low
# watermark, so the recorded host never has more pages in use than its zone, and a
# pfn is never allocated while live; a replay drops those frees as the recorded
# kernel's reclaim and gets the results of a recording without them (reclaim=0,
# where the same stream outgrows the zone).
. "$MMR_SRC/tests/cli/lib.sh"
for r in 1 0; do
	"$MMREPLAY" synth -q --scenario defrag-storm --seed 4 -s zone_mb=256 -s seconds=0.3 \
		-s reclaim=$r -o "$T/r$r.db" || fail "synth reclaim=$r"
done
q() { sqlite3 "$T/$1" "$2"; }

# the most pages ever in use on the recorded host: what the snapshot says is used,
# plus the allocations, less the frees, in trace order
peak_used() {
	q "$1" "WITH ev(ts, seq, d) AS (
		SELECT ts, seq, 1 << \"order\" FROM mm_page_alloc WHERE run_id = 1 UNION ALL
		SELECT ts, seq, -(1 << \"order\") FROM mm_page_free WHERE run_id = 1),
	     run AS (SELECT sum(d) OVER (ORDER BY ts, seq) AS used FROM ev)
	SELECT (SELECT spanned - free FROM zone_snapshots WHERE run_id = 1) + max(used) FROM run"
}
zone=$(q r1.db "SELECT spanned FROM zone_snapshots WHERE run_id = 1")
p1=$(peak_used r1.db)
p0=$(peak_used r0.db)
echo "zone $zone pages; most pages in use: $p1 with the host's kswapd, $p0 without"
[ "$p1" -le "$zone" ] || fail "the recorded host uses $p1 pages of $zone"
[ "$p0" -gt "$zone" ] || fail "without kswapd the stream should outgrow the zone ($p0 pages)"

# kswapd's frees are the recording's, by a task named kswapd0, between wake and sleep
kf=$(q r1.db "SELECT count(*) FROM mm_page_free f JOIN tasks t USING (run_id, pid)
	WHERE f.run_id = 1 AND t.comm = 'kswapd0'")
wakes=$(q r1.db "SELECT count(*) FROM mm_vmscan_kswapd_wake WHERE run_id = 1")
echo "kswapd: $wakes wakes, $kf page cache frees"
[ "$wakes" -gt 0 ] && [ "$kf" -gt 1000 ] || fail "no kswapd activity in the recording"
[ "$(q r0.db "SELECT count(*) FROM mm_vmscan_kswapd_wake")" = 0 ] || fail "kswapd with reclaim=0"
# no pfn allocated while live: each allocation's pfn was freed since its last allocation
again=$(q r1.db "WITH ev(ts, seq, pfn, a) AS (
		SELECT ts, seq, pfn, 1 FROM mm_page_alloc WHERE run_id = 1 UNION ALL
		SELECT ts, seq, pfn, 0 FROM mm_page_free WHERE run_id = 1),
	     nx AS (SELECT a, lead(a) OVER (PARTITION BY pfn ORDER BY ts, seq) AS na FROM ev)
	SELECT count(*) FROM nx WHERE a = 1 AND na = 1")
[ "$again" = 0 ] || fail "$again pfns allocated again while live"
reused=$(q r1.db "SELECT count(*) - count(DISTINCT pfn) FROM mm_page_alloc WHERE run_id = 1")
[ "$reused" -gt 0 ] || fail "reclaimed pfns are never used again"

# the replays: kswapd's frees dropped as reclaim, and the same results as without them
for r in 1 0; do
	"$MMREPLAY" compare -q -f csv "$T/r$r.db" >"$T/c$r.csv" || fail "compare reclaim=$r"
done
cmp -s "$T/c1.csv" "$T/c0.csv" || { diff "$T/c1.csv" "$T/c0.csv" >&2; fail "results differ"; }
dropped=$(q r1.db "SELECT value FROM run_metrics WHERE run_id = 2
	AND name = 'workload.dropped_reclaim_frees'")
[ "${dropped%.0}" = "$kf" ] || fail "the replay dropped $dropped reclaim frees, not $kf"
ok "the synthetic host's kswapd keeps it within its zone; replays drop its frees"
