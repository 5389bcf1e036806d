#!/bin/sh
# tests/cli/t0120-import-append.sh - each file becomes one run; importing into an
# existing store appends runs and keeps the earlier ones intact; the run records
# its source, host, kernel, clock, CPUs, span and completeness.
. "$MMR_SRC/tests/cli/lib.sh"
a="$MMR_TESTDATA/lossy-v7z.dat"
b="$MMR_TESTDATA/lossless-v7z.dat"
"$MMREPLAY" import -q "$a" -o "$T/db" || fail "first import"
first=$(sqlite3 "$T/db" "SELECT count(*) FROM mm_page_alloc WHERE run_id = 1")
"$MMREPLAY" import "$b" "$a" -o "$T/db" >"$T/out" || fail "second import"
[ "$(grep -c '^run ' "$T/out")" -ge 2 ] || fail "no per-run summary"
[ "$(sqlite3 "$T/db" "SELECT group_concat(run_id) FROM runs")" = "1,2,3" ] || fail "runs are not 1,2,3"
[ "$(sqlite3 "$T/db" "SELECT count(*) FROM mm_page_alloc WHERE run_id = 1")" = "$first" ] ||
	fail "run 1 changed"
[ "$(sqlite3 "$T/db" "SELECT count(*) FROM mm_page_alloc WHERE run_id = 3")" = "$first" ] ||
	fail "run 3 (same file as run 1) differs"
sqlite3 "$T/db" "SELECT kind, host, kernel_release, clock, nr_cpus, complete, start_ts < end_ts,
	nr_events > 0 FROM runs WHERE run_id = 2" >"$T/r2"
grep -Eq '^import\|[^|]+\|[0-9][^|]*\|local\|2\|1\|1\|1$' "$T/r2" || { cat "$T/r2"; fail "run 2 metadata"; }
# seq numbers each run's stream from 0, without gaps, across all tables
sqlite3 "$T/db" "SELECT max(seq) + 1 = (SELECT nr_events FROM runs WHERE run_id = 2) FROM (
	SELECT seq FROM mm_page_pcpu_drain WHERE run_id = 2 UNION ALL
	SELECT seq FROM mm_compaction_finished WHERE run_id = 2 UNION ALL
	SELECT seq FROM mm_compaction_isolate_migratepages WHERE run_id = 2 UNION ALL
	SELECT seq FROM mm_page_alloc_zone_locked WHERE run_id = 2 UNION ALL
	SELECT seq FROM generic_events WHERE run_id = 2)" | grep -qx 1 || fail "seq"
# gfp flag names come from the trace's own print format
[ "$(sqlite3 "$T/db" "SELECT mask FROM gfp_flags WHERE run_id = 2 AND name = '__GFP_MOVABLE'")" = 8 ] ||
	fail "__GFP_MOVABLE is not 0x8 in run 2's gfp_flags"
[ "$(sqlite3 "$T/db" "SELECT count(*) FROM tasks WHERE run_id = 2 AND comm IS NOT NULL")" -gt 0 ] ||
	fail "no task names"
[ "$(sqlite3 "$T/db" "PRAGMA journal_mode")" = wal ] || fail "the store is not left in WAL mode"
ok "append, metadata, seq, gfp flags, tasks"
