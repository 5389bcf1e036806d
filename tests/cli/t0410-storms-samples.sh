#!/bin/sh
# tests/cli/t0410-storms-samples.sh - `storms` on the real samples: every derived
# total agrees with an independent query of the raw event tables; the three output
# formats agree; a rerun is idempotent and deterministic; thresholds move storms
# the way the definition says.
. "$MMR_SRC/tests/cli/lib.sh"
db=$T/s.db
"$MMREPLAY" import -q "$MMR_SAMPLES/defrag-mode-1.dat" "$MMR_SAMPLES/defrag-mode-0.dat" -o "$db" ||
	fail import
"$MMREPLAY" storms -f table "$db" >"$T/table" || fail "storms"
q() { sqlite3 "$db" "$1"; }
for run in 1 2; do
	# [what, derived, raw]
	check() {
		d=$(q "$2"); r=$(q "$3")
		[ -n "$d" ] && [ "$d" = "$r" ] || fail "run $run: $1: derived '$d' != raw '$r'"
	}
	R="run_id = $run"
	check "direct reclaim entries" \
		"SELECT count(*) FROM reclaim_episodes WHERE $R AND kind = 'direct' AND open != 2" \
		"SELECT count(*) FROM mm_vmscan_direct_reclaim_begin WHERE $R"
	check "timeline entries" "SELECT sum(dr_entries) FROM storm_timeline WHERE $R" \
		"SELECT count(*) FROM mm_vmscan_direct_reclaim_begin WHERE $R"
	check "pages reclaimed" "SELECT sum(dr_pages) FROM storm_timeline WHERE $R" \
		"SELECT coalesce(sum(nr_reclaimed), 0) FROM mm_vmscan_direct_reclaim_end WHERE $R"
	check "episode pages" "SELECT coalesce(sum(nr_reclaimed), 0) FROM reclaim_episodes WHERE $R AND kind = 'direct'" \
		"SELECT coalesce(sum(nr_reclaimed), 0) FROM mm_vmscan_direct_reclaim_end WHERE $R"
	# the kernel never nests direct reclaim: pair each begin with its pid's next end
	check "stall time" "SELECT sum(duration_ns) FROM reclaim_episodes WHERE $R AND kind = 'direct' AND open = 0" \
		"SELECT sum((SELECT min(e.ts) FROM mm_vmscan_direct_reclaim_end e WHERE e.run_id = b.run_id AND e.pid = b.pid AND e.ts >= b.ts) - b.ts) FROM mm_vmscan_direct_reclaim_begin b WHERE b.$R"
	check "timeline stall" "SELECT sum(dr_stall_ns) FROM storm_timeline WHERE $R" \
		"SELECT sum(duration_ns) FROM reclaim_episodes WHERE $R AND kind = 'direct'"
	check "compaction stalls" "SELECT sum(compact_stalls) FROM storm_timeline WHERE $R" \
		"SELECT count(*) FROM mm_compaction_try_to_compact_pages WHERE $R"
	check "compaction outcomes" "SELECT sum(compact_success) + sum(compact_fail) + (SELECT count(*) FROM compaction_stalls WHERE $R AND outcome = 'unknown') FROM storm_timeline WHERE $R" \
		"SELECT count(*) FROM mm_compaction_try_to_compact_pages WHERE $R"
	check "compaction runs" "SELECT count(*) FROM compaction_runs WHERE $R AND open != 2" \
		"SELECT count(*) FROM mm_compaction_begin WHERE $R"
	check "compaction ends" "SELECT count(*) FROM compaction_runs WHERE $R AND open != 1" \
		"SELECT count(*) FROM mm_compaction_end WHERE $R"
	check "extfrag" "SELECT sum(extfrag) FROM storm_timeline WHERE $R" \
		"SELECT count(*) FROM mm_page_alloc_extfrag WHERE $R"
	check "fragmenting" "SELECT sum(fragmenting) FROM storm_timeline WHERE $R" \
		"SELECT count(*) FROM mm_page_alloc_extfrag WHERE $R AND fallback_order < 9"
	check "allocations" "SELECT sum(allocs_unmovable + allocs_movable + allocs_reclaimable + allocs_other) FROM storm_timeline WHERE $R" \
		"SELECT count(*) FROM mm_page_alloc WHERE $R"
	check "movable allocations" "SELECT sum(allocs_movable) FROM storm_timeline WHERE $R" \
		"SELECT count(*) FROM mm_page_alloc WHERE $R AND migratetype = 1"
	check "failed allocations" "SELECT sum(allocs_failed) FROM storm_timeline WHERE $R" \
		"SELECT count(*) FROM mm_page_alloc WHERE $R AND pfn = -1"
	check "kswapd intervals" "SELECT count(*) FROM daemon_intervals WHERE $R AND daemon = 'kswapd' AND open = 0" \
		"SELECT count(*) FROM mm_vmscan_kswapd_sleep s WHERE s.$R AND EXISTS (SELECT 1 FROM mm_vmscan_kswapd_wake w WHERE w.run_id = s.run_id AND w.nid = s.nid AND w.ts <= s.ts AND w.ts > coalesce((SELECT max(p.ts) FROM mm_vmscan_kswapd_sleep p WHERE p.run_id = s.run_id AND p.nid = s.nid AND p.ts < s.ts), -1))"
	check "buckets" "SELECT count(*) FROM storm_timeline WHERE $R" \
		"SELECT (end_ts - start_ts + 99999999) / 100000000 FROM runs WHERE $R"
	check "gfp bits from the run" "SELECT gfp_source FROM storm_runs WHERE $R" "SELECT 'run'"
	# the summary line carries the same numbers
	n=$(q "SELECT count(*) FROM mm_vmscan_direct_reclaim_begin WHERE $R")
	c=$(q "SELECT count(*) FROM mm_compaction_try_to_compact_pages WHERE $R")
	grep -q "^run $run: .*direct reclaim $n entries.*compaction $c stalls" "$T/table" ||
		{ cat "$T/table"; fail "run $run: summary line lacks $n entries / $c stalls"; }
done
ok "derived totals agree with the raw tables"

# 0.2 s bursts: no storm at the 500 ms default, one per run at --min-len 100ms
[ "$(q 'SELECT count(*) FROM storms')" -eq 0 ] || fail "storms at the defaults"
"$MMREPLAY" storms --min-len 100ms -f csv "$db" >"$T/csv" || fail "storms --min-len"
[ "$(q 'SELECT count(*) FROM storms')" -ge 1 ] || fail "no storm at --min-len 100ms"
[ "$(($(wc -l <"$T/csv") - 1))" -eq "$(q 'SELECT count(*) FROM storms')" ] || fail "csv rows"
# a storm's DR entries are the episodes that began inside it
for s in $(q "SELECT run_id || ':' || storm FROM storms"); do
	r=${s%:*}; n=${s#*:}
	a=$(q "SELECT dr_entries FROM storms WHERE run_id = $r AND storm = $n")
	b=$(q "SELECT count(*) FROM mm_vmscan_direct_reclaim_begin b, storms s WHERE b.run_id = $r AND s.run_id = $r AND s.storm = $n AND b.ts >= s.start_ts AND b.ts < s.end_ts")
	[ "$a" = "$b" ] || fail "storm $s: $a entries, raw $b"
	col=$(awk -F, -v r="$r" -v n="$n" 'NR > 1 && $1 == r && $2 == n { print $5 }' "$T/csv")
	[ "$col" = "$a" ] || fail "storm $s: csv dr '$col' != $a"
done
"$MMREPLAY" storms --min-len 100ms -f json "$db" >"$T/json" || fail json
[ "$(grep -c '"storm":' "$T/json")" -eq "$(q 'SELECT count(*) FROM storms')" ] || fail "json rows"
# raising the entry floor above every storm's entries removes them all
max=$(q "SELECT max(dr_entries + compact_stalls) FROM storms")
"$MMREPLAY" storms --min-len 100ms --min-entries $((max + 1)) -f csv "$db" >/dev/null || fail rerun
[ "$(q 'SELECT count(*) FROM storms')" -eq 0 ] || fail "--min-entries above every storm left storms"
ok "thresholds and formats"

# deterministic and idempotent: the same options give the same rows, derived or not
"$MMREPLAY" storms --min-len 100ms -f csv "$db" >"$T/a" || fail
storms_dump "$db" >"$T/d1"
"$MMREPLAY" storms --min-len 100ms --rederive -f csv "$db" >"$T/b" || fail
storms_dump "$db" >"$T/d2"
cmp -s "$T/a" "$T/b" || fail "output changed on rederive"
cmp -s "$T/d1" "$T/d2" || fail "derived rows changed on rederive"
[ "$(q 'SELECT count(*) FROM storm_runs')" -eq 2 ] || fail "storm_runs rows"
# --summary and --tasks
"$MMREPLAY" storms --min-len 100ms --summary -f csv "$db" >"$T/sum" || fail summary
[ "$(sed -n 2p "$T/sum" | cut -d, -f7)" = "$(q 'SELECT count(*) FROM mm_vmscan_direct_reclaim_begin WHERE run_id = 1')" ] ||
	fail "summary dr column"
"$MMREPLAY" storms --min-len 100ms --tasks -f csv "$db" >"$T/tasks" || fail tasks
[ "$(($(wc -l <"$T/tasks") - 1))" -eq "$(q 'SELECT count(*) FROM storm_tasks')" ] || fail "tasks rows"
grep -q ',stress-ng' "$T/tasks" || fail "top tasks lack comm names"
ok "deterministic, summary, tasks"

# too many buckets is a one-line failure that leaves the derived tables as they were
expect_fail 1 "use longer buckets" "$MMREPLAY" storms --bucket 1us "$db"
storms_dump "$db" >"$T/d3"
cmp -s "$T/d2" "$T/d3" || fail "a failed storms changed the derived tables"
ok "failure leaves the tables"
