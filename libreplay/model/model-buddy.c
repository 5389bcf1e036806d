/*
 * model/model-buddy.c - buddy free lists, merging on free, __rmqueue() with its
 * claim and steal fallbacks, the per-CPU lists, watermark checks and the high-order
 * atomic reserve. Mirrors mm/page_alloc.c of MODEL_KERNEL (kernel-model.md §1.5-2.8).
 * Divergences: one logical CPU; the PCP high is fixed (no high_max growth or decay,
 * no free_high batching of orders 1-3); no guard pages, no page reporting, no
 * shuffling.
 */
#include "model-local.h"

static const uint8_t fallbacks[NR_PCPTYPES][NR_PCPTYPES - 1] = {
	[MT_UNMOVABLE]   = { MT_RECLAIMABLE, MT_MOVABLE },
	[MT_MOVABLE]     = { MT_RECLAIMABLE, MT_UNMOVABLE },
	[MT_RECLAIMABLE] = { MT_UNMOVABLE, MT_MOVABLE },
};

enum rmqueue_mode { RMQ_NORMAL, RMQ_CMA, RMQ_CLAIM, RMQ_STEAL };

static inline void set_next(struct model_page *p, uint32_t next)
{
	p->w0 = (p->w0 & ~LINK_MASK) | next;
}

static inline void set_prev(struct model_page *p, uint32_t prev)
{
	p->w1 = (p->w1 & ~LINK_MASK) | prev;
}

/* Adds @idx at the head or tail of @l; the page's state and order are already set. */
void list_push(struct model_zone *z, struct freelist *l, uint32_t idx, bool tail)
{
	struct model_page *p = &z->pages[idx];

	if (tail) {
		set_prev(p, l->tail);
		set_next(p, NIL);
		if (l->tail != NIL)
			set_next(&z->pages[l->tail], idx);
		else
			l->head = idx;
		l->tail = idx;
	} else {
		set_next(p, l->head);
		set_prev(p, NIL);
		if (l->head != NIL)
			set_prev(&z->pages[l->head], idx);
		else
			l->tail = idx;
		l->head = idx;
	}
}

void list_unlink(struct model_zone *z, struct freelist *l, uint32_t idx)
{
	struct model_page *p = &z->pages[idx];
	uint32_t prev = pg_prev(p), next = pg_next(p);

	if (prev != NIL)
		set_next(&z->pages[prev], next);
	else
		l->head = next;
	if (next != NIL)
		set_prev(&z->pages[next], prev);
	else
		l->tail = prev;
}

/*
 * Moves the entries from the head up to and including @idx to the tail, so that the
 * entry after @idx becomes the head (compaction's move_freelist_tail()).
 */
void list_rotate_after(struct model_zone *z, struct freelist *l, uint32_t idx)
{
	uint32_t next = pg_next(&z->pages[idx]);

	if (next == NIL)
		return;
	set_next(&z->pages[l->tail], l->head);
	set_prev(&z->pages[l->head], l->tail);
	set_prev(&z->pages[next], NIL);
	set_next(&z->pages[idx], NIL);
	l->head = next;
	l->tail = idx;
}

/* Moves the entries before @idx to the tail, so @idx becomes the head (move_freelist_head()). */
void list_rotate_before(struct model_zone *z, struct freelist *l, uint32_t idx)
{
	uint32_t prev = pg_prev(&z->pages[idx]);

	if (prev == NIL)
		return;
	list_rotate_after(z, l, prev);
}

/* Free pages of a buddy counted in the block(s) it covers. */
void block_account_free(struct model_zone *z, uint32_t idx, unsigned int order, int sign)
{
	if (order >= PB_ORDER) {
		for (uint32_t b = 0; b < (1u << (order - PB_ORDER)); b++)
			z->blocks[(idx >> PB_ORDER) + b].nr_free += sign * PB_PAGES;
	} else {
		z->blocks[idx >> PB_ORDER].nr_free += sign * (int)(1u << order);
	}
}

void block_account_movable(struct model_zone *z, uint32_t idx, unsigned int order, int sign)
{
	if (order >= PB_ORDER) {
		for (uint32_t b = 0; b < (1u << (order - PB_ORDER)); b++)
			z->blocks[(idx >> PB_ORDER) + b].nr_movable += sign * PB_PAGES;
	} else {
		z->blocks[idx >> PB_ORDER].nr_movable += sign * (int)(1u << order);
	}
}

/* account_freepages(): the zone counters a free list type contributes to. */
static void account_freepages(struct model_zone *z, unsigned int order, unsigned int mt,
			      int sign)
{
	int64_t nr = sign * (int64_t)(1u << order);

	if (mt == MT_ISOLATE)
		return;
	z->nr_free_pages += nr;
	if (mt == MT_CMA)
		z->nr_free_cma += nr;
	else if (mt == MT_HIGHATOMIC)
		z->nr_free_highatomic += nr;
	if (order >= PB_ORDER)
		z->nr_free_blocks += nr;
}

void freelist_add(struct model_zone *z, uint32_t idx, unsigned int order, unsigned int mt,
		  bool tail)
{
	pg_set_free(&z->pages[idx], PS_BUDDY, order, NIL, NIL);
	list_push(z, &z->area[order][mt], idx, tail);
	z->area_nr[order]++;
	z->area_mt_nr[order][mt]++;
	z->nonempty[mt] |= 1u << order;
	account_freepages(z, order, mt, 1);
	block_account_free(z, idx, order, 1);
	if (z->spb)
		spb_freelist(z, idx, order, mt, 1);
}

void freelist_del(struct model_zone *z, uint32_t idx, unsigned int order, unsigned int mt)
{
	list_unlink(z, &z->area[order][mt], idx);
	z->pages[idx].w0 = 0;
	z->pages[idx].w1 = 0;
	z->area_nr[order]--;
	if (!--z->area_mt_nr[order][mt])
		z->nonempty[mt] &= ~(1u << order);
	account_freepages(z, order, mt, -1);
	block_account_free(z, idx, order, -1);
	if (z->spb)
		spb_freelist(z, idx, order, mt, -1);
}

/* move_to_free_list(): appends to the tail of the new type's list. */
void freelist_move_tail(struct model_zone *z, uint32_t idx, unsigned int order,
			unsigned int old_mt, unsigned int new_mt)
{
	freelist_del(z, idx, order, old_mt);
	freelist_add(z, idx, order, new_mt, true);
}

/* change_pageblock_range(): relabel every block the range covers. */
void set_block_mt(struct model_zone *z, uint32_t idx, unsigned int order, unsigned int mt)
{
	uint32_t nr = order >= PB_ORDER ? 1u << (order - PB_ORDER) : 1;

	for (uint32_t b = 0; b < nr; b++) {
		struct model_block *blk = &z->blocks[(idx >> PB_ORDER) + b];

		if (z->spb)
			spb_block_mt(z, (idx >> PB_ORDER) + b, blk->mt, mt);
		blk->mt = mt;
	}
}

/*
 * move_freepages_block(): moves the block's free buddies to @new_mt's lists (tail)
 * and relabels the block. Return: pages moved.
 */
int move_freepages_block(struct model_zone *z, uint32_t idx, unsigned int old_mt,
			 unsigned int new_mt)
{
	uint32_t start = idx & ~(uint32_t)(PB_PAGES - 1), end = start + PB_PAGES;
	int moved = 0;

	for (uint32_t i = start; i < end;) {
		struct model_page *p = &z->pages[i];
		unsigned int st = pg_state(p), order;

		if (st == PS_TAIL) {
			i++;
			continue;
		}
		order = pg_head_order(p);
		if (st == PS_BUDDY) {
			freelist_move_tail(z, i, order, old_mt, new_mt);
			moved += 1 << order;
		}
		i += 1u << order;
	}
	if (z->spb)
		spb_block_mt(z, start >> PB_ORDER, z->blocks[start >> PB_ORDER].mt, new_mt);
	z->blocks[start >> PB_ORDER].mt = new_mt;
	return moved;
}

/* compaction_capture(): hand the page over to the armed capture slot (§4.7). */
static bool try_capture(struct mmr_model *m, struct model_zone *z, uint32_t idx,
			unsigned int order, unsigned int mt)
{
	struct model_capture *capc = m->capc;

	if (!capc || capc->zone != z || capc->page != NIL || (int)order != capc->order)
		return false;
	if (mt == MT_CMA || mt == MT_ISOLATE)
		return false;
	if (order < PB_ORDER && mt == MT_MOVABLE && capc->mt != MT_MOVABLE)
		return false;
	if ((int)mt != capc->mt) {
		bool frag = order < PB_ORDER;

		EMIT(m, capc->pid, MMR_EV_PAGE_ALLOC_EXTFRAG, (int64_t)model_pfn(z, idx),
		     capc->order, order, capc->mt, mt, 0);
		m->stats.extfrag_capture++;
		m->stats.extfrag_fragmenting += frag;
		m->stats.extfrag_pollution += frag;
	}
	capc->page = idx;
	capc->page_order = order;
	capc->page_zone = z;
	return true;
}

/* Is the block at @idx a free buddy of exactly @order? */
static inline bool is_buddy(const struct model_zone *z, uint32_t idx, unsigned int order)
{
	const struct model_page *p = &z->pages[idx];

	return pg_state(p) == PS_BUDDY && pg_free_order(p) == order;
}

/* Buddy of the block at @idx, or NIL when it lies outside the zone. */
static inline uint32_t buddy_idx(const struct model_zone *z, uint32_t idx, unsigned int order)
{
	uint64_t pfn = z->start_pfn + idx, bpfn = pfn ^ (1ull << order);

	if (bpfn < z->start_pfn || bpfn >= z->start_pfn + z->nr_pages)
		return NIL;
	return (uint32_t)(bpfn - z->start_pfn);
}

/*
 * __free_one_page(): merge a freed block (its head already PS_TAIL) with its free
 * buddies and put the result on a free list; an armed capture may take it instead.
 */
void free_one_page(struct mmr_model *m, struct model_zone *z, uint32_t idx, unsigned int order,
		   unsigned int mt, bool to_tail)
{
	uint32_t bidx = NIL;

	while (order < MAX_ORDER) {
		unsigned int bmt = mt;

		if (m->capc && try_capture(m, z, idx, order, mt))
			return;
		bidx = buddy_idx(z, idx, order);
		if (bidx == NIL || !is_buddy(z, bidx, order))
			break;
		if (order >= PB_ORDER) {
			bmt = block_mt(z, bidx);
			if (bmt != mt && (!is_mergeable_mt(mt) || !is_mergeable_mt(bmt)))
				break;
		}
		freelist_del(z, bidx, order, bmt);
		if (bmt != mt)
			set_block_mt(z, bidx, order, mt);
		/* the merged block starts at the lower of the two (pfn & bpfn in pfn
		 * space; in index space only when the zone start is MAX_ORDER-aligned) */
		idx = idx < bidx ? idx : bidx;
		order++;
	}
	if (!to_tail && order < MAX_ORDER - 1) {
		/* buddy_merge_likely(): is the order+1 buddy of the merged block free? */
		uint32_t higher = bidx == NIL || idx < bidx ? idx : bidx;
		uint32_t hb = buddy_idx(z, higher, order + 1);

		to_tail = hb != NIL && is_buddy(z, hb, order + 1);
	}
	freelist_add(z, idx, order, mt, to_tail);
}

/* split_large_buddy(): blocks above pageblock order are freed one pageblock at a time. */
static void split_large_buddy(struct mmr_model *m, struct model_zone *z, uint32_t idx,
			      unsigned int order)
{
	uint32_t end = idx + (1u << order);
	unsigned int o = order > PB_ORDER ? PB_ORDER : order;

	for (; idx < end; idx += 1u << o)
		free_one_page(m, z, idx, o, block_mt(z, idx), false);
}

static inline unsigned int order_to_pindex(unsigned int mt, unsigned int order)
{
	if (order > COSTLY_ORDER)
		return NR_PCPTYPES * (COSTLY_ORDER + 1) + (mt == MT_MOVABLE);
	return NR_PCPTYPES * order + mt;
}

static inline unsigned int pindex_to_order(unsigned int pindex)
{
	return pindex >= NR_PCPTYPES * (COSTLY_ORDER + 1) ? PB_ORDER : pindex / NR_PCPTYPES;
}

/* Pages a drain gathers from one PCP list before freeing them (see drain_list()). */
#define DRAIN_GATHER	64

/*
 * Starts loading what freeing the block at @idx will read: its buddy and, when that is
 * a free buddy already here, the list neighbours its unlinking writes. A hint only.
 */
static inline void drain_prefetch(const struct model_zone *z, uint32_t idx, unsigned int order,
				  bool neighbours)
{
	uint32_t b = buddy_idx(z, idx, order);

	if (b == NIL)
		return;
	if (!neighbours) {
		__builtin_prefetch(&z->pages[b]);
		return;
	}
	if (is_buddy(z, b, order)) {
		uint32_t prev = pg_prev(&z->pages[b]), next = pg_next(&z->pages[b]);

		if (prev != NIL)
			__builtin_prefetch(&z->pages[prev]);
		if (next != NIL)
			__builtin_prefetch(&z->pages[next]);
	}
}

/*
 * Takes up to @count pages from the tail of PCP list @l (blocks of @order) into the
 * buddy lists; returns the pages taken. The tail holds the oldest pages, long out of
 * the cache, and each free waits on the page, its buddy and the buddy's list
 * neighbours in turn: so the blocks are first gathered from the tail (a walk that
 * waits on each page anyway) while their buddies load, then freed in the same order
 * with the neighbours loading a few blocks ahead.
 */
static int64_t drain_list(struct mmr_model *m, struct model_zone *z, struct freelist *l,
			  unsigned int order, int64_t count, int32_t pid)
{
	uint32_t idx[DRAIN_GATHER];
	unsigned int n = 0;
	int64_t taken = 0;

	for (uint32_t i = l->tail; i != NIL && n < DRAIN_GATHER && taken < count;
	     i = pg_prev(&z->pages[i])) {
		idx[n++] = i;
		taken += 1 << order;
		drain_prefetch(z, i, order, false);
	}
	for (unsigned int k = 0; k < n && k < 4; k++)
		drain_prefetch(z, idx[k], order, true);
	for (unsigned int k = 0; k < n; k++) {
		unsigned int mt = block_mt(z, idx[k]);

		if (k + 4 < n)
			drain_prefetch(z, idx[k + 4], order, true);
		list_unlink(z, l, idx[k]);
		z->pages[idx[k]].w0 = 0;
		z->pages[idx[k]].w1 = 0;
		z->pcp_count -= 1u << order;
		free_one_page(m, z, idx[k], order, mt, false);
		EMIT(m, pid, MMR_EV_PAGE_PCPU_DRAIN, (int64_t)model_pfn(z, idx[k]), order, mt);
	}
	return taken;
}

/* free_pcppages_bulk(): drain from list tails, round robin from @pindex. */
static void free_pcppages_bulk(struct mmr_model *m, struct model_zone *z, int64_t count,
			       int pindex, int32_t pid)
{
	if (count > (int64_t)z->pcp_count)
		count = z->pcp_count;
	pindex--;
	while (count > 0) {
		struct freelist *l;
		unsigned int order;

		do {
			if (++pindex > NR_PCP_LISTS - 1)
				pindex = 0;
			l = &z->pcp_list[pindex];
		} while (l->head == NIL);
		order = pindex_to_order(pindex);
		do
			count -= drain_list(m, z, l, order, count, pid);
		while (count > 0 && l->head != NIL);
	}
}

/* drain_pages_zone(): everything on the PCP back to the buddy lists. */
void drain_pcp(struct mmr_model *m, struct model_zone *z, int32_t pid)
{
	while (z->pcp_count)
		free_pcppages_bulk(m, z, (int64_t)z->pcp_batch << PCP_BATCH_SCALE_MAX, 0, pid);
}

/* free_frozen_page_commit() */
static void pcp_free(struct mmr_model *m, struct model_zone *z, uint32_t idx, unsigned int order,
		     unsigned int mt, int32_t pid)
{
	unsigned int pindex = order_to_pindex(mt, order), batch = z->pcp_batch;
	uint64_t high = z->pcp_high;
	int64_t to_free;

	z->pcp_alloc_factor >>= 1;
	pg_set_free(&z->pages[idx], PS_PCP, order, NIL, NIL);
	list_push(z, &z->pcp_list[pindex], idx, false);
	z->pcp_count += 1u << order;
	if (z->pcp_free_count < (batch << PCP_BATCH_SCALE_MAX))
		z->pcp_free_count += 1u << order;
	if ((z->flags & ZONE_RECLAIM_ACTIVE) && high > (uint64_t)batch << 2)
		high = (uint64_t)batch << 2;
	if (z->pcp_count < high)
		return;
	if (high < batch) {
		to_free = 1;
	} else {
		to_free = z->pcp_free_count;
		if (to_free < batch)
			to_free = batch;
		if (to_free > (int64_t)(high - batch))
			to_free = (int64_t)(high - batch);
	}
	while (to_free > 0 && z->pcp_count > 0) {
		int64_t n = to_free < batch ? to_free : batch;

		free_pcppages_bulk(m, z, n, pindex, pid);
		to_free -= n;
	}
}

/*
 * __free_frozen_pages(): an allocated block (head already cleared to PS_TAIL) enters
 * the allocator: the PCP for PCP-eligible orders, else the buddy lists.
 */
void free_pages_to_allocator(struct mmr_model *m, struct model_zone *z, uint32_t idx,
			     unsigned int order, int32_t pid)
{
	unsigned int mt;

	EMIT(m, pid, MMR_EV_PAGE_FREE, (int64_t)model_pfn(z, idx), order);
	if (!m->cfg.policy.pcp || !pcp_allowed_order(order)) {
		split_large_buddy(m, z, idx, order);
		return;
	}
	mt = block_mt(z, idx);
	if (mt >= NR_PCPTYPES) {
		if (mt == MT_ISOLATE) {
			free_one_page(m, z, idx, order, mt, false);
			return;
		}
		mt = MT_MOVABLE;
	}
	pcp_free(m, z, idx, order, mt, pid);
}

/* expand(): split a buddy of order @high down to @low; upper halves go to list heads. */
void model_expand(struct model_zone *z, uint32_t idx, unsigned int low, unsigned int high,
		  unsigned int mt)
{
	while (high > low) {
		high--;
		freelist_add(z, idx + (1u << high), high, mt, false);
	}
}

uint32_t rmqueue_smallest(struct mmr_model *m, struct model_zone *z, unsigned int order,
			  unsigned int mt, int32_t pid)
{
	unsigned int bits = z->nonempty[mt] >> order, cur;
	uint32_t idx;

	if (!bits)
		return NIL;
	cur = order + (unsigned int)__builtin_ctz(bits);
	idx = z->area[cur][mt].head;
	freelist_del(z, idx, cur, mt);
	/*
	 * The next take from this list unlinks the new head, writing the page after it:
	 * start loading that page now (the new head itself was just written). A hint
	 * only; the free lists hold pages from anywhere in the zone.
	 */
	if (z->area[cur][mt].head != NIL) {
		uint32_t after = pg_next(&z->pages[z->area[cur][mt].head]);

		if (after != NIL)
			__builtin_prefetch(&z->pages[after]);
	}
	model_expand(z, idx, order, cur, mt);
	EMIT(m, pid, MMR_EV_PAGE_ALLOC_ZONE_LOCKED, (int64_t)model_pfn(z, idx), order, mt,
	     pcp_allowed_order(order) && mt < NR_PCPTYPES);
	return idx;
}

static bool should_try_claim_block(const struct mmr_model *m, unsigned int order,
				   unsigned int start_mt)
{
	if (order >= PB_ORDER || order >= PB_ORDER / 2)
		return true;
	if (start_mt == MT_RECLAIMABLE || start_mt == MT_UNMOVABLE)
		return true;
	return m->mobility_disabled;
}

int find_suitable_fallback(const struct model_zone *z, unsigned int order, unsigned int mt,
			   bool claimable, const struct mmr_model *m)
{
	if (claimable && !should_try_claim_block(m, order, mt))
		return -2;
	if (!z->area_nr[order] || mt >= NR_PCPTYPES)
		return -1;
	for (unsigned int i = 0; i < NR_PCPTYPES - 1; i++) {
		unsigned int fb = fallbacks[mt][i];

		if (z->area_mt_nr[order][fb])
			return (int)fb;
	}
	return -1;
}

/* boost_watermark() */
static bool boost_watermark(const struct mmr_model *m, struct model_zone *z)
{
	uint64_t max_boost, factor = m->cfg.sysctl.watermark_boost_factor;

	if (m->cfg.sysctl.boost_off || !factor || m->cfg.policy.spb)	/* SPB: 06/45 */
		return false;
	if ((uint64_t)PB_PAGES * 4 > z->managed)
		return false;
	max_boost = z->wmark[ALLOC_WMARK_HIGH] * factor / 10000;
	if (!max_boost)
		return false;
	if (max_boost < PB_PAGES)
		max_boost = PB_PAGES;
	z->boost = z->boost + PB_PAGES < max_boost ? z->boost + PB_PAGES : max_boost;
	return true;
}

static void count_extfrag(struct mmr_model *m, unsigned int fallback_order, bool owned, bool claim)
{
	bool frag = fallback_order < PB_ORDER;

	if (claim)
		m->stats.extfrag_claim++;
	else
		m->stats.extfrag_steal++;
	m->stats.extfrag_fragmenting += frag;
	m->stats.extfrag_pollution += frag && !owned;
}

/* try_to_claim_block(): take the whole block for @start_mt (§2.5). */
static uint32_t try_to_claim_block(struct mmr_model *m, struct model_zone *z, uint32_t idx,
				   unsigned int cur, unsigned int order, unsigned int start_mt,
				   unsigned int block_type, unsigned int alloc_flags, int32_t pid)
{
	const struct model_block *b;
	unsigned int free, movable, alike;

	if (cur >= PB_ORDER) {
		freelist_del(z, idx, cur, block_type);
		set_block_mt(z, idx, cur, start_mt);
		model_expand(z, idx, order, cur, start_mt);
		return idx;
	}
	if (boost_watermark(m, z) && (alloc_flags & ALLOC_KSWAPD))
		z->flags |= ZONE_BOOSTED_WATERMARK;
	b = blk_of(z, idx);
	free = b->nr_free;
	movable = b->nr_movable;
	if (start_mt == MT_MOVABLE)
		alike = movable;
	else
		alike = block_type == MT_MOVABLE ? PB_PAGES - (free + movable) : 0;
	if (free + alike >= PB_PAGES / 2 || m->mobility_disabled) {
		move_freepages_block(z, idx, block_type, start_mt);
		return rmqueue_smallest(m, z, order, start_mt, pid);
	}
	return NIL;
}

static uint32_t rmqueue_claim(struct mmr_model *m, struct model_zone *z, unsigned int order,
			      unsigned int start_mt, unsigned int alloc_flags, int32_t pid)
{
	int min_order = order;

	if (order < PB_ORDER && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = PB_ORDER;
	for (int cur = MAX_ORDER; cur >= min_order; cur--) {
		int fb = find_suitable_fallback(z, cur, start_mt, true, m);
		uint32_t idx;

		if (fb == -1)
			continue;
		if (fb == -2)
			break;
		idx = try_to_claim_block(m, z, z->area[cur][fb].head, cur, order, start_mt, fb,
					 alloc_flags, pid);
		if (idx != NIL) {
			bool owned = block_mt(z, idx) == start_mt;

			EMIT(m, pid, MMR_EV_PAGE_ALLOC_EXTFRAG, (int64_t)model_pfn(z, idx), order,
			     cur, start_mt, fb, owned);
			count_extfrag(m, cur, owned, true);
			return idx;
		}
	}
	return NIL;
}

static uint32_t rmqueue_steal(struct mmr_model *m, struct model_zone *z, unsigned int order,
			      unsigned int start_mt, int32_t pid)
{
	for (unsigned int cur = order; cur < NR_ORDERS; cur++) {
		int fb = find_suitable_fallback(z, cur, start_mt, false, m);
		uint32_t idx;
		bool owned;

		if (fb == -1)
			continue;
		idx = z->area[cur][fb].head;
		freelist_del(z, idx, cur, fb);
		model_expand(z, idx, order, cur, fb);
		owned = block_mt(z, idx) == start_mt;
		EMIT(m, pid, MMR_EV_PAGE_ALLOC_EXTFRAG, (int64_t)model_pfn(z, idx), order, cur,
		     start_mt, fb, owned);
		count_extfrag(m, cur, owned, false);
		return idx;
	}
	return NIL;
}

/* __rmqueue(): own type, CMA, claim, steal; @mode caches the stage across a refill. */
static uint32_t rmqueue_stages(struct mmr_model *m, struct model_zone *z, unsigned int order,
			       unsigned int mt, unsigned int alloc_flags, enum rmqueue_mode *mode,
			       int32_t pid)
{
	uint32_t idx;

	if ((alloc_flags & ALLOC_CMA) && z->nr_free_cma > z->nr_free_pages / 2) {
		idx = rmqueue_smallest(m, z, order, MT_CMA, pid);
		if (idx != NIL)
			return idx;
	}
	switch (*mode) {
	case RMQ_NORMAL:
		if (z->spb)
			idx = spb_rmqueue_smallest(m, z, order, mt, pid);
		else
			idx = rmqueue_smallest(m, z, order, mt, pid);
		if (idx != NIL)
			return idx;
		/* fallthrough */
	case RMQ_CMA:
		if (alloc_flags & ALLOC_CMA) {
			idx = rmqueue_smallest(m, z, order, MT_CMA, pid);
			if (idx != NIL) {
				*mode = RMQ_CMA;
				return idx;
			}
		}
		/* fallthrough */
	case RMQ_CLAIM:
		idx = rmqueue_claim(m, z, order, mt, alloc_flags, pid);
		if (idx != NIL) {
			*mode = RMQ_NORMAL;
			return idx;
		}
		/* fallthrough */
	case RMQ_STEAL:
		if (!(alloc_flags & ALLOC_NOFRAGMENT)) {
			idx = rmqueue_steal(m, z, order, mt, pid);
			if (idx != NIL) {
				*mode = RMQ_STEAL;
				return idx;
			}
		}
	}
	return NIL;
}

/* nr_pcp_alloc() with high_min == high_max */
static unsigned int nr_pcp_alloc(struct model_zone *z, unsigned int order)
{
	unsigned int base = z->pcp_batch, batch;
	uint64_t high = z->pcp_high;

	if (high < base)
		return 1;
	batch = order ? base : base << z->pcp_alloc_factor;
	if (!order) {
		int64_t max_nr = (int64_t)high - (int64_t)z->pcp_count - base;

		if (max_nr < base)
			max_nr = base;
		if (batch <= max_nr && z->pcp_alloc_factor < PCP_BATCH_SCALE_MAX)
			z->pcp_alloc_factor++;
		if (batch > max_nr)
			batch = (unsigned int)max_nr;
	}
	if (batch > 1) {
		batch >>= order;
		if (batch < 2)
			batch = 2;
	}
	return batch;
}

static uint32_t rmqueue_pcplist(struct mmr_model *m, struct model_zone *z, unsigned int order,
				unsigned int mt, unsigned int alloc_flags, int32_t pid)
{
	struct freelist *l = &z->pcp_list[order_to_pindex(mt, order)];
	uint32_t idx;

	z->pcp_free_count >>= 1;
	if (l->head == NIL) {
		unsigned int batch = nr_pcp_alloc(z, order), n;
		enum rmqueue_mode mode = RMQ_NORMAL;

		for (n = 0; n < batch; n++) {
			idx = rmqueue_stages(m, z, order, mt, alloc_flags, &mode, pid);
			if (idx == NIL)
				break;
			pg_set_free(&z->pages[idx], PS_PCP, order, NIL, NIL);
			list_push(z, l, idx, true);
		}
		z->pcp_count += (uint64_t)n << order;
		if (l->head == NIL)
			return NIL;
	}
	idx = l->head;
	list_unlink(z, l, idx);
	z->pages[idx].w0 = 0;
	z->pages[idx].w1 = 0;
	z->pcp_count -= 1u << order;
	return idx;
}

static uint32_t rmqueue_buddy(struct mmr_model *m, struct model_zone *z, unsigned int order,
			      unsigned int alloc_flags, unsigned int mt, int32_t pid)
{
	uint32_t idx = NIL;

	if (alloc_flags & ALLOC_HIGHATOMIC)
		idx = rmqueue_smallest(m, z, order, MT_HIGHATOMIC, pid);
	if (idx == NIL) {
		enum rmqueue_mode mode = RMQ_NORMAL;

		idx = rmqueue_stages(m, z, order, mt, alloc_flags, &mode, pid);
		if (idx == NIL && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
			idx = rmqueue_smallest(m, z, order, MT_HIGHATOMIC, pid);
	}
	return idx;
}

/* rmqueue(): returns the page index (head PS_TAIL, not yet prepared) or NIL. */
uint32_t rmqueue(struct mmr_model *m, struct model_zone *pref, struct model_zone *z,
		 unsigned int order, unsigned int alloc_flags, unsigned int mt, int32_t pid)
{
	uint32_t idx = NIL;

	(void)pref;
	if (m->cfg.policy.pcp && pcp_allowed_order(order))
		idx = rmqueue_pcplist(m, z, order, mt, alloc_flags, pid);
	if (idx == NIL)
		idx = rmqueue_buddy(m, z, order, alloc_flags, mt, pid);
	if ((alloc_flags & ALLOC_KSWAPD) && (z->flags & ZONE_BOOSTED_WATERMARK)) {
		z->flags &= ~ZONE_BOOSTED_WATERMARK;
		wakeup_kswapd(m, z, 0, 0, z->idx, pid);
	}
	return idx;
}

static inline int64_t watermark_unusable_free(const struct model_zone *z, unsigned int order,
					      unsigned int alloc_flags)
{
	int64_t unusable = (1 << order) - 1;

	if (!(alloc_flags & ALLOC_RESERVES))
		unusable += z->nr_free_highatomic;
	if (!(alloc_flags & ALLOC_CMA))
		unusable += z->nr_free_cma;
	return unusable;
}

/* __zone_watermark_ok() (§1.7) */
bool zone_watermark_ok(const struct mmr_model *m, const struct model_zone *z, unsigned int order,
		       uint64_t mark, int highest_zoneidx, unsigned int alloc_flags, int64_t free)
{
	int64_t min = (int64_t)mark;
	unsigned int any = (1u << NR_PCPTYPES) - 1;

	(void)m;
	free -= watermark_unusable_free(z, order, alloc_flags);
	if (alloc_flags & ALLOC_RESERVES) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free <= min + (int64_t)z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	for (unsigned int mt = 0; mt < NR_MT; mt++) {
		bool usable = (any >> mt) & 1;

		if (mt == MT_CMA)
			usable = alloc_flags & ALLOC_CMA;
		else if (mt == MT_HIGHATOMIC)
			usable = alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM);
		if (usable && (z->nonempty[mt] >> order))
			return true;
	}
	return false;
}

/* zone_watermark_fast() */
bool zone_watermark_fast(const struct mmr_model *m, const struct model_zone *z,
			 unsigned int order, uint64_t mark, int highest_zoneidx,
			 unsigned int alloc_flags)
{
	int64_t free = (int64_t)z->nr_free_pages;

	if (!order) {
		int64_t reserved = watermark_unusable_free(z, 0, alloc_flags);
		int64_t usable = free - (reserved < free ? reserved : free);

		if (usable > (int64_t)(mark + z->lowmem_reserve[highest_zoneidx]))
			return true;
	}
	if (zone_watermark_ok(m, z, order, mark, highest_zoneidx, alloc_flags, free))
		return true;
	if (!order && (alloc_flags & ALLOC_MIN_RESERVE) && z->boost &&
	    (alloc_flags & ALLOC_WMARK_MASK) == ALLOC_WMARK_MIN)
		return zone_watermark_ok(m, z, order, z->wmark[ALLOC_WMARK_MIN], highest_zoneidx,
					 alloc_flags, free);
	return false;
}

/* reserve_highatomic_pageblock() */
void reserve_highatomic_pageblock(struct mmr_model *m, struct model_zone *z, uint32_t idx,
				  unsigned int order)
{
	uint64_t max_managed;
	unsigned int mt;

	if (!m->cfg.policy.highatomic || z->managed / 100 < PB_PAGES)
		return;
	max_managed = (z->managed / 100 + PB_PAGES - 1) & ~(uint64_t)(PB_PAGES - 1);
	if (z->nr_reserved_highatomic >= max_managed)
		return;
	mt = block_mt(z, idx);
	if (!is_mergeable_mt(mt))
		return;
	if (order < PB_ORDER) {
		move_freepages_block(z, idx, mt, MT_HIGHATOMIC);
		z->nr_reserved_highatomic += PB_PAGES;
	} else {
		set_block_mt(z, idx, order, MT_HIGHATOMIC);
		z->nr_reserved_highatomic += 1u << order;
	}
}

/* unreserve_highatomic_pageblock(): give a reserved block to the request's type. */
bool unreserve_highatomic_pageblock(struct mmr_model *m, struct model_zone **zl, int nr_zl,
				    int req_mt, bool force)
{
	if (!m->cfg.policy.highatomic)
		return false;
	for (int i = 0; i < nr_zl; i++) {
		struct model_zone *z = zl[i];

		if (!force && z->nr_reserved_highatomic <= PB_PAGES)
			continue;
		for (unsigned int o = 0; o < NR_ORDERS; o++) {
			uint32_t idx = z->area[o][MT_HIGHATOMIC].head;
			uint64_t size = o > PB_ORDER ? 1u << o : PB_PAGES;

			if (idx == NIL)
				continue;
			z->nr_reserved_highatomic -= size < z->nr_reserved_highatomic ?
						     size : z->nr_reserved_highatomic;
			if (o < PB_ORDER) {
				move_freepages_block(z, idx, MT_HIGHATOMIC, req_mt);
			} else {
				freelist_move_tail(z, idx, o, MT_HIGHATOMIC, req_mt);
				set_block_mt(z, idx, o, req_mt);
			}
			return true;
		}
	}
	return false;
}

/* The head of a new allocation: page word, block and zone counters. */
void prep_alloc_page(struct mmr_model *m, struct model_zone *z, uint32_t idx,
		     unsigned int order, uint32_t owner, unsigned int class, bool movable,
		     unsigned int mt, unsigned int flags)
{
	(void)m;
	z->pages[idx].w0 = ((uint32_t)PS_ALLOC << PS_SHIFT) | (order << A_ORDER_SHIFT) |
			   (class << A_CLASS_SHIFT) | (movable ? A_MOVABLE : 0) |
			   (mt << A_MT_SHIFT) | flags;
	z->pages[idx].w1 = owner;
	if (movable)
		block_account_movable(z, idx, order, 1);
	if (class < NR_LRU)
		z->nr_lru[class] += 1u << order;
	if (z->spb)
		spb_content(z, idx, order, movable, flags & A_RESERVED, 1);
}

void unprep_alloc_page(struct mmr_model *m, struct model_zone *z, uint32_t idx)
{
	struct model_page *p = &z->pages[idx];
	unsigned int order = pg_alloc_order(p), class = pg_class(p);

	(void)m;
	if (pg_movable(p))
		block_account_movable(z, idx, order, -1);
	if (class < NR_LRU)
		z->nr_lru[class] -= 1u << order;
	if (z->spb)
		spb_content(z, idx, order, pg_movable(p), p->w0 & A_RESERVED, -1);
	p->w0 = 0;
	p->w1 = 0;
}
