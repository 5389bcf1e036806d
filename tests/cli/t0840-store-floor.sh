#!/bin/sh
# tests/cli/t0840-store-floor.sh - bench/store-floor (the store floor of
# scripts/bench-bpf.sh) writes exactly the event rows of the run it reads, every
# typed table and generic_events, into a new store, and prints its figures.
. "$MMR_SRC/tests/cli/lib.sh"
FLOOR=$MMR_BUILD/bench/store-floor
[ -x "$FLOOR" ] || skip "no $FLOOR"
"$MMREPLAY" import -q "$MMR_TESTDATA/lossless-v7z.dat" "$MMR_TESTDATA/lossy-v7z.dat" -o "$T/src.db" ||
	fail import
"$FLOOR" -n 2 "$T/src.db" "$T/new.db" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "store-floor exited $?"; }
n=$(sqlite3 "$T/src.db" "SELECT nr_events FROM runs WHERE run_id = 2")
grep -Eq "^events=$n cpu_s=[0-9.]+ user_s=-?[0-9.]+ sys_s=[0-9.]+ us_per_event=[0-9.]+ commits=[0-9]+ passes=2 " \
	"$T/out" || { cat "$T/out" >&2; fail "figures line"; }
[ "$(sqlite3 "$T/new.db" "SELECT count(*), max(run_id), nr_events, complete FROM runs")" = "1|1|$n|1" ] ||
	fail "new store's run"
tables=$(sqlite3 "$T/src.db" "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
	WHERE m.type = 'table' AND p.name = 'ts' AND m.name IN (SELECT m2.name FROM sqlite_master m2
	JOIN pragma_table_info(m2.name) p2 WHERE p2.name = 'seq') ORDER BY 1")
[ -n "$tables" ] || fail "no event tables"
rows=0
for t in $tables; do
	# import writes in (ts, seq) order, so even seq agrees
	a=$(sqlite3 "$T/src.db" "SELECT * FROM \"$t\" WHERE run_id = 2 ORDER BY ts, seq" | cut -d'|' -f2-)
	b=$(sqlite3 "$T/new.db" "SELECT * FROM \"$t\" WHERE run_id = 1 ORDER BY ts, seq" | cut -d'|' -f2-)
	[ "$a" = "$b" ] || fail "rows of $t differ"
	rows=$((rows + $(sqlite3 "$T/new.db" "SELECT count(*) FROM \"$t\"")))
done
[ "$rows" -eq "$n" ] || fail "$rows event rows written, the run has $n"
"$FLOOR" -r 1 "$T/src.db" "$T/one.db" >"$T/out1" 2>&1 || fail "store-floor -r 1"
n1=$(sqlite3 "$T/src.db" "SELECT nr_events FROM runs WHERE run_id = 1")
grep -q "^events=$n1 " "$T/out1" || fail "-r 1 read another run"
"$FLOOR" "$T/src.db" "$T/new.db" >/dev/null 2>"$T/err" && fail "overwrote an existing store"
grep -q "exists" "$T/err" || fail "no message for an existing store"
"$FLOOR" "$T/src.db" >/dev/null 2>&1; [ $? -eq 2 ] || fail "usage error not 2"
ok "store-floor"
