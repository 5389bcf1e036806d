#!/bin/sh
# t0830: the in-kernel filters of `record --bpf` and their usage rules.
# Usage (no root needed): the filter options need --bpf, -e does not go with --bpf,
# zero or non-numbers are refused. Live: --bpf-min-order 2 leaves no page event
# below order 2 (and counts what it left out); --bpf-unmovable leaves no movable
# allocation; --bpf-sample 8 stores the rate on the run and keeps a block's alloc and
# free together (a kept free of a block whose alloc is in the run has its alloc kept);
# --no-alloc-stream stores no alloc or free at all; stalls are never filtered.
. "$(dirname "$0")/bpf-lib.sh"

usage() {	# usage PATTERN ARGS...: exit 2 with one error line (plus the hint)
	pat=$1; shift
	"$MMREPLAY" record "$@" > "$T/out" 2> "$T/err"
	rc=$?
	[ $rc -eq 2 ] || { cat "$T/err" >&2; fail "record $* exited $rc, expected 2"; }
	grep -Eq "$pat" "$T/err" || { cat "$T/err" >&2; fail "record $*: no '$pat'"; }
	[ ! -e "$T/u.db" ] || fail "record $* created the store"
}
usage "need --bpf" -o "$T/u.db" --bpf-sample 4
usage "need --bpf" -o "$T/u.db" --bpf-unmovable
usage "need --bpf" -o "$T/u.db" --bpf-min-order 3
usage "does not apply to --bpf" -o "$T/u.db" --bpf -e kmem
usage "bad --bpf-sample" -o "$T/u.db" --bpf --bpf-sample 0
usage "bad --bpf-min-order" -o "$T/u.db" --bpf --bpf-min-order x
"$MMREPLAY" record --help | grep -q -- "--bpf-sample" || fail "record --help lacks --bpf-sample"
ok "usage errors"

bpf_require

# a workload with many orders and both movable and unmovable allocations
work() {
	outside "exec dd if=/dev/zero of='$T/w' bs=1M count=64 status=none"
	outside "exec dd if='$T/w' of=/dev/null bs=1M status=none"
	compact
}

rec() {	# rec DB OPTS...: records the workload
	db=$1; shift
	driver_start "$db" --buffer-kb 65536 "$@"
	work
	driver_stop > /dev/null
}

rec "$T/min.db" --bpf-min-order 2
set -- $(sqlite3 -separator ' ' "$T/min.db" "SELECT
	(SELECT count(*) FROM mm_page_alloc WHERE \"order\" < 2) +
	(SELECT count(*) FROM mm_page_free WHERE \"order\" < 2) +
	(SELECT count(*) FROM mm_page_alloc_extfrag WHERE alloc_order < 2),
	(SELECT value FROM run_metrics WHERE name = 'bpf.filtered_events'),
	(SELECT value FROM host_facts WHERE key = 'bpf.min_order'),
	(SELECT count(*) FROM mm_compaction_begin)")
[ "$1" -eq 0 ] || fail "$1 page events below order 2 with --bpf-min-order 2"
[ "${2%.*}" -gt 0 ] || fail "--bpf-min-order 2 left nothing out"
[ "$3" = 2 ] || fail "bpf.min_order fact is '$3'"
[ "$4" -gt 0 ] || fail "compaction was filtered too"
ok "--bpf-min-order 2: nothing below order 2, ${2%.*} left out, stalls kept"

rec "$T/unm.db" --bpf-unmovable
set -- $(sqlite3 -separator ' ' "$T/unm.db" "SELECT
	(SELECT count(*) FROM mm_page_alloc WHERE migratetype = 1),
	(SELECT count(*) FROM mm_page_alloc WHERE migratetype <> 1),
	(SELECT count(*) FROM mm_page_alloc_extfrag WHERE alloc_migratetype = 1)")
[ "$1" -eq 0 ] || fail "$1 movable allocations with --bpf-unmovable"
[ "$2" -gt 0 ] || fail "no unmovable allocation recorded"
[ "$3" -eq 0 ] || fail "$3 movable extfrag events with --bpf-unmovable"
ok "--bpf-unmovable: $2 non-movable allocations, no movable one"

# Sampled and unsampled at once, on the same events: within the sampled run's span,
# the sampled run keeps a subset of the blocks, and a block is kept whole: of the
# blocks the unsampled run saw both allocated and freed in that span, the sampled
# run has the alloc exactly when it has the free (up to the events the kernel
# skipped by recursion in either run). The span is where the sampled run has both
# allocs and frees: its programs attach and detach one after the other, and an
# alloc or free in between is missed by the program not yet (or no longer) there,
# which split about one block in 200 in about one run in three.
"$MMREPLAY" record --bpf -q -o "$T/all.db" --buffer-kb 262144 > /dev/null 2> "$T/all.err" &
ALL_PID=$!
trap 'kill -INT $ALL_PID 2>/dev/null; cleanup' EXIT
i=0
until [ "$(sqlite3 "$T/all.db" "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ]; do
	i=$((i + 1)); [ $i -lt 600 ] || fail "unsampled recorder not started after 60 s"; sleep 0.1
done
rec "$T/smp.db" --bpf-sample 8 --buffer-kb 262144
kill -INT $ALL_PID; wait $ALL_PID || { cat "$T/all.err" >&2; fail "unsampled recorder failed"; }
set -- $(sqlite3 -separator ' ' "$T/smp.db" "SELECT alloc_sample_rate,
	(SELECT count(*) FROM mm_page_alloc),
	(SELECT value FROM run_metrics WHERE name = 'bpf.filtered_events') FROM runs")
[ "$1" = 8 ] || fail "runs.alloc_sample_rate is '$1', expected 8"
[ "$2" -gt 0 ] || fail "no allocation kept at 1/8"
[ "${3%.*}" -gt "$2" ] || fail "1/8 sampling left out ${3%.*}, fewer than the $2 it kept"
set -- $(sqlite3 -separator ' ' "$T/smp.db" "ATTACH '$T/all.db' AS a;
	CREATE TEMP TABLE win AS SELECT
		max((SELECT min(ts) FROM main.mm_page_alloc), (SELECT min(ts) FROM main.mm_page_free)) AS t0,
		min((SELECT max(ts) FROM main.mm_page_alloc), (SELECT max(ts) FROM main.mm_page_free)) AS t1;
	CREATE TEMP TABLE aa AS SELECT pfn FROM a.mm_page_alloc, temp.win WHERE ts BETWEEN t0 AND t1;
	CREATE TEMP TABLE af AS SELECT pfn FROM a.mm_page_free, temp.win WHERE ts BETWEEN t0 AND t1;
	CREATE TEMP TABLE pairs AS SELECT DISTINCT pfn FROM temp.aa
		WHERE pfn IN (SELECT pfn FROM temp.af);
	SELECT
	(SELECT count(*) FROM (SELECT DISTINCT pfn FROM main.mm_page_alloc)),
	(SELECT count(*) FROM (SELECT DISTINCT pfn FROM temp.aa)),
	(SELECT count(*) FROM (SELECT DISTINCT pfn FROM main.mm_page_alloc
		WHERE pfn NOT IN (SELECT pfn FROM a.mm_page_alloc))),
	(SELECT count(*) FROM temp.pairs p WHERE
		(p.pfn IN (SELECT pfn FROM main.mm_page_alloc)) <>
		(p.pfn IN (SELECT pfn FROM main.mm_page_free))),
	(SELECT count(*) FROM temp.pairs),
	(SELECT sum(value) FROM (SELECT value FROM main.host_facts WHERE key = 'bpf.recursion_misses'
		UNION ALL SELECT value FROM a.host_facts WHERE key = 'bpf.recursion_misses')),
	(SELECT sum(lost_events) FROM (SELECT lost_events FROM main.run_cpu_stats
		UNION ALL SELECT lost_events FROM a.run_cpu_stats))")
[ "$7" -eq 0 ] || fail "ring-buffer drops ($7; sampled run $(sqlite3 "$T/smp.db" "SELECT sum(lost_events) FROM run_cpu_stats")): cannot compare the two runs"
[ "$1" -lt "$2" ] || fail "sampled run kept $1 distinct pfns, unsampled saw $2"
[ "$3" -le "$6" ] || fail "$3 pfns allocated in the sampled run only (misses $6)"
[ "$5" -gt 0 ] || fail "no block was both allocated and freed; nothing to check"
[ "$4" -le "$6" ] || fail "$4 of $5 blocks split by sampling (alloc kept, free not or back; misses $6)"
ok "--bpf-sample 8: rate stored; $1 of $2 blocks kept; $5 alloc+free blocks, $4 split (misses $6)"

rec "$T/noa.db" --no-alloc-stream
set -- $(sqlite3 -separator ' ' "$T/noa.db" "SELECT
	(SELECT count(*) FROM mm_page_alloc) + (SELECT count(*) FROM mm_page_free),
	(SELECT value FROM host_facts WHERE key = 'bpf.alloc_stream'),
	(SELECT count(*) FROM mm_compaction_begin)")
[ "$1" -eq 0 ] || fail "$1 alloc/free rows with --no-alloc-stream"
[ "$2" = 0 ] || fail "bpf.alloc_stream fact is '$2'"
[ "$3" -gt 0 ] || fail "no compaction recorded with --no-alloc-stream"
ok "--no-alloc-stream: no alloc or free, stalls kept"
