#!/bin/sh
# tests/cli/t0700-spb-stuck.sh - superpageblock patch 43/45 on the spb-stuck scenario:
# without the allocator-path defrag triggers (policy spb) the tainted SPB stalls at
# free=0 and later unmovable allocations taint clean SPBs via PASS_3; with them
# (spb_p43) the defrag worker runs and fewer clean SPBs get tainted. Prints both.
. "$MMR_SRC/tests/cli/lib.sh"
db="$T/db"
"$MMREPLAY" synth -q --scenario spb-stuck -o "$db" || fail synth
"$MMREPLAY" replay -q "$db" --policy spb 2>"$T/warn" || { cat "$T/warn" >&2; fail "replay spb"; }
"$MMREPLAY" replay -q "$db" --policy spb_p43 2>>"$T/warn" || fail "replay spb_p43"
metric() {
	v=$("$MMREPLAY" query -f csv "$db" "SELECT value FROM run_metrics r JOIN runs u
		ON u.run_id = r.run_id WHERE u.policy = '$1' AND r.name = '$2'" | tail -n +2)
	[ -n "$v" ] || fail "no metric $2 for $1"
	echo "${v%.0}"
}
spb=$(metric spb spb.pass3_tainted)
p43=$(metric spb_p43 spb.pass3_tainted)
echo "clean SPBs tainted by PASS_3: spb $spb, spb_p43 $p43"
echo "defrag runs: spb $(metric spb spb.defrag_runs), spb_p43 $(metric spb_p43 spb.defrag_runs)"
[ "$spb" -gt "$p43" ] || fail "spb tainted $spb clean SPBs via PASS_3, spb_p43 $p43: expected more"
# the only trigger spb has is a bucket change; the tainted SPB got none while stuck
[ "$(metric spb spb.defrag_queued.list)" -eq "$(metric spb spb.defrag_runs)" ] ||
	fail "spb ran its worker from something else than a bucket change"
[ "$(metric spb spb.defrag_queued.hot)" -eq 0 ] || fail "spb used a patch-43 trigger"
[ "$(metric spb_p43 spb.defrag_queued.hot)" -gt 0 ] || fail "spb_p43 never used the hot trigger"
# the samples of schema 0003 are stored, and their last row matches the end metrics
last=$("$MMREPLAY" query -f csv "$db" "SELECT s.tainted FROM spb_samples s JOIN runs u
	ON u.run_id = s.run_id WHERE u.policy = 'spb' ORDER BY s.ts DESC, s.rowid DESC LIMIT 1" |
	tail -n +2)
[ "$last" = "$(metric spb spb.tainted_end)" ] || fail "last sample $last != spb.tainted_end"
# a vanilla replay of the same run reports no spb.* metrics
"$MMREPLAY" replay -q "$db" --policy vanilla || fail "replay vanilla"
n=$("$MMREPLAY" query -f csv "$db" "SELECT count(*) FROM run_metrics r JOIN runs u ON
	u.run_id = r.run_id WHERE u.policy = 'vanilla' AND r.name LIKE 'spb.%'" | tail -n +2)
[ "$n" -eq 0 ] || fail "vanilla reported $n spb metrics"
ok "spb-stuck: spb $spb > spb_p43 $p43"
