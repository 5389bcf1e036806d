#!/bin/sh
# tests/cli/t0600-replay-consistency.sh - a replay stores one allocation per workload
# request and every event the model emitted, and the same replay twice gives the
# same tables (apart from the run id), whether the recording is read in a second
# thread (the default) or in the model's own (--one-thread).
. "$MMR_SRC/tests/cli/lib.sh"
db="$T/db"
"$MMREPLAY" synth -q --scenario thp-churn --seed 7 -s seconds=0.05 -o "$db" || fail synth
"$MMREPLAY" replay -q "$db" --policy defrag_mode || fail "replay 1"
"$MMREPLAY" replay -q "$db" --policy defrag_mode || fail "replay 2"
"$MMREPLAY" replay -q "$db" --policy defrag_mode --one-thread || fail "replay 3 (one thread)"
q() { sqlite3 "$db" "$1"; }

# allocation count: recorded requests = workload = model requests = stored rows
recorded=$(q "SELECT count(*) FROM mm_page_alloc WHERE run_id = 1")
workload=$(q "SELECT value FROM run_metrics WHERE run_id = 2 AND name = 'workload.allocs'")
model=$(q "SELECT value FROM run_metrics WHERE run_id = 2 AND name = 'alloc.requests'")
stored=$(q "SELECT count(*) FROM mm_page_alloc WHERE run_id = 2")
echo "allocations: recorded $recorded, workload ${workload%.0}, model ${model%.0}, stored $stored"
[ "$recorded" -gt 1000 ] || fail "too small a workload ($recorded)"
[ "${workload%.0}" = "$recorded" ] || fail "workload $workload != recorded $recorded"
[ "${model%.0}" = "$recorded" ] || fail "model requests $model != recorded $recorded"
# a request the model failed is stored as a failed mm_page_alloc too: one row per request
[ "$stored" = "$recorded" ] || fail "stored $stored != requests $recorded"

# every model event is stored: the run's event count equals the rows of its tables
tables=$(q "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%seq%INTEGER%'
	AND name NOT IN ('runs')")
sum=0
for t in $tables; do
	n=$(q "SELECT count(*) FROM \"$t\" WHERE run_id = 2") || fail "count $t"
	sum=$((sum + n))
done
nr_events=$(q "SELECT nr_events FROM runs WHERE run_id = 2")
[ "$sum" = "$nr_events" ] || fail "rows $sum != runs.nr_events $nr_events"
# ... and the counters agree with the rows
dr=$(q "SELECT count(*) FROM mm_vmscan_direct_reclaim_begin WHERE run_id = 2")
drm=$(q "SELECT value FROM run_metrics WHERE run_id = 2 AND name = 'reclaim.direct_entries'")
[ "$dr" = "${drm%.0}" ] || fail "direct reclaim rows $dr != model counter $drm"
cs=$(q "SELECT count(*) FROM mm_compaction_try_to_compact_pages WHERE run_id = 2")
# a compaction stall is a try_to_compact_pages call that was not skipped, and ends in
# a success or a failure
csm=$(q "SELECT value FROM run_metrics WHERE run_id = 2 AND name = 'compact.stalls'")
cso=$(q "SELECT sum(value) FROM run_metrics WHERE run_id = 2 AND name IN ('compact.success', 'compact.fail')")
[ "$cs" -ge "${csm%.0}" ] || fail "compaction calls $cs < stalls $csm"
[ "$csm" = "$cso" ] || fail "compaction stalls $csm != successes + failures $cso"
echo "events: $nr_events stored, $dr direct reclaims, $cs direct compaction calls, ${csm%.0} stalls"

# determinism: runs 2, 3 and 4 (one thread) hold the same rows
for r in 3 4; do
	for t in $tables run_metrics; do
		a=$(q "SELECT count(*) FROM (SELECT * FROM \"$t\" WHERE run_id = 2)")
		cols=$(q "SELECT group_concat(quote(name), ',') FROM pragma_table_info('$t') WHERE name <> 'run_id'")
		d=$(q "SELECT count(*) FROM (SELECT $cols FROM \"$t\" WHERE run_id = 2 EXCEPT
			SELECT $cols FROM \"$t\" WHERE run_id = $r)")
		b=$(q "SELECT count(*) FROM \"$t\" WHERE run_id = $r")
		[ "$a" = "$b" ] && [ "$d" = 0 ] ||
			fail "table $t differs between runs 2 and $r ($a/$b rows, $d differ)"
	done
	p2=$(q "SELECT params FROM runs WHERE run_id = 2")
	pr=$(q "SELECT params FROM runs WHERE run_id = $r")
	[ "$p2" = "$pr" ] || fail "params differ between runs 2 and $r"
done
ok "replay consistency and determinism"
