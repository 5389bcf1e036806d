#!/bin/sh
# t0820: every stalled request the BPF collector stores carries the cgroup of the task
# that stalled. A hog in a cgroup made here stalls in memcg reclaim: its reclaim
# events must point at that cgroup (id = inode of its directory, path relative to the
# cgroup2 mount), and a compaction started from outside it must not. Also checks the
# lifecycle: our programs are attached while recording and gone after SIGINT, and
# the run is complete.
. "$(dirname "$0")/bpf-lib.sh"
bpf_require

LIMIT=$((32 * 1048576))
name="mmr-t0820-$$"
cgroups_make "$name" $LIMIT
cgid=$(stat -c %i "$CG2")
before=$(bpf_progs_loaded)

driver_start "$T/bpf.db" --buffer-kb 262144
during=$(bpf_progs_loaded)
mb=$((LIMIT / 1048576 * 4))
in_cgroups "exec dd if=/dev/zero of='$T/hog' bs=1M count=$mb status=none" || fail "hog write"
in_cgroups "exec dd if='$T/hog' of=/dev/null bs=1M status=none" || fail "hog read"
compact
driver_stop
after=$(bpf_progs_loaded)

if [ "$before" -ge 0 ]; then
	[ "$during" -gt "$before" ] || fail "no mmr_ programs loaded while recording ($before -> $during)"
	[ "$after" -eq "$before" ] || fail "$((after - before)) mmr_ programs left loaded after exit"
	ok "programs attached while recording ($during), none left after SIGINT"
fi

hog_pids=$(head -n 2 "$T/pids" | paste -sd,)
cpt_pid=$(tail -n 1 "$T/pids")
q="SELECT count(*), count(e.cgroup_id), sum(e.cgroup_id = $cgid), min(e.path), max(e.path)
   FROM mm_vmscan_memcg_reclaim_begin r LEFT JOIN event_cgroup_paths e USING (run_id, seq)
   WHERE r.pid IN ($hog_pids)"
set -- $(sqlite3 -separator ' ' "$T/bpf.db" "$q")
[ "${1:-0}" -gt 0 ] || fail "the hog made no memcg reclaim"
[ "$2" -eq "$1" ] || fail "$(($1 - $2)) of $1 memcg reclaims have no cgroup"
[ "$3" -eq "$1" ] || fail "only $3 of $1 memcg reclaims are in cgroup $cgid"
[ "$4" = "/$name" ] && [ "$5" = "/$name" ] || fail "cgroup path is '$4'..'$5', expected '/$name'"
ok "$1 memcg reclaims of the hog attributed to /$name (id $cgid)"

# the same for the ends, which also stall
set -- $(sqlite3 -separator ' ' "$T/bpf.db" "SELECT count(*), sum(e.cgroup_id = $cgid)
	FROM mm_vmscan_memcg_reclaim_end r LEFT JOIN event_cgroups e USING (run_id, seq)
	WHERE r.pid IN ($hog_pids)")
[ "${1:-0}" -gt 0 ] || fail "no memcg reclaim end of the hog"
[ "$2" -eq "$1" ] || fail "$2 of $1 memcg reclaim ends in the cgroup"

set -- $(sqlite3 -separator ' ' "$T/bpf.db" "SELECT count(*), sum(e.cgroup_id = $cgid)
	FROM mm_compaction_begin c JOIN event_cgroups e USING (run_id, seq) WHERE c.pid = $cpt_pid")
[ "${1:-0}" -gt 0 ] || fail "compact_memory made no attributed compaction"
[ "$2" -eq 0 ] || fail "compaction from outside the cgroup attributed to it"
ok "$1 compactions from outside the cgroup attributed elsewhere"

# only stall events carry a cgroup: the page stream does not
n=$(sqlite3 "$T/bpf.db" "SELECT count(*) FROM mm_page_alloc JOIN event_cgroups USING (run_id, seq)")
[ "$n" -eq 0 ] || fail "$n page allocations carry a cgroup"
set -- $(sqlite3 -separator ' ' "$T/bpf.db" "SELECT complete, (SELECT count(*) FROM tasks WHERE pid IN ($hog_pids) AND comm = 'dd') FROM runs")
[ "$1" = 1 ] || fail "run not complete after SIGINT"
[ "$2" -eq 2 ] || fail "tasks table lacks the hog's dd processes ($2 of 2)"
ok "run complete; hog tasks named"

# kill -9: the kernel detaches our programs when the process dies; the store stays
# valid with the run incomplete
driver_start "$T/kill.db"
[ "$before" -lt 0 ] || [ "$(bpf_progs_loaded)" -gt "$before" ] || fail "no programs loaded"
kill -KILL "$DRV_PID"; wait "$DRV_PID" 2>/dev/null; DRV_PID=""
i=0
while [ "$before" -ge 0 ] && [ "$(bpf_progs_loaded)" -ne "$before" ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "programs still loaded 5 s after kill -9"; sleep 0.1
done
set -- $(sqlite3 -separator ' ' "$T/kill.db" "PRAGMA integrity_check; SELECT complete FROM runs")
[ "$1" = ok ] || fail "store damaged after kill -9: $1"
[ "$2" = 0 ] || fail "run marked complete after kill -9"
ok "kill -9: programs gone, store valid, run incomplete"
