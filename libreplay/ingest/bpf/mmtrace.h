/* SPDX-License-Identifier: MIT */
/*
 * ingest/bpf/mmtrace.h - the record the BPF collector (mmtrace.bpf.c) sends through
 * its ring buffer, shared by the BPF program and userspace (ingest-bpf.c).
 *
 * Every record has the same size: a header and MMT_MAX_VALS 64-bit values holding
 * the event's fields in the order of the event catalog (core/core-events.c), so
 * userspace copies them into struct mmr_event.val[] as they are. Strings (a task's
 * comm) take the last two values. Included by the BPF program after vmlinux.h and
 * by userspace after <linux/types.h>; it uses only __u/__s types.
 */
#ifndef MMR_MMTRACE_H
#define MMR_MMTRACE_H

#define MMT_MAX_VALS	13	/* the widest event we collect needs 9; room to grow */
#define MMT_COMM_LEN	16
#define MMT_COMM_SLOT	(MMT_MAX_VALS - 2)	/* comm bytes live in val[11..12] */

/*
 * X(ID, system, name): what the program collects. The order is the wire id and
 * carries no meaning; userspace maps each to the catalog by system and name.
 * MMT_TASK is not an event: it carries the comm of a pid seen for the first time.
 */
#define MMT_EVENT_LIST(X)							\
	X(PAGE_ALLOC,			kmem,		mm_page_alloc)		\
	X(PAGE_FREE,			kmem,		mm_page_free)		\
	X(PAGE_ALLOC_EXTFRAG,		kmem,		mm_page_alloc_extfrag)	\
	X(COMPACTION_BEGIN,		compaction,	mm_compaction_begin)	\
	X(COMPACTION_END,		compaction,	mm_compaction_end)	\
	X(COMPACTION_TRY_TO_COMPACT_PAGES, compaction,	mm_compaction_try_to_compact_pages) \
	X(COMPACTION_DEFERRED,		compaction,	mm_compaction_deferred)	\
	X(COMPACTION_DEFER_COMPACTION,	compaction,	mm_compaction_defer_compaction) \
	X(COMPACTION_DEFER_RESET,	compaction,	mm_compaction_defer_reset) \
	X(COMPACTION_FINISHED,		compaction,	mm_compaction_finished)	\
	X(COMPACTION_SUITABLE,		compaction,	mm_compaction_suitable)	\
	X(COMPACTION_MIGRATEPAGES,	compaction,	mm_compaction_migratepages) \
	X(COMPACTION_ISOLATE_MIGRATEPAGES, compaction,	mm_compaction_isolate_migratepages) \
	X(COMPACTION_ISOLATE_FREEPAGES,	compaction,	mm_compaction_isolate_freepages) \
	X(COMPACTION_FAST_ISOLATE_FREEPAGES, compaction, mm_compaction_fast_isolate_freepages) \
	X(COMPACTION_KCOMPACTD_SLEEP,	compaction,	mm_compaction_kcompactd_sleep) \
	X(COMPACTION_KCOMPACTD_WAKE,	compaction,	mm_compaction_kcompactd_wake) \
	X(COMPACTION_WAKEUP_KCOMPACTD,	compaction,	mm_compaction_wakeup_kcompactd) \
	X(DIRECT_RECLAIM_BEGIN,		vmscan,		mm_vmscan_direct_reclaim_begin) \
	X(DIRECT_RECLAIM_END,		vmscan,		mm_vmscan_direct_reclaim_end) \
	X(MEMCG_RECLAIM_BEGIN,		vmscan,		mm_vmscan_memcg_reclaim_begin) \
	X(MEMCG_RECLAIM_END,		vmscan,		mm_vmscan_memcg_reclaim_end) \
	X(MEMCG_SOFTLIMIT_RECLAIM_BEGIN, vmscan,	mm_vmscan_memcg_softlimit_reclaim_begin) \
	X(MEMCG_SOFTLIMIT_RECLAIM_END,	vmscan,		mm_vmscan_memcg_softlimit_reclaim_end) \
	X(NODE_RECLAIM_BEGIN,		vmscan,		mm_vmscan_node_reclaim_begin) \
	X(NODE_RECLAIM_END,		vmscan,		mm_vmscan_node_reclaim_end) \
	X(KSWAPD_WAKE,			vmscan,		mm_vmscan_kswapd_wake)	\
	X(KSWAPD_SLEEP,			vmscan,		mm_vmscan_kswapd_sleep)	\
	X(WAKEUP_KSWAPD,		vmscan,		mm_vmscan_wakeup_kswapd) \
	X(VMSCAN_THROTTLED,		vmscan,		mm_vmscan_throttled)	\
	X(COMPACT_RETRY,		oom,		compact_retry)		\
	X(RECLAIM_RETRY_ZONE,		oom,		reclaim_retry_zone)	\
	X(MARK_VICTIM,			oom,		mark_victim)		\
	X(OOM_SCORE_ADJ_UPDATE,		oom,		oom_score_adj_update)	\
	X(WAKE_REAPER,			oom,		wake_reaper)		\
	X(START_TASK_REAPING,		oom,		start_task_reaping)	\
	X(FINISH_TASK_REAPING,		oom,		finish_task_reaping)	\
	X(SKIP_TASK_REAPING,		oom,		skip_task_reaping)

#define MMT_ENUM(id, sys, name) MMT_##id,
enum mmt_type {
	MMT_TASK = 0,
	MMT_EVENT_LIST(MMT_ENUM)
	MMT__COUNT
};
#undef MMT_ENUM

#define MMT_F_CGROUP	0x1	/* cgroup_id is valid: the event is a stalled request */

/* One ring-buffer record; 128 bytes. */
struct mmt_rec {
	__u64	ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC, ns */
	__u64	cgroup_id;	/* cgroup v2 id of current (MMT_F_CGROUP), else 0 */
	__u32	pid;		/* current's thread id, as tracefs's common_pid */
	__u16	cpu;
	__u8	type;		/* enum mmt_type */
	__u8	flags;		/* MMT_F_* */
	__s64	val[MMT_MAX_VALS];
};

/* Index into the per-CPU counter array `counters`. */
enum mmt_counter {
	MMT_CNT_DROPPED = 0,	/* ring buffer full: record lost */
	MMT_CNT_SAMPLED_OUT,	/* page events left out by the filters or sampling */
	MMT_CNT__COUNT
};

#endif /* MMR_MMTRACE_H */
