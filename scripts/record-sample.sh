#!/bin/sh
# scripts/record-sample.sh DEFRAG_MODE OUT.dat [SECONDS] - record a small real
# sample on this host the way samples/README.md describes: events enabled by hand
# in a private tracefs instance, a workload that drives reclaim and compaction,
# then `trace-cmd extract`. The host's /proc snapshots at the start and end of the
# trace go to OUT.host/{start,end}/ (what replay needs as the initial state).
# Needs root, tracefs, trace-cmd and stress-ng.
# Restores vm.defrag_mode and removes its instance and files on every exit.
set -eu
mode=$1
out=$2
secs=${3:-3}
T=/sys/kernel/tracing
inst=mmr-sample-$$
fill=${TMPDIR:-/var/tmp}/mmr-sample-fill.$$
old_mode=$(cat /proc/sys/vm/defrag_mode)
empty=$(mktemp)

cleanup() {
	[ -d "$T/instances/$inst" ] && rmdir "$T/instances/$inst" 2>/dev/null || true
	echo "$old_mode" >/proc/sys/vm/defrag_mode
	rm -f "$fill" "$empty"
}
trap cleanup EXIT INT TERM

[ -e "$T/trace" ] || { echo "tracefs is not mounted at $T: mount -t tracefs nodev $T" >&2; exit 1; }
echo "$mode" >/proc/sys/vm/defrag_mode
sync
echo 3 >/proc/sys/vm/drop_caches
echo 1 >/proc/sys/vm/compact_memory

# Page cache up to a little above the low watermarks: all free memory minus
# 192 MiB, so the workload below must reclaim to make progress. MemFree, not the
# zones' free pages: on hosts with lazily accepted memory (some VMs), zones grow
# as memory is first used.
free_kb=$(awk '/^MemFree:/ { print $2 }' /proc/meminfo)
fill_mb=$(( free_kb / 1024 - 192 ))
dd if=/dev/zero of="$fill" bs=1M count="$fill_mb" status=none
sync

snapshot() {
	d="${out%.dat}.host/$1"
	mkdir -p "$d"
	for f in zoneinfo pagetypeinfo buddyinfo vmstat; do
		cat "/proc/$f" >"$d/$f"
	done
	cat /proc/pressure/memory >"$d/pressure-memory" 2>/dev/null || true
	for f in /proc/sys/vm/*; do
		v=$(cat "$f" 2>/dev/null | tr '\n\t' '  ') && echo "$(basename "$f") = $v"
	done >"$d/sysctl-vm"
	uname -a >"$d/uname"
}

mkdir "$T/instances/$inst"
I=$T/instances/$inst
echo 65536 >"$I/buffer_size_kb"
for e in kmem/mm_page_alloc kmem/mm_page_free kmem/mm_page_alloc_extfrag \
	 kmem/mm_page_alloc_zone_locked kmem/mm_page_pcpu_drain compaction vmscan oom; do
	echo 1 >"$I/events/$e/enable"
done
snapshot start
echo 1 >"$I/tracing_on"
# anonymous memory asking for THPs (compaction), and slab churn (unmovable and
# reclaimable allocations) while the page cache has to be reclaimed
stress-ng --vm 1 --vm-bytes 1G --vm-keep --vm-madvise hugepage \
	--dentry 1 --dentries 20000 --timeout "${secs}s" -q >/dev/null 2>&1 || true
echo 0 >"$I/tracing_on"
snapshot end
cat "$I"/per_cpu/cpu*/stats | awk '/^overrun/ { o += $2 } END { print "overrun events:", o }'
# an empty /proc/kallsyms keeps the file small (symbols are not needed here)
unshare -m sh -c "mount --bind '$empty' /proc/kallsyms && trace-cmd extract -B '$inst' -o '$out'" \
	>/dev/null 2>&1
ls -l "$out"
