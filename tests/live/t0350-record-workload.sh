#!/bin/sh
# tests/live/t0350-record-workload.sh - `mmreplay record -- WORKLOAD` on this kernel:
# compaction events, reclaim events (under a memory cgroup limit), the alloc
# stream, start/end snapshots with sane zones, vmstat/PSI samples and sysctl facts
# arrive; the run is complete, its event count matches the rows, per-CPU loss
# counters are stored; the top-level tracing state is exactly as before and the
# recorder's instance is gone.
. "$MMR_SRC/tests/live/record-lib.sh"
top_state >"$T/top.before"
db=$T/rec.db
"$MMREPLAY" record -o "$db" --sample-ms 250 -- \
	sh -c ". '$MMR_SRC/tests/live/record-workload.sh'; W='$T'; workload" >"$T/out" 2>"$T/err" &
rec=$!
wait $rec || { cat "$T/err" >&2; fail "record exited $?"; }
instance_gone $rec || fail "instance mmreplay-$rec is still there"
top_state >"$T/top.after"
diff "$T/top.before" "$T/top.after" >&2 || fail "the top-level tracing state changed"
grep -q "nothing lost" "$T/out" || cat "$T/out" "$T/err" >&2

[ "$(q "$db" "PRAGMA integrity_check")" = ok ] || fail "damaged store"
[ "$(q "$db" "SELECT kind || ' ' || complete FROM runs")" = "record 1" ] || fail "run not complete"
n=0
for t in $(q "$db" "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%seq%INTEGER%'"); do
	n=$((n + $(q "$db" "SELECT count(*) FROM $t")))
done
[ "$(q "$db" "SELECT nr_events FROM runs")" -eq "$n" ] || fail "nr_events is not the number of rows ($n)"
for t in mm_page_alloc mm_page_free mm_compaction_begin mm_compaction_end; do
	[ "$(q "$db" "SELECT count(*) FROM $t")" -gt 0 ] || fail "no $t events"
done
if [ -e "$T/hog-ran" ]; then
	r=$(q "$db" "SELECT (SELECT count(*) FROM mm_vmscan_memcg_reclaim_begin) +
		(SELECT count(*) FROM mm_vmscan_lru_shrink_inactive)")
	[ "$r" -gt 0 ] || fail "no reclaim events under the memory cgroup limit"
else
	echo "note: no memory cgroup controller: reclaim events not checked"
fi
# decoded values are plausible: orders within MAX_PAGE_ORDER, pfns positive
[ "$(q "$db" "SELECT count(*) FROM mm_page_alloc WHERE \"order\" NOT BETWEEN 0 AND 10 OR pfn = 0")" -eq 0 ] ||
	fail "implausible mm_page_alloc rows"
# events are stored in timestamp order across CPUs
inv=$(q "$db" "WITH u AS (SELECT ts, seq FROM mm_page_alloc UNION ALL SELECT ts, seq FROM mm_page_free
	UNION ALL SELECT ts, seq FROM mm_compaction_begin), o AS (SELECT ts, lag(ts) OVER (ORDER BY seq) AS p FROM u)
	SELECT count(*) FROM o WHERE ts < p")
[ "$inv" -eq 0 ] || fail "$inv events out of timestamp order"
for ph in start end; do
	[ "$(q "$db" "SELECT count(*) FROM zone_snapshots WHERE phase = '$ph' AND managed > 0 AND min < low AND low < high")" -gt 0 ] ||
		fail "no sane zone at $ph"
	[ "$(q "$db" "SELECT count(*) FROM free_area_snapshots WHERE phase = '$ph' AND migratetype = 'Movable'")" -gt 0 ] ||
		fail "no free areas at $ph"
	[ "$(q "$db" "SELECT count(*) FROM snapshots WHERE phase = '$ph' AND source = '/proc/zoneinfo'")" -eq 1 ] ||
		fail "no raw zoneinfo at $ph"
done
# snapshots and samples are on the events' clock: inside or at the edges of the run
[ "$(q "$db" "SELECT count(DISTINCT ts) FROM vmstat_samples")" -ge 3 ] || fail "too few vmstat samples"
[ "$(q "$db" "SELECT count(*) FROM vmstat_samples v, runs r WHERE v.ts < r.start_ts - 5e9 OR v.ts > r.end_ts + 5e9")" -eq 0 ] ||
	fail "vmstat samples far outside the run: not on the event clock"
[ -e /proc/pressure/memory ] && { [ "$(q "$db" "SELECT count(*) FROM psi_samples")" -ge 2 ] || fail "no PSI samples"; }
want=$(cat /proc/sys/vm/min_free_kbytes)
[ "$(q "$db" "SELECT value FROM host_facts WHERE key = 'sysctl.vm.min_free_kbytes'")" = "$want" ] ||
	fail "sysctl facts missing"
for k in uname page_size pageblock_order events_enabled; do
	[ -n "$(q "$db" "SELECT value FROM host_facts WHERE key = '$k'")" ] || fail "no host fact $k"
done
[ "$(q "$db" "SELECT count(*) FROM run_cpu_stats WHERE overrun >= 0")" -eq "$(getconf _NPROCESSORS_CONF)" ] ||
	fail "per-CPU loss counters missing"
[ "$(q "$db" "SELECT count(*) FROM gfp_flags")" -gt 0 ] || fail "no gfp flag names"
ok "record a workload"
