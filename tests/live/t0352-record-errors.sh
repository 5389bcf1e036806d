#!/bin/sh
# tests/live/t0352-record-errors.sh - the recorder's failures are one clear line
# and leave nothing behind: output not writable, not root, tracefs not mounted
# (the message says how to mount it), unknown events (a warning when others
# remain, an error when none does), and a full disk (stop, keep what was committed,
# exit non-zero).
. "$MMR_SRC/tests/live/record-lib.sh"
top_state >"$T/top.before"
expect_fail 1 "cannot open '/nonexistent/x.db'" "$MMREPLAY" record -o /nonexistent/x.db -d 1
[ -z "$(ls "$TR/instances" | grep '^mmreplay-')" ] || sleep 1
expect_fail 1 "none of the requested events" "$MMREPLAY" record -o "$T/none.db" -e nosuchsystem:nosuchevent -d 1
expect_fail 2 "bad --buffer-kb" "$MMREPLAY" record -o "$T/x.db" --buffer-kb 0
expect_fail 2 "output store is required" "$MMREPLAY" record -d 1

# a missing event is a warning; the rest is recorded
"$MMREPLAY" record -q -o "$T/some.db" -e kmem:no_such_event,compaction -d 1 2>"$T/err" ||
	fail "record with one missing event failed"
grep -q "warning: event 'kmem:no_such_event' is not available" "$T/err" || fail "no warning for the missing event"
[ "$(q "$T/some.db" "SELECT value FROM host_facts WHERE key = 'events_missing'")" = kmem:no_such_event ] ||
	fail "the missing event is not in the run's facts"
[ "$(q "$T/some.db" "SELECT complete FROM runs")" = 1 ] || fail "run with a missing event incomplete"

# losses: a two-page buffer per CPU cannot hold the alloc stream of a page-cache
# write; the summary, the run's per-CPU counters and `info` all say so
"$MMREPLAY" record -o "$T/lossy.db" --buffer-kb 8 -- \
	dd if=/dev/zero of="$T/f" bs=1M count=64 status=none >"$T/out" 2>"$T/err" || fail "lossy record failed"
rm -f "$T/f"
grep -q "WARNING: run 1 lost [0-9]* events in the ring buffer" "$T/err" || { cat "$T/err" >&2; fail "no loss warning"; }
grep -q "nothing lost" "$T/out" && fail "a lossy run says nothing lost"
[ "$(q "$T/lossy.db" "SELECT sum(overrun) > 0 FROM run_cpu_stats")" = 1 ] || fail "no overrun stored"
"$MMREPLAY" info "$T/lossy.db" 2>&1 >/dev/null | grep -q "WARNING: run 1 lost events" || fail "info does not warn"
ok "losses are counted and reported"

if command -v setpriv >/dev/null; then
	expect_fail 1 "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MMREPLAY" record -o "$T/nobody.db" -d 1
	ok "not root"
fi

if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	# tracefs unmounted in a private mount namespace (debugfs too: it would automount it)
	unshare -m sh -c "umount -l $TR; umount -l /sys/kernel/debug 2>/dev/null;
		'$MMREPLAY' record -o '$T/nofs.db' -d 1" >"$T/out" 2>"$T/err"
	[ $? -eq 1 ] || fail "record without tracefs did not exit 1"
	grep -q "mount -t tracefs nodev /sys/kernel/tracing" "$T/err" || { cat "$T/err" >&2; fail "no mount hint"; }
	ok "tracefs not mounted"

	# a 3 MiB file system, filled within seconds by vmstat samples every 5 ms
	# (about 1 MB/s whatever else the machine does): commits succeed, then fail
	mkdir "$T/small"
	unshare -m sh -c "mount -t tmpfs -o size=3m none '$T/small' &&
		'$MMREPLAY' record -q -o '$T/small/full.db' -e compaction --sample-ms 5 -d 60 \
			2>'$T/err';
		echo \$? >'$T/rc';
		sqlite3 '$T/small/full.db' 'PRAGMA integrity_check; SELECT complete FROM runs;
			SELECT count(DISTINCT ts) > 100 FROM vmstat_samples' >'$T/check'"
	[ "$(cat "$T/rc")" = 1 ] || { cat "$T/err" >&2; fail "a full disk did not make record exit 1"; }
	grep -q "disk full" "$T/err" || { cat "$T/err" >&2; fail "no 'disk full' message"; }
	[ "$(cat "$T/check" | tr '\n' ' ')" = "ok 0 1 " ] ||
		fail "after a full disk: $(cat "$T/check" | tr '\n' ' ') (want a valid store, run incomplete, samples kept)"
	ok "disk full"
fi
top_state >"$T/top.after"
diff "$T/top.before" "$T/top.after" >&2 || fail "the top-level tracing state changed"
sleep 0.5
[ -z "$(ls "$TR/instances" | grep "^mmreplay-" | while read -r i; do
	[ -d "/proc/${i#mmreplay-}" ] || echo "$i"; done)" ] || fail "an instance of a finished recorder is left"
ok "record errors"
