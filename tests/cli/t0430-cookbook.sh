#!/bin/sh
# tests/cli/t0430-cookbook.sh - every samples/queries/*.sql has a question in its
# header (its first lines), runs with `mmreplay query` and with the stock sqlite3 shell with the same
# output, and its numbers agree with independent queries of the raw event tables.
. "$MMR_SRC/tests/cli/lib.sh"
db=$T/s.db
"$MMREPLAY" import -q "$MMR_SAMPLES/defrag-mode-1.dat" "$MMR_SAMPLES/defrag-mode-0.dat" -o "$db" ||
	fail import
"$MMREPLAY" storms --min-len 100ms -f csv "$db" >/dev/null || fail storms
Q=$MMR_SRC/samples/queries
n=0
for f in "$Q"/*.sql; do
	b=$(basename "$f" .sql)
	head -1 "$f" | grep -q "^-- $b.sql: " || fail "$b: the header does not start with the file name"
	sed -n '1,3p' "$f" | grep '^--' | grep -q '?' || fail "$b: the header asks no question"
	"$MMREPLAY" query -f csv "$db" - <"$f" >"$T/$b.csv" 2>"$T/err" || { cat "$T/err"; fail "$b: mmreplay query"; }
	sqlite3 -csv -header "$db" <"$f" >"$T/$b.sq" 2>"$T/err" || { cat "$T/err"; fail "$b: sqlite3"; }
	[ ! -s "$T/err" ] || { cat "$T/err"; fail "$b: sqlite3 complained"; }
	if [ -s "$T/$b.sq" ]; then
		cmp -s "$T/$b.csv" "$T/$b.sq" || { diff "$T/$b.csv" "$T/$b.sq"; fail "$b: outputs differ"; }
	else
		[ "$(wc -l <"$T/$b.csv")" -eq 1 ] || fail "$b: sqlite3 printed nothing, mmreplay rows"
	fi
	n=$((n + 1))
done
[ "$n" -ge 8 ] || fail "only $n cookbook queries"
ok "$n queries run in both shells with the same output"

q() { sqlite3 "$db" "$1"; }
# col FILE NAME: the values of column NAME, one per line
col() { awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next } { print $c }' "$T/$1.csv"; }
sum() { col "$1" "$2" | awk '{ s += $1 } END { print s + 0 }'; }
eq() { [ "$2" = "$3" ] || fail "$1: cookbook '$2' != raw '$3'"; }

eq "stalls-by-migratetype entries" "$(sum stalls-by-migratetype entries)" \
	"$(q 'SELECT count(*) FROM mm_vmscan_direct_reclaim_begin')"
eq "stalls-by-migratetype pages" "$(sum stalls-by-migratetype pages)" \
	"$(q 'SELECT sum(nr_reclaimed) FROM mm_vmscan_direct_reclaim_end')"
eq "fallbacks-per-minute" "$(sum fallbacks-per-minute fallbacks)" \
	"$(q 'SELECT count(*) FROM mm_page_alloc_extfrag')"
eq "fallbacks-per-minute fragmenting" "$(sum fallbacks-per-minute fragmenting)" \
	"$(q 'SELECT count(*) FROM mm_page_alloc_extfrag WHERE fallback_order < 9')"
eq "fallbacks-per-minute ownership" "$(sum fallbacks-per-minute ownership_changes)" \
	"$(q 'SELECT sum(change_ownership) FROM mm_page_alloc_extfrag')"
eq "compaction-outcomes stalls" "$(sum compaction-outcomes stalls)" \
	"$(q 'SELECT count(*) FROM mm_compaction_try_to_compact_pages')"
eq "stall-per-second entries" "$(sum stall-per-second dr_entries)" \
	"$(q 'SELECT count(*) FROM mm_vmscan_direct_reclaim_begin')"
eq "stall-per-second fragmenting" "$(sum stall-per-second fragmenting)" \
	"$(q 'SELECT count(*) FROM mm_page_alloc_extfrag WHERE fallback_order < 9')"
eq "stall-per-second failed allocations" "$(sum stall-per-second allocs_failed)" \
	"$(q 'SELECT count(*) FROM mm_page_alloc WHERE pfn = -1')"
eq "reclaim-efficiency entries" "$(sum reclaim-efficiency entries)" \
	"$(q 'SELECT count(*) FROM mm_vmscan_direct_reclaim_begin')"
eq "reclaim-efficiency requested" "$(sum reclaim-efficiency pages_requested)" \
	"$(q 'SELECT sum(1 << "order") FROM mm_vmscan_direct_reclaim_begin')"
eq "daemon-activity kswapd wakes" "$(awk -F, 'NR > 1 && $2 == "kswapd" { s += $5 } END { print s + 0 }' "$T/daemon-activity.csv")" \
	"$(q 'SELECT count(*) FROM mm_vmscan_kswapd_wake')"
eq "storms-by-run storms" "$(sum storms-by-run storms)" "$(q 'SELECT count(*) FROM storms')"
eq "storms-with-oom kills" "$(($(wc -l <"$T/storms-with-oom.csv") - 1))" \
	"$(q 'SELECT count(*) FROM mark_victim v JOIN storms s ON s.run_id = v.run_id AND v.ts >= s.start_ts AND v.ts < s.end_ts')"
# the worst stall is the longest begin-to-next-end of a pid (direct reclaim never nests)
eq "worst-stalls top" "$(col worst-stalls stall_ms | head -1)" \
	"$(q 'SELECT round(max((SELECT min(e.ts) FROM mm_vmscan_direct_reclaim_end e WHERE e.run_id = b.run_id AND e.pid = b.pid AND e.ts >= b.ts) - b.ts) / 1e6, 3) FROM mm_vmscan_direct_reclaim_begin b')"
eq "worst-stalls rows" "$(($(wc -l <"$T/worst-stalls.csv") - 1))" \
	"$(q 'SELECT min(20, count(*)) FROM mm_vmscan_direct_reclaim_begin')"
eq "top-stalled-tasks reclaim entries" "$(sum top-stalled-tasks dr_entries)" \
	"$(q 'SELECT count(*) FROM mm_vmscan_direct_reclaim_begin WHERE pid IN (SELECT pid FROM mm_vmscan_direct_reclaim_begin GROUP BY run_id, pid ORDER BY count(*) DESC LIMIT 10)')"
ok "cookbook numbers agree with the raw tables"
