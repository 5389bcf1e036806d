# tests/live/record-workload.sh - the small mm workload of the recorder's live tests;
# sourced (functions only). $W: a scratch directory on a disk file system.

# memcg_hog MB LIMIT_MB: writes MB of page cache from inside a memory cgroup
# limited to LIMIT_MB (v2 memory.max, else v1 memory.limit_in_bytes), which makes
# the kernel reclaim; returns 1 (and does nothing) if no memory controller exists
memcg_hog() {
	cg=""
	v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -n "$v2" ] && grep -qw memory "$v2/cgroup.subtree_control" 2>/dev/null; then
		cg=$v2/mmr-live-$$
		mkdir "$cg" && echo "${2}M" >"$cg/memory.max" || return 1
	else
		v1=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { print $2; exit }' /proc/mounts)
		[ -n "$v1" ] || return 1
		cg=$v1/mmr-live-$$
		mkdir "$cg" && echo "$(($2 * 1024 * 1024))" >"$cg/memory.limit_in_bytes" || return 1
	fi
	sh -c "echo \$\$ >'$cg/cgroup.procs' && dd if=/dev/zero of='$W/hog' bs=1M count=$1 \
		conv=fsync status=none"
	rm -f "$W/hog"
	rmdir "$cg" 2>/dev/null || { sleep 0.5; rmdir "$cg"; }
	return 0
}

# workload: a few seconds of what the recorder must see: caches dropped,
# compaction asked for, page cache written under a memory cgroup limit
workload() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo 1 >/proc/sys/vm/compact_memory
	memcg_hog 48 16 && echo memcg >"$W/hog-ran"
	dd if=/dev/zero of="$W/file" bs=1M count=32 status=none
	rm -f "$W/file"
	echo 1 >/proc/sys/vm/compact_memory
}

