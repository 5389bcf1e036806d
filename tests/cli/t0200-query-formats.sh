#!/bin/sh
# tests/cli/t0200-query-formats.sh - `query` prints table, csv and json that agree
# with each other, reads SQL from stdin, refuses writes (read-only) and reports
# SQL errors in one line.
. "$MMR_SRC/tests/cli/lib.sh"
"$MMREPLAY" import -q "$MMR_TESTDATA/lossy-v7z.dat" -o "$T/db" || fail import
sql='SELECT "order", count(*) AS n, NULL AS missing, 0.5 AS half, '"'"'a,"b'"'"' AS s FROM mm_page_alloc GROUP BY "order" ORDER BY "order"'
"$MMREPLAY" query -f csv "$T/db" "$sql" >"$T/csv" || fail csv
"$MMREPLAY" query -f json "$T/db" "$sql" >"$T/json" || fail json
"$MMREPLAY" query -f table "$T/db" "$sql" >"$T/table" || fail table
head -1 "$T/csv" | grep -qx 'order,n,missing,half,s' || fail "csv header"
sed -n 2p "$T/csv" | grep -q ',,0.5,"a,""b"$' || { cat "$T/csv"; fail "csv quoting"; }
rows=$(($(wc -l <"$T/csv") - 1))
[ "$(grep -c '"order":' "$T/json")" -eq "$rows" ] || fail "json row count"
grep -q '"missing":null' "$T/json" || fail "json null"
grep -q '"s":"a,\\"b"' "$T/json" || fail "json string escaping"
[ "$(($(wc -l <"$T/table") - 2))" -eq "$rows" ] || fail "table row count"
sed -n 2p "$T/table" | grep -Eq '^-+  -+' || fail "table rule"
# the three agree on the numbers
total_csv=$(tail -n +2 "$T/csv" | awk -F, '{ s += $2 } END { print s }')
total_db=$(sqlite3 "$T/db" "SELECT count(*) FROM mm_page_alloc")
[ "$total_csv" = "$total_db" ] || fail "csv total $total_csv != $total_db"
echo "SELECT count(*) FROM runs;" | "$MMREPLAY" query -f csv "$T/db" - | tail -1 | grep -qx 1 ||
	fail "SQL from stdin"
expect_fail 1 "readonly|read-only" "$MMREPLAY" query "$T/db" "DELETE FROM runs"
expect_fail 1 "no such table" "$MMREPLAY" query "$T/db" "SELECT * FROM nonesuch"
expect_fail 1 "one SQL statement" "$MMREPLAY" query "$T/db" "SELECT 1; SELECT 2"
expect_fail 2 "unknown format" "$MMREPLAY" query -f xml "$T/db" "SELECT 1"
expect_fail 1 "cannot open" "$MMREPLAY" query "$T/nope.db" "SELECT 1"
printf 'not a database at all, really not' >"$T/junk.db"
expect_fail 1 "not an mmreplay database|not a database" "$MMREPLAY" query "$T/junk.db" "SELECT 1"
# piping into a closed reader does not hang or crash
"$MMREPLAY" query -f csv "$T/db" "SELECT * FROM mm_page_free" | head -1 >/dev/null
ok "query formats and errors"
