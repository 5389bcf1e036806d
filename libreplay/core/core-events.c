/*
 * core/core-events.c - the catalog of events with a typed table: field lists in
 * the kernel's names and order (as in the v6.19 format files), and lookups.
 * The schema (schema/0001-init.sql) has one table per entry with these columns;
 * tests/unit/test-store.c checks that the two agree.
 */
#include <string.h>
#include "core-local.h"

#define F(...) (const char *const[]){ __VA_ARGS__ }
#define N(...) (sizeof(F(__VA_ARGS__)) / sizeof(const char *))

/* Field lists per type; columns equal fields unless COLS() says otherwise. */
#define FIELDS_PAGE_ALLOC		"pfn", "order", "gfp_flags", "migratetype"
#define FIELDS_PAGE_FREE		"pfn", "order"
#define FIELDS_PAGE_FREE_BATCHED	"pfn"
#define FIELDS_PAGE_ALLOC_ZONE_LOCKED	"pfn", "order", "migratetype", "percpu_refill"
#define FIELDS_PAGE_PCPU_DRAIN		"pfn", "order", "migratetype"
#define FIELDS_PAGE_ALLOC_EXTFRAG	"pfn", "alloc_order", "fallback_order", \
					"alloc_migratetype", "fallback_migratetype", "change_ownership"
#define FIELDS_COMPACTION_BEGIN		"zone_start", "migrate_pfn", "free_pfn", "zone_end", "sync"
#define FIELDS_COMPACTION_END		"zone_start", "migrate_pfn", "free_pfn", "zone_end", \
					"sync", "status"
#define FIELDS_DEFER			"nid", "idx", "order", "considered", "defer_shift", \
					"order_failed"
#define FIELDS_COMPACTION_DEFER_COMPACTION FIELDS_DEFER
#define FIELDS_COMPACTION_DEFER_RESET	FIELDS_DEFER
#define FIELDS_COMPACTION_DEFERRED	FIELDS_DEFER
#define FIELDS_ISOLATE			"start_pfn", "end_pfn", "nr_scanned", "nr_taken"
#define FIELDS_COMPACTION_FAST_ISOLATE_FREEPAGES FIELDS_ISOLATE
#define FIELDS_COMPACTION_ISOLATE_FREEPAGES	FIELDS_ISOLATE
#define FIELDS_COMPACTION_ISOLATE_MIGRATEPAGES	FIELDS_ISOLATE
#define FIELDS_COMPACTION_FINISHED	"nid", "idx", "order", "ret"
#define FIELDS_COMPACTION_SUITABLE	"nid", "idx", "order", "ret"
#define FIELDS_COMPACTION_KCOMPACTD_SLEEP "nid"
#define FIELDS_COMPACTION_KCOMPACTD_WAKE "nid", "order", "highest_zoneidx"
#define FIELDS_COMPACTION_WAKEUP_KCOMPACTD "nid", "order", "highest_zoneidx"
#define FIELDS_COMPACTION_MIGRATEPAGES	"nr_migrated", "nr_failed"
#define FIELDS_COMPACTION_TRY_TO_COMPACT_PAGES "order", "gfp_mask", "prio"
#define FIELDS_DIRECT_RECLAIM_BEGIN	"order", "gfp_flags"
#define FIELDS_DIRECT_RECLAIM_END	"nr_reclaimed"
#define FIELDS_KSWAPD_WAKE		"nid", "zid", "order"
#define FIELDS_KSWAPD_SLEEP		"nid"
#define FIELDS_WAKEUP_KSWAPD		"nid", "zid", "order", "gfp_flags"
#define FIELDS_LRU_SHRINK_INACTIVE	"nid", "nr_scanned", "nr_reclaimed", "nr_dirty", \
					"nr_writeback", "nr_congested", "nr_immediate", \
					"nr_activate0", "nr_activate1", "nr_ref_keep", \
					"nr_unmap_fail", "priority", "reclaim_flags"
#define FIELDS_LRU_SHRINK_ACTIVE	"nid", "nr_taken", "nr_active", "nr_deactivated", \
					"nr_referenced", "priority", "reclaim_flags"
#define FIELDS_MEMCG_RECLAIM_BEGIN	"order", "gfp_flags"
#define FIELDS_MEMCG_RECLAIM_END	"nr_reclaimed"
#define FIELDS_MEMCG_SOFTLIMIT_RECLAIM_BEGIN "order", "gfp_flags"
#define FIELDS_MEMCG_SOFTLIMIT_RECLAIM_END "nr_reclaimed"
#define FIELDS_NODE_RECLAIM_BEGIN	"nid", "order", "gfp_flags"
#define FIELDS_NODE_RECLAIM_END		"nr_reclaimed"
#define FIELDS_VMSCAN_THROTTLED		"nid", "usec_timeout", "usec_delayed", "reason"
#define FIELDS_COMPACT_RETRY		"order", "priority", "result", "retries", \
					"max_retries", "ret"
#define FIELDS_RECLAIM_RETRY_ZONE	"node", "zone_idx", "order", "reclaimable", \
					"available", "min_wmark", "no_progress_loops", "wmark_check"
#define FIELDS_MARK_VICTIM		"pid", "comm", "total_vm", "anon_rss", "file_rss", \
					"shmem_rss", "uid", "pgtables", "oom_score_adj"
#define FIELDS_OOM_SCORE_ADJ_UPDATE	"pid", "comm", "oom_score_adj"
#define FIELDS_WAKE_REAPER		"pid"
#define FIELDS_START_TASK_REAPING	"pid"
#define FIELDS_FINISH_TASK_REAPING	"pid"
#define FIELDS_SKIP_TASK_REAPING	"pid"

/* Kernel fields renamed in the table because they collide with the common `pid`. */
#define COLS_MARK_VICTIM		"victim_pid", "comm", "total_vm", "anon_rss", "file_rss", \
					"shmem_rss", "uid", "pgtables", "oom_score_adj"
#define COLS_OOM_SCORE_ADJ_UPDATE	"task_pid", "comm", "oom_score_adj"
#define COLS_VICTIM			"victim_pid"

#define DESC(id, sys, nm, cols, str)						\
	[MMR_EV_##id] = { MMR_EV_##id, #sys, #nm, N(FIELDS_##id), F(FIELDS_##id),	\
			  F(cols), str },
#define PLAIN(id, sys, nm) DESC(id, sys, nm, FIELDS_##id, -1)

static const struct mmr_event_desc descs[MMR_EV__COUNT] = {
	PLAIN(PAGE_ALLOC, kmem, mm_page_alloc)
	PLAIN(PAGE_FREE, kmem, mm_page_free)
	PLAIN(PAGE_FREE_BATCHED, kmem, mm_page_free_batched)
	PLAIN(PAGE_ALLOC_ZONE_LOCKED, kmem, mm_page_alloc_zone_locked)
	PLAIN(PAGE_PCPU_DRAIN, kmem, mm_page_pcpu_drain)
	PLAIN(PAGE_ALLOC_EXTFRAG, kmem, mm_page_alloc_extfrag)
	PLAIN(COMPACTION_BEGIN, compaction, mm_compaction_begin)
	PLAIN(COMPACTION_END, compaction, mm_compaction_end)
	PLAIN(COMPACTION_DEFER_COMPACTION, compaction, mm_compaction_defer_compaction)
	PLAIN(COMPACTION_DEFER_RESET, compaction, mm_compaction_defer_reset)
	PLAIN(COMPACTION_DEFERRED, compaction, mm_compaction_deferred)
	PLAIN(COMPACTION_FAST_ISOLATE_FREEPAGES, compaction, mm_compaction_fast_isolate_freepages)
	PLAIN(COMPACTION_ISOLATE_FREEPAGES, compaction, mm_compaction_isolate_freepages)
	PLAIN(COMPACTION_ISOLATE_MIGRATEPAGES, compaction, mm_compaction_isolate_migratepages)
	PLAIN(COMPACTION_FINISHED, compaction, mm_compaction_finished)
	PLAIN(COMPACTION_SUITABLE, compaction, mm_compaction_suitable)
	PLAIN(COMPACTION_KCOMPACTD_SLEEP, compaction, mm_compaction_kcompactd_sleep)
	PLAIN(COMPACTION_KCOMPACTD_WAKE, compaction, mm_compaction_kcompactd_wake)
	PLAIN(COMPACTION_WAKEUP_KCOMPACTD, compaction, mm_compaction_wakeup_kcompactd)
	PLAIN(COMPACTION_MIGRATEPAGES, compaction, mm_compaction_migratepages)
	PLAIN(COMPACTION_TRY_TO_COMPACT_PAGES, compaction, mm_compaction_try_to_compact_pages)
	PLAIN(DIRECT_RECLAIM_BEGIN, vmscan, mm_vmscan_direct_reclaim_begin)
	PLAIN(DIRECT_RECLAIM_END, vmscan, mm_vmscan_direct_reclaim_end)
	PLAIN(KSWAPD_WAKE, vmscan, mm_vmscan_kswapd_wake)
	PLAIN(KSWAPD_SLEEP, vmscan, mm_vmscan_kswapd_sleep)
	PLAIN(WAKEUP_KSWAPD, vmscan, mm_vmscan_wakeup_kswapd)
	PLAIN(LRU_SHRINK_INACTIVE, vmscan, mm_vmscan_lru_shrink_inactive)
	PLAIN(LRU_SHRINK_ACTIVE, vmscan, mm_vmscan_lru_shrink_active)
	PLAIN(MEMCG_RECLAIM_BEGIN, vmscan, mm_vmscan_memcg_reclaim_begin)
	PLAIN(MEMCG_RECLAIM_END, vmscan, mm_vmscan_memcg_reclaim_end)
	PLAIN(MEMCG_SOFTLIMIT_RECLAIM_BEGIN, vmscan, mm_vmscan_memcg_softlimit_reclaim_begin)
	PLAIN(MEMCG_SOFTLIMIT_RECLAIM_END, vmscan, mm_vmscan_memcg_softlimit_reclaim_end)
	PLAIN(NODE_RECLAIM_BEGIN, vmscan, mm_vmscan_node_reclaim_begin)
	PLAIN(NODE_RECLAIM_END, vmscan, mm_vmscan_node_reclaim_end)
	PLAIN(VMSCAN_THROTTLED, vmscan, mm_vmscan_throttled)
	PLAIN(COMPACT_RETRY, oom, compact_retry)
	PLAIN(RECLAIM_RETRY_ZONE, oom, reclaim_retry_zone)
	DESC(MARK_VICTIM, oom, mark_victim, COLS_MARK_VICTIM, 1)
	DESC(OOM_SCORE_ADJ_UPDATE, oom, oom_score_adj_update, COLS_OOM_SCORE_ADJ_UPDATE, 1)
	DESC(WAKE_REAPER, oom, wake_reaper, COLS_VICTIM, -1)
	DESC(START_TASK_REAPING, oom, start_task_reaping, COLS_VICTIM, -1)
	DESC(FINISH_TASK_REAPING, oom, finish_task_reaping, COLS_VICTIM, -1)
	DESC(SKIP_TASK_REAPING, oom, skip_task_reaping, COLS_VICTIM, -1)
};

const struct mmr_event_desc *mmr_event_desc(enum mmr_event_type type)
{
	if ((int)type <= MMR_EV_GENERIC || type >= MMR_EV__COUNT)
		return NULL;
	return &descs[type];
}

enum mmr_event_type mmr_event_lookup(const char *system, const char *name)
{
	for (int t = MMR_EV_GENERIC + 1; t < MMR_EV__COUNT; t++) {
		if (!strcmp(descs[t].name, name) && (!system || !strcmp(descs[t].system, system)))
			return (enum mmr_event_type)t;
	}
	return MMR_EV_GENERIC;
}

int mmr_event_field(enum mmr_event_type type, const char *field)
{
	const struct mmr_event_desc *d = mmr_event_desc(type);

	if (!d)
		return -1;
	for (unsigned int i = 0; i < d->nr_fields; i++)
		if (!strcmp(d->kfields[i], field))
			return (int)i;
	return -1;
}

void mmr_event_init(struct mmr_event *ev, enum mmr_event_type type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
}

const char *mmr_migratetype_name(int mt)
{
	static const char *const names[MMR_MT__COUNT] = {
		"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
	};

	if (mt < 0 || mt >= MMR_MT__COUNT)
		return "unknown";
	return names[mt];
}
