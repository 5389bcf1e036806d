// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ingest/bpf/mmtrace.bpf.c - the BPF side of `mmreplay record --bpf`: one program
 * per mm tracepoint, each writing one fixed-size record (mmtrace.h) to a ring buffer.
 *
 * Most programs are tp_btf: they get the tracepoint's arguments (BTF-typed, CO-RE
 * relocated against the running kernel) and compute the fields the way the event's
 * TP_fast_assign does. The three page events (mm_page_alloc, mm_page_free,
 * mm_page_alloc_extfrag) are classic tracepoint programs reading the kernel's own
 * record instead: their pfn is page_to_pfn(page), which needs vmemmap_base, a
 * variable that BPF cannot name on kernels without CONFIG_KALLSYMS_ALL, and
 * extfrag's change_ownership needs the pageblock bitmap. The record's layout comes
 * from vmlinux.h (struct trace_event_raw_*), relocated like every other access.
 *
 * Filters (read-only, set by userspace before load) apply to the page stream only;
 * stalled requests (reclaim, compaction, retries) are always sent.
 * Sampling keeps 1 page in N by a hash of the pfn, so an allocation and the free of
 * the same block are kept or dropped together.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "mmtrace.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile __u32 min_order = 0;		/* page events below this order are dropped */
const volatile __u32 sample_rate = 1;		/* keep 1 page in sample_rate */
const volatile __u32 unmovable_only = 0;	/* drop allocations of MIGRATE_MOVABLE */
const volatile __u32 page_shift = 12;
const volatile __u64 wakeup_bytes = 4 << 20;	/* wake the reader past this much data */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);		/* resized by userspace before load */
} mmt_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MMT_CNT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} mmt_counters SEC(".maps");

/* Threads whose comm was sent already, with that comm (an exec changes it). */
struct mmt_comm {
	__u64	w[MMT_COMM_LEN / 8];
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct mmt_comm);
} mmt_tasks SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&mmt_counters, &which);

	if (c)
		*c += 1;	/* per-CPU slot: no atomics needed */
}

/* Sends the comm of @pid when it is new or changed since it was last sent. */
static __always_inline void note_task(__u32 pid)
{
	struct mmt_comm now = {}, *known;
	struct mmt_rec *r;

	if (!pid)
		return;
	bpf_get_current_comm(&now, sizeof(now));
	known = bpf_map_lookup_elem(&mmt_tasks, &pid);
	if (known && known->w[0] == now.w[0] && known->w[1] == now.w[1])
		return;
	bpf_map_update_elem(&mmt_tasks, &pid, &now, BPF_ANY);
	r = bpf_ringbuf_reserve(&mmt_rb, sizeof(*r), 0);
	if (!r) {
		count(MMT_CNT_DROPPED);
		return;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->ts = bpf_ktime_get_ns();
	r->pid = pid;
	r->cpu = bpf_get_smp_processor_id();
	r->type = MMT_TASK;
	r->val[MMT_COMM_SLOT] = now.w[0];
	r->val[MMT_COMM_SLOT + 1] = now.w[1];
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

/* Reserves and fills the header of a record; NULL (and counted) if the ring is full. */
static __always_inline struct mmt_rec *rec_start(enum mmt_type type, bool stall)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	struct mmt_rec *r;

	note_task(pid);
	r = bpf_ringbuf_reserve(&mmt_rb, sizeof(*r), 0);
	if (!r) {
		count(MMT_CNT_DROPPED);
		return NULL;
	}
	r->ts = bpf_ktime_get_ns();
	r->pid = pid;
	r->cpu = bpf_get_smp_processor_id();
	r->type = type;
	r->flags = stall ? MMT_F_CGROUP : 0;
	r->cgroup_id = stall ? bpf_get_current_cgroup_id() : 0;
	return r;
}

/*
 * Wakes the reader only once a quarter of the ring is filled: a wakeup per record
 * would cost the reader a system call and a context switch per event. The reader
 * also drains the ring on a short timer, so a quiet stream is not held back long.
 */
static __always_inline void rec_send(struct mmt_rec *r)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&mmt_rb, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(r, flags);
}

/* A sample decision that depends only on the block, so alloc and free agree. */
static __always_inline bool page_sampled(__u64 pfn, __u32 order)
{
	__u64 h;

	if (order < min_order) {
		count(MMT_CNT_SAMPLED_OUT);
		return false;
	}
	if (sample_rate <= 1)
		return true;
	h = pfn * 0x9e3779b97f4a7c15ULL;
	if ((h >> 32) % sample_rate) {
		count(MMT_CNT_SAMPLED_OUT);
		return false;
	}
	return true;
}

static __always_inline int zone_nid(struct zone *z)
{
	return BPF_CORE_READ(z, zone_pgdat, node_id);
}

/* zone_idx(): the zone's place in its node's node_zones[]. */
static __always_inline int zone_index(struct zone *z)
{
	struct pglist_data *pgdat = BPF_CORE_READ(z, zone_pgdat);
	unsigned long first = (unsigned long)&pgdat->node_zones[0];
	unsigned long addr = 0;

	/* the verifier forbids dividing a pointer: take its value as a plain number */
	bpf_probe_read_kernel(&addr, sizeof(addr), &z);
	return (addr - first) / bpf_core_type_size(struct zone);
}

/* ---------------------------------------------------------------- page events */

SEC("tracepoint/kmem/mm_page_alloc")
int mmr_page_alloc(struct trace_event_raw_mm_page_alloc *ctx)
{
	unsigned long pfn = ctx->pfn;
	unsigned int order = ctx->order;
	int mt = ctx->migratetype;
	struct mmt_rec *r;

	if (unmovable_only && mt == 1 /* MIGRATE_MOVABLE */) {
		count(MMT_CNT_SAMPLED_OUT);
		return 0;
	}
	if (!page_sampled(pfn, order))
		return 0;
	r = rec_start(MMT_PAGE_ALLOC, false);
	if (!r)
		return 0;
	r->val[0] = pfn;
	r->val[1] = order;
	r->val[2] = ctx->gfp_flags;
	r->val[3] = mt;
	rec_send(r);
	return 0;
}

SEC("tracepoint/kmem/mm_page_free")
int mmr_page_free(struct trace_event_raw_mm_page_free *ctx)
{
	unsigned long pfn = ctx->pfn;
	unsigned int order = ctx->order;
	struct mmt_rec *r;

	if (!page_sampled(pfn, order))
		return 0;
	r = rec_start(MMT_PAGE_FREE, false);
	if (!r)
		return 0;
	r->val[0] = pfn;
	r->val[1] = order;
	rec_send(r);
	return 0;
}

SEC("tracepoint/kmem/mm_page_alloc_extfrag")
int mmr_extfrag(struct trace_event_raw_mm_page_alloc_extfrag *ctx)
{
	struct mmt_rec *r;

	if ((unmovable_only && ctx->alloc_migratetype == 1) ||
	    (__u32)ctx->alloc_order < min_order) {
		count(MMT_CNT_SAMPLED_OUT);
		return 0;
	}
	r = rec_start(MMT_PAGE_ALLOC_EXTFRAG, false);
	if (!r)
		return 0;
	r->val[0] = ctx->pfn;
	r->val[1] = ctx->alloc_order;
	r->val[2] = ctx->fallback_order;
	r->val[3] = ctx->alloc_migratetype;
	r->val[4] = ctx->fallback_migratetype;
	r->val[5] = ctx->change_ownership;
	rec_send(r);
	return 0;
}

/* ---------------------------------------------------------------- compaction */

SEC("tp_btf/mm_compaction_begin")
int BPF_PROG(mmr_cpt_begin, struct compact_control *cc, unsigned long zone_start,
	     unsigned long zone_end, bool sync)
{
	struct mmt_rec *r = rec_start(MMT_COMPACTION_BEGIN, true);

	if (!r)
		return 0;
	r->val[0] = zone_start;
	r->val[1] = BPF_CORE_READ(cc, migrate_pfn);
	r->val[2] = BPF_CORE_READ(cc, free_pfn);
	r->val[3] = zone_end;
	r->val[4] = sync;
	rec_send(r);
	return 0;
}

SEC("tp_btf/mm_compaction_end")
int BPF_PROG(mmr_cpt_end, struct compact_control *cc, unsigned long zone_start,
	     unsigned long zone_end, bool sync, int status)
{
	struct mmt_rec *r = rec_start(MMT_COMPACTION_END, true);

	if (!r)
		return 0;
	r->val[0] = zone_start;
	r->val[1] = BPF_CORE_READ(cc, migrate_pfn);
	r->val[2] = BPF_CORE_READ(cc, free_pfn);
	r->val[3] = zone_end;
	r->val[4] = sync;
	r->val[5] = status;
	rec_send(r);
	return 0;
}

SEC("tp_btf/mm_compaction_try_to_compact_pages")
int BPF_PROG(mmr_cpt_try, int order, gfp_t gfp_mask, int prio)
{
	struct mmt_rec *r = rec_start(MMT_COMPACTION_TRY_TO_COMPACT_PAGES, true);

	if (!r)
		return 0;
	r->val[0] = order;
	r->val[1] = gfp_mask;
	r->val[2] = prio;
	rec_send(r);
	return 0;
}

static __always_inline int defer_event(enum mmt_type type, struct zone *zone, int order)
{
	struct mmt_rec *r = rec_start(type, true);

	if (!r)
		return 0;
	r->val[0] = zone_nid(zone);
	r->val[1] = zone_index(zone);
	r->val[2] = order;
	r->val[3] = BPF_CORE_READ(zone, compact_considered);
	r->val[4] = BPF_CORE_READ(zone, compact_defer_shift);
	r->val[5] = BPF_CORE_READ(zone, compact_order_failed);
	rec_send(r);
	return 0;
}

SEC("tp_btf/mm_compaction_deferred")
int BPF_PROG(mmr_cpt_deferred, struct zone *zone, int order)
{
	return defer_event(MMT_COMPACTION_DEFERRED, zone, order);
}

SEC("tp_btf/mm_compaction_defer_compaction")
int BPF_PROG(mmr_cpt_defer, struct zone *zone, int order)
{
	return defer_event(MMT_COMPACTION_DEFER_COMPACTION, zone, order);
}

SEC("tp_btf/mm_compaction_defer_reset")
int BPF_PROG(mmr_cpt_dreset, struct zone *zone, int order)
{
	return defer_event(MMT_COMPACTION_DEFER_RESET, zone, order);
}

static __always_inline int zone_order_ret(enum mmt_type type, struct zone *zone, int order,
					  int ret)
{
	struct mmt_rec *r = rec_start(type, true);

	if (!r)
		return 0;
	r->val[0] = zone_nid(zone);
	r->val[1] = zone_index(zone);
	r->val[2] = order;
	r->val[3] = ret;
	rec_send(r);
	return 0;
}

SEC("tp_btf/mm_compaction_finished")
int BPF_PROG(mmr_cpt_finished, struct zone *zone, int order, int ret)
{
	return zone_order_ret(MMT_COMPACTION_FINISHED, zone, order, ret);
}

SEC("tp_btf/mm_compaction_suitable")
int BPF_PROG(mmr_cpt_suitable, struct zone *zone, int order, int ret)
{
	return zone_order_ret(MMT_COMPACTION_SUITABLE, zone, order, ret);
}

SEC("tp_btf/mm_compaction_migratepages")
int BPF_PROG(mmr_cpt_migrate, unsigned int nr_migratepages, unsigned int nr_succeeded)
{
	struct mmt_rec *r = rec_start(MMT_COMPACTION_MIGRATEPAGES, true);

	if (!r)
		return 0;
	r->val[0] = nr_succeeded;				/* nr_migrated */
	r->val[1] = nr_migratepages - nr_succeeded;		/* nr_failed */
	rec_send(r);
	return 0;
}

static __always_inline int isolate_event(enum mmt_type type, unsigned long start_pfn,
					 unsigned long end_pfn, unsigned long nr_scanned,
					 unsigned long nr_taken)
{
	struct mmt_rec *r = rec_start(type, true);

	if (!r)
		return 0;
	r->val[0] = start_pfn;
	r->val[1] = end_pfn;
	r->val[2] = nr_scanned;
	r->val[3] = nr_taken;
	rec_send(r);
	return 0;
}

SEC("tp_btf/mm_compaction_isolate_migratepages")
int BPF_PROG(mmr_cpt_iso_mig, unsigned long s, unsigned long e, unsigned long sc,
	     unsigned long t)
{
	return isolate_event(MMT_COMPACTION_ISOLATE_MIGRATEPAGES, s, e, sc, t);
}

SEC("tp_btf/mm_compaction_isolate_freepages")
int BPF_PROG(mmr_cpt_iso_free, unsigned long s, unsigned long e, unsigned long sc,
	     unsigned long t)
{
	return isolate_event(MMT_COMPACTION_ISOLATE_FREEPAGES, s, e, sc, t);
}

SEC("tp_btf/mm_compaction_fast_isolate_freepages")
int BPF_PROG(mmr_cpt_iso_fast, unsigned long s, unsigned long e, unsigned long sc,
	     unsigned long t)
{
	return isolate_event(MMT_COMPACTION_FAST_ISOLATE_FREEPAGES, s, e, sc, t);
}

SEC("tp_btf/mm_compaction_kcompactd_sleep")
int BPF_PROG(mmr_kcd_sleep, int nid)
{
	struct mmt_rec *r = rec_start(MMT_COMPACTION_KCOMPACTD_SLEEP, false);

	if (!r)
		return 0;
	r->val[0] = nid;
	rec_send(r);
	return 0;
}

static __always_inline int kcompactd_event(enum mmt_type type, int nid, int order, int zidx)
{
	struct mmt_rec *r = rec_start(type, false);

	if (!r)
		return 0;
	r->val[0] = nid;
	r->val[1] = order;
	r->val[2] = zidx;
	rec_send(r);
	return 0;
}

SEC("tp_btf/mm_compaction_kcompactd_wake")
int BPF_PROG(mmr_kcd_wake, int nid, int order, enum zone_type highest_zoneidx)
{
	return kcompactd_event(MMT_COMPACTION_KCOMPACTD_WAKE, nid, order, highest_zoneidx);
}

SEC("tp_btf/mm_compaction_wakeup_kcompactd")
int BPF_PROG(mmr_kcd_wakeup, int nid, int order, enum zone_type highest_zoneidx)
{
	return kcompactd_event(MMT_COMPACTION_WAKEUP_KCOMPACTD, nid, order, highest_zoneidx);
}

/* ---------------------------------------------------------------- reclaim */

static __always_inline int order_gfp(enum mmt_type type, int order, gfp_t gfp)
{
	struct mmt_rec *r = rec_start(type, true);

	if (!r)
		return 0;
	r->val[0] = order;
	r->val[1] = gfp;
	rec_send(r);
	return 0;
}

static __always_inline int reclaimed(enum mmt_type type, unsigned long nr)
{
	struct mmt_rec *r = rec_start(type, true);

	if (!r)
		return 0;
	r->val[0] = nr;
	rec_send(r);
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(mmr_dr_begin, int order, gfp_t gfp_flags)
{
	return order_gfp(MMT_DIRECT_RECLAIM_BEGIN, order, gfp_flags);
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(mmr_dr_end, unsigned long nr_reclaimed)
{
	return reclaimed(MMT_DIRECT_RECLAIM_END, nr_reclaimed);
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(mmr_memcg_begin, int order, gfp_t gfp_flags)
{
	return order_gfp(MMT_MEMCG_RECLAIM_BEGIN, order, gfp_flags);
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(mmr_memcg_end, unsigned long nr_reclaimed)
{
	return reclaimed(MMT_MEMCG_RECLAIM_END, nr_reclaimed);
}

SEC("tp_btf/mm_vmscan_memcg_softlimit_reclaim_begin")
int BPF_PROG(mmr_soft_begin, int order, gfp_t gfp_flags)
{
	return order_gfp(MMT_MEMCG_SOFTLIMIT_RECLAIM_BEGIN, order, gfp_flags);
}

SEC("tp_btf/mm_vmscan_memcg_softlimit_reclaim_end")
int BPF_PROG(mmr_soft_end, unsigned long nr_reclaimed)
{
	return reclaimed(MMT_MEMCG_SOFTLIMIT_RECLAIM_END, nr_reclaimed);
}

SEC("tp_btf/mm_vmscan_node_reclaim_begin")
int BPF_PROG(mmr_node_begin, int nid, int order, gfp_t gfp_flags)
{
	struct mmt_rec *r = rec_start(MMT_NODE_RECLAIM_BEGIN, true);

	if (!r)
		return 0;
	r->val[0] = nid;
	r->val[1] = order;
	r->val[2] = gfp_flags;
	rec_send(r);
	return 0;
}

SEC("tp_btf/mm_vmscan_node_reclaim_end")
int BPF_PROG(mmr_node_end, unsigned long nr_reclaimed)
{
	return reclaimed(MMT_NODE_RECLAIM_END, nr_reclaimed);
}

SEC("tp_btf/mm_vmscan_kswapd_wake")
int BPF_PROG(mmr_kswapd_wake, int nid, int zid, int order)
{
	struct mmt_rec *r = rec_start(MMT_KSWAPD_WAKE, false);

	if (!r)
		return 0;
	r->val[0] = nid;
	r->val[1] = zid;
	r->val[2] = order;
	rec_send(r);
	return 0;
}

SEC("tp_btf/mm_vmscan_kswapd_sleep")
int BPF_PROG(mmr_kswapd_sleep, int nid)
{
	struct mmt_rec *r = rec_start(MMT_KSWAPD_SLEEP, false);

	if (!r)
		return 0;
	r->val[0] = nid;
	rec_send(r);
	return 0;
}

SEC("tp_btf/mm_vmscan_wakeup_kswapd")
int BPF_PROG(mmr_wakeup_kswapd, int nid, int zid, int order, gfp_t gfp_flags)
{
	struct mmt_rec *r = rec_start(MMT_WAKEUP_KSWAPD, false);

	if (!r)
		return 0;
	r->val[0] = nid;
	r->val[1] = zid;
	r->val[2] = order;
	r->val[3] = gfp_flags;
	rec_send(r);
	return 0;
}

SEC("tp_btf/mm_vmscan_throttled")
int BPF_PROG(mmr_throttled, int nid, int usec_timeout, int usec_delayed, int reason)
{
	struct mmt_rec *r = rec_start(MMT_VMSCAN_THROTTLED, true);

	if (!r)
		return 0;
	r->val[0] = nid;
	r->val[1] = usec_timeout;
	r->val[2] = usec_delayed;
	r->val[3] = 1u << reason;	/* the event stores a mask: 1U << reason */
	rec_send(r);
	return 0;
}

/* ---------------------------------------------------------------- oom */

SEC("tp_btf/compact_retry")
int BPF_PROG(mmr_compact_retry, int order, enum compact_priority priority,
	     enum compact_result result, int retries, int max_retries, bool ret)
{
	struct mmt_rec *r = rec_start(MMT_COMPACT_RETRY, true);
	int feedback;

	if (!r)
		return 0;
	/* the event stores compact_result_to_feedback(result): failed 1, withdrawn 2,
	 * progress 3 (values from the event's print format) */
	if (result == bpf_core_enum_value(enum compact_result, COMPACT_COMPLETE))
		feedback = 1;
	else if (result == bpf_core_enum_value(enum compact_result, COMPACT_SUCCESS))
		feedback = 3;
	else
		feedback = 2;
	r->val[0] = order;
	r->val[1] = priority;
	r->val[2] = feedback;
	r->val[3] = retries;
	r->val[4] = max_retries;
	r->val[5] = ret;
	rec_send(r);
	return 0;
}

SEC("tp_btf/reclaim_retry_zone")
int BPF_PROG(mmr_retry_zone, struct zone *zone, int order, unsigned long reclaimable,
	     unsigned long available, unsigned long min_wmark, int no_progress_loops,
	     bool wmark_check)
{
	struct mmt_rec *r = rec_start(MMT_RECLAIM_RETRY_ZONE, true);

	if (!r)
		return 0;
	r->val[0] = zone_nid(zone);
	r->val[1] = zone_index(zone);
	r->val[2] = order;
	r->val[3] = reclaimable;
	r->val[4] = available;
	r->val[5] = min_wmark;
	r->val[6] = no_progress_loops;
	r->val[7] = wmark_check;
	rec_send(r);
	return 0;
}

static __always_inline __s64 rss_kb(struct mm_struct *mm, int member)
{
	__s64 v = BPF_CORE_READ(mm, rss_stat[member].count);

	return (v < 0 ? 0 : v) << (page_shift - 10);
}

SEC("tp_btf/mark_victim")
int BPF_PROG(mmr_mark_victim, struct task_struct *task, uid_t uid)
{
	struct mmt_rec *r = rec_start(MMT_MARK_VICTIM, true);
	struct mm_struct *mm;

	if (!r)
		return 0;
	mm = BPF_CORE_READ(task, mm);
	r->val[0] = BPF_CORE_READ(task, pid);
	r->val[1] = 0;		/* comm: the string is in the comm slots */
	if (mm) {
		r->val[2] = BPF_CORE_READ(mm, total_vm) << (page_shift - 10);
		r->val[3] = rss_kb(mm, MM_ANONPAGES);
		r->val[4] = rss_kb(mm, MM_FILEPAGES);
		r->val[5] = rss_kb(mm, MM_SHMEMPAGES);
		r->val[7] = BPF_CORE_READ(mm, pgtables_bytes.counter) >> 10;
	} else {
		r->val[2] = r->val[3] = r->val[4] = r->val[5] = r->val[7] = 0;
	}
	r->val[6] = uid;
	r->val[8] = BPF_CORE_READ(task, signal, oom_score_adj);
	r->val[9] = r->val[10] = 0;
	r->val[MMT_COMM_SLOT] = r->val[MMT_COMM_SLOT + 1] = 0;
	bpf_probe_read_kernel_str(&r->val[MMT_COMM_SLOT], MMT_COMM_LEN, &task->comm);
	rec_send(r);
	return 0;
}

SEC("tp_btf/oom_score_adj_update")
int BPF_PROG(mmr_oom_adj, struct task_struct *task)
{
	struct mmt_rec *r = rec_start(MMT_OOM_SCORE_ADJ_UPDATE, false);

	if (!r)
		return 0;
	r->val[0] = BPF_CORE_READ(task, pid);
	r->val[1] = 0;
	r->val[2] = BPF_CORE_READ(task, signal, oom_score_adj);
	r->val[MMT_COMM_SLOT] = r->val[MMT_COMM_SLOT + 1] = 0;
	bpf_probe_read_kernel_str(&r->val[MMT_COMM_SLOT], MMT_COMM_LEN, &task->comm);
	rec_send(r);
	return 0;
}

static __always_inline int reaper_event(enum mmt_type type, int pid)
{
	struct mmt_rec *r = rec_start(type, false);

	if (!r)
		return 0;
	r->val[0] = pid;
	rec_send(r);
	return 0;
}

SEC("tp_btf/wake_reaper")
int BPF_PROG(mmr_wake_reaper, int pid)
{
	return reaper_event(MMT_WAKE_REAPER, pid);
}

SEC("tp_btf/start_task_reaping")
int BPF_PROG(mmr_start_reap, int pid)
{
	return reaper_event(MMT_START_TASK_REAPING, pid);
}

SEC("tp_btf/finish_task_reaping")
int BPF_PROG(mmr_finish_reap, int pid)
{
	return reaper_event(MMT_FINISH_TASK_REAPING, pid);
}

SEC("tp_btf/skip_task_reaping")
int BPF_PROG(mmr_skip_reap, int pid)
{
	return reaper_event(MMT_SKIP_TASK_REAPING, pid);
}
