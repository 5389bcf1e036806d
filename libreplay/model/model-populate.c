/*
 * model/model-populate.c - the initial-state builder (a zone as /proc/pagetypeinfo
 * describes it) and the release of that pre-existing memory during a replay.
 *
 * Placement, all deterministic:
 * 1. order-10 free buddies take aligned pairs of whole blocks, spread evenly over the
 *    zone's pair slots (types in migratetype order);
 * 2. the other blocks get their types by error diffusion, so each type is spread
 *    evenly over the zone rather than grouped;
 * 3. order-9 free buddies take whole blocks of their type, spread evenly, never two
 *    halves of one aligned pair;
 * 4. orders 8..0 go round robin over the remaining blocks of their type, each at the
 *    lowest aligned offset whose pages are still allocated and whose buddy is not a
 *    free block of the same order (so nothing would merge);
 * 5. every other page is a pre-existing order-0 allocation whose class follows its
 *    block: MOVABLE/CMA -> LRU (anon for anon_permille of them, by the seeded
 *    generator), UNMOVABLE/HIGHATOMIC -> unreclaimable, RECLAIMABLE -> slab. LRU age
 *    is a seeded shuffle (or pfn order with lru_by_pfn).
 */
#include <errno.h>
#include <stdlib.h>
#include "model-local.h"

enum { FM_ALLOC = 0, FM_HEAD = 1, FM_TAIL = 2, FM_RESERVED = 3 };

struct layout {
	struct model_zone	*z;
	uint8_t			*fm;		/* per page: FM_* */
	uint8_t			*ford;		/* order of FM_HEAD pages */
	uint8_t			*whole;		/* per block: wholly free */
};

static bool block_has_reserved(const struct layout *L, uint32_t b)
{
	return L->fm[b * PB_PAGES] == FM_RESERVED || L->fm[b * PB_PAGES + PB_PAGES - 1] == FM_RESERVED;
}

static void mark_free(struct layout *L, uint32_t idx, unsigned int order)
{
	L->fm[idx] = FM_HEAD;
	L->ford[idx] = (uint8_t)order;
	for (uint32_t i = 1; i < (1u << order); i++)
		L->fm[idx + i] = FM_TAIL;
}

/* A whole free order-9 block must not have a wholly free buddy block: they would merge. */
static bool can_be_whole(const struct layout *L, uint32_t b)
{
	const struct model_zone *z = L->z;
	uint64_t mate_pfn = model_pfn(z, b * PB_PAGES) ^ PB_PAGES;
	uint64_t mate;

	if (L->whole[b])
		return false;
	if (mate_pfn < z->start_pfn)
		return true;
	mate = (mate_pfn - z->start_pfn) / PB_PAGES;
	return mate >= z->nr_blocks || !L->whole[mate];
}

/* Types of the blocks not used by order-10 pairs: error diffusion over the slots. */
static void spread_types(struct layout *L, const uint64_t *want, const uint8_t *fixed)
{
	struct model_zone *z = L->z;
	uint64_t total = 0, given[NR_MT] = { 0 }, pos = 0;

	for (unsigned int t = 0; t < NR_MT; t++)
		total += want[t];
	for (uint32_t b = 0; b < z->nr_blocks; b++) {
		int best = -1;
		int64_t best_def = INT64_MIN;

		if (fixed[b])
			continue;
		pos++;
		for (unsigned int t = 0; t < NR_MT; t++) {
			int64_t def;

			if (given[t] >= want[t])
				continue;
			def = (int64_t)(want[t] * pos * 1000 / total) - (int64_t)(given[t] * 1000);
			if (def > best_def) {
				best_def = def;
				best = (int)t;
			}
		}
		z->blocks[b].mt = (uint8_t)(best < 0 ? MT_MOVABLE : best);
		given[z->blocks[b].mt]++;
	}
}

/*
 * Places @count free buddies of @order in blocks of @mt. One that finds no room is an
 * error, or with @fit is split into two of the next lower order (*@lower += 2,
 * *@split += 1); an order-0 one is dropped (*@dropped += 1: the page stays allocated).
 */
static int place_small(struct layout *L, unsigned int order, unsigned int mt, uint64_t count,
		       uint32_t *cursor, bool fit, uint64_t *lower, uint64_t *split,
		       uint64_t *dropped)
{
	struct model_zone *z = L->z;
	uint32_t size = 1u << order;

	while (count--) {
		bool placed = false;

		for (uint32_t tries = 0; tries < z->nr_blocks && !placed; tries++) {
			uint32_t b = (*cursor + tries) % z->nr_blocks;

			if (z->blocks[b].mt != mt || L->whole[b])
				continue;
			for (uint32_t off = 0; off < PB_PAGES && !placed; off += size) {
				uint32_t idx = b * PB_PAGES + off, bud = idx ^ size, i;

				for (i = 0; i < size && L->fm[idx + i] == FM_ALLOC; i++)
					;
				if (i < size)
					continue;
				if (L->fm[bud] == FM_HEAD && L->ford[bud] == order)
					continue;
				mark_free(L, idx, order);
				placed = true;
				*cursor = (b + 1) % z->nr_blocks;
			}
		}
		if (placed)
			continue;
		if (!fit) {
			mmr_warn("model: populate '%s': no room for a free order-%u %s buddy",
				 z->name, order, mmr_migratetype_name((int)mt));
			return -MMR_E_INVAL;
		}
		if (order) {
			*lower += 2;
			(*split)++;
		} else {
			(*dropped)++;
		}
	}
	return 0;
}

static int layout_zone(struct layout *L, const struct mmr_model_zone_state *st)
{
	struct model_zone *z = L->z;
	uint64_t want[NR_MT], sum = 0, pairs = 0, slots = 0, split = 0, dropped = 0;
	uint64_t nf[NR_ORDERS][NR_MT];	/* free buddies still to place (fit_free splits) */
	uint8_t *fixed;
	uint32_t *slot;
	int err = 0;

	memcpy(nf, st->nr_free, sizeof(nf));
	for (unsigned int t = 0; t < NR_MT; t++) {
		want[t] = t == MT_ISOLATE ? 0 : st->nr_blocks[t];
		sum += want[t];
		pairs += nf[MAX_ORDER][t];
	}
	if (st->nr_blocks[MT_ISOLATE] || sum > z->nr_blocks) {
		mmr_warn("model: populate '%s': %llu blocks asked, %u in the zone", z->name,
			 (unsigned long long)sum, z->nr_blocks);
		return -MMR_E_INVAL;
	}
	want[MT_MOVABLE] += z->nr_blocks - sum;
	fixed = calloc(z->nr_blocks, 1);
	slot = calloc(z->nr_blocks, sizeof(*slot));
	if (!fixed || !slot) {
		free(fixed);
		free(slot);
		return -ENOMEM;
	}
	/* 1. order-10 pairs */
	for (uint32_t b = 0; b + 1 < z->nr_blocks; b++)
		if (!(model_pfn(z, b * PB_PAGES) & (2 * PB_PAGES - 1)) && !block_has_reserved(L, b) &&
		    !block_has_reserved(L, b + 1))
			slot[slots++] = b;
	if (pairs > slots && !st->fit_free) {
		mmr_warn("model: populate '%s': %llu free order-10 buddies, room for %llu", z->name,
			 (unsigned long long)pairs, (unsigned long long)slots);
		err = -MMR_E_INVAL;
		goto out;
	}
	for (unsigned int t = 0; t < NR_MT && pairs > slots; t++) {
		uint64_t cut = nf[MAX_ORDER][t] < pairs - slots ? nf[MAX_ORDER][t] : pairs - slots;

		nf[MAX_ORDER][t] -= cut;
		nf[PB_ORDER][t] += 2 * cut;
		pairs -= cut;
		split += cut;
	}
	for (unsigned int t = 0, k = 0; t < NR_MT; t++) {
		for (uint64_t n = 0; n < nf[MAX_ORDER][t]; n++, k++) {
			uint32_t b = slot[(uint64_t)(2 * k + 1) * slots / (2 * pairs)];

			if (want[t] < 2 && st->fit_free) {
				nf[PB_ORDER][t] += 2;
				split++;
				continue;
			}
			if (want[t] < 2) {
				mmr_warn("model: populate '%s': free order-10 %s buddies need blocks of "
					 "that type", z->name, mmr_migratetype_name((int)t));
				err = -MMR_E_INVAL;
				goto out;
			}
			want[t] -= 2;
			z->blocks[b].mt = z->blocks[b + 1].mt = (uint8_t)t;
			fixed[b] = fixed[b + 1] = 1;
			L->whole[b] = L->whole[b + 1] = 1;
			mark_free(L, b * PB_PAGES, MAX_ORDER);
		}
	}
	/* 2. the other blocks' types */
	spread_types(L, want, fixed);
	/* 3. order-9 whole blocks, evenly spread over each type's blocks */
	for (unsigned int t = 0; t < NR_MT; t++) {
		uint64_t need = nf[PB_ORDER][t], cand = 0, done = 0;

		if (!need)
			continue;
		for (uint32_t b = 0; b < z->nr_blocks; b++)
			if (z->blocks[b].mt == t && !fixed[b] && !block_has_reserved(L, b))
				slot[cand++] = b;
		for (uint64_t j = 0; j < need && cand; j++) {
			uint64_t first = (2 * j + 1) * cand / (2 * need);

			for (uint64_t k = 0; k < cand; k++) {
				uint32_t b = slot[(first + k) % cand];

				if (!can_be_whole(L, b))
					continue;
				L->whole[b] = 1;
				mark_free(L, b * PB_PAGES, PB_ORDER);
				done++;
				break;
			}
		}
		if (done < need && st->fit_free) {
			nf[PB_ORDER - 1][t] += 2 * (need - done);
			split += need - done;
		} else if (done < need) {
			mmr_warn("model: populate '%s': room for %llu of %llu free order-9 %s blocks",
				 z->name, (unsigned long long)done, (unsigned long long)need,
				 mmr_migratetype_name((int)t));
			err = -MMR_E_INVAL;
			goto out;
		}
	}
	/* 4. the smaller buddies */
	for (int o = PB_ORDER - 1; o >= 0 && !err; o--) {
		for (unsigned int t = 0; t < NR_MT && !err; t++) {
			uint32_t cursor = 0;

			err = place_small(L, (unsigned int)o, t, nf[o][t], &cursor, st->fit_free,
					  o ? &nf[o - 1][t] : NULL, &split, &dropped);
		}
	}
	if (!err && (split || dropped))
		mmr_warn("model: populate '%s': free buddies did not fit as listed: %llu split "
			 "into smaller ones, %llu free pages left allocated", z->name,
			 (unsigned long long)split, (unsigned long long)dropped);
out:
	free(fixed);
	free(slot);
	return err;
}

static unsigned int class_of_block(unsigned int bmt, unsigned int *alloc_mt)
{
	switch (bmt) {
	case MT_RECLAIMABLE:
		*alloc_mt = MT_RECLAIMABLE;
		return MMR_CLASS_SLAB;
	case MT_MOVABLE:
	case MT_CMA:
		*alloc_mt = MT_MOVABLE;
		return MMR_CLASS_FILE;
	default:
		*alloc_mt = MT_UNMOVABLE;
		return MMR_CLASS_UNRECLAIMABLE;
	}
}

/* a class value no owner has: marks the owners already placed */
#define NR_CLASS_DONE	0xff
#define POPULATE_AHEAD	16	/* LRU entries whose page is fetched ahead */

/* A pre-existing owner to be: its page, class and allocation migratetype. */
struct new_owner {
	uint32_t	idx;
	uint8_t		class;
	uint8_t		mt;
};

static void place_owner(struct mmr_model *m, struct model_zone *z, const struct new_owner *w,
			uint32_t owner)
{
	prep_alloc_page(m, z, w->idx, 0, owner, w->class, w->class < MMR_CLASS_SLAB, w->mt,
			A_PREEXIST);
	model_owner_set(m, owner, z, w->idx);
}

/* Builds the zone from the layout: free lists, pre-existing owners, LRU order. */
static int build_zone(struct mmr_model *m, struct layout *L, const struct mmr_model_zone_state *st,
		      uint32_t *nr_owners)
{
	struct model_zone *z = L->z;
	uint32_t n = 0, nlru = 0, *lru;
	struct new_owner *own;
	uint64_t top;
	int err;

	for (uint32_t i = 0; i < z->nr_pages; i++)
		n += L->fm[i] == FM_ALLOC;
	top = (uint64_t)st->owner_base + n;
	if (top >= ONIL) {
		mmr_warn("model: populate '%s': owner ids overflow", z->name);
		return -MMR_E_INVAL;
	}
	if (n) {
		err = model_owner_reserve(m, (uint32_t)(top - 1));
		if (err)
			return err;
		for (uint64_t o = st->owner_base; o < top; o++) {
			if (m->owners[o].loc) {
				mmr_warn("model: populate '%s': owner %llu is live", z->name,
					 (unsigned long long)o);
				return -MMR_E_INVAL;
			}
		}
	}
	/* per owner, in pfn order: its page and class; the LRU ones are listed in lru[] */
	own = malloc(sizeof(*own) * (n ? n : 1));
	lru = malloc(sizeof(*lru) * (n ? n : 1));
	if (!own || !lru) {
		free(own);
		free(lru);
		return -ENOMEM;
	}
	n = 0;
	for (uint32_t i = 0; i < z->nr_pages; i++) {
		unsigned int bmt = block_mt(z, i), amt, class;

		if (L->fm[i] == FM_HEAD) {
			freelist_add(z, i, L->ford[i], bmt, true);
			continue;
		}
		if (L->fm[i] != FM_ALLOC)
			continue;
		class = class_of_block(bmt, &amt);
		if (class == MMR_CLASS_FILE && model_rand(m) % 1000 < st->anon_permille)
			class = MMR_CLASS_ANON;
		own[n] = (struct new_owner){ .idx = i, .class = (uint8_t)class,
					     .mt = (uint8_t)amt };
		if (class < NR_LRU)
			lru[nlru++] = n;
		n++;
	}
	if (!st->lru_by_pfn) {
		for (uint32_t i = nlru; i > 1; i--) {
			uint32_t j = (uint32_t)(model_rand(m) % i), t = lru[i - 1];

			lru[i - 1] = lru[j];
			lru[j] = t;
		}
	}
	/*
	 * Owner ids follow the LRU order, oldest first, and the owners off the LRU come
	 * after them (the ids of pre-existing memory are labels nothing else reads): so
	 * reclaim, which walks the LRU from the oldest, reads the owner table in order
	 * instead of jumping through it at every step.
	 */
	for (uint32_t k = 0; k < nlru; k++) {
		uint32_t o = st->owner_base + k;
		struct new_owner *w = &own[lru[k]];

		/* shuffled, they come in random order: fetch ahead, entry then page */
		if (k + 2 * POPULATE_AHEAD < nlru)
			__builtin_prefetch(&own[lru[k + 2 * POPULATE_AHEAD]]);
		if (k + POPULATE_AHEAD < nlru)
			__builtin_prefetch(&z->pages[own[lru[k + POPULATE_AHEAD]].idx]);
		place_owner(m, z, w, o);
		model_lru_add(m, o, w->class, 1);
		w->class = NR_CLASS_DONE;
	}
	for (uint32_t w = 0, o = st->owner_base + nlru; w < n; w++)
		if (own[w].class != NR_CLASS_DONE)
			place_owner(m, z, &own[w], o++);
	for (uint32_t b = 0; b < z->nr_blocks; b++)
		if (z->blocks[b].mt == MT_HIGHATOMIC)
			z->nr_reserved_highatomic += PB_PAGES;
	free(own);
	free(lru);
	*nr_owners = n;
	return 0;
}

int mmr_model_populate(struct mmr_model *m, unsigned int zone,
		       const struct mmr_model_zone_state *st, uint32_t *nr_owners)
{
	struct layout L = { 0 };
	struct model_zone *z = NULL;
	uint32_t reserved;
	int err;

	for (unsigned int i = 0; i < m->nr_zones; i++)
		if (m->zones[i].cfg_idx == zone)
			z = &m->zones[i];
	if (!z)
		return -MMR_E_INVAL;
	reserved = (uint32_t)(z->nr_pages - z->managed);
	if (z->nr_free_pages + z->pcp_count != z->managed) {
		mmr_warn("model: populate '%s': the zone is already in use", z->name);
		return -MMR_E_INVAL;
	}
	L.z = z;
	L.fm = calloc(z->nr_pages, 1);
	L.ford = calloc(z->nr_pages, 1);
	L.whole = calloc(z->nr_blocks, 1);
	if (!L.fm || !L.ford || !L.whole) {
		err = -ENOMEM;
		goto out;
	}
	model_zone_reset(m, z);
	/* start from an empty zone: reserved pages stay, everything else is rebuilt */
	for (unsigned int o = 0; o < NR_ORDERS; o++)
		for (unsigned int t = 0; t < NR_MT; t++)
			while (z->area[o][t].head != NIL)
				freelist_del(z, z->area[o][t].head, o, t);
	memset(L.fm, FM_RESERVED, reserved);
	err = layout_zone(&L, st);
	if (!err)
		err = build_zone(m, &L, st, nr_owners);
	if (err)
		model_zone_reset(m, z);
	spb_rebuild(z);		/* no-op without superpageblocks */
out:
	free(L.fm);
	free(L.ford);
	free(L.whole);
	return err;
}

/* Is [idx, idx + 2^order) all pre-existing order-0 allocations in blocks of @mt? */
static bool preexisting_run(const struct model_zone *z, uint32_t idx, unsigned int order,
			    unsigned int mt)
{
	for (uint32_t i = idx; i < idx + (1u << order); i++) {
		const struct model_page *p = &z->pages[i];

		if (block_mt(z, i) != mt || pg_state(p) != PS_ALLOC || !(p->w0 & A_PREEXIST) ||
		    pg_alloc_order(p))
			return false;
	}
	return true;
}

static uint64_t release_in_zone(struct mmr_model *m, struct model_zone *z, unsigned int mt,
				unsigned int order)
{
	uint32_t size = 1u << order, start = z->release_cursor[mt];
	uint64_t freed = 0;

	/* an aligned run first, from the cursor, wrapping once */
	for (uint64_t k = 0; k < z->nr_pages; k += size) {
		uint32_t idx = (uint32_t)(((uint64_t)start / size * size + k) % z->nr_pages);

		if (model_pfn(z, idx) & (size - 1))
			continue;
		if (block_mt(z, idx) != mt) {
			k += PB_PAGES > size ? PB_PAGES - size - (idx & (PB_PAGES - 1)) : 0;
			continue;
		}
		if (!preexisting_run(z, idx, order, mt))
			continue;
		for (uint32_t i = idx; i < idx + size; i++)
			model_free_owner(m, z->pages[i].w1, 0, false);
		z->release_cursor[mt] = (idx + size) % z->nr_pages;
		return size;
	}
	/* else any such pages */
	for (uint64_t k = 0; k < z->nr_pages && freed < size; k++) {
		uint32_t idx = (uint32_t)((start + k) % z->nr_pages);

		if (preexisting_run(z, idx, 0, mt)) {
			model_free_owner(m, z->pages[idx].w1, 0, false);
			freed++;
			z->release_cursor[mt] = (idx + 1) % z->nr_pages;
		}
	}
	return freed;
}

int mmr_model_release_initial(struct mmr_model *m, int zone, int migratetype,
			      unsigned int order, uint64_t time, uint64_t *nr_pages)
{
	uint64_t freed = 0;

	if (migratetype < 0 || migratetype >= NR_MT || order > MAX_ORDER)
		return -MMR_E_INVAL;
	if (time > m->now)
		model_advance_to(m, time);
	for (int i = (int)m->nr_zones - 1; i >= 0 && !freed; i--) {
		struct model_zone *z = &m->zones[i];

		if (zone >= 0 && z->cfg_idx != (unsigned int)zone)
			continue;
		freed = release_in_zone(m, z, (unsigned int)migratetype, order);
	}
	if (nr_pages)
		*nr_pages = freed;
	freed = (uint64_t)m->event_ret;
	m->event_ret = 0;
	return (int)freed;
}

int mmr_model_release_initial_at(struct mmr_model *m, uint64_t pfn, unsigned int order,
				 uint64_t time, uint64_t *nr_pages)
{
	uint64_t freed = 0;

	if (order > MAX_ORDER)
		return -MMR_E_INVAL;
	if (time > m->now)
		model_advance_to(m, time);
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		struct model_zone *z = &m->zones[i];
		uint64_t end = pfn + (1ull << order);

		if (pfn < z->start_pfn || pfn >= z->start_pfn + z->nr_pages)
			continue;
		if (end > z->start_pfn + z->nr_pages)
			end = z->start_pfn + z->nr_pages;
		for (uint32_t idx = (uint32_t)(pfn - z->start_pfn);
		     idx < (uint32_t)(end - z->start_pfn); idx++) {
			const struct model_page *p = &z->pages[idx];

			if (pg_state(p) != PS_ALLOC || !(p->w0 & A_PREEXIST) || pg_alloc_order(p))
				continue;
			model_free_owner(m, p->w1, 0, false);
			freed++;
		}
		break;
	}
	if (nr_pages)
		*nr_pages = freed;
	freed = (uint64_t)m->event_ret;
	m->event_ret = 0;
	return (int)freed;
}
