/*
 * model/model-compact.c - direct compaction, kcompactd and proactive compaction.
 * Mirrors mm/compaction.c of MODEL_KERNEL (kernel-model.md §4): scanners and cached
 * positions, skip bits, suitable_migration_source/target (with fix 2/4 as a switch),
 * fast_find_migrateblock(), the free scanner, migration through compaction_alloc(),
 * __compact_finished(), deferral, compaction_suitable() and the fragmentation index.
 * compact_zone() is split into begin/step/end so kcompactd can run it a loop
 * iteration at a time at its CPU share.
 * Divergences: no lock contention or need_resched (CONTENDED only from a failed free
 * page isolation); migration succeeds unless sysctl.migrate_fail_permille says
 * otherwise; fast_isolate_freepages() keeps its search but not the stride tuning;
 * __reset_isolation_suitable() clears skip bits of blocks with free or movable pages
 * instead of sampling every eighth page.
 */
#include "model-local.h"

enum isolate_result { ISOLATE_NONE, ISOLATE_SUCCESS };

static inline uint32_t pb_start(uint32_t idx) { return idx & ~(uint32_t)(PB_PAGES - 1); }
static inline bool pb_aligned(uint32_t idx) { return !(idx & (PB_PAGES - 1)); }

/* ALIGN(pfn + 1, 1 << order) in absolute pfns, as a zone index. */
static uint32_t block_end_idx(const struct model_zone *z, uint32_t idx, int order)
{
	uint64_t pfn = model_pfn(z, idx), size = 1ull << (order < 0 ? 0 : order);

	return (uint32_t)(((pfn + size) & ~(size - 1)) - z->start_pfn);
}

static uint32_t block_start_idx(const struct model_zone *z, uint32_t idx, int order)
{
	uint64_t pfn = model_pfn(z, idx), size = 1ull << (order < 0 ? 0 : order);
	uint64_t s = pfn & ~(size - 1);

	return s < z->start_pfn ? 0 : (uint32_t)(s - z->start_pfn);
}

static void emit_defer(struct mmr_model *m, enum mmr_event_type t, struct model_zone *z,
		       int order, int32_t pid)
{
	EMIT(m, pid, t, m->cfg.nid, z->idx, order, z->considered, z->defer_shift, z->order_failed);
}

void defer_compaction(struct mmr_model *m, struct model_zone *z, int order, int32_t pid)
{
	z->considered = 0;
	if (++z->defer_shift > COMPACT_MAX_DEFER_SHIFT)
		z->defer_shift = COMPACT_MAX_DEFER_SHIFT;
	if (order < z->order_failed)
		z->order_failed = order;
	emit_defer(m, MMR_EV_COMPACTION_DEFER_COMPACTION, z, order, pid);
}

bool compaction_deferred(struct mmr_model *m, struct model_zone *z, int order, int32_t pid)
{
	unsigned int limit = 1u << z->defer_shift;

	if (order < z->order_failed)
		return false;
	if (++z->considered >= limit) {
		z->considered = limit;
		return false;
	}
	emit_defer(m, MMR_EV_COMPACTION_DEFERRED, z, order, pid);
	return true;
}

void compaction_defer_reset(struct mmr_model *m, struct model_zone *z, int order, bool success,
			    int32_t pid)
{
	if (success) {
		z->considered = 0;
		z->defer_shift = 0;
	}
	if (order >= z->order_failed)
		z->order_failed = order + 1;
	emit_defer(m, MMR_EV_COMPACTION_DEFER_RESET, z, order, pid);
}

static bool compaction_restarting(const struct model_zone *z, int order)
{
	return order >= z->order_failed && z->defer_shift == COMPACT_MAX_DEFER_SHIFT &&
	       z->considered >= 1u << z->defer_shift;
}

/* fill_contig_page_info() */
static void contig_info(const struct model_zone *z, unsigned int order, uint64_t *free_pages,
			uint64_t *blocks_total, uint64_t *blocks_suitable)
{
	*free_pages = *blocks_total = *blocks_suitable = 0;
	for (unsigned int o = 0; o < NR_ORDERS; o++) {
		*blocks_total += z->area_nr[o];
		*free_pages += z->area_nr[o] << o;
		if (o >= order)
			*blocks_suitable += z->area_nr[o] << (o - order);
	}
}

int fragmentation_index(const struct model_zone *z, unsigned int order)
{
	uint64_t free, total, suitable;

	contig_info(z, order, &free, &total, &suitable);
	if (!total)
		return 0;
	if (suitable)
		return -1000;
	return 1000 - (int)((1000 + free * 1000 / (1ull << order)) / total);
}

/* extfrag_for_order(zone, pageblock order): % of free memory in blocks below order 9 */
unsigned int fragmentation_score_zone(const struct model_zone *z)
{
	uint64_t free, total, suitable;

	contig_info(z, PB_ORDER, &free, &total, &suitable);
	if (!free)
		return 0;
	return (unsigned int)((free - (suitable << PB_ORDER)) * 100 / free);
}

/* __compaction_suitable(): order-0 free pages above mark + gap (+ low - min if costly) */
bool compaction_suitable_free(const struct mmr_model *m, const struct model_zone *z, int order,
			      uint64_t mark, int highest_zoneidx, int64_t free)
{
	mark += compact_gap(order);
	if (order > COSTLY_ORDER)
		mark += z->wmark[ALLOC_WMARK_LOW] - z->wmark[ALLOC_WMARK_MIN];
	return zone_watermark_ok(m, z, 0, mark, highest_zoneidx, ALLOC_CMA, free);
}

bool compaction_suitable(struct mmr_model *m, struct model_zone *z, int order, uint64_t mark,
			 int highest_zoneidx, int32_t pid)
{
	bool ok = compaction_suitable_free(m, z, order, mark, highest_zoneidx,
					   (int64_t)z->nr_free_pages);
	enum compact_result ret = ok ? COMPACT_CONTINUE : COMPACT_SKIPPED;

	if (ok && order > COSTLY_ORDER) {
		int fi = fragmentation_index(z, (unsigned int)order);

		if (fi >= 0 && fi <= (int)m->cfg.sysctl.extfrag_threshold) {
			ok = false;
			ret = COMPACT_NOT_SUITABLE_ZONE;
		}
	}
	EMIT(m, pid, MMR_EV_COMPACTION_SUITABLE, m->cfg.nid, z->idx, order, ret);
	return ok;
}

enum compact_result compaction_suit_allocation_order(struct mmr_model *m, struct model_zone *z,
						     int order, int highest_zoneidx,
						     unsigned int alloc_flags, bool async,
						     bool kcompactd, int32_t pid)
{
	uint64_t free = kcompactd && m->cfg.policy.defrag_mode ? z->nr_free_blocks :
			z->nr_free_pages;
	uint64_t mark = wmark_pages(z, alloc_flags & ALLOC_WMARK_MASK);

	if (zone_watermark_ok(m, z, (unsigned int)order, mark, highest_zoneidx, alloc_flags,
			      (int64_t)free))
		return COMPACT_SUCCESS;
	if (order > COSTLY_ORDER && async && !(alloc_flags & ALLOC_CMA)) {
		uint64_t w = wmark_pages(z, ALLOC_WMARK_LOW) + compact_gap(order);

		if (!zone_watermark_ok(m, z, 0, w, highest_zoneidx, 0, (int64_t)z->nr_free_pages))
			return COMPACT_SKIPPED;
	}
	if (!compaction_suitable(m, z, order, mark, highest_zoneidx, pid))
		return COMPACT_SKIPPED;
	return COMPACT_CONTINUE;
}

/* pageblock_skip_persistent(): the block holds (part of) an allocation of order >= 9 */
static bool block_persistent(const struct model_zone *z, uint32_t start)
{
	const struct model_page *p = &z->pages[start];

	if (pg_state(p) == PS_ALLOC)
		return pg_alloc_order(p) >= PB_ORDER;
	if (pg_state(p) == PS_TAIL && start >= PB_PAGES) {
		const struct model_page *h = &z->pages[start - PB_PAGES];

		return pg_state(h) == PS_ALLOC && pg_alloc_order(h) > PB_ORDER;
	}
	return false;
}

/*
 * suitable_migration_source(): v6.19, or fix 2/4's decision order: (1) persistent
 * THP block: no; (2) not direct: yes; (3) CMA without ALLOC_CMA: no; (4) not async:
 * yes; (5) movable request or cc->order >= pageblock order: MOVABLE/CMA blocks;
 * (6) else the request's own type.
 */
bool suitable_migration_source(const struct mmr_model *m, const struct model_cc *cc,
			       uint32_t block_start)
{
	unsigned int bmt = block_mt(cc->zone, block_start);

	if (block_persistent(cc->zone, block_start))
		return false;
	if (!m->cfg.policy.p2_source_gates) {
		if (cc->mode != MODE_ASYNC || !cc->direct)
			return true;
		if (cc->mt == MT_MOVABLE)
			return is_movable_mt(bmt);
		return (int)bmt == cc->mt;
	}
	if (!cc->direct)
		return true;
	if (bmt == MT_CMA && !(cc->alloc_flags & ALLOC_CMA))
		return false;
	if (cc->mode != MODE_ASYNC)
		return true;
	if (cc->mt == MT_MOVABLE || cc->order >= PB_ORDER)
		return is_movable_mt(bmt);
	return (int)bmt == cc->mt;
}

bool suitable_migration_target(const struct model_cc *cc, uint32_t block_start)
{
	const struct model_page *p = &cc->zone->pages[block_start];

	if (pg_state(p) == PS_BUDDY) {
		int order = cc->order > 0 ? cc->order : PB_ORDER;

		if ((int)pg_free_order(p) >= order)
			return false;
	}
	if (cc->ignore_block_suitable)
		return true;
	return is_movable_mt(block_mt(cc->zone, block_start));
}

static bool isolation_suitable(const struct model_cc *cc, uint32_t idx)
{
	return cc->ignore_skip_hint || !(cc->zone->blocks[idx >> PB_ORDER].flags & PB_SKIP);
}

static void reset_cached_positions(struct model_zone *z)
{
	z->cached_migrate[0] = z->cached_migrate[1] = 0;
	z->cached_free = pb_start(z->nr_pages - 1);
}

/* __reset_isolation_suitable(): after a full compaction, forget the skip hints. */
static void reset_zone_skip(struct model_zone *z)
{
	uint32_t reset_migrate = NIL, reset_free = NIL;

	if (!z->blockskip_flush)
		return;
	z->blockskip_flush = false;
	for (uint32_t b = 0; b < z->nr_blocks; b++) {
		struct model_block *blk = &z->blocks[b];

		if (blk->nr_movable || blk->nr_free)
			blk->flags &= ~PB_SKIP;
		if (reset_migrate == NIL && blk->nr_movable)
			reset_migrate = b * PB_PAGES;
		if (blk->nr_free && blk->mt == MT_MOVABLE)
			reset_free = b * PB_PAGES;
	}
	if (reset_migrate == NIL || reset_free == NIL || reset_migrate >= reset_free) {
		reset_cached_positions(z);
		return;
	}
	z->init_migrate = z->cached_migrate[0] = z->cached_migrate[1] = reset_migrate;
	z->init_free = z->cached_free = reset_free;
}

void reset_isolation_suitable(struct mmr_model *m)
{
	for (unsigned int i = 0; i < m->nr_zones; i++)
		reset_zone_skip(&m->zones[i]);
}

/* The caller passes the end of the block it finished, as the kernel does. */
static void update_cached_migrate(struct model_cc *cc, uint32_t idx)
{
	struct model_zone *z = cc->zone;
	uint32_t end = pb_start(idx) + PB_PAGES;	/* pageblock_end_pfn() */

	if (end > z->nr_pages)
		end = z->nr_pages;
	if (end > z->cached_migrate[0])
		z->cached_migrate[0] = end;
	if (cc->mode != MODE_ASYNC && end > z->cached_migrate[1])
		z->cached_migrate[1] = end;
}

static unsigned int freelist_scan_limit(const struct model_cc *cc)
{
	unsigned int shift = cc->fast_search_fail < 31 ? cc->fast_search_fail : 31;

	return (CLUSTER_MAX >> shift) + 1;
}

static void update_fast_start_pfn(struct model_cc *cc, uint32_t idx)
{
	if (cc->fast_start_pfn == UINT64_MAX)
		return;
	if (!cc->fast_start_pfn || idx + 1ull < cc->fast_start_pfn)
		cc->fast_start_pfn = idx + 1ull;
}

static uint32_t reinit_migrate_pfn(struct model_cc *cc)
{
	if (!cc->fast_start_pfn || cc->fast_start_pfn == UINT64_MAX)
		return cc->migrate_pfn;
	cc->migrate_pfn = (uint32_t)(cc->fast_start_pfn - 1);
	cc->fast_start_pfn = UINT64_MAX;
	return cc->migrate_pfn;
}

/* fast_find_migrateblock(): a MOVABLE free page low in the zone marks a block to empty. */
static uint32_t fast_find_migrateblock(struct mmr_model *m, struct model_cc *cc)
{
	struct model_zone *z = cc->zone;
	unsigned int limit = freelist_scan_limit(cc), nr_scanned = 0;
	uint32_t pfn = cc->migrate_pfn, distance, high_pfn;
	bool found = false;

	if (cc->ignore_skip_hint || cc->finish_pageblock)
		return pfn;
	if (pfn != 0 && pfn != pb_start(pfn))
		return pfn;
	if (cc->order <= COSTLY_ORDER)
		return pfn;
	if (cc->direct && cc->mt != MT_MOVABLE &&
	    !(m->cfg.policy.p2_source_gates && cc->order >= PB_ORDER))
		return pfn;
	distance = (cc->free_pfn - cc->migrate_pfn) >> 1;
	if (cc->migrate_pfn != 0)
		distance >>= 2;
	high_pfn = pb_start(cc->migrate_pfn + distance);
	for (int order = cc->order - 1; order >= COSTLY_ORDER && !found && nr_scanned < limit;
	     order--) {
		struct freelist *l = &z->area[order][MT_MOVABLE];

		for (uint32_t e = l->head; e != NIL; e = pg_next(&z->pages[e])) {
			if (nr_scanned++ >= limit) {
				list_rotate_after(z, l, e);
				break;
			}
			if (e < high_pfn) {
				if (z->blocks[e >> PB_ORDER].flags & PB_SKIP)
					continue;
				list_rotate_after(z, l, e);
				update_fast_start_pfn(cc, e);
				pfn = pb_start(e);
				cc->fast_search_fail = 0;
				found = true;
				break;
			}
		}
	}
	cc->actor->work->compact_migrate_scanned += nr_scanned;
	if (!found) {
		cc->fast_search_fail++;
		pfn = reinit_migrate_pfn(cc);
	}
	return pfn;
}

/* isolate_migratepages_block(): up to 32 pages of movable allocations from one block. */
static void isolate_migratepages_block(struct mmr_model *m, struct model_cc *cc, uint32_t low,
				       uint32_t end)
{
	struct model_zone *z = cc->zone;
	bool skip_on_failure = cc->direct && cc->mode == MODE_ASYNC;
	bool valid = false, skip_updated = false;
	uint32_t start = low, next_skip = skip_on_failure ? block_end_idx(z, low, cc->order) : 0;
	uint64_t nr_scanned = 0, nr_isolated = 0;

	for (; low < end; low++) {
		const struct model_page *p = &z->pages[low];
		unsigned int st, o;

		if (skip_on_failure && low >= next_skip) {
			if (nr_isolated)
				break;
			next_skip = block_end_idx(z, low, cc->order);
		}
		nr_scanned++;
		if (!valid && (pb_aligned(low) || low == 0)) {
			if (!isolation_suitable(cc, low)) {
				low = end;
				goto abort;
			}
			valid = true;
		}
		st = pg_state(p);
		if (st == PS_BUDDY) {
			o = pg_free_order(p);
			low += (1u << o) - 1;
			nr_scanned += (1u << o) - 1;
			continue;
		}
		if (st != PS_ALLOC)
			goto fail;
		o = pg_alloc_order(p);
		if (o && ((cc->order >= 0 && (int)o >= cc->order) || o >= PB_ORDER)) {
			low += (1u << o) - 1;
			nr_scanned += (1u << o) - 1;
			goto fail;
		}
		if (!pg_movable(p) || (p->w0 & A_RESERVED))
			goto fail;
		if (!skip_updated && valid) {
			struct model_block *b = &z->blocks[low >> PB_ORDER];

			skip_updated = true;
			if (!cc->ignore_skip_hint) {
				bool was = b->flags & PB_SKIP;

				b->flags |= PB_SKIP;
				if (was && !cc->finish_pageblock) {
					low = end;
					goto abort;
				}
			}
		}
		cc->migratepages[cc->nr_migrate_blocks++] = low;
		cc->nr_migratepages += 1u << o;
		nr_isolated += 1u << o;
		low += (1u << o) - 1;
		if (cc->nr_migratepages >= CLUSTER_MAX && !cc->finish_pageblock) {
			low++;
			break;
		}
		continue;
fail:
		if (!skip_on_failure)
			continue;
		if (nr_isolated) {
			cc->nr_migrate_blocks = 0;
			cc->nr_migratepages = 0;
			nr_isolated = 0;
		}
		if (low < next_skip) {
			low = next_skip - 1;
			next_skip += 1u << (cc->order < 0 ? 0 : cc->order);
		}
	}
abort:
	if (low > end)
		low = end;
	if (low == end && (!nr_isolated || cc->finish_pageblock)) {
		if (valid && !skip_updated)
			z->blocks[(end - 1) >> PB_ORDER].flags |= PB_SKIP;
		update_cached_migrate(cc, low);
	}
	EMIT(m, cc->actor->pid, MMR_EV_COMPACTION_ISOLATE_MIGRATEPAGES,
	     (int64_t)model_pfn(z, start), (int64_t)model_pfn(z, low), (int64_t)nr_scanned,
	     (int64_t)nr_isolated);
	cc->actor->work->compact_migrate_scanned += nr_scanned;
	cc->actor->work->compact_isolated += nr_isolated;
	cc->migrate_pfn = low;
}

static enum isolate_result isolate_migratepages(struct mmr_model *m, struct model_cc *cc)
{
	uint32_t low = fast_find_migrateblock(m, cc);
	uint32_t bstart = pb_start(low), bend = bstart + PB_PAGES;
	bool fast_block = low != cc->migrate_pfn && !cc->fast_search_fail;

	for (; bend <= cc->free_pfn; fast_block = false, cc->migrate_pfn = low = bend,
	     bstart = bend, bend += PB_PAGES) {
		if ((pb_aligned(low) || low == 0) && !fast_block && !isolation_suitable(cc, bstart))
			continue;
		if (!suitable_migration_source(m, cc, bstart)) {
			update_cached_migrate(cc, bend);
			continue;
		}
		isolate_migratepages_block(m, cc, low, bend);
		break;
	}
	return cc->nr_migratepages ? ISOLATE_SUCCESS : ISOLATE_NONE;
}

/* __isolate_free_page(): take a buddy for a migration target, watermark permitting. */
static bool isolate_free_page(struct mmr_model *m, struct model_cc *cc, uint32_t idx,
			      unsigned int order)
{
	struct model_zone *z = cc->zone;
	unsigned int mt = block_mt(z, idx);

	if (mt != MT_ISOLATE &&
	    !zone_watermark_ok(m, z, 0, z->wmark[ALLOC_WMARK_MIN] + (1ull << order), 0, ALLOC_CMA,
			       (int64_t)z->nr_free_pages))
		return false;
	freelist_del(z, idx, order, mt);
	pg_set_free(&z->pages[idx], PS_ISOLATED, order, NIL, NIL);
	list_push(z, &cc->freepages[order], idx, true);
	cc->nr_freepages += 1u << order;
	cc->actor->work->compact_isolated += 1u << order;
	if (order >= PB_ORDER - 1) {
		for (uint32_t b = pb_start(idx); b < idx + (1u << order); b += PB_PAGES) {
			unsigned int bmt = block_mt(z, b);

			if (is_mergeable_mt(bmt) && bmt != MT_MOVABLE)
				move_freepages_block(z, b, bmt, MT_MOVABLE);
		}
	}
	return true;
}

/* isolate_freepages_block(): Return: pages isolated; *@start advanced. */
static uint64_t isolate_freepages_block(struct mmr_model *m, struct model_cc *cc,
					uint32_t *start, uint32_t end, unsigned int stride)
{
	struct model_zone *z = cc->zone;
	uint64_t nr_scanned = 0, total = 0;
	uint32_t b = *start;

	for (; b < end; b += stride) {
		const struct model_page *p = &z->pages[b];
		unsigned int o;

		nr_scanned++;
		if (pg_state(p) == PS_BUDDY) {
			o = pg_free_order(p);
			if (!isolate_free_page(m, cc, b, o))
				break;
			nr_scanned += (1u << o) - 1;
			total += 1u << o;
			if (cc->nr_migratepages <= cc->nr_freepages) {
				b += 1u << o;
				break;
			}
			b += (1u << o) - 1;
			continue;
		}
		if (pg_state(p) == PS_ALLOC && pg_alloc_order(p)) {
			o = pg_alloc_order(p);
			if (b + (1u << o) <= end) {
				b += (1u << o) - 1;
				nr_scanned += (1u << o) - 1;
			}
		}
	}
	if (b > end)
		b = end;
	EMIT(m, cc->actor->pid, MMR_EV_COMPACTION_ISOLATE_FREEPAGES, (int64_t)model_pfn(z, *start),
	     (int64_t)model_pfn(z, b), (int64_t)nr_scanned, (int64_t)total);
	cc->actor->work->compact_free_scanned += nr_scanned;
	*start = b;
	return total;
}

static int next_search_order(struct model_cc *cc, int order)
{
	order--;
	if (order < 0)
		order = cc->order - 1;
	if (order == cc->search_order) {
		cc->search_order--;
		if (cc->search_order < 0)
			cc->search_order = cc->order - 1;
		return -1;
	}
	return order;
}

/* fast_isolate_freepages(): a MOVABLE free page high in the zone, then around it. */
static void fast_isolate_freepages(struct mmr_model *m, struct model_cc *cc)
{
	struct model_zone *z = cc->zone;
	unsigned int limit = freelist_scan_limit(cc) >> 1, nr_scanned = 0;
	uint32_t low_pfn, min_pfn, distance, page = NIL, highest = NIL;
	uint64_t total = 0;
	bool scan_start = false;

	if (cc->order <= 0)
		return;
	/* scanners met (or crossed): the distance below would wrap around */
	if (cc->free_pfn <= cc->migrate_pfn)
		return;
	if (limit < 1)
		limit = 1;
	if (cc->free_pfn >= z->init_free) {
		limit = PB_PAGES >> 1;
		scan_start = true;
	}
	distance = cc->free_pfn - cc->migrate_pfn;
	low_pfn = pb_start(cc->free_pfn - (distance >> 2));
	min_pfn = pb_start(cc->free_pfn - (distance >> 1));
	if (min_pfn > low_pfn)
		low_pfn = min_pfn;
	if (cc->search_order > cc->order - 1)
		cc->search_order = cc->order - 1;
	for (int order = cc->search_order; page == NIL && order >= 0;
	     order = next_search_order(cc, order)) {
		struct freelist *l = &z->area[order][MT_MOVABLE];
		unsigned int order_scanned = 0;
		uint32_t high = NIL;

		for (uint32_t e = l->tail; e != NIL; e = pg_prev(&z->pages[e])) {
			order_scanned++;
			nr_scanned++;
			if (highest == NIL || e >= highest)
				highest = pb_start(e);
			if (e >= low_pfn) {
				cc->fast_search_fail = 0;
				cc->search_order = order;
				page = e;
				break;
			}
			if (e >= min_pfn && (high == NIL || e > high)) {
				high = e;
				limit >>= 1;
			}
			if (order_scanned >= limit)
				break;
		}
		if (page == NIL && high != NIL)
			page = high;
		if (page != NIL) {
			list_rotate_before(z, l, page);
			if (isolate_free_page(m, cc, page, (unsigned int)order)) {
				total += 1u << order;
				nr_scanned += (1u << order) - 1;
			} else {
				page = NIL;
				break;
			}
		}
		if (cc->nr_freepages >= cc->nr_migratepages)
			break;
		if (order_scanned >= limit)
			limit = limit >> 1 ? limit >> 1 : 1;
	}
	EMIT(m, cc->actor->pid, MMR_EV_COMPACTION_FAST_ISOLATE_FREEPAGES,
	     (int64_t)model_pfn(z, min_pfn), (int64_t)model_pfn(z, cc->free_pfn),
	     (int64_t)nr_scanned, (int64_t)total);
	cc->actor->work->compact_free_scanned += nr_scanned;
	if (page == NIL) {
		cc->fast_search_fail++;
		if (scan_start) {
			if (highest != NIL && highest >= min_pfn)
				cc->free_pfn = highest;
			else if (cc->direct)
				cc->free_pfn = min_pfn;
		}
	}
	if (highest != NIL && highest >= z->cached_free && highest >= PB_PAGES)
		z->cached_free = highest - PB_PAGES;
	if (page != NIL && cc->nr_freepages < cc->nr_migratepages &&
	    !(cc->direct && cc->mode == MODE_ASYNC)) {
		uint32_t s = pb_start(page), e = s + PB_PAGES;

		isolate_freepages_block(m, cc, &s, e, 1);
		if (s == e)
			z->blocks[page >> PB_ORDER].flags |= PB_SKIP;
	}
}

/* isolate_freepages(): the free scanner, from free_pfn down to the migrate scanner. */
static void isolate_freepages(struct mmr_model *m, struct model_cc *cc)
{
	struct model_zone *z = cc->zone;
	int64_t bstart, low = pb_start(cc->migrate_pfn) + PB_PAGES;
	uint32_t iso_start, bend;
	unsigned int stride = cc->mode == MODE_ASYNC ? CLUSTER_MAX : 1;

	fast_isolate_freepages(m, cc);
	if (cc->nr_freepages)
		return;
	iso_start = cc->free_pfn;
	bstart = pb_start(iso_start);
	bend = (uint32_t)bstart + PB_PAGES;
	for (; bstart >= low; bend = (uint32_t)bstart, bstart -= PB_PAGES,
	     iso_start = (uint32_t)bstart) {
		uint64_t nr;

		if (!suitable_migration_target(cc, (uint32_t)bstart))
			continue;
		if (!isolation_suitable(cc, (uint32_t)bstart))
			continue;
		nr = isolate_freepages_block(m, cc, &iso_start, bend, stride);
		if (iso_start == bend) {
			/* update_pageblock_skip() */
			z->blocks[bstart >> PB_ORDER].flags |= PB_SKIP;
			if (bstart >= PB_PAGES && bstart - PB_PAGES < z->cached_free)
				z->cached_free = (uint32_t)bstart - PB_PAGES;
		}
		if (cc->nr_freepages >= cc->nr_migratepages) {
			if (iso_start >= bend)
				iso_start = bstart >= PB_PAGES ? (uint32_t)bstart - PB_PAGES : 0;
			break;
		} else if (iso_start < bend) {
			break;
		}
		stride = nr ? 1 : (stride << 1 < CLUSTER_MAX ? stride << 1 : CLUSTER_MAX);
	}
	cc->free_pfn = iso_start;
}

/* compaction_alloc(): the smallest isolated chunk that fits, split down. */
static uint32_t compaction_alloc(struct mmr_model *m, struct model_cc *cc, unsigned int order)
{
	struct model_zone *z = cc->zone;
	bool has_isolated = false;
	unsigned int start;
	uint32_t idx;

again:
	for (start = order; start < NR_ORDERS; start++)
		if (cc->freepages[start].head != NIL)
			break;
	if (start == NR_ORDERS) {
		if (has_isolated)
			return NIL;
		isolate_freepages(m, cc);
		has_isolated = true;
		goto again;
	}
	idx = cc->freepages[start].head;
	list_unlink(z, &cc->freepages[start], idx);
	while (start > order) {
		start--;
		pg_set_free(&z->pages[idx + (1u << start)], PS_ISOLATED, start, NIL, NIL);
		list_push(z, &cc->freepages[start], idx + (1u << start), false);
	}
	z->pages[idx].w0 = z->pages[idx].w1 = 0;
	cc->nr_freepages -= 1u << order;
	cc->nr_migratepages -= 1u << order;	/* what the free scanner still has to find */
	return idx;
}

static bool scanners_met(const struct model_cc *cc)
{
	return (cc->free_pfn >> PB_ORDER) <= (cc->migrate_pfn >> PB_ORDER);
}

/* migrate_pages(): move every isolated block to a target. Return: 0 or -1 (-ENOMEM). */
static int migrate_pages(struct mmr_model *m, struct model_cc *cc)
{
	struct model_zone *z = cc->zone;
	uint64_t done = 0, total = cc->nr_migratepages;
	int err = 0;

	for (unsigned int i = 0; i < cc->nr_migrate_blocks; i++) {
		uint32_t src = cc->migratepages[i], dst;
		struct model_page old = z->pages[src];
		unsigned int order = pg_alloc_order(&old);
		uint32_t owner = old.w1;

		if (m->cfg.sysctl.migrate_fail_permille &&
		    model_rand(m) % 1000 < m->cfg.sysctl.migrate_fail_permille)
			continue;
		dst = compaction_alloc(m, cc, order);
		if (dst == NIL) {
			err = -1;
			break;
		}
		unprep_alloc_page(m, z, src);
		prep_alloc_page(m, z, dst, order, owner, pg_class(&old), pg_movable(&old),
				pg_alloc_mt(&old), old.w0 & (A_PREEXIST | A_RESERVED));
		model_owner_set(m, owner, z, dst);
		if (m->cfg.hooks.migrate)
			m->cfg.hooks.migrate(m->cfg.hooks.arg, owner, model_pfn(z, src),
					     model_pfn(z, dst));
		free_pages_to_allocator(m, z, src, order, cc->actor->pid);
		done += 1u << order;
	}
	EMIT(m, cc->actor->pid, MMR_EV_COMPACTION_MIGRATEPAGES, (int64_t)done,
	     (int64_t)(total - done));
	cc->actor->work->compact_migrated += done;
	cc->actor->work->compact_failed += total - done;
	m->stats.compact_migrated += done;
	if (!cc->direct)
		m->stats.kcompactd_migrated += done;
	cc->nr_migrate_blocks = 0;
	cc->nr_migratepages = 0;
	return err ? err : (done < total ? 1 : 0);
}

static enum compact_result compact_finished_inner(struct mmr_model *m, struct model_cc *cc)
{
	struct model_zone *z = cc->zone;

	if (scanners_met(cc)) {
		reset_cached_positions(z);
		if (cc->direct)
			z->blockskip_flush = true;
		return cc->whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
	}
	if (cc->proactive) {
		unsigned int p = m->cfg.sysctl.compaction_proactiveness;
		unsigned int low = 100 - p > 5 ? 100 - p : 5;

		if (m->ks.state == KS_RUN)
			return COMPACT_PARTIAL_SKIPPED;
		return fragmentation_score_zone(z) > low ? COMPACT_CONTINUE : COMPACT_SUCCESS;
	}
	if (cc->order == -1)
		return COMPACT_CONTINUE;
	if (!pb_aligned(cc->migrate_pfn))
		return COMPACT_CONTINUE;
	if (m->cfg.policy.defrag_mode && !cc->direct) {
		if (zone_watermark_ok(m, z, (unsigned int)cc->order, wmark_pages(z, ALLOC_WMARK_HIGH),
				      cc->highest_zoneidx, cc->alloc_flags,
				      (int64_t)z->nr_free_blocks))
			return COMPACT_SUCCESS;
		return COMPACT_CONTINUE;
	}
	for (unsigned int o = (unsigned int)cc->order; o < NR_ORDERS; o++) {
		if (z->area_mt_nr[o][cc->mt])
			return COMPACT_SUCCESS;
		if (cc->mt == MT_MOVABLE && z->area_mt_nr[o][MT_CMA])
			return COMPACT_SUCCESS;
		if (find_suitable_fallback(z, o, (unsigned int)cc->mt, true, m) >= 0)
			return COMPACT_SUCCESS;
	}
	return COMPACT_NO_SUITABLE_PAGE;
}

static enum compact_result compact_finished(struct mmr_model *m, struct model_cc *cc)
{
	enum compact_result ret = compact_finished_inner(m, cc);

	EMIT(m, cc->actor->pid, MMR_EV_COMPACTION_FINISHED, m->cfg.nid, cc->zone->idx, cc->order,
	     ret);
	return ret == COMPACT_NO_SUITABLE_PAGE ? COMPACT_CONTINUE : ret;
}

void cc_init(struct model_cc *cc, struct model_zone *z, int order, int mt,
	     unsigned int alloc_flags, int highest_zoneidx, int mode, bool direct)
{
	memset(cc, 0, sizeof(*cc));
	cc->zone = z;
	cc->order = order;
	cc->search_order = order;
	cc->mt = mt;
	cc->alloc_flags = alloc_flags;
	cc->highest_zoneidx = highest_zoneidx;
	cc->mode = mode;
	cc->direct = direct;
	cc->last_migrated_pfn = NIL;
	for (unsigned int o = 0; o < NR_ORDERS; o++)
		cc->freepages[o].head = cc->freepages[o].tail = NIL;
}

static void emit_begin_end(struct mmr_model *m, struct model_cc *cc, bool end, int status)
{
	struct model_zone *z = cc->zone;
	int64_t v[6] = {
		(int64_t)z->start_pfn, (int64_t)model_pfn(z, cc->migrate_pfn),
		(int64_t)model_pfn(z, cc->free_pfn), (int64_t)(z->start_pfn + z->nr_pages),
		cc->mode != MODE_ASYNC, status,
	};

	if (model_tracing(m))
		model_emit(m, cc->actor->pid, end ? MMR_EV_COMPACTION_END : MMR_EV_COMPACTION_BEGIN,
			   end ? 6 : 5, v);
}

/* compact_zone() up to the main loop. Return: COMPACT_CONTINUE if the loop is to run. */
enum compact_result compact_zone_begin(struct mmr_model *m, struct model_cc *cc)
{
	struct model_zone *z = cc->zone;
	bool sync = cc->mode != MODE_ASYNC;

	if (cc->order != -1) {
		enum compact_result ret = compaction_suit_allocation_order(m, z, cc->order,
			cc->highest_zoneidx, cc->alloc_flags, cc->mode == MODE_ASYNC, !cc->direct,
			cc->actor->pid);

		if (ret != COMPACT_CONTINUE)
			return ret;
	}
	if (compaction_restarting(z, cc->order))
		reset_zone_skip(z);
	cc->fast_start_pfn = 0;
	if (cc->whole_zone) {
		cc->migrate_pfn = 0;
		cc->free_pfn = pb_start(z->nr_pages - 1);
	} else {
		cc->migrate_pfn = z->cached_migrate[sync];
		cc->free_pfn = z->cached_free;
		if (cc->free_pfn >= z->nr_pages) {
			cc->free_pfn = pb_start(z->nr_pages - 1);
			z->cached_free = cc->free_pfn;
		}
		if (cc->migrate_pfn >= z->nr_pages) {
			cc->migrate_pfn = 0;
			z->cached_migrate[0] = z->cached_migrate[1] = 0;
		}
		if (z->init_migrate != NIL && cc->migrate_pfn <= z->init_migrate)
			cc->whole_zone = true;
	}
	cc->last_migrated_pfn = NIL;
	cc->update_cached = !sync && z->cached_migrate[0] == z->cached_migrate[1];
	emit_begin_end(m, cc, false, 0);
	cc->actor->work->compact_calls++;
	cc->started = true;
	return COMPACT_CONTINUE;
}

/* One pass of compact_zone()'s main loop. Return: COMPACT_CONTINUE or the result. */
enum compact_result compact_zone_step(struct mmr_model *m, struct model_cc *cc)
{
	enum compact_result ret = compact_finished(m, cc);
	uint32_t iter_start;
	int err;

	if (ret != COMPACT_CONTINUE)
		return ret;
	iter_start = cc->migrate_pfn;
	cc->finish_pageblock = cc->last_migrated_pfn != NIL &&
			       pb_start(cc->last_migrated_pfn) == pb_start(iter_start);
rescan:
	if (isolate_migratepages(m, cc) == ISOLATE_NONE) {
		if (cc->update_cached)
			cc->zone->cached_migrate[1] = cc->zone->cached_migrate[0];
		goto check_drain;
	}
	cc->update_cached = false;
	cc->last_migrated_pfn = cc->migrate_pfn ? pb_start(cc->migrate_pfn - 1) : 0;
	err = migrate_pages(m, cc);
	if (err) {
		if (err < 0 && !scanners_met(cc))
			return COMPACT_CONTENDED;
		if (!pb_aligned(cc->migrate_pfn) && !cc->ignore_skip_hint && !cc->finish_pageblock &&
		    cc->mode < MODE_SYNC) {
			cc->finish_pageblock = true;
			if (cc->order == PB_ORDER)
				cc->last_migrated_pfn = NIL;
			goto rescan;
		}
	}
	if (cc->capc && cc->capc->page != NIL)
		return COMPACT_SUCCESS;
check_drain:
	/* lru_add_drain_cpu_zone(): also drains this CPU's PCP of the zone */
	if (cc->order > 0 && cc->last_migrated_pfn != NIL &&
	    cc->last_migrated_pfn < block_start_idx(cc->zone, cc->migrate_pfn, cc->order)) {
		drain_pcp(m, cc->zone, cc->actor->pid);
		cc->last_migrated_pfn = NIL;
	}
	if (cc->capc && cc->capc->page != NIL)
		return COMPACT_SUCCESS;
	return COMPACT_CONTINUE;
}

/* The end of compact_zone(): unused free pages back, cached free pfn, the end event. */
void compact_zone_end(struct mmr_model *m, struct model_cc *cc, enum compact_result ret)
{
	struct model_zone *z = cc->zone;
	uint32_t high = NIL;

	for (unsigned int o = 0; o < NR_ORDERS; o++) {
		while (cc->freepages[o].head != NIL) {
			uint32_t idx = cc->freepages[o].head;

			list_unlink(z, &cc->freepages[o], idx);
			z->pages[idx].w0 = z->pages[idx].w1 = 0;
			if (high == NIL || idx > high)
				high = idx;
			free_pages_to_allocator(m, z, idx, o, cc->actor->pid);
		}
	}
	cc->nr_freepages = 0;
	if (high != NIL && pb_start(high) > z->cached_free)
		z->cached_free = pb_start(high);
	emit_begin_end(m, cc, true, ret);
	cc->started = false;
}

static enum compact_result compact_zone_sync(struct mmr_model *m, struct model_cc *cc)
{
	enum compact_result ret = compact_zone_begin(m, cc);

	if (ret != COMPACT_CONTINUE)
		return ret;
	do {
		ret = compact_zone_step(m, cc);
	} while (ret == COMPACT_CONTINUE);
	compact_zone_end(m, cc, ret);
	return ret;
}

enum compact_result try_to_compact_pages(struct mmr_model *m, struct model_zone **zl, int nr_zl,
					 unsigned int order, uint64_t gfp,
					 unsigned int alloc_flags, int highest_zoneidx, int prio,
					 int req_mt, struct model_capture *capc,
					 struct model_actor *a)
{
	enum compact_result rc = COMPACT_SKIPPED;

	if (!(gfp & MMR_GFP_IO))
		return COMPACT_SKIPPED;
	EMIT(m, a->pid, MMR_EV_COMPACTION_TRY_TO_COMPACT_PAGES, order, (int64_t)gfp, prio);
	for (int i = 0; i < nr_zl; i++) {
		struct model_zone *z = zl[i];
		enum compact_result status;
		struct model_cc cc;

		if (prio > PRIO_SYNC_FULL && compaction_deferred(m, z, (int)order, a->pid)) {
			if (rc < COMPACT_DEFERRED)
				rc = COMPACT_DEFERRED;
			continue;
		}
		cc_init(&cc, z, (int)order, req_mt, alloc_flags, highest_zoneidx,
			prio == PRIO_ASYNC ? MODE_ASYNC : MODE_SYNC_LIGHT, true);
		cc.whole_zone = cc.ignore_skip_hint = cc.ignore_block_suitable =
			prio == PRIO_SYNC_FULL;
		cc.capc = capc;
		cc.actor = a;
		capc->zone = z;
		status = compact_zone_sync(m, &cc);
		capc->zone = NULL;
		if (capc->page != NIL)
			status = COMPACT_SUCCESS;
		if (status > rc)
			rc = status;
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(m, z, (int)order, false, a->pid);
			break;
		}
		if (prio != PRIO_ASYNC &&
		    (status == COMPACT_COMPLETE || status == COMPACT_PARTIAL_SKIPPED))
			defer_compaction(m, z, (int)order, a->pid);
	}
	return rc;
}

/* ----------------------------------------------------------------- kcompactd */

static unsigned int kcompactd_flags(const struct mmr_model *m)
{
	return m->cfg.policy.defrag_mode ? ALLOC_WMARK_HIGH : ALLOC_WMARK_MIN;
}

static bool kcompactd_node_suitable(struct mmr_model *m, int32_t pid)
{
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		struct model_zone *z = &m->zones[i];

		if (z->idx > m->kc.highest_zoneidx || !z->managed)
			continue;
		if (compaction_suit_allocation_order(m, z, m->kc.max_order, z->idx, kcompactd_flags(m),
						     false, true, pid) == COMPACT_CONTINUE)
			return true;
	}
	return false;
}

void wakeup_kcompactd(struct mmr_model *m, int order, int highest_zoneidx, int32_t pid)
{
	struct model_kcompactd *kc = &m->kc;

	if (!order)
		return;
	if (kc->max_order < order)
		kc->max_order = order;
	if (kc->highest_zoneidx > highest_zoneidx)
		kc->highest_zoneidx = highest_zoneidx;
	if (kc->state != KC_SLEEP)
		return;
	if (!kcompactd_node_suitable(m, pid))
		return;
	EMIT(m, pid, MMR_EV_COMPACTION_WAKEUP_KCOMPACTD, m->cfg.nid, order, highest_zoneidx);
	kc->state = KC_RUN;
	kc->zone_pos = -1;
}

static bool proactive_enabled(const struct mmr_model *m)
{
	return !m->cfg.sysctl.proactive_off && m->cfg.sysctl.compaction_proactiveness;
}

static unsigned int fragmentation_score_node(const struct mmr_model *m)
{
	uint64_t total = 0, score = 0;

	for (unsigned int i = 0; i < m->nr_zones; i++)
		total += m->zones[i].nr_pages;
	for (unsigned int i = 0; i < m->nr_zones; i++)
		score += (uint64_t)fragmentation_score_zone(&m->zones[i]) * m->zones[i].nr_pages /
			 (total + 1);
	return (unsigned int)score;
}

static bool should_proactive_compact_node(const struct mmr_model *m)
{
	unsigned int p = m->cfg.sysctl.compaction_proactiveness, low, high;

	if (!proactive_enabled(m) || m->ks.state == KS_RUN)
		return false;
	low = 100 - p > 5 ? 100 - p : 5;
	high = low + 10 < 100 ? low + 10 : 100;
	return fragmentation_score_node(m) > high;
}

/* Back to waiting: the loop emits kcompactd_sleep before every wait. */
static void kcompactd_sleep(struct mmr_model *m)
{
	struct model_kcompactd *kc = &m->kc;

	EMIT(m, m->cfg.kcompactd_pid, MMR_EV_COMPACTION_KCOMPACTD_SLEEP, m->cfg.nid);
	kc->state = KC_SLEEP;
	kc->budget = 0;
	kc->next_tick = proactive_enabled(m) ? m->now + kc->timeout : UINT64_MAX;
	if (kc->max_order > 0) {
		/* raised while working: the wait returns at once */
		kc->state = KC_RUN;
		kc->zone_pos = -1;
	}
}

static void kcompactd_finish_zone(struct mmr_model *m, enum compact_result ret)
{
	struct model_kcompactd *kc = &m->kc;
	struct model_zone *z = kc->cc.zone;

	if (kc->state == KC_RUN) {
		if (ret == COMPACT_SUCCESS) {
			compaction_defer_reset(m, z, kc->run_order, false, m->cfg.kcompactd_pid);
		} else if (ret == COMPACT_PARTIAL_SKIPPED || ret == COMPACT_COMPLETE) {
			drain_pcp(m, z, m->cfg.kcompactd_pid);
			defer_compaction(m, z, kc->run_order, m->cfg.kcompactd_pid);
		}
	}
	kc->cc_active = false;
	kc->zone_pos++;
}

/* Start compacting the next eligible zone. Return: false when none is left. */
static bool kcompactd_next_zone(struct mmr_model *m, struct model_actor *a)
{
	struct model_kcompactd *kc = &m->kc;
	bool proactive = kc->state == KC_PROACTIVE;

	for (; kc->zone_pos < (int)m->nr_zones; kc->zone_pos++) {
		struct model_zone *z = &m->zones[kc->zone_pos];
		enum compact_result ret;

		if (!z->managed)
			continue;
		if (proactive) {
			cc_init(&kc->cc, z, -1, MT_UNMOVABLE, 0, z->idx, MODE_SYNC_LIGHT, false);
			kc->cc.ignore_skip_hint = kc->cc.whole_zone = kc->cc.proactive = true;
		} else {
			if (z->idx > kc->run_idx)
				continue;
			if (compaction_deferred(m, z, kc->run_order, a->pid))
				continue;
			if (compaction_suit_allocation_order(m, z, kc->run_order, z->idx,
							     kcompactd_flags(m), false, true,
							     a->pid) != COMPACT_CONTINUE)
				continue;
			cc_init(&kc->cc, z, kc->run_order, MT_UNMOVABLE, kcompactd_flags(m),
				kc->run_idx, MODE_SYNC_LIGHT, false);
		}
		kc->cc.actor = a;
		ret = compact_zone_begin(m, &kc->cc);
		if (ret == COMPACT_CONTINUE) {
			kc->cc_active = true;
			return true;
		}
		kcompactd_finish_zone(m, ret);
		kc->zone_pos--;	/* finish_zone advanced it; the loop does too */
	}
	return false;
}

/*
 * One step of kcompactd: a tick of its timer, the start or end of a zone, or one pass
 * of compact_zone()'s loop. Return: false when it has nothing to do now.
 */
bool kcompactd_step(struct mmr_model *m)
{
	struct model_kcompactd *kc = &m->kc;
	struct model_actor *a = &kc->actor;
	enum compact_result ret;

	*a = (struct model_actor){ .pid = m->cfg.kcompactd_pid, .work = &kc->work };
	kc->cc.actor = a;
	if (kc->state == KC_SLEEP) {
		if (m->now < kc->next_tick)
			return false;
		if (kc->max_order > 0) {
			kc->state = KC_RUN;
			kc->zone_pos = -1;
		} else if (should_proactive_compact_node(m)) {
			kc->state = KC_PROACTIVE;
			kc->zone_pos = 0;
			kc->prev_score = fragmentation_score_node(m);
		} else {
			kcompactd_sleep(m);
		}
		return true;
	}
	if (kc->state == KC_RUN && kc->zone_pos < 0) {
		kc->run_order = kc->max_order;
		kc->run_idx = kc->highest_zoneidx;
		EMIT(m, a->pid, MMR_EV_COMPACTION_KCOMPACTD_WAKE, m->cfg.nid, kc->run_order,
		     kc->run_idx);
		m->stats.kcompactd_wakes++;
		kc->zone_pos = 0;
		kc->timeout = 500000000ull;
		return true;
	}
	if (!kc->cc_active) {
		if (kcompactd_next_zone(m, a))
			return true;
		if (kc->state == KC_RUN) {
			if (kc->max_order <= kc->run_order)
				kc->max_order = 0;
			if (kc->highest_zoneidx >= kc->run_idx)
				kc->highest_zoneidx = m->zones[m->nr_zones - 1].idx;
		} else {
			kc->timeout = fragmentation_score_node(m) >= kc->prev_score ?
				      500000000ull << COMPACT_MAX_DEFER_SHIFT : 500000000ull;
		}
		kcompactd_sleep(m);
		return true;
	}
	ret = compact_zone_step(m, &kc->cc);
	if (ret != COMPACT_CONTINUE) {
		compact_zone_end(m, &kc->cc, ret);
		kcompactd_finish_zone(m, ret);
	}
	return true;
}
