#!/bin/sh
# tests/cli/t0620-replay-errors.sh - replay, compare and synth: usage errors exit 2,
# runtime errors exit 1, each with one line on stderr, and a failed or interrupted
# replay leaves the store as it was.
. "$MMR_SRC/tests/cli/lib.sh"
db="$T/db"
"$MMREPLAY" synth -q --scenario steady -s seconds=0.05 -o "$db" || fail synth

expect_fail 2 "unknown policy 'nonsense'" "$MMREPLAY" compare "$db" -P vanilla,nonsense
expect_fail 2 "at least one policy" "$MMREPLAY" compare "$db" -P ,
expect_fail 2 "give exactly one store" "$MMREPLAY" compare
expect_fail 2 "unknown format" "$MMREPLAY" compare -f xml "$db"
expect_fail 2 "bad run number" "$MMREPLAY" replay --run x "$db"
expect_fail 2 "with-recorded needs" "$MMREPLAY" compare "$db" --with-recorded -o "$T/other.db"
expect_fail 2 "unknown scenario|scenario" "$MMREPLAY" synth --scenario nonesuch -o "$T/s.db"
expect_fail 2 "not a number|key=value|parameter" "$MMREPLAY" synth --scenario steady -s zone_mb=abc -o "$T/s.db"
[ ! -e "$T/s.db" ] || fail "a refused synth created its output"

before=$(db_dump "$db")
expect_fail 1 "unknown policy 'nonsense'" "$MMREPLAY" replay "$db" --policy nonsense
expect_fail 1 "no run|run 99" "$MMREPLAY" replay "$db" --run 99
expect_fail 1 "parameter 'nokey'|key=value" "$MMREPLAY" replay "$db" -s nokey
expect_fail 1 "unknown model parameter" "$MMREPLAY" replay "$db" -s no.such.knob=1
expect_fail 1 "cannot open" "$MMREPLAY" compare "$T/missing.db"
[ "$(db_dump "$db")" = "$before" ] || fail "a failed replay changed the store"

# a run without an allocation stream cannot be replayed
"$MMREPLAY" import -q "$MMR_TESTDATA/lossy-v7z.dat" -o "$T/imp.db" || fail import
if [ "$(sqlite3 "$T/imp.db" 'SELECT count(*) FROM mm_page_alloc')" = 0 ]; then
	expect_fail 1 "no mm_page_alloc" "$MMREPLAY" replay "$T/imp.db"
fi

# SIGINT during a replay: exit non-zero, the store unchanged
"$MMREPLAY" synth -q --scenario defrag-storm -s seconds=0.5 -o "$T/big.db" || fail "synth big"
before=$(sqlite3 "$T/big.db" "SELECT count(*) FROM runs")
"$MMREPLAY" replay -q "$T/big.db" --policy defrag_mode &
pid=$!
sleep 1
kill -INT "$pid" 2>/dev/null
wait "$pid"
st=$?
after=$(sqlite3 "$T/big.db" "SELECT count(*) FROM runs")
if [ "$st" -ne 0 ]; then
	[ "$after" = "$before" ] || fail "an interrupted replay left a run behind"
	echo "interrupted replay: exit $st, runs $before -> $after"
else
	[ "$after" = $((before + 1)) ] || fail "a finished replay did not add one run"
	echo "the replay finished before the signal (exit 0)"
fi
sqlite3 "$T/big.db" "PRAGMA integrity_check" | grep -qx ok || fail "store damaged"
ok "replay, compare and synth errors"
