/*
 * model/model-check.c - the invariant checker: every counter and list of the model
 * equals what a rescan of the page state finds. Used by the tests after every
 * operation; O(pages + owners).
 */
#include <stdlib.h>
#include "model-local.h"

#define FAIL(...)					\
	do {						\
		mmr_warn("model check: " __VA_ARGS__);	\
		err = -MMR_E_INVAL;			\
		goto out;				\
	} while (0)

static int check_zone(const struct mmr_model *m, const struct model_zone *z, uint64_t *live,
		      uint64_t lru_pages[NR_LRU])
{
	uint64_t cnt[NR_ORDERS][NR_MT] = { { 0 } }, nfree = 0, blocks_free = 0, cma = 0, ha = 0;
	uint64_t pcp = 0, isolated = 0, lru[NR_LRU] = { 0 };
	uint32_t *bfree = calloc(z->nr_blocks, sizeof(*bfree));
	uint32_t *bmov = calloc(z->nr_blocks, sizeof(*bmov));
	int err = 0;

	if (!bfree || !bmov)
		FAIL("out of memory");
	for (uint32_t i = 0; i < z->nr_pages;) {
		const struct model_page *p = &z->pages[i];
		unsigned int st = pg_state(p), o, mt = block_mt(z, i);
		uint64_t pfn = model_pfn(z, i);

		if (st == PS_TAIL || st > PS_ISOLATED)
			FAIL("%s: page %u: expected a block head, state %u", z->name, i, st);
		o = pg_head_order(p);
		if (o > MAX_ORDER || (pfn & ((1ull << o) - 1)) || i + (1u << o) > z->nr_pages)
			FAIL("%s: page %u: bad order %u", z->name, i, o);
		for (uint32_t t = i + 1; t < i + (1u << o); t++)
			if (z->pages[t].w0 || z->pages[t].w1)
				FAIL("%s: page %u inside the order-%u block at %u is not a tail "
				     "(both free and allocated?)", z->name, t, o, i);
		if (st == PS_BUDDY) {
			cnt[o][mt]++;
			for (uint32_t b = 0; b < (o >= PB_ORDER ? 1u << (o - PB_ORDER) : 1); b++)
				bfree[(i >> PB_ORDER) + b] += o >= PB_ORDER ? PB_PAGES : 1u << o;
			if (mt != MT_ISOLATE) {
				nfree += 1u << o;
				blocks_free += o >= PB_ORDER ? 1u << o : 0;
			}
			cma += mt == MT_CMA ? 1u << o : 0;
			ha += mt == MT_HIGHATOMIC ? 1u << o : 0;
			if (o >= PB_ORDER) {
				for (uint32_t b = 1; b < (1u << (o - PB_ORDER)); b++)
					if (block_mt(z, i + b * PB_PAGES) != mt)
						FAIL("%s: order-%u buddy at %u spans blocks of two types",
						     z->name, o, i);
			}
			if (o < MAX_ORDER) {
				uint64_t bpfn = pfn ^ (1ull << o);

				if (bpfn >= z->start_pfn && bpfn < z->start_pfn + z->nr_pages) {
					const struct model_page *bp = &z->pages[bpfn - z->start_pfn];
					unsigned int bmt = block_mt(z, (uint32_t)(bpfn - z->start_pfn));

					if (pg_state(bp) == PS_BUDDY && pg_free_order(bp) == o &&
					    (o < PB_ORDER || bmt == mt ||
					     (is_mergeable_mt(mt) && is_mergeable_mt(bmt))))
						FAIL("%s: free buddies at %u and %llu (order %u) not merged",
						     z->name, i,
						     (unsigned long long)(bpfn - z->start_pfn), o);
				}
			}
		} else if (st == PS_ALLOC) {
			unsigned int class = pg_class(p);

			if (pg_movable(p))
				for (uint32_t b = 0; b < (o >= PB_ORDER ? 1u << (o - PB_ORDER) : 1); b++)
					bmov[(i >> PB_ORDER) + b] += o >= PB_ORDER ? PB_PAGES : 1u << o;
			if (class < NR_LRU)
				lru[class] += 1u << o;
			if (!(p->w0 & A_RESERVED)) {
				uint32_t owner = p->w1;
				struct model_zone *oz;
				uint32_t oidx;

				if (!model_owner_live(m, owner))
					FAIL("%s: page %u: owner %u is not live", z->name, i, owner);
				model_owner_locate(m, owner, &oz, &oidx);
				if (oz != z || oidx != i)
					FAIL("%s: owner %u: table says %u, page is %u", z->name, owner,
					     oidx, i);
				(*live)++;
			}
		} else if (st == PS_PCP) {
			pcp += 1u << o;
		} else {
			isolated += 1u << o;
		}
		i += 1u << o;
	}
	for (unsigned int o = 0; o < NR_ORDERS; o++) {
		uint64_t sum = 0;

		for (unsigned int t = 0; t < NR_MT; t++) {
			uint64_t n = 0;
			uint32_t prev = NIL;

			for (uint32_t e = z->area[o][t].head; e != NIL; e = pg_next(&z->pages[e])) {
				const struct model_page *p = &z->pages[e];

				if (pg_state(p) != PS_BUDDY || pg_free_order(p) != o ||
				    block_mt(z, e) != t || pg_prev(p) != prev)
					FAIL("%s: free list (%u, %s) entry %u is wrong", z->name, o,
					     mmr_migratetype_name((int)t), e);
				prev = e;
				if (++n > z->nr_pages)
					FAIL("%s: free list (%u, %u) loops", z->name, o, t);
			}
			if (prev != z->area[o][t].tail)
				FAIL("%s: free list (%u, %u) tail is wrong", z->name, o, t);
			if (n != cnt[o][t] || n != z->area_mt_nr[o][t])
				FAIL("%s: free list (%u, %s): %llu listed, %llu counted, %llu found",
				     z->name, o, mmr_migratetype_name((int)t), (unsigned long long)n,
				     (unsigned long long)z->area_mt_nr[o][t],
				     (unsigned long long)cnt[o][t]);
			if (!!n != !!(z->nonempty[t] & (1u << o)))
				FAIL("%s: nonempty bit (%u, %u) is wrong", z->name, o, t);
			sum += n;
		}
		if (sum != z->area_nr[o])
			FAIL("%s: nr_free of order %u is %llu, lists hold %llu", z->name, o,
			     (unsigned long long)z->area_nr[o], (unsigned long long)sum);
	}
	if (nfree != z->nr_free_pages || blocks_free != z->nr_free_blocks || cma != z->nr_free_cma ||
	    ha != z->nr_free_highatomic)
		FAIL("%s: zone counters free %llu/%llu blocks %llu/%llu cma %llu/%llu ha %llu/%llu",
		     z->name, (unsigned long long)z->nr_free_pages, (unsigned long long)nfree,
		     (unsigned long long)z->nr_free_blocks, (unsigned long long)blocks_free,
		     (unsigned long long)z->nr_free_cma, (unsigned long long)cma,
		     (unsigned long long)z->nr_free_highatomic, (unsigned long long)ha);
	for (uint32_t b = 0; b < z->nr_blocks; b++)
		if (bfree[b] != z->blocks[b].nr_free || bmov[b] != z->blocks[b].nr_movable)
			FAIL("%s: block %u: free %u (walk %u), movable %u (walk %u)", z->name, b,
			     z->blocks[b].nr_free, bfree[b], z->blocks[b].nr_movable, bmov[b]);
	{
		uint64_t listed = 0;

		for (unsigned int l = 0; l < NR_PCP_LISTS; l++) {
			uint32_t prev = NIL;

			for (uint32_t e = z->pcp_list[l].head; e != NIL; e = pg_next(&z->pages[e])) {
				const struct model_page *p = &z->pages[e];

				if (pg_state(p) != PS_PCP || pg_prev(p) != prev)
					FAIL("%s: pcp list %u entry %u is wrong", z->name, l, e);
				listed += 1u << pg_free_order(p);
				prev = e;
			}
		}
		if (listed != pcp || pcp != z->pcp_count)
			FAIL("%s: pcp count %llu, lists %llu, pages %llu", z->name,
			     (unsigned long long)z->pcp_count, (unsigned long long)listed,
			     (unsigned long long)pcp);
	}
	if (isolated && !(m->kc.cc_active && m->kc.cc.zone == z))
		FAIL("%s: %llu isolated free pages outside a compaction run", z->name,
		     (unsigned long long)isolated);
	for (unsigned int c = 0; c < NR_LRU; c++) {
		if (lru[c] != z->nr_lru[c])
			FAIL("%s: class %u: %llu pages counted, %llu found", z->name, c,
			     (unsigned long long)z->nr_lru[c], (unsigned long long)lru[c]);
		lru_pages[c] += lru[c];
	}
out:
	free(bfree);
	free(bmov);
	return err;
}

int mmr_model_check(const struct mmr_model *m)
{
	uint64_t live = 0, owners = 0, lru_pages[NR_LRU] = { 0 };
	int err = 0;

	for (unsigned int i = 0; i < m->nr_zones; i++) {
		err = check_zone(m, &m->zones[i], &live, lru_pages);
		if (err)
			return err;
	}
	err = spb_check(m);	/* superpageblock counters and lists (policy spb) */
	if (err)
		return err;
	for (uint64_t o = 0; o < m->nr_owner_slots; o++)
		owners += !!(m->owners[o].loc & OWNER_LIVE);
	if (owners != live)
		FAIL("%llu live owners, %llu allocations", (unsigned long long)owners,
		     (unsigned long long)live);
	for (unsigned int c = 0; c < NR_LRU; c++) {
		uint64_t pages = 0, n = 0;
		uint32_t prev = ONIL;

		for (uint32_t o = m->lru[c].head; o != ONIL; o = m->owners[o].next) {
			struct model_zone *z;
			uint32_t idx;

			if (!model_owner_live(m, o) || m->owners[o].prev != prev)
				FAIL("lru %u: owner %u is wrong", c, o);
			model_owner_locate(m, o, &z, &idx);
			if (pg_class(&z->pages[idx]) != c)
				FAIL("lru %u: owner %u has class %u", c, o, pg_class(&z->pages[idx]));
			pages += 1u << pg_alloc_order(&z->pages[idx]);
			prev = o;
			if (++n > owners)
				FAIL("lru %u loops", c);
		}
		if (prev != m->lru[c].tail || pages != m->lru[c].nr_pages || pages != lru_pages[c])
			FAIL("lru %u: %llu pages listed, %llu counted, %llu in zones", c,
			     (unsigned long long)pages, (unsigned long long)m->lru[c].nr_pages,
			     (unsigned long long)lru_pages[c]);
	}
out:
	return err;
}
