#!/bin/sh
# tests/live/t0353-record-crosscheck.sh - the recorder against the reference path.
# While `mmreplay record` records a workload, a second instance set up by hand
# (same events, mono clock, large buffer) records the same tracepoint hits; it is
# then read with `trace-cmd extract -B` and `mmreplay import`. Within the
# recorder's span both runs must hold the same events: the same tables, the same
# number of rows per table, and for the alloc stream and compaction the very same
# rows (cpu, pid and every field; ts differ by the instances' own stamping).
# Skipped without trace-cmd.
. "$MMR_SRC/tests/live/record-lib.sh"
command -v trace-cmd >/dev/null || skip "needs trace-cmd"
command -v unshare >/dev/null || skip "needs unshare"
inst=mmr-xcheck-$$
I=$TR/instances/$inst
empty=$T/empty
: >"$empty"
trap '[ -d "$I" ] && rmdir "$I"; rm -rf "$T"' EXIT
mkdir "$I"
echo 0 >"$I/tracing_on"
echo 65536 >"$I/buffer_size_kb"
echo mono >"$I/trace_clock"
for e in kmem/mm_page_alloc kmem/mm_page_free kmem/mm_page_free_batched \
	 kmem/mm_page_alloc_zone_locked kmem/mm_page_pcpu_drain kmem/mm_page_alloc_extfrag \
	 compaction vmscan oom; do
	echo 1 >"$I/events/$e/enable"
done
echo 1 >"$I/tracing_on"
"$MMREPLAY" record -q -o "$T/rec.db" --buffer-kb 65536 -- sh -c ". '$MMR_SRC/tests/live/record-workload.sh'; W='$T';
	sync; echo 1 >/proc/sys/vm/compact_memory; memcg_hog 32 16;
	dd if=/dev/zero of='$T/file' bs=1M count=8 status=none; rm -f '$T/file'" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "record failed"; }
echo 0 >"$I/tracing_on"
unshare -m sh -c "mount --bind '$empty' /proc/kallsyms && trace-cmd extract -B '$inst' -o '$T/ref.dat'" \
	>"$T/tc.out" 2>&1 || { cat "$T/tc.out" >&2; fail "trace-cmd extract failed"; }
rmdir "$I"
"$MMREPLAY" import -q --no-host "$T/ref.dat" -o "$T/ref.db" || fail "import of the reference failed"

lost=$(q "$T/rec.db" "SELECT coalesce(sum(lost_events + max(overrun, 0) + max(dropped_events, 0)), 0) FROM run_cpu_stats")
rlost=$(q "$T/ref.db" "SELECT coalesce(sum(lost_events + max(overrun, 0) + max(dropped_events, 0)), 0) FROM run_cpu_stats")
[ "$lost" -eq 0 ] && [ "$rlost" -eq 0 ] || skip "events were lost ($lost recorder, $rlost reference): no exact comparison"
# each instance stamps its own copy of an event: the two ts differ by a few hundred
# ns, so the span leaves 1 ms at each edge, and rows are compared without ts
span=$(q "$T/rec.db" "SELECT (start_ts + 1000000) || ' AND ' || (end_ts - 1000000) FROM runs")
# an event within a few hundred ns of an edge can fall inside the span in one copy and
# outside in the other: every row of one side well inside the span (20 us in) must be
# in the other side's span widened by 20 us, both ways
inner=$(q "$T/rec.db" "SELECT (start_ts + 1020000) || ' AND ' || (end_ts - 1020000) FROM runs")
outer=$(q "$T/rec.db" "SELECT (start_ts + 980000) || ' AND ' || (end_ts - 980000) FROM runs")
tables=$(q "$T/rec.db" "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%seq%INTEGER%' AND name <> 'generic_events'")
checked=0
for t in $tables; do
	a=$(q "$T/rec.db" "SELECT count(*) FROM $t WHERE ts BETWEEN $span")
	b=$(q "$T/ref.db" "SELECT count(*) FROM $t WHERE ts BETWEEN $span")
	ai=$(q "$T/rec.db" "SELECT count(*) FROM $t WHERE ts BETWEEN $inner")
	ao=$(q "$T/rec.db" "SELECT count(*) FROM $t WHERE ts BETWEEN $outer")
	bi=$(q "$T/ref.db" "SELECT count(*) FROM $t WHERE ts BETWEEN $inner")
	bo=$(q "$T/ref.db" "SELECT count(*) FROM $t WHERE ts BETWEEN $outer")
	if [ "$ai" -gt "$bo" ] || [ "$bi" -gt "$ao" ]; then
		cols=$(q "$T/rec.db" "SELECT group_concat('\"' || name || '\"') FROM pragma_table_info('$t') WHERE name NOT IN ('run_id', 'seq', 'ts')")
		sqlite3 "$T/rec.db" "ATTACH '$T/ref.db' AS ref;
			SELECT 'recorder only', $cols FROM (SELECT $cols FROM main.$t WHERE ts BETWEEN $span
			EXCEPT SELECT $cols FROM ref.$t WHERE ts BETWEEN $span) LIMIT 5;
			SELECT 'reference only', $cols FROM (SELECT $cols FROM ref.$t WHERE ts BETWEEN $span
			EXCEPT SELECT $cols FROM main.$t WHERE ts BETWEEN $span) LIMIT 5;
			SELECT 'span', start_ts, end_ts FROM main.runs; SELECT 'ref span', start_ts, end_ts FROM ref.runs" >&2
		fail "$t: $a rows recorded, $b in the reference over the same span"
	fi
	[ "$a" -gt 0 ] && checked=$((checked + 1))
done
[ "$checked" -ge 4 ] || fail "only $checked event types seen: the workload did not run"
for t in mm_page_alloc mm_page_free mm_compaction_begin; do
	cols=$(q "$T/rec.db" "SELECT group_concat('\"' || name || '\"') FROM pragma_table_info('$t') WHERE name NOT IN ('run_id', 'seq', 'ts')")
	d=$(sqlite3 "$T/rec.db" "ATTACH '$T/ref.db' AS ref;
		SELECT count(*) FROM (SELECT $cols FROM main.$t WHERE ts BETWEEN $inner
		EXCEPT SELECT $cols FROM ref.$t WHERE ts BETWEEN $outer)")
	[ "$d" -eq 0 ] || fail "$t: $d recorded rows differ from the reference"
	[ "$(q "$T/rec.db" "SELECT count(*) FROM $t")" -gt 0 ] || fail "no $t rows to compare"
done
ok "record and extract+import agree on $checked event types"
