/*
 * tests/unit/test-model-random.c - thousands of seeded random operations per policy
 * (allocations of every kind, frees, releases of initial memory, time passing with the
 * agents running), with the invariant checker after every one, and determinism.
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

static const struct test_kind kinds[] = {
	{ MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE, 3 },
	{ MMR_GFP_KERNEL | MMR_GFP_RECLAIMABLE, MMR_CLASS_SLAB, 2 },
	{ MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_FILE, 0 },
	{ MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_ANON, 0 },
	{ MMR_GFP_ATOMIC, MMR_CLASS_UNRECLAIMABLE, 3 },
	{ MMR_GFP_NOWAIT, MMR_CLASS_UNRECLAIMABLE, 1 },
	{ MMR_GFP_TRANSHUGE, MMR_CLASS_ANON, 9 },
	{ MMR_GFP_TRANSHUGE_LIGHT, MMR_CLASS_ANON, 9 },
	{ MMR_GFP_KERNEL | MMR_GFP_RETRY_MAYFAIL, MMR_CLASS_UNRECLAIMABLE, 10 },
};

struct run_out {
	struct mmr_model_stats	stats;
	uint64_t		now;
	uint64_t		events;
	uint64_t		hash;
};

static int count_ev(const struct mmr_event *ev, void *arg)
{
	struct run_out *o = arg;

	o->events++;
	o->hash = (o->hash ^ (uint64_t)ev->type ^ (uint64_t)ev->val[0] ^ ev->ts) * 0x100000001b3ull;
	return 0;
}

static void run_policy(const char *preset, uint64_t seed, struct run_out *out)
{
	struct mmr_model_zone_state st = { .owner_base = 100000, .anon_permille = 300 };
	struct mmr_model_config cfg;
	struct mmr_model *m;
	uint32_t n;

	memset(out, 0, sizeof(*out));
	mmr_model_config_init(&cfg);
	cfg.nr_zones = 2;
	cfg.zones[0] = (struct mmr_model_zone_config){ .zone_idx = MMR_ZONE_DMA32,
		.start_pfn = 4096, .spanned_pages = 4096 };
	cfg.zones[1] = (struct mmr_model_zone_config){ .zone_idx = MMR_ZONE_NORMAL,
		.start_pfn = 1u << 16, .spanned_pages = 12 * 512, .managed_pages = 12 * 512 - 100 };
	cfg.agents.quantum_ns = 50000;
	cfg.agents.kswapd_permille = 300;
	cfg.agents.kcompactd_permille = 300;
	cfg.sysctl.migrate_fail_permille = 20;
	cfg.sysctl.reclaim_rotate_permille = 50;
	cfg.event_fn = count_ev;
	cfg.event_arg = out;
	assert_int_equal(mmr_model_config_preset(&cfg, preset), 0);
	assert_int_equal(mmr_model_new(&cfg, &m), 0);
	st.nr_blocks[MMR_MT_UNMOVABLE] = 2;
	st.nr_blocks[MMR_MT_RECLAIMABLE] = 1;
	st.nr_blocks[MMR_MT_HIGHATOMIC] = 1;
	st.nr_free[10][MMR_MT_MOVABLE] = 1;
	st.nr_free[9][MMR_MT_MOVABLE] = 1;
	st.nr_free[3][MMR_MT_MOVABLE] = 20;
	st.nr_free[0][MMR_MT_MOVABLE] = 300;
	st.nr_free[0][MMR_MT_UNMOVABLE] = 30;
	st.nr_free[2][MMR_MT_HIGHATOMIC] = 4;
	assert_int_equal(mmr_model_populate(m, 1, &st, &n), 0);
	assert_int_equal(mmr_model_check(m), 0);

	test_random_ops(m, preset, seed, NR_OPS, kinds, ARRAY_SIZE(kinds), 90);
	mmr_model_stats(m, &out->stats);
	out->now = mmr_model_now(m);
	mmr_model_free(m);
}

static void test_random_invariants(void **state)
{
	/* after every one of thousands of seeded operations the model's lists, counters,
	 * owners and LRUs match a rescan of its page state, under each preset */
	static const char *const presets[] = { "vanilla", "defrag_mode", "defrag_mode_fix" };
	struct run_out out;

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(presets); i++) {
		run_policy(presets[i], 0x9e3779b97f4a7c15ull + i, &out);
		assert_true(out.stats.nr_alloc > NR_OPS / 3);
		assert_true(out.stats.nr_free > 0);
		assert_true(out.events > 0);
		print_message("%s: alloc %llu failed %llu slowpath %llu compact_stall %llu kswapd_wakes %llu kcompactd_wakes %llu direct_reclaim %llu claim %llu steal %llu captures %llu oom %llu\n", presets[i], (unsigned long long)out.stats.nr_alloc, (unsigned long long)out.stats.nr_alloc_failed, (unsigned long long)out.stats.slowpath, (unsigned long long)out.stats.compact_stall, (unsigned long long)out.stats.kswapd_wakes, (unsigned long long)out.stats.kcompactd_wakes, (unsigned long long)out.stats.direct_reclaim, (unsigned long long)out.stats.extfrag_claim, (unsigned long long)out.stats.extfrag_steal, (unsigned long long)out.stats.captures, (unsigned long long)out.stats.oom);
	}
}

static void test_deterministic(void **state)
{
	/* the same inputs give the same outputs, bit for bit: stats, clock and every event */
	struct run_out a, b;

	(void)state;
	run_policy("defrag_mode_fix", 42, &a);
	run_policy("defrag_mode_fix", 42, &b);
	assert_memory_equal(&a.stats, &b.stats, sizeof(a.stats));
	assert_int_equal(a.now, b.now);
	assert_int_equal(a.events, b.events);
	assert_int_equal(a.hash, b.hash);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_invariants),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
