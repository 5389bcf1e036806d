#!/bin/sh
# tests/cli/t0650-replay-owner-ids.sh - with --owner-ids N a replay reuses the ids of
# owners that neither the workload nor the model holds any more, once N are taken,
# so that the model's owner table follows the owners live at once rather than the
# allocations of the whole recording; by default once the model's pages (65536 for
# this 256 MiB zone) are taken; and the results are those of a replay that takes a
# new id for every allocation, read in a second thread or in one.
. "$MMR_SRC/tests/cli/lib.sh"
db="$T/db"
"$MMREPLAY" synth -q --scenario steady -s seconds=1 -o "$db" || fail synth
# replay OPTS...: a replay of run 1, verbose; sets $a (allocations) and $i (owner ids)
replay() {
	"$MMREPLAY" replay -v "$db" --run 1 --policy vanilla --no-derive "$@" 2>"$T/err" >/dev/null ||
		{ cat "$T/err" >&2; fail "replay $*"; }
	a=$(sed -n 's/.*workload: \([0-9]*\) allocations.*/\1/p' "$T/err")
	i=$(sed -n 's/.*; \([0-9]*\) owner ids$/\1/p' "$T/err")
	[ -n "$a" ] && [ -n "$i" ] || { cat "$T/err" >&2; fail "no allocation or owner id count"; }
	echo "replay $*: $a allocations, $i owner ids"
}
replay --owner-ids 16777216					# run 2
[ "$a" -gt 70000 ] || fail "too small a workload ($a allocations)"
[ "$i" = "$a" ] || fail "$i owner ids for $a allocations without reuse"
replay --owner-ids 1000						# run 3
[ $((i * 4)) -lt "$a" ] || fail "$i owner ids for $a allocations: ids are not reused"
replay --owner-ids 1000 --one-thread				# run 4
[ $((i * 4)) -lt "$a" ] || fail "$i owner ids for $a allocations in one thread"
replay								# run 5
[ "$i" -lt "$a" ] && [ "$i" -ge 65536 ] ||
	fail "$i owner ids for $a allocations by default: not reused past the zone's pages"
expect_fail 2 "bad --owner-ids" "$MMREPLAY" replay "$db" --owner-ids 0

q() { sqlite3 "$db" "$1"; }
# same_as_run2 RUN...: the runs' tables equal run 2's, row for row
same_as_run2() {
	tables=$(q "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%seq%INTEGER%'
		AND name NOT IN ('runs')")
	for r in "$@"; do
		for t in $tables run_metrics; do
			cols=$(q "SELECT group_concat(quote(name), ',') FROM pragma_table_info('$t')
				WHERE name <> 'run_id'")
			n=$(q "SELECT count(*) FROM \"$t\" WHERE run_id = 2")
			m=$(q "SELECT count(*) FROM \"$t\" WHERE run_id = $r")
			d=$(q "SELECT count(*) FROM (SELECT $cols FROM \"$t\" WHERE run_id = 2 EXCEPT
				SELECT $cols FROM \"$t\" WHERE run_id = $r)")
			[ "$n" = "$m" ] && [ "$d" = 0 ] ||
				fail "table $t differs between runs 2 and $r ($n/$m rows, $d differ)"
		done
	done
}
same_as_run2 3 4 5

# a host whose memory (65536 pages) is in use at the start and reclaimed as the
# trace goes: the ids of the pre-existing owners the model reclaims are taken again
# too, so the workload needs few new ones (without that, 61646 past --owner-ids 1000)
db="$T/storm.db"
"$MMREPLAY" synth -q --scenario defrag-storm -s zone_mb=256 -s seconds=0.3 -o "$db" ||
	fail "synth defrag-storm"
replay --owner-ids 16777216					# run 2
[ "$i" = "$a" ] || fail "$i owner ids for $a allocations without reuse"
replay --owner-ids 1000						# run 3
[ "$i" -lt 6554 ] || fail "$i owner ids: the pre-existing owners' ids are not reused"
replay --owner-ids 1000 --one-thread				# run 4
[ "$i" -lt 6554 ] || fail "$i owner ids in one thread"
replay								# run 5
[ "$i" = 65536 ] || fail "$i owner ids by default (the minimum is 65536)"
same_as_run2 3 4 5
ok "owner ids are reused past --owner-ids and the zone's pages, with the same results"
