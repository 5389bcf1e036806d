#!/bin/sh
# t0810: the BPF collector and a tracefs instance watch the same workload at the same
# time and must see the same reclaim and compaction events: same number per event
# and task, same CPU, same field values, and timestamps on the same clock (the
# instance uses "mono", the clock the collector stores), within a millisecond.
# Workload: a page-cache hog in a memory-limited cgroup (memcg reclaim) and
# /proc/sys/vm/compact_memory (compaction). Only the workload's own tasks are
# compared, so other activity on the host does not matter.
. "$(dirname "$0")/bpf-lib.sh"
bpf_require
tracefs_require

EVENTS="mm_vmscan_memcg_reclaim_begin mm_vmscan_memcg_reclaim_end
mm_vmscan_direct_reclaim_begin mm_vmscan_direct_reclaim_end
mm_compaction_begin mm_compaction_end mm_compaction_try_to_compact_pages"
tracefs_instance vmscan/mm_vmscan_memcg_reclaim_begin vmscan/mm_vmscan_memcg_reclaim_end \
	vmscan/mm_vmscan_direct_reclaim_begin vmscan/mm_vmscan_direct_reclaim_end \
	compaction/mm_compaction_begin compaction/mm_compaction_end \
	compaction/mm_compaction_try_to_compact_pages
LIMIT=$((32 * 1048576))
cgroups_make "mmr-t0810-$$" $LIMIT

# the page stream is left out in the kernel (no order exceeds 10) so that a burst of
# it on a busy host cannot push the compared events out of the ring buffer
driver_start "$T/bpf.db" --bpf-min-order 11
echo 1 > "$INST/tracing_on"
mb=$((LIMIT / 1048576 * 4))
in_cgroups "exec dd if=/dev/zero of='$T/hog' bs=1M count=$mb status=none" || fail "hog write"
in_cgroups "exec dd if='$T/hog' of=/dev/null bs=1M status=none" || fail "hog read"
compact
sleep 0.5
echo 0 > "$INST/tracing_on"
driver_stop
cat "$INST/per_cpu/cpu"*/stats | awk '/^overrun/ { o += $2 } END { exit o != 0 }' ||
	fail "the tracefs instance overran; counts cannot be compared"

pids=$(paste -sd, "$T/pids")
[ -n "$pids" ] || fail "no workload pids"

# tracefs text -> "event pid cpu ts_ns value"
perl -ne '
	next unless /-(\d+)\s+\[(\d+)\][^:]*?\s(\d+)\.(\d+):\s+(\w+):\s*(.*)$/;
	my ($pid, $cpu, $s, $frac, $ev, $rest) = ($1, $2 + 0, $3, $4, $5, $6);
	my $ns = $s * 1000000000 + substr($frac . "000000000", 0, 9);
	my $v = $rest =~ /(?:^|\s)order=(-?\d+)/ ? $1 :
		$rest =~ /nr_reclaimed=(\d+)/ ? $1 :
		$rest =~ /migrate_pfn=0x([0-9a-f]+)/ ? hex($1) : "-";
	print "$ev $pid $cpu $ns $v\n";
' "$INST/trace" > "$T/tracefs.txt"

q=""
for e in $EVENTS; do
	case $e in
	*reclaim_begin|*try_to_compact_pages) v='"order"' ;;
	*reclaim_end) v=nr_reclaimed ;;
	*) v=migrate_pfn ;;
	esac
	[ -n "$q" ] && q="$q UNION ALL "
	q="$q SELECT '$e', pid, cpu, ts, $v, seq FROM $e WHERE pid IN ($pids)"
done
sqlite3 -separator ' ' "$T/bpf.db" "SELECT * FROM ($q) ORDER BY ts, 6" |
	cut -d' ' -f1-5 > "$T/bpf.txt" || fail "query of the BPF store"

# The two must agree event by event, per task.
perl -e '
	my (%a, %b);
	sub load { my ($f, $h) = @_; open(my $fh, "<", $f) or die;
		   while (<$fh>) { my @x = split; push @{$h->{"$x[0] $x[1]"}}, [@x]; } }
	load($ARGV[0], \%a); load($ARGV[1], \%b);
	my (%n, $bad) = ();
	for my $k (sort keys %{{%a, %b}}) {
		my ($x, $y) = ($a{$k} // [], $b{$k} // []);
		if (@$x != @$y) { print "count differs for $k: tracefs ", scalar @$x, " bpf ", scalar @$y, "\n"; $bad++; next; }
		for my $i (0 .. $#$x) {
			my ($p, $q) = ($x->[$i], $y->[$i]);
			if ($p->[2] != $q->[2]) { print "cpu differs: $k #$i: $p->[2] vs $q->[2]\n"; $bad++; }
			if ($p->[4] ne $q->[4]) { print "value differs: $k #$i: $p->[4] vs $q->[4]\n"; $bad++; }
			if (abs($p->[3] - $q->[3]) > 1000000) { print "time differs: $k #$i: $p->[3] vs $q->[3]\n"; $bad++; }
		}
		my ($ev) = split / /, $k; $n{$ev} += @$x;
	}
	print "$_ $n{$_}\n" for sort keys %n;
	exit($bad ? 1 : 0);
' "$T/tracefs.txt" "$T/bpf.txt" > "$T/cmp.txt"
rc=$?
cat "$T/cmp.txt"
[ $rc -eq 0 ] || fail "tracefs and BPF disagree"

n_memcg=$(awk '$1 == "mm_vmscan_memcg_reclaim_begin" { print $2 }' "$T/cmp.txt")
n_cpt=$(awk '$1 == "mm_compaction_begin" { print $2 }' "$T/cmp.txt")
[ "${n_memcg:-0}" -gt 0 ] || fail "the workload made no memcg reclaim; nothing was compared"
[ "${n_cpt:-0}" -gt 0 ] || fail "compact_memory made no compaction; nothing was compared"
ok "tracefs and BPF agree on $n_memcg memcg reclaims and $n_cpt compactions (task, cpu, values, mono time)"

dropped=$(sqlite3 "$T/bpf.db" "SELECT sum(lost_events) FROM run_cpu_stats")
[ "$dropped" = 0 ] || fail "the BPF ring buffer dropped $dropped records"
complete=$(sqlite3 "$T/bpf.db" "SELECT complete || ' ' || clock FROM runs")
[ "$complete" = "1 mono" ] || fail "run not complete on clock mono: $complete"
ok "no drops; run complete, clock mono"
