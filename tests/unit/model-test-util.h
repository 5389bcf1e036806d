/*
 * tests/unit/model-test-util.h - helpers shared by the model tests: a one-zone
 * model with explicit watermarks, event capture, and request shorthands.
 */
#ifndef MODEL_TEST_UTIL_H
#define MODEL_TEST_UTIL_H

#include <stdlib.h>
#include <string.h>
#include "model-local.h"

/* include after <cmocka.h>: the helpers assert */

#define TEST_START_PFN	(1u << 18)	/* Normal starts at 1 GiB, not at pfn 0 */

/* Events a test wants to look at: counts per type and the last few of each. */
struct ev_log {
	uint64_t		count[MMR_EV__COUNT];
	struct mmr_event	last[MMR_EV__COUNT];
	struct mmr_event	*all;
	size_t			nr, cap;
	bool			keep_all;
};

static inline int ev_log_fn(const struct mmr_event *ev, void *arg)
{
	struct ev_log *l = arg;

	l->count[ev->type]++;
	l->last[ev->type] = *ev;
	if (l->keep_all) {
		if (l->nr == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 1024;
			l->all = realloc(l->all, l->cap * sizeof(*l->all));
		}
		l->all[l->nr++] = *ev;
	}
	return 0;
}

/* One Normal zone of @pages pages, watermarks min/low/high given, agents off, no PCP. */
static inline void test_config(struct mmr_model_config *cfg, uint64_t pages, uint64_t wmin,
			       uint64_t wlow, uint64_t whigh)
{
	mmr_model_config_init(cfg);
	cfg->nr_zones = 1;
	cfg->zones[0] = (struct mmr_model_zone_config){
		.zone_idx = MMR_ZONE_NORMAL, .start_pfn = TEST_START_PFN, .spanned_pages = pages,
		.wmark_min = wmin, .wmark_low = wlow, .wmark_high = whigh,
	};
	cfg->policy.pcp = false;
	cfg->sysctl.boost_off = true;
	cfg->sysctl.proactive_off = true;
	cfg->agents.mode = MMR_AGENTS_OFF;
}

static inline struct mmr_model_req test_req(uint32_t owner, unsigned int order, uint64_t gfp,
					    enum mmr_model_class class)
{
	return (struct mmr_model_req){
		.owner = owner, .order = order, .gfp = gfp, .class = class,
		.movable = class == MMR_CLASS_ANON || class == MMR_CLASS_FILE, .pid = 100,
	};
}

/* A model from @cfg, and one whose zone 0 is populated from @st; both checked. */
static inline struct mmr_model *test_new(struct mmr_model_config *cfg)
{
	struct mmr_model *m = NULL;

	assert_int_equal(mmr_model_new(cfg, &m), 0);
	return m;
}

static inline struct mmr_model *test_populated(struct mmr_model_config *cfg,
					       const struct mmr_model_zone_state *st)
{
	struct mmr_model *m = test_new(cfg);
	uint32_t n;

	assert_int_equal(mmr_model_populate(m, 0, st, &n), 0);
	assert_int_equal(mmr_model_check(m), 0);
	return m;
}

/* One kind of random allocation: its flags, class and largest order. */
struct test_kind {
	uint64_t		gfp;
	enum mmr_model_class	class;
	unsigned int		max_order;
};

#define TEST_MAX_LIVE	4096

static inline uint64_t test_rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * @nr_ops seeded random operations on @m from time 0, the invariant checker after each:
 * allocations of one of @kinds (55 in 100), frees of a live owner (up to @free_below),
 * releases of initial memory (up to 95), else 50 ms passing.
 */
static inline void test_random_ops(struct mmr_model *m, const char *name, uint64_t seed,
				   int nr_ops, const struct test_kind *kinds, size_t nr_kinds,
				   unsigned int free_below)
{
	uint32_t live[TEST_MAX_LIVE], nr_live = 0, next_owner = 1;
	uint64_t t = 0, r = seed;

	for (int op = 0; op < nr_ops; op++) {
		uint64_t x = test_rng_next(&r);
		unsigned int what = x % 100;

		t += 1000 + (x >> 8) % 200000;
		if (what < 55 && nr_live < TEST_MAX_LIVE) {
			const struct test_kind *k = &kinds[(x >> 20) % nr_kinds];
			unsigned int order = (unsigned int)((x >> 28) % (k->max_order + 1));
			struct mmr_model_req req = test_req(next_owner, order, k->gfp, k->class);
			struct mmr_model_result res;

			if (order > 3 && k->max_order < 9)
				order = 0;
			req.order = order;
			req.time = t;
			assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
			if (res.pfn >= 0)
				live[nr_live++] = next_owner;
			next_owner++;
		} else if (what < free_below && nr_live) {
			uint32_t i = (uint32_t)((x >> 16) % nr_live);
			int err = mmr_model_free_owner(m, live[i], t, 5);

			/* reclaim may have freed it already (the LRU classes) */
			assert_true(err == 0 || err == -MMR_E_INVAL);
			live[i] = live[--nr_live];
		} else if (what < 95) {
			uint64_t freed;

			assert_int_equal(mmr_model_release_initial(m, -1, (int)((x >> 12) % 3),
								   (unsigned int)((x >> 20) % 4), t,
								   &freed), 0);
		} else {
			t += 50000000;
			assert_int_equal(mmr_model_advance(m, t), 0);
		}
		if (mmr_model_check(m))
			fail_msg("%s: invariants broken after op %d", name, op);
	}
}

static inline struct model_zone *test_zone(struct mmr_model *m)
{
	return &m->zones[0];
}

#endif
