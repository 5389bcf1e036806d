#!/bin/sh
# tests/cli/t0100-import-vs-report.sh - every event of a trace.dat is accounted for:
# per event type, the count, the count per CPU, first and last timestamp (ns) and a
# checksum of every field agree with what `trace-cmd report` says about the same file, for versions
# 6 and 7, compressed and not, with and without ring-buffer losses; and reading in
# segments of seven pages gives the same store.
. "$MMR_SRC/tests/cli/lib.sh"
command -v trace-cmd >/dev/null || skip "trace-cmd is not installed (scripts/setup.sh installs it)"
command -v perl >/dev/null || skip "perl is not installed"

M=1000003
files=""
for f in "$MMR_TESTDATA"/*.dat; do
	base=$(basename "$f" .dat)
	files="$files $f"
	# the same trace as v6 uncompressed and v7 uncompressed
	trace_cmd convert -i "$f" -o "$T/$base-as-v6.dat" --file-version 6 --compression none \
		>/dev/null 2>&1 || fail "trace-cmd convert to v6 failed for $f"
	trace_cmd convert -i "$f" -o "$T/$base-as-v7.dat" --file-version 7 --compression none \
		>/dev/null 2>&1 || fail "trace-cmd convert to v7 failed for $f"
	files="$files $T/$base-as-v6.dat $T/$base-as-v7.dat"
done

q() { "$MMREPLAY" query -f csv "$1" "$2" | tail -n +2; }

for f in $files; do
	db="$T/$(basename "$f").db"
	"$MMREPLAY" import -q "$f" -o "$db" || fail "import of $f failed"
	trace_cmd report -R -t "$f" 2>/dev/null | perl "$MMR_SRC/tests/cli/report-summary.pl" \
		>"$T/expected"

	# One query over every typed table: counts, first/last ts, and a checksum of
	# every integer column but the common ones; then the generic events' JSON.
	cols=$(q "$db" "SELECT m.name || ' ' || p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.sql LIKE '%extra%TEXT%' AND p.name NOT IN ('run_id','ts','seq','cpu','pid','extra') AND p.type = 'INTEGER' ORDER BY 1")
	sql=$(echo "$cols" | awk -v M=$M '
		{ t = $1; c = $2
		  if (!(t in seen)) { seen[t] = 1
		    printf "%sSELECT \"E %s \" || count(*) || \" \" || min(ts) || \" \" || max(ts) FROM %s HAVING count(*) > 0\n", (n++ ? "UNION ALL " : ""), t, t
		    printf "UNION ALL SELECT \"C %s \" || cpu || \" \" || count(*) FROM %s GROUP BY cpu\n", t, t }
		  printf "UNION ALL SELECT \"F %s %s \" || sum(((\"%s\" %% %d) + %d) %% %d) FROM %s WHERE \"%s\" IS NOT NULL HAVING count(*) > 0\n", t, c, c, M, M, M, t, c }')
	sql="$sql
UNION ALL SELECT 'E ' || name || ' ' || count(*) || ' ' || min(ts) || ' ' || max(ts) FROM generic_events GROUP BY name
UNION ALL SELECT 'C ' || name || ' ' || cpu || ' ' || count(*) FROM generic_events GROUP BY name, cpu
UNION ALL SELECT 'F ' || g.name || ' ' || j.key || ' ' || sum(((j.value % $M) + $M) % $M) FROM generic_events g, json_each(g.fields) j WHERE j.type = 'integer' GROUP BY g.name, j.key"
	echo "$sql" | "$MMREPLAY" query -f csv "$db" - | tail -n +2 >"$T/actual" ||
		fail "summary query failed on $db"
	sort "$T/actual" -o "$T/actual"
	sort "$T/expected" -o "$T/expected"
	[ -s "$T/expected" ] || fail "trace-cmd report gave nothing for $f"
	diff -u "$T/expected" "$T/actual" || fail "$f: store differs from trace-cmd report"

	# typed + generic = total, and the run records it
	total=$(awk '$1 == "E" { s += $3 } END { print s }' "$T/expected")
	stored=$(q "$db" "SELECT nr_events FROM runs")
	[ "$total" = "$stored" ] || fail "$f: runs.nr_events $stored, trace has $total events"
	ok "$(basename "$f"): $total events match trace-cmd report"

	# The reader reads in segments of some pages (forked processes that restart
	# where the last one stopped): seven pages a segment (less than a compressed
	# chunk of ten), the same store.
	MMR_READER_SEGMENT_PAGES=7 "$MMREPLAY" import -q "$f" -o "$db.seg" ||
		fail "import of $f in 7-page segments failed"
	sqlite3 "$db" .dump | grep -v '^INSERT INTO runs VALUES' >"$T/whole.sql"
	sqlite3 "$db.seg" .dump | grep -v '^INSERT INTO runs VALUES' >"$T/seg.sql"
	cmp -s "$T/whole.sql" "$T/seg.sql" || fail "$f: 7-page segments give another store"
done
