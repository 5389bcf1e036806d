/*
 * model/model-alloc.c - an allocation request from fast path to OOM, and frees by
 * owner. Mirrors __alloc_frozen_pages_noprof(), get_page_from_freelist(),
 * __alloc_pages_slowpath() and its helpers in mm/page_alloc.c of MODEL_KERNEL
 * (kernel-model.md §2.1-2.2, §3), with the fix series' deltas as policy switches.
 * Divergences: one node, no cpusets, no memory policies, no PF_MEMALLOC tasks, no OOM
 * victims (ALLOC_OOM never set); OOM kills only through the embedder's hook; a model
 * guard (sysctl.retry_cap) stops a request that loops for ever.
 */
#include "model-local.h"

struct alloc_ctx {
	const struct mmr_model_req	*req;
	unsigned int			order;
	uint64_t			gfp;
	uint64_t			gfp_used;
	unsigned int			mt;
	int				highest_zoneidx;
	struct model_zone		*zl[MMR_MODEL_MAX_ZONES];
	int				nr_zl;
	struct model_actor		actor;
	uint64_t			t0;
	bool				stalled;	/* counted in stalled_pages_needed */
};

static int gfp_zone(uint64_t gfp)
{
	if (gfp & MMR_GFP_DMA)
		return MMR_ZONE_DMA;
	if (gfp & MMR_GFP_DMA32)
		return MMR_ZONE_DMA32;
	if ((gfp & (MMR_GFP_MOVABLE | MMR_GFP_HIGHMEM)) == (MMR_GFP_MOVABLE | MMR_GFP_HIGHMEM))
		return MMR_ZONE_MOVABLE;
	return MMR_ZONE_NORMAL;
}

/* The zonelist for @gfp: allowed zones, highest index first. Return: how many. */
int model_zonelist(const struct mmr_model *m, uint64_t gfp, struct model_zone **zl)
{
	int h = gfp_zone(gfp), n = 0;

	for (int i = (int)m->nr_zones - 1; i >= 0; i--)
		if (m->zones[i].idx <= h)
			zl[n++] = (struct model_zone *)&m->zones[i];
	return n;
}

unsigned int gfp_migratetype(const struct mmr_model *m, uint64_t gfp)
{
	if (m->mobility_disabled)
		return MT_UNMOVABLE;
	return (unsigned int)((gfp & (MMR_GFP_MOVABLE | MMR_GFP_RECLAIMABLE)) >> 3);
}

/* Non-movable NOFRAGMENT requests compact and reclaim at pageblock order (fix 4/4). */
static bool promotes(const struct alloc_ctx *ac, unsigned int alloc_flags)
{
	return (alloc_flags & ALLOC_NOFRAGMENT) && ac->mt != MT_MOVABLE;
}

static unsigned int promoted_order(const struct alloc_ctx *ac)
{
	return ac->order > PB_ORDER ? ac->order : PB_ORDER;
}

/* get_page_from_freelist(): walk the zonelist; vanilla drops NOFRAGMENT after a full walk. */
static uint32_t get_page_from_freelist(struct mmr_model *m, struct alloc_ctx *ac,
				       unsigned int order, unsigned int alloc_flags,
				       struct model_zone **zone_out)
{
	bool no_fallback;

retry:
	no_fallback = alloc_flags & ALLOC_NOFRAGMENT;
	for (int i = 0; i < ac->nr_zl; i++) {
		struct model_zone *z = ac->zl[i];
		uint64_t mark = wmark_pages(z, alloc_flags & ALLOC_WMARK_MASK);
		uint32_t idx;

		if (!zone_watermark_fast(m, z, order, mark, ac->highest_zoneidx, alloc_flags) &&
		    !(alloc_flags & ALLOC_NO_WATERMARKS))
			continue;
		idx = rmqueue(m, ac->zl[0], z, order, alloc_flags, ac->mt, ac->actor.pid);
		if (idx != NIL) {
			if (alloc_flags & ALLOC_HIGHATOMIC)
				reserve_highatomic_pageblock(m, z, idx, order);
			*zone_out = z;
			return idx;
		}
	}
	if (no_fallback && !m->cfg.policy.defrag_mode) {
		alloc_flags &= ~ALLOC_NOFRAGMENT;
		goto retry;
	}
	return NIL;
}

/* The time a stalled request has spent lets the agents run (agents.during_stall). */
static void stall_checkpoint(struct mmr_model *m, struct alloc_ctx *ac)
{
	uint64_t t;

	if (!m->cfg.agents.during_stall || m->cfg.agents.mode == MMR_AGENTS_OFF)
		return;
	t = ac->t0 + model_work_cost(m, ac->actor.work);
	if (t > m->now)
		model_advance_to(m, t);
}

static uint32_t slow_freelist(struct mmr_model *m, struct alloc_ctx *ac, unsigned int order,
			      unsigned int alloc_flags, struct model_zone **zone_out)
{
	ac->actor.work->freelist_attempts++;
	return get_page_from_freelist(m, ac, order, alloc_flags, zone_out);
}

static void wake_all_kswapds(struct mmr_model *m, struct alloc_ctx *ac)
{
	int order = (int)ac->order;

	if (m->cfg.policy.defrag_mode && order < PB_ORDER)
		order = PB_ORDER;
	/* one node: the first allowed zone stands for it */
	if (ac->nr_zl)
		wakeup_kswapd(m, ac->zl[0], ac->gfp, order, ac->highest_zoneidx, ac->actor.pid);
}

static unsigned int gfp_to_alloc_flags(const struct mmr_model *m, const struct alloc_ctx *ac)
{
	unsigned int flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
	uint64_t gfp = ac->gfp;

	if (gfp & MMR_GFP_HIGH)
		flags |= ALLOC_MIN_RESERVE;
	if (gfp & MMR_GFP_KSWAPD_RECLAIM)
		flags |= ALLOC_KSWAPD;
	if (!(gfp & MMR_GFP_DIRECT_RECLAIM)) {
		if (!(gfp & MMR_GFP_NOMEMALLOC)) {
			flags |= ALLOC_NON_BLOCK;
			if (ac->order > 0 && (flags & ALLOC_MIN_RESERVE))
				flags |= ALLOC_HIGHATOMIC;
		}
		if (flags & ALLOC_MIN_RESERVE)
			flags &= ~ALLOC_CPUSET;
	}
	if (ac->mt == MT_MOVABLE)
		flags |= ALLOC_CMA;
	if (m->cfg.policy.defrag_mode)
		flags |= ALLOC_NOFRAGMENT;
	return flags;
}

/* __alloc_pages_direct_reclaim() with fix 4/4's reclaim-order promotion. */
static uint32_t direct_reclaim(struct mmr_model *m, struct alloc_ctx *ac, unsigned int flags,
			       uint64_t *progress, struct model_zone **zone_out)
{
	unsigned int rorder = ac->order;
	bool drained = false;
	uint32_t idx;

	if (m->cfg.policy.p4_promote_reclaim && promotes(ac, flags)) {
		rorder = promoted_order(ac);
		ac->actor.work->promoted = 1;
	}
	if (!ac->stalled) {
		ac->stalled = true;
		m->stats.stalled_pages_needed += 1ull << ac->order;
	}
	*progress = try_to_free_pages(m, ac->zl, ac->nr_zl, rorder, ac->gfp, ac->highest_zoneidx,
				      &ac->actor);
	stall_checkpoint(m, ac);
	if (!*progress)
		return NIL;
retry:
	idx = slow_freelist(m, ac, ac->order, flags, zone_out);
	if (idx == NIL && !drained) {
		unreserve_highatomic_pageblock(m, ac->zl, ac->nr_zl, ac->mt, false);
		for (unsigned int i = 0; i < m->nr_zones; i++)
			drain_pcp(m, &m->zones[i], ac->actor.pid);
		ac->actor.work->drains++;
		drained = true;
		goto retry;
	}
	return idx;
}

/* __alloc_pages_direct_compact() with fix 4/4's compaction-order promotion and capture. */
static uint32_t direct_compact(struct mmr_model *m, struct alloc_ctx *ac, unsigned int flags,
			       int prio, enum compact_result *result, struct model_zone **zone_out)
{
	unsigned int corder = ac->order;
	struct model_capture capc;
	struct model_zone *z = NULL;
	uint32_t idx;

	if (m->cfg.policy.p4_promote_compact && promotes(ac, flags)) {
		corder = promoted_order(ac);
		ac->actor.work->promoted = 1;
	}
	if (!corder)
		return NIL;
	capc = (struct model_capture){
		.pid = ac->actor.pid,
		.mt = (int)ac->mt,
		.order = (int)(m->cfg.policy.p4_capture_request_order ? ac->order : corder),
		.page = NIL,
	};
	m->capc = &capc;
	*result = try_to_compact_pages(m, ac->zl, ac->nr_zl, corder, ac->gfp, flags,
				       ac->highest_zoneidx, prio, (int)ac->mt, &capc, &ac->actor);
	m->capc = NULL;
	stall_checkpoint(m, ac);
	if (*result == COMPACT_SKIPPED)
		return NIL;
	m->stats.compact_stall++;
	if (capc.page != NIL) {
		idx = capc.page;
		z = capc.page_zone;
		if (capc.page_order > ac->order) {
			/*
			 * Captured at the compaction order for a smaller request (promotion
			 * without the capture fix): keep the request's part and treat the
			 * rest like a whole-block claim. Model choice; see README.md.
			 */
			if (capc.page_order >= PB_ORDER)
				set_block_mt(z, idx, capc.page_order, ac->mt);
			model_expand(z, idx, ac->order, capc.page_order, block_mt(z, idx));
		}
		ac->actor.work->captured += 1u << ac->order;
		m->stats.captures++;
	} else {
		idx = slow_freelist(m, ac, ac->order, flags, &z);
	}
	if (idx != NIL) {
		z->blockskip_flush = false;
		compaction_defer_reset(m, z, (int)corder, true, ac->actor.pid);
		m->stats.compact_success++;
		*zone_out = z;
		return idx;
	}
	m->stats.compact_fail++;
	return NIL;
}

/* [INFERRED] follow-up: retries evaluate the promoted order. */
static unsigned int retry_order(const struct mmr_model *m, const struct alloc_ctx *ac,
				unsigned int flags)
{
	const struct mmr_model_policy *p = &m->cfg.policy;

	if (p->retry_promoted_order && (p->p4_promote_compact || p->p4_promote_reclaim) &&
	    promotes(ac, flags))
		return promoted_order(ac);
	return ac->order;
}

static bool should_reclaim_retry(struct mmr_model *m, struct alloc_ctx *ac, unsigned int flags,
				 bool progress, unsigned int *no_progress_loops)
{
	unsigned int order = retry_order(m, ac, flags);
	bool ret = false;

	if (progress && order <= COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops <= MAX_RECLAIM_RETRIES) {
		for (int i = 0; i < ac->nr_zl; i++) {
			struct model_zone *z = ac->zl[i];
			uint64_t reclaimable = zone_reclaimable_pages(m, z);
			uint64_t available = reclaimable + z->nr_free_pages;
			uint64_t min = wmark_pages(z, ALLOC_WMARK_MIN);
			bool wmark = zone_watermark_ok(m, z, order, min, ac->highest_zoneidx, flags,
						       (int64_t)available);

			EMIT(m, ac->actor.pid, MMR_EV_RECLAIM_RETRY_ZONE, m->cfg.nid, z->idx, order,
			     (int64_t)reclaimable, (int64_t)available, (int64_t)min,
			     *no_progress_loops, wmark);
			if (wmark) {
				ret = true;
				break;
			}
		}
	}
	ac->actor.work->no_progress_loops = *no_progress_loops;
	if (!ret)
		return unreserve_highatomic_pageblock(m, ac->zl, ac->nr_zl, ac->mt, true);
	m->stats.reclaim_retries++;
	m->stats.no_progress_retries += *no_progress_loops > 0;
	return true;
}

/* compaction_zonelist_suitable() */
static bool compaction_zonelist_suitable(struct mmr_model *m, struct alloc_ctx *ac,
					 unsigned int order)
{
	for (int i = 0; i < ac->nr_zl; i++) {
		struct model_zone *z = ac->zl[i];
		uint64_t avail = zone_reclaimable_pages(m, z) / order + z->nr_free_pages;

		if (compaction_suitable_free(m, z, (int)order, wmark_pages(z, ALLOC_WMARK_MIN),
					     ac->highest_zoneidx, (int64_t)avail))
			return true;
	}
	return false;
}

static int compact_feedback(enum compact_result r)
{
	if (r == COMPACT_COMPLETE)
		return 1;	/* COMPACTION_FAILED */
	if (r == COMPACT_SUCCESS)
		return 3;	/* COMPACTION_PROGRESS */
	return 2;		/* COMPACTION_WITHDRAWN */
}

static bool should_compact_retry(struct mmr_model *m, struct alloc_ctx *ac, unsigned int flags,
				 enum compact_result result, int *prio, unsigned int *retries)
{
	unsigned int order = retry_order(m, ac, flags), max_retries = MAX_COMPACT_RETRIES;
	unsigned int entry_retries = *retries;
	int entry_prio = *prio, min_prio;
	bool ret = false;

	if (!order)
		return false;
	if (result == COMPACT_SKIPPED) {
		ret = compaction_zonelist_suitable(m, ac, order);
		goto out;
	}
	if (result == COMPACT_SUCCESS) {
		if (order > COSTLY_ORDER)
			max_retries /= 4;
		if (++(*retries) <= max_retries) {
			ret = true;
			goto out;
		}
	}
	min_prio = order > COSTLY_ORDER ? PRIO_SYNC_LIGHT : PRIO_SYNC_FULL;
	if (*prio > min_prio) {
		(*prio)--;
		*retries = 0;
		ret = true;
	}
out:
	EMIT(m, ac->actor.pid, MMR_EV_COMPACT_RETRY, order, entry_prio, compact_feedback(result),
	     entry_retries, max_retries, ret);
	if (ret) {
		ac->actor.work->compact_retries++;
		m->stats.compact_retries++;
	}
	return ret;
}

/* __alloc_pages_may_oom(): a last attempt at the high mark, then the OOM "kill". */
static uint32_t may_oom(struct mmr_model *m, struct alloc_ctx *ac, uint64_t *progress,
			struct model_zone **zone_out)
{
	uint32_t idx;
	uint64_t freed = 0;

	*progress = 0;
	ac->gfp_used = (ac->gfp | MMR_GFP_HARDWALL) & ~MMR_GFP_DIRECT_RECLAIM;
	idx = slow_freelist(m, ac, ac->order, ALLOC_WMARK_HIGH | ALLOC_CPUSET, zone_out);
	ac->gfp_used = ac->gfp;
	if (idx != NIL)
		return idx;
	if (ac->order > COSTLY_ORDER || (ac->gfp & (MMR_GFP_RETRY_MAYFAIL | MMR_GFP_THISNODE)) ||
	    ac->highest_zoneidx < MMR_ZONE_NORMAL)
		return NIL;
	m->stats.oom++;
	ac->actor.work->oom++;
	EMIT(m, ac->actor.pid, MMR_EV_MARK_VICTIM, -1, 0, 0, 0, 0, 0, 0, 0, 0);
	if (m->cfg.hooks.oom)
		freed = m->cfg.hooks.oom(m->cfg.hooks.arg, m, ac->req);
	*progress = freed > 0;
	if (ac->gfp & MMR_GFP_NOFAIL)
		idx = slow_freelist(m, ac, ac->order, ALLOC_NO_WATERMARKS, zone_out);
	return idx;
}

static uint32_t slowpath(struct mmr_model *m, struct alloc_ctx *ac, struct model_zone **zone_out)
{
	bool costly = ac->order > COSTLY_ORDER;
	bool can_reclaim = ac->gfp & MMR_GFP_DIRECT_RECLAIM;
	bool can_compact = ac->gfp & MMR_GFP_IO;
	bool memalloc = (ac->gfp & MMR_GFP_MEMALLOC) && !(ac->gfp & MMR_GFP_NOMEMALLOC);
	enum compact_result compact_result = COMPACT_SKIPPED;
	int compact_prio = PRIO_SYNC_LIGHT;
	unsigned int compaction_retries = 0, no_progress_loops = 0, flags, passes = 0;
	struct mmr_model_work *w = ac->actor.work;
	uint64_t progress = 0;
	uint32_t idx;

	w->slowpath = 1;
	m->stats.slowpath++;
	if (ac->mt < NR_PCPTYPES)
		m->stats.mt_slowpath[ac->mt]++;
	flags = gfp_to_alloc_flags(m, ac);
	if (flags & ALLOC_KSWAPD)
		wake_all_kswapds(m, ac);
	idx = slow_freelist(m, ac, ac->order, flags, zone_out);
	if (idx != NIL)
		return idx;
	if (can_reclaim && can_compact && (costly || (ac->order > 0 && ac->mt != MT_MOVABLE)) &&
	    !memalloc) {
		idx = direct_compact(m, ac, flags, PRIO_ASYNC, &compact_result, zone_out);
		if (idx != NIL)
			return idx;
		if (costly && (ac->gfp & MMR_GFP_NORETRY)) {
			if (compact_result == COMPACT_SKIPPED || compact_result == COMPACT_DEFERRED)
				return NIL;
			compact_prio = PRIO_ASYNC;
		}
	}
retry:
	if (++passes > m->cfg.sysctl.retry_cap) {
		m->stats.retry_capped++;
		return NIL;
	}
	w->retries++;
	stall_checkpoint(m, ac);
	if (flags & ALLOC_KSWAPD)
		wake_all_kswapds(m, ac);
	if (memalloc)
		flags = ALLOC_NO_WATERMARKS | (ac->mt == MT_MOVABLE ? ALLOC_CMA : 0) |
			(flags & ALLOC_KSWAPD);
	idx = slow_freelist(m, ac, ac->order, flags, zone_out);
	if (idx != NIL)
		return idx;
	if (!can_reclaim) {
		if (m->cfg.policy.atomic_nofrag_drop && (flags & ALLOC_NOFRAGMENT) &&
		    (ac->gfp & MMR_GFP_KSWAPD_RECLAIM)) {
			flags &= ~ALLOC_NOFRAGMENT;
			w->nofrag_dropped = 1;
			m->stats.nofrag_dropped++;
			goto retry;
		}
		return NIL;
	}
	idx = direct_reclaim(m, ac, flags, &progress, zone_out);
	if (idx != NIL)
		return idx;
	idx = direct_compact(m, ac, flags, compact_prio, &compact_result, zone_out);
	if (idx != NIL)
		return idx;
	if (ac->gfp & MMR_GFP_NORETRY)
		return NIL;
	if (costly && (!can_compact || !(ac->gfp & MMR_GFP_RETRY_MAYFAIL)))
		return NIL;
	if (should_reclaim_retry(m, ac, flags, progress > 0, &no_progress_loops))
		goto retry;
	if (progress && can_compact &&
	    should_compact_retry(m, ac, flags, compact_result, &compact_prio, &compaction_retries))
		goto retry;
	if (m->cfg.policy.defrag_mode && (flags & ALLOC_NOFRAGMENT)) {
		flags &= ~ALLOC_NOFRAGMENT;
		w->nofrag_dropped = 1;
		m->stats.nofrag_dropped++;
		goto retry;
	}
	idx = may_oom(m, ac, &progress, zone_out);
	if (idx != NIL)
		return idx;
	if (progress) {
		no_progress_loops = 0;
		goto retry;
	}
	return NIL;
}

/*
 * Field by field: a struct assignment or memset() of the whole result compiles to
 * "rep stos", whose start-up cost was half of the fast path (bench/model-bench.c).
 */
static inline void work_zero(struct mmr_model_work *w)
{
	w->reclaim_scanned = 0;
	w->reclaimed_anon = 0;
	w->reclaimed_file = 0;
	w->reclaimed_slab = 0;
	w->compact_migrate_scanned = 0;
	w->compact_free_scanned = 0;
	w->compact_isolated = 0;
	w->compact_migrated = 0;
	w->compact_failed = 0;
	w->reclaim_calls = 0;
	w->compact_calls = 0;
	w->freelist_attempts = 0;
	w->retries = 0;
	w->no_progress_loops = 0;
	w->compact_retries = 0;
	w->drains = 0;
	w->slowpath = 0;
	w->captured = 0;
	w->oom = 0;
	w->nofrag_dropped = 0;
	w->promoted = 0;
}

static int check_req(const struct mmr_model *m, const struct mmr_model_req *req)
{
	if (req->order > MAX_ORDER || req->class >= MMR_CLASS__COUNT || req->owner == ONIL ||
	    (req->gfp & (MMR_GFP_MOVABLE | MMR_GFP_RECLAIMABLE)) ==
	    (MMR_GFP_MOVABLE | MMR_GFP_RECLAIMABLE) || model_owner_live(m, req->owner))
		return -MMR_E_INVAL;
	return 0;
}

static int take_event_ret(struct mmr_model *m)
{
	int ret = m->event_ret;

	m->event_ret = 0;
	return ret;
}

int mmr_model_alloc(struct mmr_model *m, const struct mmr_model_req *req,
		    struct mmr_model_result *res)
{
	struct model_zone *z = NULL;
	struct alloc_ctx ac;
	unsigned int flags;
	uint32_t idx = NIL;
	int err;

	/* the table first (ONIL is refused there): check_req() reads the owner's slot */
	err = model_owner_reserve(m, req->owner);
	if (!err)
		err = check_req(m, req);
	if (err)
		return err;
	res->pfn = -1;
	res->zone = 0;
	res->stall_ns = 0;
	work_zero(&res->work);
	if (req->time > m->now)
		model_advance_to(m, req->time);
	ac.req = req;
	ac.order = req->order;
	ac.gfp = ac.gfp_used = req->gfp;
	ac.mt = gfp_migratetype(m, req->gfp);
	ac.highest_zoneidx = gfp_zone(req->gfp);
	ac.nr_zl = model_zonelist(m, req->gfp, ac.zl);
	ac.actor = (struct model_actor){ .pid = req->pid, .work = &res->work };
	ac.t0 = m->now;
	ac.stalled = false;

	m->stats.nr_alloc++;
	if (ac.mt < NR_PCPTYPES)
		m->stats.mt_alloc[ac.mt]++;
	m->stats.order9_attempts += req->order == PB_ORDER;
	if (ac.nr_zl) {
		flags = ALLOC_WMARK_LOW | (req->gfp & MMR_GFP_KSWAPD_RECLAIM ? ALLOC_KSWAPD : 0);
		if (m->cfg.policy.defrag_mode || ac.zl[0]->idx == MMR_ZONE_NORMAL)
			flags |= ALLOC_NOFRAGMENT;
		if (ac.mt == MT_MOVABLE)
			flags |= ALLOC_CMA;
		idx = get_page_from_freelist(m, &ac, ac.order, flags, &z);
		if (idx == NIL) {
			m->stalled_actor = &ac.actor;
			m->stalled_t0 = ac.t0;
			idx = slowpath(m, &ac, &z);
			m->stalled_actor = NULL;
		}
	}
	if (idx != NIL) {
		bool movable = req->movable || req->class == MMR_CLASS_ANON ||
			       req->class == MMR_CLASS_FILE;

		prep_alloc_page(m, z, idx, ac.order, req->owner, req->class, movable, ac.mt, 0);
		model_owner_set(m, req->owner, z, idx);
		if (req->class < NR_LRU)
			model_lru_add(m, req->owner, req->class, 1ull << ac.order);
		res->pfn = (int64_t)model_pfn(z, idx);
		res->zone = z->cfg_idx;
		m->stats.order9_success += req->order == PB_ORDER;
	} else {
		m->stats.nr_alloc_failed++;
		if (ac.mt < NR_PCPTYPES)
			m->stats.mt_failed[ac.mt]++;
	}
	EMIT(m, req->pid, MMR_EV_PAGE_ALLOC, res->pfn, ac.order, (int64_t)ac.gfp_used, ac.mt);
	if (res->work.slowpath) {
		uint64_t reclaimed = res->work.reclaimed_anon + res->work.reclaimed_file +
				     res->work.reclaimed_slab;

		res->stall_ns = model_work_cost(m, &res->work);
		m->stats.stall_ns += res->stall_ns;
		if (ac.mt < NR_PCPTYPES) {
			m->stats.mt_stall_ns[ac.mt] += res->stall_ns;
			m->stats.mt_direct_reclaimed[ac.mt] += reclaimed;
		}
	}
	return take_event_ret(m);
}

/* Frees an owner's block (embedder free or reclaim); the hook follows reclaim frees. */
void model_free_owner(struct mmr_model *m, uint32_t owner, int32_t pid, bool reclaim)
{
	struct model_zone *z;
	uint32_t idx;
	unsigned int order, class;

	model_owner_locate(m, owner, &z, &idx);
	order = pg_alloc_order(&z->pages[idx]);
	class = pg_class(&z->pages[idx]);
	if (class < NR_LRU)
		model_lru_del(m, owner, class, 1ull << order);
	m->owners[owner].loc = 0;
	unprep_alloc_page(m, z, idx);
	free_pages_to_allocator(m, z, idx, order, pid);
	m->stats.nr_free++;
	if (reclaim && m->cfg.hooks.reclaim)
		m->cfg.hooks.reclaim(m->cfg.hooks.arg, owner, model_pfn(z, idx), order);
}

int mmr_model_free_owner(struct mmr_model *m, uint32_t owner, uint64_t time, int32_t pid)
{
	if (!model_owner_live(m, owner))
		return -MMR_E_INVAL;
	if (time > m->now)
		model_advance_to(m, time);
	/* the OOM hook may free owners; their pages then see the armed capture as well */
	if (!model_owner_live(m, owner))
		return -MMR_E_INVAL;
	model_free_owner(m, owner, pid, false);
	return take_event_ret(m);
}
