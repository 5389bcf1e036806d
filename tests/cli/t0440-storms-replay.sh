#!/bin/sh
# tests/cli/t0440-storms-replay.sh - storms treats a replayed run like a recording:
# its derived totals agree with its own raw rows, its gfp bits and task names come
# from the source run, and a comparison of runs is one query.
. "$MMR_SRC/tests/cli/lib.sh"
db=$T/r.db
"$MMREPLAY" import -q "$MMR_SAMPLES/defrag-mode-1.dat" -o "$db" || fail import
"$MMREPLAY" replay -q --policy defrag_mode --no-derive "$db" 2>/dev/null || fail replay
rep=$(sqlite3 "$db" "SELECT max(run_id) FROM runs WHERE kind = 'replay'")
[ -n "$rep" ] || fail "no replay run"
"$MMREPLAY" storms --min-len 100ms -f csv "$db" >"$T/csv" || fail storms
q() { sqlite3 "$db" "$1"; }
R="run_id = $rep"
[ "$(q "SELECT gfp_source FROM storm_runs WHERE $R")" = parent ] || fail "gfp bits not from the parent"
for pair in \
	"SELECT count(*) FROM reclaim_episodes WHERE $R AND kind = 'direct' AND open != 2|SELECT count(*) FROM mm_vmscan_direct_reclaim_begin WHERE $R" \
	"SELECT sum(dr_pages) FROM storm_timeline WHERE $R|SELECT coalesce(sum(nr_reclaimed), 0) FROM mm_vmscan_direct_reclaim_end WHERE $R" \
	"SELECT count(*) FROM compaction_stalls WHERE $R|SELECT count(*) FROM mm_compaction_try_to_compact_pages WHERE $R" \
	"SELECT sum(fragmenting) FROM storm_timeline WHERE $R|SELECT count(*) FROM mm_page_alloc_extfrag WHERE $R AND fallback_order < 9" \
	"SELECT sum(allocs_unmovable + allocs_movable + allocs_reclaimable + allocs_other) FROM storm_timeline WHERE $R|SELECT count(*) FROM mm_page_alloc WHERE $R"; do
	a=$(q "${pair%|*}"); b=$(q "${pair#*|}")
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "replay: '${pair%|*}' = $a, raw $b"
done
[ "$(q "SELECT count(*) FROM mm_vmscan_direct_reclaim_begin WHERE $R")" -gt 0 ] ||
	fail "the replay has no direct reclaim: nothing was compared"
if [ "$(q "SELECT count(*) FROM storm_tasks WHERE $R")" -gt 0 ]; then
	[ "$(q "SELECT count(*) FROM storm_tasks WHERE $R AND comm IS NULL")" -eq 0 ] ||
		fail "replay top tasks lack the source run's names"
fi
"$MMREPLAY" query -f csv "$db" - <"$MMR_SRC/samples/queries/storms-by-run.sql" >"$T/cmp" || fail compare
[ "$(($(wc -l <"$T/cmp") - 1))" -eq 2 ] || fail "storms-by-run: not one row per run"
ok "a replay's storms tables agree with its rows"

# a replay that derives inside its own transaction writes what storms would
"$MMREPLAY" replay -q --policy defrag_mode "$db" 2>/dev/null || fail "replay with derive"
rep2=$(q "SELECT max(run_id) FROM runs")
[ "$(q "SELECT count(*) FROM storm_runs WHERE run_id = $rep2")" -eq 1 ] || fail "the replay did not derive"
storms_dump "$db" "$rep2" >"$T/by-replay"
"$MMREPLAY" storms --rederive --run "$rep2" -f csv "$db" >/dev/null || fail "storms --rederive"
storms_dump "$db" "$rep2" >"$T/by-storms"
[ -s "$T/by-replay" ] && cmp -s "$T/by-replay" "$T/by-storms" || fail "replay and storms derive differently"
ok "derivation inside a replay's transaction equals a standalone one"

# ... and so does one into another store (loaded in bulk, its events written by a
# thread of their own, its allocations counted as they are written)
out=$T/out.db
"$MMREPLAY" replay -q --policy defrag_mode -o "$out" "$db" 2>/dev/null || fail "replay -o"
[ "$(sqlite3 "$out" "PRAGMA journal_mode")" = wal ] || fail "the output store is not back in WAL"
[ "$(sqlite3 "$out" "SELECT sum(allocs_unmovable + allocs_movable + allocs_reclaimable +
	allocs_other) FROM storm_timeline")" = "$(sqlite3 "$out" "SELECT count(*) FROM mm_page_alloc")" ] ||
	fail "the timeline's allocations are not the stored ones"
storms_dump "$out" >"$T/by-replay-o"
"$MMREPLAY" storms --rederive -f csv "$out" >/dev/null || fail "storms --rederive (-o)"
storms_dump "$out" >"$T/by-storms-o"
[ -s "$T/by-replay-o" ] && cmp -s "$T/by-replay-o" "$T/by-storms-o" ||
	fail "replay -o and storms derive differently"
ok "a replay into another store derives as storms does"
