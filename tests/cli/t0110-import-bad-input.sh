#!/bin/sh
# tests/cli/t0110-import-bad-input.sh - a missing file, a file that is not a trace,
# an unknown version, a truncated file (v6 and v7), a file damaged inside its
# compressed data and a full disk each give exit status 1 and one line on stderr,
# and leave an existing store exactly as it was.
. "$MMR_SRC/tests/cli/lib.sh"
good="$MMR_TESTDATA/lossless-v7z.dat"
small="$MMR_TESTDATA/lossy-v7z.dat"

"$MMREPLAY" import -q "$small" -o "$T/db" || fail "importing the base run failed"
db_dump "$T/db" >"$T/before"

check_unchanged() {
	db_dump "$T/db" >"$T/after"
	cmp -s "$T/before" "$T/after" || fail "$1: the store changed"
	[ ! -e "$T/db-journal" ] || fail "$1: a rollback journal was left behind"
}

expect_fail 1 "cannot open .*nope.dat.*No such file" "$MMREPLAY" import "$T/nope.dat" -o "$T/db"
check_unchanged "missing file"
ok "missing file"

expect_fail 1 "is not a trace-cmd trace.dat file" "$MMREPLAY" import /etc/hostname -o "$T/db"
check_unchanged "not a trace"
ok "not a trace"

cp "$good" "$T/v9.dat"
printf '9' | dd of="$T/v9.dat" bs=1 seek=10 conv=notrunc status=none
expect_fail 1 "version 9 is not supported" "$MMREPLAY" import "$T/v9.dat" -o "$T/db"
check_unchanged "unknown version"
ok "unknown version"

# truncated at several points, v7 (zstd) and v6 (uncompressed, data read by mmap)
size=$(wc -c <"$good")
for pct in 5 30 60 95 99; do
	head -c $((size * pct / 100)) "$good" >"$T/cut.dat"
	expect_fail 1 "damaged|truncated" "$MMREPLAY" import "$T/cut.dat" -o "$T/db"
	check_unchanged "v7 cut at $pct%"
done
ok "truncated v7"
if command -v trace-cmd >/dev/null; then
	trace_cmd convert -i "$good" -o "$T/v6.dat" --file-version 6 --compression none \
		>/dev/null 2>&1 || fail "trace-cmd convert failed"
	size=$(wc -c <"$T/v6.dat")
	for pct in 5 30 60 95 99; do
		head -c $((size * pct / 100)) "$T/v6.dat" >"$T/cut.dat"
		expect_fail 1 "damaged|truncated" "$MMREPLAY" import "$T/cut.dat" -o "$T/db"
		check_unchanged "v6 cut at $pct%"
	done
	ok "truncated v6"
	# garbage inside uncompressed ring-buffer pages crashes libtraceevent's page
	# parser; the reader process contains it
	data_start=$((size * 80 / 100))
	cp "$T/v6.dat" "$T/bad6.dat"
	awk 'BEGIN { srand(7); for (i = 0; i < 65536; i++) printf "%c", int(rand() * 255) + 1 }' \
		>"$T/noise"
	dd if="$T/noise" of="$T/bad6.dat" bs=1 seek=$data_start conv=notrunc status=none
	"$MMREPLAY" import "$T/bad6.dat" -o "$T/db" >/dev/null 2>"$T/err"
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "garbage v6 pages: exit $rc (a crash?)"
	[ "$rc" -eq 1 ] && { [ "$(wc -l <"$T/err")" -eq 1 ] || fail "garbage v6: not one line"; }
	[ "$rc" -eq 1 ] && check_unchanged "garbage in v6 data"
	ok "garbage in v6 ring-buffer pages (exit $rc)"
fi

# damage inside the compressed CPU data: every event must be there, or an error
for off in 150000 220000 300000; do
	cp "$good" "$T/bad.dat"
	dd if=/dev/zero of="$T/bad.dat" bs=1 seek=$off count=4096 conv=notrunc status=none
	cp "$T/db" "$T/try.db"
	if "$MMREPLAY" import -q "$T/bad.dat" -o "$T/try.db" 2>"$T/err"; then
		n=$(sqlite3 "$T/try.db" "SELECT nr_events FROM runs WHERE run_id = 2")
		want=$(sqlite3 "$T/try.db" "SELECT sum(read_events) FROM run_cpu_stats WHERE run_id = 2")
		[ "$n" = "$want" ] || fail "damaged at $off: imported $n of $want events without an error"
	else
		[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "damaged at $off: not one line"; }
	fi
done
ok "damaged compressed data"

# a full disk: a small tmpfs holding the store (needs root to mount)
if [ "$(id -u)" -eq 0 ] && mkdir "$T/full" && mount -t tmpfs -o size=1200k tmpfs "$T/full" 2>/dev/null; then
	trap 'umount "$T/full" 2>/dev/null; rm -rf "$T"' EXIT
	cp "$T/db" "$T/full/db"
	expect_fail 1 "disk full|database or disk is full" "$MMREPLAY" import "$good" -o "$T/full/db"
	db_dump "$T/full/db" >"$T/after"
	cmp -s "$T/before" "$T/after" || fail "full disk: the store changed"
	ok "full disk"
else
	echo "# full-disk case skipped: needs root to mount a small tmpfs"
fi

# several files, the last one bad: none of them lands
expect_fail 1 "damaged|truncated" "$MMREPLAY" import "$good" "$small" "$T/cut.dat" -o "$T/db"
check_unchanged "three files, last bad"
ok "all or nothing over several files"
