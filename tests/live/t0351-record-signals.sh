#!/bin/sh
# tests/live/t0351-record-signals.sh - SIGINT and SIGTERM mid-run end the recording
# cleanly (exit 0, run complete, end snapshots); kill -9 leaves a valid store whose
# run is incomplete but holds what was committed (at most a second is lost), and
# the watchdog removes the instance anyway. A reader can query while it records.
. "$MMR_SRC/tests/live/record-lib.sh"
top_state >"$T/top.before"

for sig in INT TERM; do
	db=$T/$sig.db
	"$MMREPLAY" record -q -o "$db" >"$T/out" 2>"$T/err" &
	rec=$!
	sleep 1.5
	# WAL: a reader sees committed rows while the recorder writes
	n=$(q "$db" "SELECT count(*) FROM snapshots WHERE phase = 'start'")
	[ "$n" -gt 0 ] || fail "a reader sees no start snapshot while recording"
	kill -$sig $rec
	wait $rec || { cat "$T/err" >&2; fail "record exited $? on SIG$sig"; }
	instance_gone $rec || fail "instance left after SIG$sig"
	[ "$(q "$db" "PRAGMA integrity_check")" = ok ] || fail "damaged store after SIG$sig"
	[ "$(q "$db" "SELECT complete FROM runs")" = 1 ] || fail "run incomplete after SIG$sig"
	[ "$(q "$db" "SELECT count(*) FROM snapshots WHERE phase = 'end'")" -gt 0 ] ||
		fail "no end snapshot after SIG$sig"
	ok "SIG$sig ends the recording cleanly"
done

db=$T/kill.db
"$MMREPLAY" record -q -o "$db" --sample-ms 100 >"$T/out" 2>"$T/err" &
rec=$!
sleep 2.5
kill -9 $rec
wait $rec 2>/dev/null
instance_gone $rec || fail "the watchdog did not remove the instance after kill -9"
[ "$(q "$db" "PRAGMA integrity_check")" = ok ] || fail "damaged store after kill -9"
[ "$(q "$db" "SELECT complete FROM runs")" = 0 ] || fail "run marked complete after kill -9"
# committed every second: samples of at least the first second are there
[ "$(q "$db" "SELECT count(DISTINCT ts) FROM vmstat_samples")" -ge 5 ] || fail "nothing committed before kill -9"
[ "$(q "$db" "SELECT count(*) FROM snapshots WHERE phase = 'end'")" -eq 0 ] || fail "end snapshot after kill -9?"
"$MMREPLAY" info "$db" >"$T/info" 2>&1 || fail "info on the killed run"
grep -Eq "NO|incomplete" "$T/info" || fail "info does not show the run as incomplete"
top_state >"$T/top.after"
diff "$T/top.before" "$T/top.after" >&2 || fail "the top-level tracing state changed"
ok "kill -9 leaves a valid store with the run incomplete"
