#!/bin/sh
# t0815: `mmreplay record` (tracefs) and `mmreplay record --bpf` record the same
# workload at the same time, into separate stores. For the workload's own tasks every
# event table must hold the same rows: each BPF row matches a tracefs row of the same
# task, cpu and fields with timestamps within 1 ms (both use the mono
# clock). Covers the page stream (pfn, gfp, migratetype), memcg reclaim and
# compaction. Fails if either side lost events in its ring buffer. The one allowed
# difference: the kernel does not run a BPF program nested in another on the same
# CPU (a page freed by an interrupt while one of ours runs) and counts each such
# miss; BPF may lack at most that many rows, and what it has must match in order.
. "$(dirname "$0")/bpf-lib.sh"
bpf_require
tracefs_require

LIMIT=$((32 * 1048576))
cgroups_make "mmr-t0815-$$" $LIMIT
events=$(sed -n 's/^[[:space:]]*X([A-Z_0-9]*,[[:space:]]*\([a-z]*\),[[:space:]]*\([a-z_]*\)).*/\1:\2/p' \
	"$MMR_SRC/libreplay/ingest/bpf/mmtrace.h" | paste -sd, -)

"$MMREPLAY" record -q -o "$T/tracefs.db" --buffer-kb 65536 -e "$events" \
	> "$T/tracefs.out" 2> "$T/tracefs.err" &
TR_PID=$!
trap 'kill -INT $TR_PID 2>/dev/null; cleanup' EXIT
driver_start "$T/bpf.db" --buffer-kb 131072
i=0
until [ "$(sqlite3 "$T/tracefs.db" "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ]; do
	i=$((i + 1)); [ $i -lt 600 ] || fail "tracefs recorder not started after 60 s"; sleep 0.1
done
sleep 0.5
mb=$((LIMIT / 1048576 * 4))
in_cgroups "exec dd if=/dev/zero of='$T/hog' bs=1M count=$mb status=none" || fail "hog write"
in_cgroups "exec dd if='$T/hog' of=/dev/null bs=1M status=none" || fail "hog read"
compact
sleep 0.5
driver_stop
kill -INT $TR_PID; wait $TR_PID || { cat "$T/tracefs.err" >&2; fail "tracefs recorder failed"; }

misses=$(sqlite3 "$T/bpf.db" "SELECT value FROM host_facts WHERE key = 'bpf.recursion_misses'")
[ -n "$misses" ] || fail "the BPF run has no bpf.recursion_misses fact"
for db in tracefs bpf; do
	# lost_events counts only losses beyond overrun and dropped: add all three
	lost=$(sqlite3 "$T/$db.db" "SELECT coalesce(sum(lost_events + max(overrun, 0) +
		max(dropped_events, 0)), 0) FROM run_cpu_stats")
	[ "$lost" = 0 ] || fail "$db lost $lost events; counts cannot be compared"
done
pids=$(paste -sd, "$T/pids")

# dump DB: "table pid cpu ts fields..." for the workload's tasks, per table
dump() {
	for t in $(sqlite3 "$1" "SELECT m.name FROM sqlite_master m
			WHERE m.type = 'table' AND m.name <> 'generic_events' AND
			(SELECT count(*) FROM pragma_table_info(m.name)
			 WHERE name IN ('seq', 'pid', 'cpu')) = 3"); do
		cols=$(sqlite3 "$1" "SELECT group_concat('coalesce(\"' || name || '\", ''NULL'')',
				' || '' '' || ')
			FROM pragma_table_info('$t')
			WHERE name NOT IN ('run_id', 'ts', 'seq', 'cpu', 'pid', 'extra')")
		[ -n "$cols" ] || cols="''"
		sqlite3 -separator ' ' "$1" "SELECT '$t', pid, cpu, ts, $cols FROM $t
			WHERE pid IN ($pids) ORDER BY pid, ts, seq"
	done
}
dump "$T/tracefs.db" > "$T/a.txt"
dump "$T/bpf.db" > "$T/b.txt"

perl -e '
	# Each BPF row must match one tracefs row of the same table, task, cpu and fields
	# within 1 ms. Rows of one such key are the same events in the same order on both
	# sides, so where both hold as many, they pair in order; where BPF lacks some (see
	# above), each BPF row takes the nearest unpaired one. (Rows are not compared in
	# one global order: an interrupt between the two probes of one tracepoint can put
	# its own event before the interrupted one on one side only.)
	my (%a, %b, %nb, %na, $bad, $missing);
	open(my $fa, "<", $ARGV[0]) or die;
	while (<$fa>) { chomp; my @x = split / /, $_, 5;
		push @{$a{"$x[0] $x[1] $x[2] " . ($x[4] // "")}}, $x[3]; $na{$x[0]}++; }
	open(my $fb, "<", $ARGV[1]) or die;
	while (<$fb>) { chomp; my @x = split / /, $_, 5; $nb{$x[0]}++;
		push @{$b{"$x[0] $x[1] $x[2] " . ($x[4] // "")}}, [$x[3], $_]; }
	for my $k (sort keys %b) {
		my ($l, $rows) = ($a{$k} // [], $b{$k});
		my $in_order = @$l == @$rows;
		for my $i (0 .. $#$rows) {
			my ($ts, $line) = @{$rows->[$i]};
			my ($best, $bd);
			if ($in_order) {
				($best, $bd) = ($i, abs($l->[$i] - $ts));
			} else {
				for my $j (0 .. $#$l) { next unless defined $l->[$j];
					my $d = abs($l->[$j] - $ts);
					($best, $bd) = ($j, $d) if !defined $bd || $d < $bd; }
			}
			if (!defined $bd || $bd > 1000000) {
				print "BPF row not in tracefs: $line (its tracefs match: ",
				      defined $bd ? "$bd ns away" : "none",
				      $in_order ? ", paired in order" : "", ")\n" if $bad++ < 5;
				next;
			}
			$l->[$best] = undef unless $in_order;
		}
	}
	for my $t (sort keys %{{%na, %nb}}) {
		my $m = ($na{$t} // 0) - ($nb{$t} // 0);
		print "rows missing in BPF for $t: $m\n" if $m;
		$missing += $m;
		print "$t ", $na{$t} // 0, "\n";
	}
	print "missing $missing\n";
	exit($bad ? 1 : 0);
' "$T/a.txt" "$T/b.txt" > "$T/cmp.txt"
rc=$?
cat "$T/cmp.txt"
[ $rc -eq 0 ] || fail "tracefs recorder and BPF collector disagree"
missing=$(awk '$1 == "missing" { print $2 }' "$T/cmp.txt")
[ "$missing" -ge 0 ] || fail "BPF has more rows than tracefs"
[ "$missing" -le "$misses" ] ||
	fail "BPF lacks $missing rows but the kernel counted only $misses recursion misses"
for t in mm_page_alloc mm_vmscan_memcg_reclaim_begin mm_compaction_begin; do
	n=$(awk -v t=$t '$1 == t { print $2 }' "$T/cmp.txt")
	[ "${n:-0}" -gt 0 ] || fail "no $t rows for the workload; nothing was compared"
done
ok "the tracefs recorder and the BPF collector stored the same rows for the workload ($missing left out by $misses recursion misses)"
