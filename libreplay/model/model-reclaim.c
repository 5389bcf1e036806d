/*
 * model/model-reclaim.c - direct reclaim (try_to_free_pages()) and kswapd
 * (wakeup_kswapd(), balance_pgdat(), kswapd_try_to_sleep()) of mm/vmscan.c in
 * MODEL_KERNEL (kernel-model.md §5).
 * Divergences: one age-ordered list per reclaimable class stands for the LRUs (no
 * active/inactive, no referenced bits unless sysctl.reclaim_rotate_permille, no
 * writeback or dirty throttling); every scanned page is freed; slab shrinkers free
 * whole RECLAIMABLE pages; shrink_lruvec() stops as soon as the target is met instead
 * of finishing the proportional scan; kswapd runs one shrink_node() pass per step.
 */
#include "model-local.h"

struct scan_control {
	uint64_t		nr_to_reclaim;
	uint64_t		nr_reclaimed;
	uint64_t		nr_scanned;
	uint64_t		gfp;
	int			order;
	int			priority;
	int			reclaim_idx;
	bool			kswapd;
	bool			may_swap;
	bool			compaction_ready;
	struct model_actor	*a;
};

uint64_t zone_reclaimable_pages(const struct mmr_model *m, const struct model_zone *z)
{
	return z->nr_lru[MMR_CLASS_FILE] + (m->cfg.policy.swap ? z->nr_lru[MMR_CLASS_ANON] : 0);
}

/*
 * Scan up to @nr_to_scan pages of @class, oldest first, freeing each (or rotating it
 * when it counts as referenced). Pages of zones above reclaim_idx are skipped.
 * Return: pages reclaimed.
 */
/* LRU entries whose page state is fetched ahead of the scan (see lru_prefetch()). */
#define LRU_AHEAD		64

/*
 * Starts loading the page state of the live owner @o, and returns the owner after it
 * on its LRU (ONIL at the end). The LRU runs in allocation order, so the owner table
 * is read in order while each owner's page sits anywhere in the zone: without this
 * the scan waits on a cache miss for every page. A hint only: nothing is changed.
 */
static inline uint32_t lru_prefetch(const struct mmr_model *m, uint32_t o)
{
	uint32_t loc;

	if (o >= m->nr_owner_slots)
		return ONIL;
	loc = m->owners[o].loc;
	if (!(loc & OWNER_LIVE))
		return ONIL;
	__builtin_prefetch(&loc_zone(m, loc)->pages[loc & LINK_MASK]);
	return m->owners[o].next;
}

static uint64_t shrink_class(struct mmr_model *m, struct scan_control *sc, unsigned int class,
			     uint64_t nr_to_scan)
{
	uint32_t cur = m->lru[class].head, skipped = 0, ahead = cur;
	uint64_t scanned = 0, reclaimed = 0;
	unsigned int rotate = m->cfg.sysctl.reclaim_rotate_permille;

	for (unsigned int i = 0; i < LRU_AHEAD && ahead != ONIL; i++)
		ahead = lru_prefetch(m, ahead);
	while (cur != ONIL && scanned < nr_to_scan && skipped < 4 * CLUSTER_MAX) {
		uint32_t next = m->owners[cur].next;
		struct model_zone *z;
		uint32_t idx;
		uint64_t pages;

		if (ahead != ONIL)
			ahead = lru_prefetch(m, ahead);

		model_owner_locate(m, cur, &z, &idx);
		pages = 1ull << pg_alloc_order(&z->pages[idx]);
		if (z->idx > sc->reclaim_idx) {
			skipped++;
			cur = next;
			continue;
		}
		scanned += pages;
		if (rotate && model_rand(m) % 1000 < rotate)
			model_lru_rotate(m, cur, class);
		else {
			model_free_owner(m, cur, sc->a->pid, true);
			reclaimed += pages;
		}
		cur = next;
	}
	sc->nr_scanned += scanned;
	sc->nr_reclaimed += reclaimed;
	sc->a->work->reclaim_scanned += scanned;
	if (class == MMR_CLASS_ANON)
		sc->a->work->reclaimed_anon += reclaimed;
	else if (class == MMR_CLASS_FILE)
		sc->a->work->reclaimed_file += reclaimed;
	else
		sc->a->work->reclaimed_slab += reclaimed;
	if (class != MMR_CLASS_SLAB && scanned)
		EMIT(m, sc->a->pid, MMR_EV_LRU_SHRINK_INACTIVE, m->cfg.nid, (int64_t)scanned,
		     (int64_t)reclaimed, 0, 0, 0, 0, 0, 0, 0, 0, sc->priority,
		     (class == MMR_CLASS_FILE ? 0x2 : 0x1) | 0x8);
	return reclaimed;
}

/* shrink_lruvec() + shrink_slab(): one pass over the node at sc->priority. */
static void shrink_node_pass(struct mmr_model *m, struct scan_control *sc)
{
	const struct mmr_model_sysctl *sy = &m->cfg.sysctl;
	bool swap = m->cfg.policy.swap && sc->may_swap;
	uint64_t scan[2], slab;
	bool proportional = !sc->kswapd && sc->priority == DEF_PRIORITY;

	scan[MMR_CLASS_ANON] = swap ? m->lru[MMR_CLASS_ANON].nr_pages >> sc->priority : 0;
	scan[MMR_CLASS_FILE] = m->lru[MMR_CLASS_FILE].nr_pages >> sc->priority;
	if (scan[MMR_CLASS_ANON] && scan[MMR_CLASS_FILE]) {
		/* get_scan_count(), SCAN_FRACT with equal costs: swappiness : 200 - swappiness */
		scan[MMR_CLASS_ANON] = scan[MMR_CLASS_ANON] * sy->swappiness / 200;
		scan[MMR_CLASS_FILE] = scan[MMR_CLASS_FILE] * (200 - sy->swappiness) / 200;
	}
	while (scan[0] || scan[1]) {
		for (unsigned int c = 0; c < 2; c++) {
			uint64_t n = scan[c] < CLUSTER_MAX ? scan[c] : CLUSTER_MAX;

			if (!n)
				continue;
			scan[c] -= n;
			shrink_class(m, sc, c, n);
		}
		if (sc->nr_reclaimed < sc->nr_to_reclaim || proportional)
			continue;
		break;
	}
	/* do_shrink_slab(): (freeable >> priority) * 4 / DEFAULT_SEEKS */
	slab = (m->lru[MMR_CLASS_SLAB].nr_pages >> sc->priority) * 2;
	if (slab > m->lru[MMR_CLASS_SLAB].nr_pages)
		slab = m->lru[MMR_CLASS_SLAB].nr_pages;
	if (slab)
		shrink_class(m, sc, MMR_CLASS_SLAB, slab);
}

static bool should_continue_reclaim(struct mmr_model *m, struct scan_control *sc,
				    uint64_t nr_reclaimed)
{
	uint64_t inactive;

	if (!(sc->gfp & MMR_GFP_IO) || !sc->order ||
	    !(sc->order > COSTLY_ORDER || sc->priority < DEF_PRIORITY - 2))
		return false;
	if (!nr_reclaimed)
		return false;
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		struct model_zone *z = &m->zones[i];
		uint64_t min = wmark_pages(z, ALLOC_WMARK_MIN);

		if (z->idx > sc->reclaim_idx || !z->managed)
			continue;
		if (zone_watermark_ok(m, z, sc->order, min, sc->reclaim_idx, 0,
				      (int64_t)z->nr_free_pages))
			return false;
		if (compaction_suitable(m, z, sc->order, min, sc->reclaim_idx, sc->a->pid))
			return false;
	}
	inactive = m->lru[MMR_CLASS_FILE].nr_pages;
	if (m->cfg.policy.swap && sc->may_swap)
		inactive += m->lru[MMR_CLASS_ANON].nr_pages;
	return inactive > compact_gap(sc->order);
}

/* shrink_node(): passes while reclaim/compaction wants more. */
static void shrink_node(struct mmr_model *m, struct scan_control *sc)
{
	uint64_t before;

	do {
		before = sc->nr_reclaimed;
		sc->a->work->reclaim_calls++;
		shrink_node_pass(m, sc);
		if (sc->nr_reclaimed > before)
			m->ks.failures = 0;
	} while (should_continue_reclaim(m, sc, sc->nr_reclaimed - before));
}

static bool compaction_ready(struct mmr_model *m, struct model_zone *z, struct scan_control *sc)
{
	if (!(sc->gfp & MMR_GFP_IO))
		return false;
	if (zone_watermark_ok(m, z, sc->order, wmark_pages(z, ALLOC_WMARK_MIN), sc->reclaim_idx,
			      0, (int64_t)z->nr_free_pages))
		return true;
	return compaction_suitable(m, z, sc->order, wmark_pages(z, ALLOC_WMARK_HIGH),
				   sc->reclaim_idx, sc->a->pid);
}

/* try_to_free_pages() / do_try_to_free_pages(): nr_to_reclaim = SWAP_CLUSTER_MAX. */
uint64_t try_to_free_pages(struct mmr_model *m, struct model_zone **zl, int nr_zl,
			   unsigned int order, uint64_t gfp, int highest_zoneidx,
			   struct model_actor *a)
{
	struct scan_control sc = {
		.nr_to_reclaim = CLUSTER_MAX,
		.gfp = gfp,
		.order = (int)order,
		.priority = DEF_PRIORITY,
		.reclaim_idx = highest_zoneidx,
		.may_swap = true,
		.a = a,
	};

	EMIT(m, a->pid, MMR_EV_DIRECT_RECLAIM_BEGIN, order, (int64_t)gfp);
	m->stats.direct_reclaim++;
	do {
		bool shrunk = false;

		for (int i = 0; i < nr_zl; i++) {
			if (order > COSTLY_ORDER && compaction_ready(m, zl[i], &sc)) {
				sc.compaction_ready = true;
				continue;
			}
			if (shrunk)	/* one node: shrink it once per priority */
				continue;
			shrink_node(m, &sc);
			shrunk = true;
		}
		if (sc.nr_reclaimed >= sc.nr_to_reclaim || sc.compaction_ready)
			break;
	} while (--sc.priority >= 0);
	EMIT(m, a->pid, MMR_EV_DIRECT_RECLAIM_END, (int64_t)sc.nr_reclaimed);
	m->stats.direct_reclaimed += sc.nr_reclaimed;
	m->stats.direct_scanned += sc.nr_scanned;
	if (sc.nr_reclaimed)
		return sc.nr_reclaimed;
	return sc.compaction_ready ? 1 : 0;
}

/* pgdat_balanced(): defrag_mode checks order > 0 in whole free blocks. */
bool pgdat_balanced(const struct mmr_model *m, int order, int highest_zoneidx)
{
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		const struct model_zone *z = &m->zones[i];
		uint64_t free;

		if (z->idx > highest_zoneidx || !z->managed)
			continue;
		free = order && m->cfg.policy.defrag_mode ? z->nr_free_blocks : z->nr_free_pages;
		if (zone_watermark_ok(m, z, (unsigned int)order, wmark_pages(z, ALLOC_WMARK_HIGH),
				      highest_zoneidx, 0, (int64_t)free))
			return true;
	}
	return false;
}

static bool watermark_boosted(const struct mmr_model *m, int highest_zoneidx)
{
	for (unsigned int i = 0; i < m->nr_zones; i++)
		if (m->zones[i].idx <= highest_zoneidx && m->zones[i].boost)
			return true;
	return false;
}

static int top_zone_idx(const struct mmr_model *m)
{
	return m->zones[m->nr_zones - 1].idx;
}

void wakeup_kswapd(struct mmr_model *m, struct model_zone *z, uint64_t gfp, int order,
		   int highest_zoneidx, int32_t pid)
{
	struct model_kswapd *ks = &m->ks;

	if (!z->managed)
		return;
	if (ks->pending_idx < 0 || ks->pending_idx < highest_zoneidx)
		ks->pending_idx = highest_zoneidx;
	if (ks->pending_order < order)
		ks->pending_order = order;
	if (ks->state == KS_RUN)
		return;
	if (ks->failures >= MAX_RECLAIM_RETRIES ||
	    (pgdat_balanced(m, order, highest_zoneidx) &&
	     !watermark_boosted(m, highest_zoneidx))) {
		if (!(gfp & MMR_GFP_DIRECT_RECLAIM))
			wakeup_kcompactd(m, order, highest_zoneidx, pid);
		return;
	}
	EMIT(m, pid, MMR_EV_WAKEUP_KSWAPD, m->cfg.nid, z->idx, order, (int64_t)gfp);
	if (ks->state == KS_SHORT_SLEEP) {
		/* woken before the short sleep ended: keep the order it was balancing */
		if (ks->pending_order < ks->sleep_order)
			ks->pending_order = ks->sleep_order;
	}
	ks->state = KS_RUN;
	ks->need_start = true;
}

static void set_reclaim_active(struct mmr_model *m, int idx, bool on)
{
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		if (m->zones[i].idx > idx)
			continue;
		if (on)
			m->zones[i].flags |= ZONE_RECLAIM_ACTIVE;
		else
			m->zones[i].flags &= ~ZONE_RECLAIM_ACTIVE;
	}
}

/* The top of kswapd's loop: read the request and start balance_pgdat(). */
static void kswapd_start_run(struct mmr_model *m)
{
	struct model_kswapd *ks = &m->ks;

	ks->alloc_order = ks->pending_order;
	ks->idx = ks->pending_idx < 0 ? top_zone_idx(m) : ks->pending_idx;
	ks->pending_order = 0;
	ks->pending_idx = -1;
	ks->need_start = false;
	EMIT(m, m->cfg.kswapd_pid, MMR_EV_KSWAPD_WAKE, m->cfg.nid, ks->idx, ks->alloc_order);
	m->stats.kswapd_wakes++;
	ks->order = ks->alloc_order;
	ks->priority = DEF_PRIORITY;
	ks->nr_reclaimed = 0;
	ks->boost_left = 0;
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		ks->zone_boosts[i] = m->zones[i].idx <= ks->idx ? m->zones[i].boost : 0;
		ks->boost_left += ks->zone_boosts[i];
	}
	ks->boosted = ks->boost_left > 0;
	set_reclaim_active(m, ks->idx, true);
}

/* kswapd_try_to_sleep(): balanced at the reclaim order (or hopeless) -> short sleep. */
static void kswapd_try_to_sleep(struct mmr_model *m, int alloc_order, int reclaim_order, int idx)
{
	struct model_kswapd *ks = &m->ks;

	if (ks->failures >= MAX_RECLAIM_RETRIES || pgdat_balanced(m, reclaim_order, idx)) {
		reset_isolation_suitable(m);
		wakeup_kcompactd(m, alloc_order, idx, m->cfg.kswapd_pid);
		ks->state = KS_SHORT_SLEEP;
		ks->wake_at = m->now + 100000000ull;	/* HZ/10 */
		ks->sleep_order = reclaim_order;
		ks->sleep_idx = idx;
		ks->budget = 0;
		return;
	}
	kswapd_start_run(m);
}

static void kswapd_finish_run(struct mmr_model *m)
{
	struct model_kswapd *ks = &m->ks;

	if (!ks->nr_reclaimed)
		ks->failures++;
	if (ks->boosted) {
		for (unsigned int i = 0; i < m->nr_zones; i++) {
			struct model_zone *z = &m->zones[i];
			uint64_t b = ks->zone_boosts[i] < z->boost ? ks->zone_boosts[i] : z->boost;

			z->boost -= b;
		}
		wakeup_kcompactd(m, PB_ORDER, ks->idx, m->cfg.kswapd_pid);
	}
	set_reclaim_active(m, ks->idx, false);
	kswapd_try_to_sleep(m, ks->alloc_order, ks->order, ks->idx);
}

/* End of the short sleep: fully asleep if still balanced, else balance again. */
static void kswapd_timer(struct mmr_model *m)
{
	struct model_kswapd *ks = &m->ks;

	if (ks->failures >= MAX_RECLAIM_RETRIES || pgdat_balanced(m, ks->sleep_order, ks->sleep_idx)) {
		EMIT(m, m->cfg.kswapd_pid, MMR_EV_KSWAPD_SLEEP, m->cfg.nid);
		ks->state = KS_SLEEP;
		return;
	}
	ks->state = KS_RUN;
	ks->need_start = true;
}

/*
 * One step of kswapd: one iteration of balance_pgdat()'s priority loop (one
 * shrink_node() call), or a state change. Return: false when kswapd has nothing to do.
 */
bool kswapd_step(struct mmr_model *m)
{
	struct model_kswapd *ks = &m->ks;
	struct model_actor a = { .pid = m->cfg.kswapd_pid, .work = &ks->work, .kswapd = true };
	struct scan_control sc;
	bool balanced, raise = true;

	if (ks->state == KS_SHORT_SLEEP && m->now >= ks->wake_at) {
		kswapd_timer(m);
		return true;
	}
	if (ks->state != KS_RUN)
		return false;
	if (ks->need_start) {
		kswapd_start_run(m);
		return true;
	}
	balanced = pgdat_balanced(m, ks->order, ks->idx);
	if (!balanced && ks->boost_left) {
		ks->boost_left = 0;
		ks->priority = DEF_PRIORITY;
		return true;
	}
	if (!ks->boost_left && balanced) {
		kswapd_finish_run(m);
		return true;
	}
	if (ks->boost_left && ks->priority == DEF_PRIORITY - 2)
		raise = false;
	sc = (struct scan_control){
		.gfp = MMR_GFP_KERNEL,
		.order = ks->order,
		.priority = ks->priority,
		.reclaim_idx = ks->idx,
		.kswapd = true,
		.may_swap = !ks->boost_left,
		.a = &a,
	};
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		const struct model_zone *z = &m->zones[i];
		uint64_t h = wmark_pages(z, ALLOC_WMARK_HIGH);

		if (z->idx <= ks->idx && z->managed)
			sc.nr_to_reclaim += h > CLUSTER_MAX ? h : CLUSTER_MAX;
	}
	shrink_node(m, &sc);
	m->stats.kswapd_reclaimed += sc.nr_reclaimed;
	m->stats.kswapd_scanned += sc.nr_scanned;
	ks->nr_reclaimed += sc.nr_reclaimed;
	/* kswapd_shrink_node(): enough reclaimed for compaction -> balance at order 0 */
	if (ks->order && ks->nr_reclaimed >= compact_gap(ks->order))
		ks->order = 0;
	if (sc.nr_scanned >= sc.nr_to_reclaim)
		raise = false;
	ks->boost_left -= ks->boost_left < sc.nr_reclaimed ? ks->boost_left : sc.nr_reclaimed;
	if (ks->boost_left && !sc.nr_reclaimed) {
		kswapd_finish_run(m);
		return true;
	}
	if (raise || !sc.nr_reclaimed)
		ks->priority--;
	if (ks->priority < 1)
		kswapd_finish_run(m);
	return true;
}
