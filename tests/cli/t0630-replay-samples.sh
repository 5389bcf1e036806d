#!/bin/sh
# tests/cli/t0630-replay-samples.sh - the bundled recordings replay under every
# policy, with their host snapshots as the starting state; each replay makes every
# recorded request; and the fidelity report (compare --with-recorded) of the
# defrag_mode=0 recording is printed.
. "$MMR_SRC/tests/cli/lib.sh"
db="$T/s.db"
"$MMREPLAY" import -q "$MMR_SAMPLES/defrag-mode-0.dat" "$MMR_SAMPLES/defrag-mode-1.dat" -o "$db" ||
	fail import
[ "$(sqlite3 "$db" "SELECT count(*) FROM zone_snapshots WHERE phase = 'start'")" -gt 0 ] ||
	fail "the samples' host snapshots were not imported"
policies=$("$MMREPLAY" replay --list | awk '{ print $1 }')
echo "$policies" | grep -qx spb_p43 || echo "note: no SPB policies in this build"
for run in 1 2; do
	allocs=$(sqlite3 "$db" "SELECT count(*) FROM mm_page_alloc WHERE run_id = $run")
	for p in $policies; do
		"$MMREPLAY" replay -q "$db" --run "$run" --policy "$p" --no-alloc-stream 2>"$T/err" ||
			{ cat "$T/err"; fail "replay of run $run under $p"; }
		id=$(sqlite3 "$db" "SELECT max(run_id) FROM runs")
		got=$(sqlite3 "$db" "SELECT CAST(value AS INTEGER) FROM run_metrics
			WHERE run_id = $id AND name = 'alloc.requests'")
		[ "$got" = "$allocs" ] || fail "run $run under $p: $got requests, recorded $allocs"
		policy=$(sqlite3 "$db" "SELECT policy || ' ' || parent_run || ' ' || kind FROM runs WHERE run_id = $id")
		[ "$policy" = "$p $run replay" ] || fail "replay run $id is described as '$policy'"
	done
	echo "run $run: $allocs requests replayed under $(echo $policies | wc -w) policies"
done

# the fidelity report: vanilla on the defrag_mode=0 recording, beside the recording
"$MMREPLAY" compare "$db" --run 1 -P vanilla --with-recorded -f csv >"$T/fid.csv" ||
	fail "compare --with-recorded"
cat "$T/fid.csv"
head -1 "$T/fid.csv" | grep -qx 'metric,vanilla,recorded,ratio' || fail "fidelity columns"
for m in "fallbacks" "direct reclaim entries" "direct compaction calls" "compaction stalls"; do
	grep -q "^$m," "$T/fid.csv" || fail "no '$m' row"
done
rec=$(awk -F, '$1 == "allocation requests" { print $3 }' "$T/fid.csv")
[ "$rec" = "$(sqlite3 "$db" "SELECT count(*) FROM mm_page_alloc WHERE run_id = 1")" ] ||
	fail "the recorded column is not the recording's"
ok "samples replay under every policy; fidelity report printed"
