#!/bin/sh
# tests/cli/t0300-info.sh - `info` shows runs, events per type with the right
# counts, host facts, and warns loudly (stderr) for a run that lost events.
. "$MMR_SRC/tests/cli/lib.sh"
"$MMREPLAY" import -q "$MMR_TESTDATA/lossless-v7z.dat" "$MMR_TESTDATA/lossy-v7z.dat" -o "$T/db" ||
	fail import
"$MMREPLAY" info "$T/db" >"$T/out" 2>"$T/err" || fail "info exited $?"
for s in runs events "ring buffer" "host facts"; do
	grep -qx "$s" "$T/out" || fail "no '$s' section"
done
n=$(sqlite3 "$T/db" "SELECT count(*) FROM mm_page_pcpu_drain WHERE run_id = 1")
grep -Eq "^ +1 +kmem:mm_page_pcpu_drain +$n " "$T/out" || fail "pcpu_drain count $n not shown"
grep -q "uname" "$T/out" || fail "no uname fact"
grep -q "WARNING: run 2 lost events" "$T/err" || fail "no loss warning for run 2"
grep -q "WARNING: run 1" "$T/err" && fail "loss warning for the lossless run 1"
"$MMREPLAY" info -r 1 "$T/db" >"$T/one" 2>"$T/err1" || fail "info -r 1"
[ -s "$T/err1" ] && fail "info -r 1 warned about run 2"
"$MMREPLAY" info -f json "$T/db" >"$T/json" 2>/dev/null || fail "info json"
sqlite3 :memory: "SELECT json_valid(readfile('$T/json'))" | grep -qx 1 || fail "info json is not valid JSON"
expect_fail 1 "no such run" "$MMREPLAY" info -r 9 "$T/db"
ok "info"
