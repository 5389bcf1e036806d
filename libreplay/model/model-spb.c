/*
 * model/model-spb.c - superpageblocks (SPBs): the allocator policy of the SPB RFC
 * (Rik van Riel, v1 45 patches 2026-04-30) with and without patch 43/45.
 * kernel-model.md section 7 is the reference; README.md ("Superpageblocks") lists
 * what is taken from it and what is an [INFERRED] parameter.
 *
 * Mirrors: SPB metadata over the pageblocks (counts of free blocks, free pages,
 * content), categories empty/clean/tainted with fullness buckets and per-category
 * lists moved by spb_update_list(), the passes of __rmqueue_smallest() (PASS_1 with
 * the per-(zone, order, mt) hint, PASS_2, 2B, 2C, 2D, PASS_3), the tainted reserve
 * and shrink high-water mark, the per-SPB defrag worker with its no-progress
 * cooldown, and patch 43's two triggers (spb_react_to_tainted_alloc() at every
 * tainted success, the tainted-list walk before PASS_3).
 *
 * Divergences: the zone keeps one set of free lists (the RFC has per-SPB lists);
 * an SPB's buddies are found through per-SPB counts and a walk of its pageblocks,
 * which picks the same kind of buddy but not the kernel's list order. The slab
 * shrink is only counted. The clean-SPB compaction path (spb_defrag_clean), the
 * isolated category, the per-CPU hint, the SPB-aware claim scan and the RFC's
 * slowpath changes are not modelled; watermark boosting is off (06/45).
 */
#include <errno.h>
#include <stdlib.h>
#include "model-local.h"

#define PB_SHIFT	PB_ORDER

static inline bool nonmov_mt(unsigned int mt)
{
	return mt == MT_UNMOVABLE || mt == MT_RECLAIMABLE || mt == MT_HIGHATOMIC;
}

static inline uint64_t sb_pages(const struct model_spb *sb)
{
	return (uint64_t)sb->nr_blocks * PB_PAGES;
}

static inline uint32_t sb_index(const struct model_spb_zone *zs, const struct model_spb *sb)
{
	return (uint32_t)(sb - zs->sb);
}

static unsigned int sb_category(const struct model_spb *sb)
{
	if (sb->nr_free_pages + sb->nr_reserved == sb_pages(sb))
		return SPB_EMPTY;
	if (sb->nr_unmov_pages || sb->nr_nonmov_blocks > sb->nr_nonmov_free_blocks)
		return SPB_TAINTED;
	return SPB_CLEAN;
}

/* [INFERRED] fullness: spb.nr_buckets equal slices of the free-page share, 0 = full. */
static unsigned int sb_bucket(const struct model_spb_zone *zs, const struct model_spb *sb)
{
	unsigned int n = zs->m->cfg.spb.nr_buckets;
	uint64_t b = sb->nr_free_pages * n / sb_pages(sb);

	return b >= n ? n - 1 : (unsigned int)b;
}

static inline unsigned int list_slot(const struct model_spb *sb)
{
	return sb->cat == SPB_EMPTY ? 0 : sb->bucket;
}

static void list_del_sb(struct model_spb_zone *zs, struct model_spb *sb)
{
	struct spb_list *l = &zs->lists[sb->cat][list_slot(sb)];

	if (sb->prev != SPB_NIL)
		zs->sb[sb->prev].next = sb->next;
	else
		l->head = sb->next;
	if (sb->next != SPB_NIL)
		zs->sb[sb->next].prev = sb->prev;
	else
		l->tail = sb->prev;
	zs->nr_cat[sb->cat]--;
}

static void list_add_sb(struct model_spb_zone *zs, struct model_spb *sb)
{
	struct spb_list *l = &zs->lists[sb->cat][list_slot(sb)];
	uint32_t i = sb_index(zs, sb);

	sb->next = SPB_NIL;
	sb->prev = l->tail;
	if (l->tail != SPB_NIL)
		zs->sb[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
	zs->nr_cat[sb->cat]++;
}

static void sample(struct mmr_model *m, bool force);

/*
 * spb_update_list(): move @sb when its category or fullness bucket changed; the
 * original (pre-43) trigger of the defrag worker.
 */
static void spb_update_list(struct model_spb_zone *zs, struct model_spb *sb)
{
	unsigned int cat = sb_category(sb), bucket = sb_bucket(zs, sb);

	if (cat == sb->cat && bucket == sb->bucket)
		return;
	list_del_sb(zs, sb);
	if (cat == SPB_TAINTED && sb->cat != SPB_TAINTED) {
		if (zs->cause == SPB_PASS3)
			zs->m->spbw->stats.pass3_tainted++;
		else
			zs->m->spbw->stats.other_tainted++;
	}
	sb->bucket = (uint8_t)bucket;
	if (cat != sb->cat) {
		sb->cat = (uint8_t)cat;
		list_add_sb(zs, sb);
		sample(zs->m, false);
	} else {
		list_add_sb(zs, sb);
	}
	spb_maybe_start_defrag(zs, sb, SPB_TRIG_LIST);
}

/* Hooks from the buddy code; they keep the counters of a ready zone. */
void spb_freelist(struct model_zone *z, uint32_t idx, unsigned int order, unsigned int mt,
		  int sign)
{
	struct model_spb_zone *zs = z->spb;
	struct model_spb *sb;

	if (!zs->ready)
		return;
	sb = spb_of(zs, idx);
	if (sign > 0) {
		sb->nr_buddies[order][mt]++;
		sb->nonempty[mt] |= 1u << order;
		sb->nr_free_pages += 1u << order;
	} else {
		if (!--sb->nr_buddies[order][mt])
			sb->nonempty[mt] &= ~(1u << order);
		sb->nr_free_pages -= 1u << order;
	}
	if (order >= PB_ORDER) {
		int nb = sign * (1 << (order - PB_ORDER));

		sb->nr_free_blocks += nb;
		if (nonmov_mt(mt))
			sb->nr_nonmov_free_blocks += nb;
	}
	spb_update_list(zs, sb);
}

void spb_block_mt(struct model_zone *z, uint32_t block, unsigned int old_mt,
		  unsigned int new_mt)
{
	struct model_spb_zone *zs = z->spb;
	struct model_spb *sb;

	if (!zs->ready || nonmov_mt(old_mt) == nonmov_mt(new_mt))
		return;
	sb = spb_of(zs, block << PB_SHIFT);
	if (nonmov_mt(new_mt))
		sb->nr_nonmov_blocks++;
	else
		sb->nr_nonmov_blocks--;
	spb_update_list(zs, sb);
}

void spb_content(struct model_zone *z, uint32_t idx, unsigned int order, bool movable,
		 bool reserved, int sign)
{
	struct model_spb_zone *zs = z->spb;
	struct model_spb *sb;
	int64_t n = sign * (int64_t)(1u << order);

	if (!zs->ready)
		return;
	sb = spb_of(zs, idx);
	if (reserved)
		sb->nr_reserved += n;
	else if (movable)
		sb->nr_movable_pages += n;
	else
		sb->nr_unmov_pages += n;
	spb_update_list(zs, sb);
}

/* Buddy and page counters of each SPB from a walk of @z's pages, added to @sb[]. */
static void spb_count_pages(const struct model_zone *z, const struct model_spb_zone *zs,
			    struct model_spb *sb_base)
{
	for (uint32_t i = 0; i < z->nr_pages;) {
		const struct model_page *p = &z->pages[i];
		struct model_spb *sb = &sb_base[spb_of(zs, i) - zs->sb];
		unsigned int st = pg_state(p), o;

		if (st == PS_TAIL) {
			i++;
			continue;
		}
		o = pg_head_order(p);
		if (st == PS_BUDDY) {
			unsigned int mt = block_mt(z, i);

			sb->nr_buddies[o][mt]++;
			sb->nonempty[mt] |= 1u << o;
			sb->nr_free_pages += 1u << o;
			if (o >= PB_ORDER) {
				sb->nr_free_blocks += 1u << (o - PB_ORDER);
				if (nonmov_mt(mt))
					sb->nr_nonmov_free_blocks += 1u << (o - PB_ORDER);
			}
		} else if (st == PS_ALLOC) {
			if (p->w0 & A_RESERVED)
				sb->nr_reserved += 1u << o;
			else if (pg_movable(p))
				sb->nr_movable_pages += 1u << o;
			else
				sb->nr_unmov_pages += 1u << o;
		}
		i += 1u << o;
	}
}

/* Every counter from a walk of the zone (after a reset or populate). */
void spb_rebuild(struct model_zone *z)
{
	struct model_spb_zone *zs = z->spb;

	if (!zs)
		return;
	zs->ready = false;
	for (uint32_t i = 0; i < zs->nr; i++) {
		struct model_spb *sb = &zs->sb[i];
		uint32_t first = i ? (i << zs->block_shift) - zs->off_blocks : 0;
		uint32_t end = ((i + 1) << zs->block_shift) - zs->off_blocks;

		if (end > z->nr_blocks)
			end = z->nr_blocks;
		*sb = (struct model_spb){ .first_block = first, .nr_blocks = end - first,
					  .prev = SPB_NIL, .next = SPB_NIL };
		for (uint32_t b = first; b < end; b++)
			sb->nr_nonmov_blocks += nonmov_mt(z->blocks[b].mt);
	}
	spb_count_pages(z, zs, zs->sb);
	for (unsigned int c = 0; c < SPB_NR_CAT; c++) {
		zs->nr_cat[c] = 0;
		for (unsigned int b = 0; b < SPB_MAX_BUCKETS; b++)
			zs->lists[c][b].head = zs->lists[c][b].tail = SPB_NIL;
	}
	for (uint32_t i = 0; i < zs->nr; i++) {
		struct model_spb *sb = &zs->sb[i];

		sb->cat = (uint8_t)sb_category(sb);
		sb->bucket = (uint8_t)sb_bucket(zs, sb);
		list_add_sb(zs, sb);
	}
	for (unsigned int o = 0; o < NR_ORDERS; o++)
		for (unsigned int t = 0; t < NR_MT; t++)
			zs->hint[o][t] = SPB_NIL;
	zs->cause = -1;
	zs->ready = true;
	if (zs->m->spbw) {
		/* a rebuilt zone forgets queued work: drop its entries */
		struct model_spb_state *w = zs->m->spbw;
		uint32_t n = w->qlen, zi = (uint32_t)(z - zs->m->zones);

		w->qlen = 0;
		for (uint32_t k = 0; k < n; k++) {
			uint32_t e = w->queue[(w->qhead + k) % w->qcap];

			if (e >> 28 != zi)
				w->queue[(w->qhead + w->qlen++) % w->qcap] = e;
		}
		if (w->running && w->run >> 28 == zi)
			w->running = false;
		sample(zs->m, true);
	}
}

/* ---- setup ---------------------------------------------------------------------- */

static unsigned int log2u(uint32_t x)
{
	return 31u - (unsigned int)__builtin_clz(x);
}

int spb_model_init(struct mmr_model *m)
{
	const struct mmr_model_spb *p = &m->cfg.spb;
	struct model_spb_state *w;
	uint32_t total = 0;

	if (!p->pageblocks || (p->pageblocks & (p->pageblocks - 1)) || p->pageblocks < 2 ||
	    !p->nr_buckets || p->nr_buckets > SPB_MAX_BUCKETS || !p->reserve_div) {
		mmr_warn("model: spb.pageblocks must be a power of two >= 2 and spb.nr_buckets "
			 "1 to %d, spb.reserve_div > 0", SPB_MAX_BUCKETS);
		return -MMR_E_INVAL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	m->spbw = w;
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		struct model_zone *z = &m->zones[i];
		struct model_spb_zone *zs;
		uint32_t pbs = p->pageblocks, nr;

		while (pbs > 2 && z->nr_blocks < (uint64_t)p->min_spbs * pbs && !p->no_scale)
			pbs >>= 1;
		if (pbs != p->pageblocks)
			mmr_warn("model: zone '%s' has %u pageblocks, fewer than %u superpageblocks "
				 "of %u: using superpageblocks of %u pageblocks", z->name,
				 z->nr_blocks, p->min_spbs, p->pageblocks, pbs);
		else if (z->nr_blocks < (uint64_t)p->min_spbs * pbs && p->pageblocks > 2) {
			mmr_warn("model: zone '%s' has %u pageblocks, fewer than %u superpageblocks "
				 "of %u (spb.no_scale is set)", z->name, z->nr_blocks, p->min_spbs,
				 p->pageblocks);
			return -MMR_E_INVAL;
		}
		zs = calloc(1, sizeof(*zs));
		if (!zs)
			return -ENOMEM;
		z->spb = zs;
		zs->m = m;
		zs->z = z;
		zs->pageblocks = pbs;
		zs->block_shift = log2u(pbs);
		zs->off_blocks = (uint32_t)((z->start_pfn >> PB_SHIFT) & (pbs - 1));
		nr = (zs->off_blocks + z->nr_blocks + pbs - 1) >> zs->block_shift;
		zs->nr = nr;
		zs->sb = calloc(nr, sizeof(*zs->sb));
		if (!zs->sb)
			return -ENOMEM;
		total += nr;
	}
	w->qcap = total ? total : 1;
	w->queue = calloc(w->qcap, sizeof(*w->queue));
	if (!w->queue)
		return -ENOMEM;
	return 0;
}

void spb_model_release(struct mmr_model *m)
{
	for (unsigned int i = 0; i < MMR_MODEL_MAX_ZONES; i++) {
		if (m->zones[i].spb)
			free(m->zones[i].spb->sb);
		free(m->zones[i].spb);
		m->zones[i].spb = NULL;
	}
	if (m->spbw) {
		free(m->spbw->queue);
		free(m->spbw->samples);
	}
	free(m->spbw);
	m->spbw = NULL;
}

/* ---- samples ------------------------------------------------------------------- */

static void sample(struct mmr_model *m, bool force)
{
	struct model_spb_state *w = m->spbw;

	if (!force && w->nr_samples && m->now < w->last_sample + m->cfg.spb.sample_ns)
		return;
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		const struct model_spb_zone *zs = m->zones[i].spb;
		struct mmr_model_spb_sample *s;

		if (!zs->ready)
			continue;
		if (!force && !memcmp(w->last_counts[i], zs->nr_cat, sizeof(zs->nr_cat)))
			continue;
		if (w->nr_samples == w->cap_samples) {
			size_t cap = w->cap_samples ? w->cap_samples * 2 : 256;
			void *v = realloc(w->samples, cap * sizeof(*w->samples));

			if (!v)
				return;		/* samples are best effort; counts stay right */
			w->samples = v;
			w->cap_samples = cap;
		}
		s = &w->samples[w->nr_samples++];
		*s = (struct mmr_model_spb_sample){ .time = m->now, .zone = m->zones[i].cfg_idx,
			.clean = zs->nr_cat[SPB_CLEAN], .tainted = zs->nr_cat[SPB_TAINTED],
			.empty = zs->nr_cat[SPB_EMPTY] };
		memcpy(w->last_counts[i], zs->nr_cat, sizeof(zs->nr_cat));
		w->last_sample = m->now;
	}
}

int mmr_model_spb_samples(const struct mmr_model *m, const struct mmr_model_spb_sample **out,
			  size_t *nr)
{
	if (!m->spbw)
		return -MMR_E_INVAL;
	*out = m->spbw->samples;
	*nr = m->spbw->nr_samples;
	return 0;
}

int mmr_model_spb_sample_now(struct mmr_model *m)
{
	if (!m->spbw)
		return -MMR_E_INVAL;
	sample(m, true);
	return 0;
}

/* ---- finding buddies inside one SPB ---------------------------------------------- */

#define PROBE_LIST	16	/* zone free-list entries looked at before a block scan */

static uint32_t find_in_block(const struct model_zone *z, uint32_t b, unsigned int order,
			      unsigned int mt)
{
	const struct model_block *blk = &z->blocks[b];
	uint32_t start = b << PB_SHIFT, end = start + PB_PAGES;

	if (blk->mt != mt || blk->nr_free < (order >= PB_ORDER ? PB_PAGES : 1u << order))
		return NIL;
	if (order >= PB_ORDER) {
		const struct model_page *p = &z->pages[start];

		return pg_state(p) == PS_BUDDY && pg_free_order(p) == order ? start : NIL;
	}
	for (uint32_t i = start; i < end;) {
		const struct model_page *p = &z->pages[i];
		unsigned int st = pg_state(p), o;

		if (st == PS_TAIL) {
			i++;
			continue;
		}
		o = pg_head_order(p);
		if (st == PS_BUDDY && o == order)
			return i;
		i += 1u << o;
	}
	return NIL;
}

/*
 * A free buddy of exactly @order on list @mt inside @sb (its count says one exists):
 * the first of the zone list's first PROBE_LIST entries inside @sb (the kernel's
 * per-SPB lists would give their head), else a scan of @sb's blocks from the block
 * of the last find.
 */
static uint32_t sb_find(const struct model_zone *z, struct model_spb *sb, unsigned int order,
			unsigned int mt)
{
	uint32_t lo = sb->first_block << PB_SHIFT, hi = lo + sb->nr_blocks * PB_PAGES, idx;
	unsigned int n = 0;

	for (idx = z->area[order][mt].head; idx != NIL && n < PROBE_LIST;
	     idx = pg_next(&z->pages[idx]), n++)
		if (idx >= lo && idx < hi)
			return idx;
	for (uint32_t k = 0; k < sb->nr_blocks; k++) {
		uint32_t off = (sb->cursor + k) % sb->nr_blocks;

		idx = find_in_block(z, sb->first_block + off, order, mt);
		if (idx != NIL) {
			sb->cursor = off;
			return idx;
		}
	}
	return NIL;
}

/* Smallest order in [@lo, @hi] with a buddy on list @mt in @sb, or -1. */
static int sb_order(const struct model_spb *sb, unsigned int mt, unsigned int lo, unsigned int hi)
{
	unsigned int bits = (sb->nonempty[mt] >> lo) & ((1u << (hi - lo + 1)) - 1);

	return bits ? (int)(lo + (unsigned int)__builtin_ctz(bits)) : -1;
}

/* pid of a take() that is a migration target: no mm_page_alloc_zone_locked */
#define NO_EVENT	INT32_MIN

/*
 * Take the buddy at @idx (order @cur, list @list_mt) for an order-@order request of
 * @mt; @relabel: whole block(s) change type to @mt (claim_whole_block()).
 */
static uint32_t take(struct mmr_model *m, struct model_zone *z, uint32_t idx, unsigned int cur,
		     unsigned int order, unsigned int list_mt, unsigned int mt, bool relabel,
		     int32_t pid)
{
	unsigned int rest_mt = relabel ? mt : list_mt;

	freelist_del(z, idx, cur, list_mt);
	if (relabel && list_mt != mt)
		set_block_mt(z, idx, cur, mt);
	model_expand(z, idx, order, cur, rest_mt);
	if (pid != NO_EVENT)
		EMIT(m, pid, MMR_EV_PAGE_ALLOC_ZONE_LOCKED, (int64_t)model_pfn(z, idx), order, mt,
		     pcp_allowed_order(order) && mt < NR_PCPTYPES);
	return idx;
}

/*
 * For an order-@order request: the smallest buddy of order @lo..@hi (@lo >= @order)
 * on list @list_mt of @sb; NIL if none.
 */
static uint32_t sb_take_range(struct mmr_model *m, struct model_zone *z, struct model_spb *sb,
			      unsigned int order, unsigned int lo, unsigned int hi,
			      unsigned int list_mt, unsigned int mt, bool relabel, int32_t pid)
{
	int cur;
	uint32_t idx;

	if (lo < order)
		lo = order;
	if (lo > hi)
		return NIL;
	cur = sb_order(sb, list_mt, lo, hi);
	if (cur < 0)
		return NIL;
	idx = sb_find(z, sb, (unsigned int)cur, list_mt);
	if (idx == NIL)
		return NIL;	/* counts and pages disagree: the checker reports it */
	return take(m, z, idx, (unsigned int)cur, order, list_mt, mt, relabel, pid);
}

static inline uint32_t sb_take(struct mmr_model *m, struct model_zone *z, struct model_spb *sb,
			       unsigned int order, unsigned int hi, unsigned int list_mt,
			       unsigned int mt, bool relabel, int32_t pid)
{
	return sb_take_range(m, z, sb, order, order, hi, list_mt, mt, relabel, pid);
}

/* ---- reserve, triggers, defrag worker --------------------------------------------- */

/* spb_tainted_reserve(): free pageblocks movable allocations leave to a tainted SPB. */
unsigned int spb_reserve(const struct model_spb_zone *zs, const struct model_spb *sb)
{
	const struct mmr_model_spb *p = &zs->m->cfg.spb;
	unsigned int r = sb->nr_blocks / p->reserve_div;

	return r > p->reserve_min ? r : p->reserve_min;
}

static bool below_shrink_high_water(const struct model_spb_zone *zs, const struct model_spb *sb)
{
	return sb->nr_free_pages < (uint64_t)spb_reserve(zs, sb) * PB_PAGES;
}

/*
 * spb_needs_defrag(): a tainted SPB short of free pageblocks, with movable pages to
 * evacuate, not queued, not in its no-progress cooldown. @cooldown: refused only by it.
 */
bool spb_needs_defrag(const struct model_spb_zone *zs, const struct model_spb *sb,
		      bool *cooldown)
{
	const struct mmr_model *m = zs->m;
	const struct mmr_model_spb *p = &m->cfg.spb;

	*cooldown = false;
	if (sb->cat != SPB_TAINTED || sb->queued || !sb->nr_movable_pages)
		return false;
	if (sb->nr_free_blocks > p->defrag_start_blocks &&
	    sb->nr_free_pages >= (uint64_t)p->defrag_start_pb * PB_PAGES)
		return false;
	if (sb->no_progress && m->now < sb->last_no_progress + p->cooldown_ns) {
		*cooldown = true;
		return false;
	}
	return true;
}

void spb_maybe_start_defrag(struct model_spb_zone *zs, struct model_spb *sb,
			    enum spb_trigger trig)
{
	struct model_spb_state *w = zs->m->spbw;
	bool cooldown;

	w->stats.triggers[trig]++;
	if (!spb_needs_defrag(zs, sb, &cooldown)) {
		w->stats.cooldown_refused += cooldown;
		return;
	}
	sb->queued = true;
	w->queue[(w->qhead + w->qlen++) % w->qcap] =
		(uint32_t)(zs->z - zs->m->zones) << 28 | sb_index(zs, sb);
	w->stats.queued[trig]++;
}

/* spb_react_to_tainted_alloc() (43/45); before 43 only the slab shrink was queued. */
static void react(struct mmr_model *m, struct model_spb_zone *zs, struct model_spb *sb)
{
	if (sb->cat != SPB_TAINTED || !below_shrink_high_water(zs, sb))
		return;
	m->spbw->stats.slab_shrink++;
	if (m->cfg.policy.spb_p43)
		spb_maybe_start_defrag(zs, sb, SPB_TRIG_HOT);
}

bool spb_defrag_pending(const struct mmr_model *m)
{
	return m->spbw && (m->spbw->running || m->spbw->qlen);
}

static bool run_done(const struct mmr_model_spb *p, const struct model_spb *sb)
{
	return sb->nr_free_blocks >= p->defrag_stop_blocks ||
	       sb->nr_free_pages >= (uint64_t)p->defrag_stop_pb * PB_PAGES ||
	       !sb->nr_movable_pages;
}

/* Movable search outside @skip (a migration target): clean, empty, then tainted. */
static uint32_t movable_target(struct mmr_model *m, struct model_spb_zone *zs,
			       unsigned int order, const struct model_spb *skip, int32_t pid);

static void run_end(struct mmr_model *m, struct model_spb_zone *zs, struct model_spb *sb)
{
	struct model_spb_state *w = m->spbw;
	int64_t gained = (int64_t)sb->nr_free_blocks - (int64_t)w->run_free_blocks;

	if (gained >= (int64_t)m->cfg.spb.progress_blocks) {
		sb->no_progress = false;
		w->stats.defrag_blocks_freed += (uint64_t)gained;
	} else {
		sb->no_progress = true;
		sb->last_no_progress = m->now;
		w->stats.defrag_no_progress++;
	}
	sb->queued = false;
	w->running = false;
	(void)zs;
}

/* Migrate the movable allocations of one pageblock out of its SPB. Return: pages moved. */
static uint64_t evacuate_block(struct mmr_model *m, struct model_zone *z, uint32_t block,
			       const struct model_spb *sb, bool *no_target)
{
	struct model_spb_state *w = m->spbw;
	uint32_t start = block << PB_SHIFT, end = start + PB_PAGES;
	int32_t pid = m->cfg.kcompactd_pid;
	uint64_t moved = 0;

	for (uint32_t i = start; i < end;) {
		struct model_page old = z->pages[i];
		unsigned int st = pg_state(&old), order;
		uint32_t dst, owner;

		if (st == PS_TAIL) {
			i++;
			continue;
		}
		order = pg_head_order(&old);
		w->work.compact_migrate_scanned += 1u << order;
		if (st != PS_ALLOC || !pg_movable(&old)) {
			i += 1u << order;
			continue;
		}
		if (m->cfg.sysctl.migrate_fail_permille &&
		    model_rand(m) % 1000 < m->cfg.sysctl.migrate_fail_permille) {
			w->work.compact_failed += 1u << order;
			i += 1u << order;
			continue;
		}
		dst = movable_target(m, z->spb, order, sb, NO_EVENT);
		if (dst == NIL) {
			*no_target = true;
			break;
		}
		owner = old.w1;
		unprep_alloc_page(m, z, i);
		prep_alloc_page(m, z, dst, order, owner, pg_class(&old), true, pg_alloc_mt(&old),
				old.w0 & (A_PREEXIST | A_RESERVED));
		model_owner_set(m, owner, z, dst);
		if (m->cfg.hooks.migrate)
			m->cfg.hooks.migrate(m->cfg.hooks.arg, owner, model_pfn(z, i),
					     model_pfn(z, dst));
		/* the source goes straight to the buddy lists, as after a PCP drain */
		EMIT(m, pid, MMR_EV_PAGE_FREE, (int64_t)model_pfn(z, i), order);
		for (uint32_t k = 0; k < (order > PB_ORDER ? 2u : 1u); k++) {
			uint32_t at = i + k * PB_PAGES;

			free_one_page(m, z, at, order > PB_ORDER ? PB_ORDER : order,
				      block_mt(z, at), false);
		}
		moved += 1u << order;
		i += 1u << order;
	}
	w->work.compact_migrated += moved;
	w->stats.defrag_migrated += moved;
	return moved;
}

/*
 * One step of the worker: start the next queued run, or evacuate one pageblock of the
 * running one (fewest unmovable pages first [INFERRED]), or end the run.
 * Return: true if it did something.
 */
bool spb_defrag_step(struct mmr_model *m)
{
	struct model_spb_state *w = m->spbw;
	struct model_spb_zone *zs;
	struct model_spb *sb;
	struct model_zone *z;
	uint32_t best = NIL, best_cost = UINT32_MAX;
	bool no_target = false;

	if (!w)
		return false;
	if (!w->running) {
		if (!w->qlen)
			return false;
		w->run = w->queue[w->qhead];
		w->qhead = (w->qhead + 1) % w->qcap;
		w->qlen--;
		z = &m->zones[w->run >> 28];
		sb = &z->spb->sb[w->run & 0x0fffffffu];
		w->running = true;
		w->run_free_blocks = sb->nr_free_blocks;
		w->stats.defrag_runs++;
		w->work.compact_calls++;
		return true;
	}
	z = &m->zones[w->run >> 28];
	zs = z->spb;
	sb = &zs->sb[w->run & 0x0fffffffu];
	if (run_done(&m->cfg.spb, sb)) {
		run_end(m, zs, sb);
		return true;
	}
	for (uint32_t b = sb->first_block; b < sb->first_block + sb->nr_blocks; b++) {
		const struct model_block *blk = &z->blocks[b];
		uint32_t cost;

		if (!blk->nr_movable)
			continue;
		cost = PB_PAGES - blk->nr_free - blk->nr_movable;	/* what stays behind */
		if (cost < best_cost) {
			best_cost = cost;
			best = b;
		}
	}
	if (best == NIL) {
		run_end(m, zs, sb);
		return true;
	}
	evacuate_block(m, z, best, sb, &no_target);
	if (no_target) {
		w->stats.defrag_no_target++;
		run_end(m, zs, sb);
	}
	return true;
}

/* ---- __rmqueue_smallest() in the SPB design --------------------------------------- */

#define for_each_sb(zs, cat, bucket, sb)						\
	for (uint32_t i_ = (zs)->lists[cat][bucket].head;				\
	     i_ != SPB_NIL && ((sb) = &(zs)->sb[i_], 1); i_ = (sb)->next)

/* Non-movable PASS_1 inside one tainted SPB: whole blocks first, then sub-block. */
static uint32_t pass1_nonmov(struct mmr_model *m, struct model_zone *z, struct model_spb *sb,
			     unsigned int order, unsigned int mt, int32_t pid)
{
	uint32_t idx = NIL;

	if (m->cfg.spb.pass1_whole_first) {
		idx = sb_take_range(m, z, sb, order, PB_ORDER, MAX_ORDER, mt, mt, false, pid);
		if (idx == NIL && order < PB_ORDER)
			idx = sb_take(m, z, sb, order, PB_ORDER - 1, mt, mt, false, pid);
		return idx;
	}
	return sb_take(m, z, sb, order, MAX_ORDER, mt, mt, false, pid);
}

/* PASS_2B: claim the block of a sub-block MOVABLE buddy (threshold skipped, 25/45). */
static uint32_t pass2b(struct mmr_model *m, struct model_zone *z, struct model_spb *sb,
		       unsigned int order, unsigned int mt, int32_t pid)
{
	const struct model_block *blk;
	uint32_t idx;
	int cur;

	if (order >= PB_ORDER)
		return NIL;
	cur = sb_order(sb, MT_MOVABLE, order, PB_ORDER - 1);
	if (cur < 0)
		return NIL;
	idx = sb_find(z, sb, (unsigned int)cur, MT_MOVABLE);
	if (idx == NIL)
		return NIL;
	blk = blk_of(z, idx);
	if (m->cfg.spb.pass2b_threshold &&
	    blk->nr_free + (PB_PAGES - blk->nr_free - blk->nr_movable) < PB_PAGES / 2)
		return NIL;	/* claim refused: PASS_2D may borrow */
	move_freepages_block(z, idx, MT_MOVABLE, mt);
	return take(m, z, idx, (unsigned int)cur, order, mt, mt, false, pid);
}

/* PASS_3: a whole free pageblock of @sb (any type), relabelled for @mt. */
static uint32_t pass3_in(struct mmr_model *m, struct model_zone *z, struct model_spb *sb,
			 unsigned int order, unsigned int mt, int32_t pid)
{
	static const unsigned int types[] = { MT_MOVABLE, MT_UNMOVABLE, MT_RECLAIMABLE };
	unsigned int lo = order > PB_ORDER ? order : PB_ORDER;

	for (unsigned int k = 0; k < ARRAY_SIZE(types); k++) {
		uint32_t idx = sb_take_range(m, z, sb, order, lo, MAX_ORDER, types[k], mt, true,
					     pid);

		if (idx != NIL)
			return idx;
	}
	return NIL;
}

static uint32_t done(struct mmr_model *m, struct model_spb_zone *zs, struct model_spb *sb,
		     enum spb_pass pass, uint32_t idx)
{
	m->spbw->stats.pass[pass]++;
	if (pass <= SPB_PASS2D)
		react(m, zs, sb);
	return idx;
}

static uint32_t rmqueue_nonmov(struct mmr_model *m, struct model_zone *z, unsigned int order,
			       unsigned int mt, int32_t pid)
{
	struct model_spb_zone *zs = z->spb;
	unsigned int nb = m->cfg.spb.nr_buckets, opp;
	struct model_spb *sb;
	uint32_t idx, h = zs->hint[order][mt];

	/* PASS_1: the hint, then the tainted lists from the fullest bucket */
	if (h != SPB_NIL && zs->sb[h].cat == SPB_TAINTED) {
		sb = &zs->sb[h];
		idx = pass1_nonmov(m, z, sb, order, mt, pid);
		if (idx != NIL)
			return done(m, zs, sb, SPB_PASS1, idx);
	}
	for (unsigned int b = 0; b < nb; b++) {
		for_each_sb(zs, SPB_TAINTED, b, sb) {
			idx = pass1_nonmov(m, z, sb, order, mt, pid);
			if (idx != NIL) {
				zs->hint[order][mt] = sb_index(zs, sb);
				return done(m, zs, sb, SPB_PASS1, idx);
			}
		}
	}
	/* PASS_2: claim a whole free MOVABLE pageblock inside a tainted SPB */
	for (unsigned int b = 0; b < nb; b++) {
		for_each_sb(zs, SPB_TAINTED, b, sb) {
			idx = sb_take_range(m, z, sb, order, PB_ORDER, MAX_ORDER, MT_MOVABLE, mt,
					    true, pid);
			if (idx != NIL)
				return done(m, zs, sb, SPB_PASS2, idx);
		}
	}
	/* PASS_2B: claim the block of a sub-block MOVABLE buddy in a tainted SPB */
	for (unsigned int b = 0; b < nb; b++) {
		for_each_sb(zs, SPB_TAINTED, b, sb) {
			idx = pass2b(m, z, sb, order, mt, pid);
			if (idx != NIL)
				return done(m, zs, sb, SPB_PASS2B, idx);
		}
	}
	/* PASS_2C: borrow from the other non-movable type's list, no relabel */
	opp = mt == MT_UNMOVABLE ? MT_RECLAIMABLE : MT_UNMOVABLE;
	for (unsigned int b = 0; b < nb; b++) {
		for_each_sb(zs, SPB_TAINTED, b, sb) {
			idx = sb_take(m, z, sb, order, MAX_ORDER, opp, mt, false, pid);
			if (idx != NIL)
				return done(m, zs, sb, SPB_PASS2C, idx);
		}
	}
	/* PASS_2D: borrow from the MOVABLE list of a tainted SPB, no relabel */
	for (unsigned int b = 0; b < nb; b++) {
		for_each_sb(zs, SPB_TAINTED, b, sb) {
			idx = sb_take(m, z, sb, order, MAX_ORDER, MT_MOVABLE, mt, false, pid);
			if (idx != NIL)
				return done(m, zs, sb, SPB_PASS2D, idx);
		}
	}
	/* about to taint a fresh SPB: queue the slab shrink; 43/45 walks the tainted lists */
	m->spbw->stats.slab_shrink++;
	if (m->cfg.policy.spb_p43) {
		for (unsigned int b = 0; b < nb; b++)
			for_each_sb(zs, SPB_TAINTED, b, sb)
				spb_maybe_start_defrag(zs, sb, SPB_TRIG_WALK);
	}
	/* PASS_3: a whole pageblock of an empty SPB; [INFERRED] then the emptiest clean one */
	idx = NIL;
	zs->cause = SPB_PASS3;
	for_each_sb(zs, SPB_EMPTY, 0, sb) {
		idx = pass3_in(m, z, sb, order, mt, pid);
		if (idx != NIL)
			break;
	}
	for (unsigned int b = nb; idx == NIL && m->cfg.spb.pass3_clean && b-- > 0;) {
		for_each_sb(zs, SPB_CLEAN, b, sb) {
			if (!sb->nr_free_blocks)
				continue;
			idx = pass3_in(m, z, sb, order, mt, pid);
			if (idx != NIL)
				break;
		}
	}
	zs->cause = -1;
	return idx != NIL ? done(m, zs, sb, SPB_PASS3, idx) : NIL;
}

/* A movable buddy in a tainted SPB, leaving its reserve of free pageblocks alone. */
static uint32_t tainted_movable(struct mmr_model *m, struct model_zone *z, struct model_spb *sb,
				unsigned int order, int32_t pid)
{
	unsigned int hi = sb->nr_free_blocks > spb_reserve(z->spb, sb) ? MAX_ORDER : PB_ORDER - 1;

	return sb_take(m, z, sb, order, hi, MT_MOVABLE, MT_MOVABLE, false, pid);
}

static uint32_t movable_target(struct mmr_model *m, struct model_spb_zone *zs,
			       unsigned int order, const struct model_spb *skip, int32_t pid)
{
	unsigned int nb = m->cfg.spb.nr_buckets;
	struct model_zone *z = zs->z;
	struct model_spb *sb;
	uint32_t idx;

	for (unsigned int b = 0; b < nb; b++) {
		for_each_sb(zs, SPB_CLEAN, b, sb) {
			if (sb == skip)
				continue;
			idx = sb_take(m, z, sb, order, MAX_ORDER, MT_MOVABLE, MT_MOVABLE, false, pid);
			if (idx != NIL)
				return idx;
		}
	}
	for_each_sb(zs, SPB_EMPTY, 0, sb) {
		if (sb == skip)
			continue;
		idx = sb_take(m, z, sb, order, MAX_ORDER, MT_MOVABLE, MT_MOVABLE, false, pid);
		if (idx != NIL)
			return idx;
	}
	for (unsigned int b = nb; b-- > 0;) {
		for_each_sb(zs, SPB_TAINTED, b, sb) {
			if (sb == skip)
				continue;
			idx = tainted_movable(m, z, sb, order, pid);
			if (idx != NIL)
				return idx;
		}
	}
	return NIL;
}

static uint32_t rmqueue_movable(struct mmr_model *m, struct model_zone *z, unsigned int order,
				int32_t pid)
{
	struct model_spb_zone *zs = z->spb;
	unsigned int nb = m->cfg.spb.nr_buckets;
	uint32_t idx, h = zs->hint[order][MT_MOVABLE];
	struct model_spb *sb;

	/* PASS_1: the hint, then clean SPBs, fullest first */
	if (h != SPB_NIL && zs->sb[h].cat == SPB_CLEAN) {
		sb = &zs->sb[h];
		idx = sb_take(m, z, sb, order, MAX_ORDER, MT_MOVABLE, MT_MOVABLE, false, pid);
		if (idx != NIL)
			return done(m, zs, sb, SPB_PASS1, idx);
	}
	for (unsigned int b = 0; b < nb; b++) {
		for_each_sb(zs, SPB_CLEAN, b, sb) {
			idx = sb_take(m, z, sb, order, MAX_ORDER, MT_MOVABLE, MT_MOVABLE, false, pid);
			if (idx != NIL) {
				zs->hint[order][MT_MOVABLE] = sb_index(zs, sb);
				return done(m, zs, sb, SPB_PASS1, idx);
			}
		}
	}
	/* "pass 4": the non-preferred SPBs */
	idx = movable_target(m, zs, order, NULL, pid);
	if (idx != NIL)
		m->spbw->stats.pass[SPB_PASS4]++;
	return idx;
}

/*
 * __rmqueue_smallest() under the SPB policy, for UNMOVABLE, RECLAIMABLE and MOVABLE
 * requests (other types use the zone lists as before). NIL sends the request on to
 * the claim and steal fallbacks, which work on the zone lists.
 */
uint32_t spb_rmqueue_smallest(struct mmr_model *m, struct model_zone *z, unsigned int order,
			      unsigned int mt, int32_t pid)
{
	if (mt == MT_MOVABLE) {
		uint32_t idx = rmqueue_movable(m, z, order, pid);

		/* [INFERRED] nothing outside the tainted reserves: take from them */
		if (idx == NIL && !m->cfg.spb.reserve_hard) {
			idx = rmqueue_smallest(m, z, order, mt, pid);
			m->spbw->stats.reserve_breached += idx != NIL;
		}
		return idx;
	}
	if (mt == MT_UNMOVABLE || mt == MT_RECLAIMABLE)
		return rmqueue_nonmov(m, z, order, mt, pid);
	return rmqueue_smallest(m, z, order, mt, pid);
}

/* ---- metrics --------------------------------------------------------------------- */

/* 1 GiB-aligned ranges (262144 pages) of the zones that are entirely free. */
uint64_t spb_contig_1g(const struct mmr_model *m)
{
	const uint32_t per = 1u << (30 - 12 - PB_ORDER);	/* pageblocks per GiB */
	uint64_t n = 0;

	for (unsigned int i = 0; i < m->nr_zones; i++) {
		const struct model_zone *z = &m->zones[i];
		uint64_t first = (z->start_pfn >> PB_ORDER) + per - 1;

		first -= first % per;	/* first aligned GiB, in pfn >> PB_ORDER units */
		for (uint64_t g = first; g + per <= (z->start_pfn >> PB_ORDER) + z->nr_blocks;
		     g += per) {
			uint32_t b0 = (uint32_t)(g - (z->start_pfn >> PB_ORDER)), b;

			for (b = b0; b < b0 + per; b++)
				if (z->blocks[b].nr_free != PB_PAGES)
					break;
			n += b == b0 + per;
		}
	}
	return n;
}

void spb_metrics(const struct mmr_model *m, mmr_metric_fn fn, void *arg)
{
	static const char *const pass_name[SPB_NR_PASS] = {
		"pass1", "pass2", "pass2b", "pass2c", "pass2d", "pass3", "pass4" };
	static const char *const trig_name[SPB_NR_TRIG] = { "list", "hot", "walk" };
	const struct spb_stats *s = &m->spbw->stats;
	uint32_t cat[SPB_NR_CAT] = { 0 }, pbs = 0, nr = 0;
	char name[64];

	for (unsigned int i = 0; i < m->nr_zones; i++) {
		const struct model_spb_zone *zs = m->zones[i].spb;

		for (unsigned int c = 0; c < SPB_NR_CAT; c++)
			cat[c] += zs->nr_cat[c];
		nr += zs->nr;
		if (zs->pageblocks > pbs)
			pbs = zs->pageblocks;
	}
	fn(arg, "spb.count", nr);
	fn(arg, "spb.pageblocks", pbs);
	fn(arg, "spb.clean_end", cat[SPB_CLEAN]);
	fn(arg, "spb.tainted_end", cat[SPB_TAINTED]);
	fn(arg, "spb.empty_end", cat[SPB_EMPTY]);
	fn(arg, "spb.pass3_tainted", (double)s->pass3_tainted);
	fn(arg, "spb.other_tainted", (double)s->other_tainted);
	for (int p = 0; p < SPB_NR_PASS; p++) {
		snprintf(name, sizeof(name), "spb.allocs.%s", pass_name[p]);
		fn(arg, name, (double)s->pass[p]);
	}
	fn(arg, "spb.reserve_breached", (double)s->reserve_breached);
	fn(arg, "spb.slab_shrink_queued", (double)s->slab_shrink);
	for (int t = 0; t < SPB_NR_TRIG; t++) {
		snprintf(name, sizeof(name), "spb.defrag_triggers.%s", trig_name[t]);
		fn(arg, name, (double)s->triggers[t]);
		snprintf(name, sizeof(name), "spb.defrag_queued.%s", trig_name[t]);
		fn(arg, name, (double)s->queued[t]);
	}
	fn(arg, "spb.defrag_cooldown_refused", (double)s->cooldown_refused);
	fn(arg, "spb.defrag_runs", (double)s->defrag_runs);
	fn(arg, "spb.defrag_migrated_pages", (double)s->defrag_migrated);
	fn(arg, "spb.defrag_no_progress", (double)s->defrag_no_progress);
	fn(arg, "spb.defrag_blocks_freed", (double)s->defrag_blocks_freed);
	fn(arg, "spb.defrag_no_target", (double)s->defrag_no_target);
	fn(arg, "spb.contig_1g_end", (double)spb_contig_1g(m));
}

/* ---- invariant check --------------------------------------------------------------- */

/* Counters, categories, buckets and lists against a recount. Return: 0 or -MMR_E_INVAL. */
int spb_check(const struct mmr_model *m)
{
	for (unsigned int zi = 0; zi < m->nr_zones; zi++) {
		const struct model_zone *z = &m->zones[zi];
		const struct model_spb_zone *zs = z->spb;
		struct model_spb *t;
		uint32_t seen[SPB_NR_CAT] = { 0 };

		if (!zs || !zs->ready)
			continue;
		t = calloc(zs->nr, sizeof(*t));
		if (!t)
			return -ENOMEM;
		for (uint32_t i = 0; i < zs->nr; i++)
			for (uint32_t b = zs->sb[i].first_block;
			     b < zs->sb[i].first_block + zs->sb[i].nr_blocks; b++)
				t[i].nr_nonmov_blocks += nonmov_mt(z->blocks[b].mt);
		spb_count_pages(z, zs, t);
		for (uint32_t i = 0; i < zs->nr; i++) {
			const struct model_spb *a = &zs->sb[i], *b = &t[i];

			if (a->nr_free_blocks != b->nr_free_blocks ||
			    a->nr_nonmov_blocks != b->nr_nonmov_blocks ||
			    a->nr_nonmov_free_blocks != b->nr_nonmov_free_blocks ||
			    a->nr_free_pages != b->nr_free_pages ||
			    a->nr_unmov_pages != b->nr_unmov_pages ||
			    a->nr_movable_pages != b->nr_movable_pages ||
			    a->nr_reserved != b->nr_reserved ||
			    memcmp(a->nr_buddies, b->nr_buddies, sizeof(a->nr_buddies))) {
				mmr_warn("model check: %s: SPB %u counters differ from a recount "
					 "(free blocks %u/%u, free pages %llu/%llu, unmovable %llu/%llu)",
					 z->name, i, a->nr_free_blocks, b->nr_free_blocks,
					 (unsigned long long)a->nr_free_pages,
					 (unsigned long long)b->nr_free_pages,
					 (unsigned long long)a->nr_unmov_pages,
					 (unsigned long long)b->nr_unmov_pages);
				free(t);
				return -MMR_E_INVAL;
			}
			for (unsigned int o = 0; o < NR_ORDERS; o++)
				for (unsigned int mt = 0; mt < NR_MT; mt++)
					if (!!a->nr_buddies[o][mt] != !!(a->nonempty[mt] & (1u << o)))
						goto bad;
			if (a->cat != sb_category(a) || a->bucket != sb_bucket(zs, a))
				goto bad;
		}
		free(t);
		for (unsigned int c = 0; c < SPB_NR_CAT; c++) {
			for (unsigned int b = 0; b < SPB_MAX_BUCKETS; b++) {
				uint32_t prev = SPB_NIL, n = 0;

				for (uint32_t i = zs->lists[c][b].head; i != SPB_NIL;
				     i = zs->sb[i].next) {
					if (zs->sb[i].cat != c || list_slot(&zs->sb[i]) != b ||
					    zs->sb[i].prev != prev || ++n > zs->nr)
						goto bad_list;
					prev = i;
				}
				if (prev != zs->lists[c][b].tail)
					goto bad_list;
				seen[c] += n;
			}
			if (seen[c] != zs->nr_cat[c])
				goto bad_list;
		}
		if (seen[0] + seen[1] + seen[2] != zs->nr)
			goto bad_list;
		continue;
bad:
		free(t);
		mmr_warn("model check: %s: SPB category, bucket or order bits are stale", z->name);
		return -MMR_E_INVAL;
bad_list:
		mmr_warn("model check: %s: SPB lists are inconsistent", z->name);
		return -MMR_E_INVAL;
	}
	return 0;
}
