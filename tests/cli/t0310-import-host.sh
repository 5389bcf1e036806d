#!/bin/sh
# tests/cli/t0310-import-host.sh - `import` loads FILE.host/{start,end}/ next to a
# sample into the same run (zone sizes and watermarks, free areas per type and
# order, pageblocks, vmstat/PSI, sysctls) at the run's first/last event ts;
# --no-host and --host-dir, and a bad host dir leaves the store unchanged.
. "$MMR_SRC/tests/cli/lib.sh"
dat=$MMR_SAMPLES/defrag-mode-0.dat
"$MMREPLAY" import -q "$dat" -o "$T/db" || fail "import"
q() { sqlite3 "$T/db" "$1"; }
for ph in start end; do
	n=$(q "SELECT count(*) FROM zone_snapshots WHERE run_id = 1 AND phase = '$ph' AND managed > 0")
	[ "$n" -gt 0 ] || fail "no populated zone at $ph"
	bad=$(q "SELECT count(*) FROM zone_snapshots WHERE run_id = 1 AND phase = '$ph' AND managed > 0
		AND NOT (min < low AND low < high AND managed <= present AND present <= spanned)")
	[ "$bad" -eq 0 ] || fail "$bad zones at $ph with insane sizes or watermarks"
	n=$(q "SELECT count(*) FROM free_area_snapshots WHERE run_id = 1 AND phase = '$ph' AND migratetype = 'Movable'")
	[ "$n" -gt 0 ] || fail "no Movable free areas at $ph"
done
# per-type free pages of pagetypeinfo add up to buddyinfo's, zone by zone (same snapshot)
diff=$(q "SELECT count(*) FROM (SELECT zone, phase, sum(CASE WHEN migratetype = 'all' THEN nr_free << \"order\" ELSE 0 END) AS a,
	sum(CASE WHEN migratetype <> 'all' THEN nr_free << \"order\" ELSE 0 END) AS t
	FROM free_area_snapshots WHERE run_id = 1 GROUP BY zone, phase) WHERE abs(a - t) > a / 10 + 64")
[ "$diff" -eq 0 ] || fail "pagetypeinfo and buddyinfo disagree on $diff zones"
# the zone's free pages in zoneinfo match the buddy lists' pages within a few percent
want=$(awk '/^Node/ { z = $4 } $1 == "pages" && $2 == "free" && z == "Normal" { print $3 }' \
	"$MMR_SAMPLES/defrag-mode-0.host/start/zoneinfo")
got=$(q "SELECT free FROM zone_snapshots WHERE run_id = 1 AND phase = 'start' AND zone = 'Normal'")
[ "$got" = "$want" ] || fail "Normal free pages $got, file says $want"
n=$(q "SELECT nr_blocks FROM pageblock_snapshots WHERE run_id = 1 AND phase = 'start' AND zone = 'Normal' AND migratetype = 'Movable'")
want=$(awk '/^Number of blocks/ { b = 1; next } b && $4 == "Normal" { print $6 }' \
	"$MMR_SAMPLES/defrag-mode-0.host/start/pagetypeinfo")
[ "$n" = "$want" ] || fail "Normal Movable pageblocks $n, file says $want"
q "SELECT value FROM host_facts WHERE run_id = 1 AND key = 'sysctl.vm.defrag_mode'" | grep -qx 0 ||
	fail "no defrag_mode sysctl fact"
q "SELECT value FROM host_facts WHERE run_id = 1 AND key = 'pageblock_order'" | grep -qx 9 ||
	fail "no pageblock_order fact"
ts=$(q "SELECT (SELECT min(ts) FROM snapshots WHERE run_id = 1 AND phase = 'start') = start_ts AND
	(SELECT max(ts) FROM snapshots WHERE run_id = 1 AND phase = 'end') = end_ts FROM runs WHERE run_id = 1")
[ "$ts" = 1 ] || fail "snapshot ts are not the run's first/last event ts"
[ "$(q "SELECT count(DISTINCT ts) FROM vmstat_samples WHERE run_id = 1")" = 2 ] || fail "vmstat samples"
[ "$(q "SELECT count(*) FROM psi_samples WHERE run_id = 1 AND some_total > 0")" = 2 ] || fail "psi samples"

# the options, on a small trace (2448 events) with a copy of the host directory
cp "$MMR_TESTDATA/lossy-v7z.dat" "$T/copy.dat"
cp -r "$MMR_SAMPLES/defrag-mode-0.host" "$T/copy.host"
"$MMREPLAY" import -q --no-host "$T/copy.dat" -o "$T/db" || fail "import --no-host"
[ "$(q "SELECT count(*) FROM snapshots WHERE run_id = 2")" = 0 ] || fail "--no-host loaded snapshots"
rm -r "$T/copy.host"
"$MMREPLAY" import -q --host-dir "$MMR_SAMPLES/defrag-mode-1.host" "$T/copy.dat" -o "$T/db" ||
	fail "import --host-dir"
[ "$(q "SELECT value FROM host_facts WHERE run_id = 3 AND key = 'sysctl.vm.defrag_mode'")" = 1 ] ||
	fail "--host-dir did not load defrag-mode-1's sysctls"
# a bad host dir fails the whole import and leaves the store as it was
db_dump "$T/db" >"$T/before"
expect_fail 1 "no start/ or end/" "$MMREPLAY" import -q --host-dir "$T" "$T/copy.dat" -o "$T/db"
mkdir -p "$T/bad.host/start"
mkdir "$T/bad.host/start/zoneinfo"
cp "$T/copy.dat" "$T/bad.dat"
expect_fail 1 "zoneinfo" "$MMREPLAY" import -q "$T/copy.dat" "$T/bad.dat" -o "$T/db"
db_dump "$T/db" >"$T/after"
cmp -s "$T/before" "$T/after" || fail "a failed import changed the store"
expect_fail 2 "exactly one" "$MMREPLAY" import --host-dir "$T" "$T/copy.dat" "$T/copy.dat" -o "$T/db"
ok "import with host snapshots"
