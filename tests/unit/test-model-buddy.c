/*
 * tests/unit/test-model-buddy.c - the model's buddy allocator: split and merge,
 * fallback order, the claim threshold, ALLOC_NOFRAGMENT, populate and the policy API.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "model-test-util.h"

static void test_split_and_merge(void **state)
{
	/* an order-0 allocation from a free zone splits an order-10 buddy into one free buddy
	 * of each order 0..9 (expand), and freeing it merges them back into one order-10 */
	struct mmr_model_config cfg;
	struct mmr_model_zone_info zi;
	struct mmr_model_result res;
	struct mmr_model_req req = test_req(1, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);
	struct mmr_model *m;

	(void)state;
	test_config(&cfg, 4096, 8, 16, 24);
	m = test_new(&cfg);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_int_equal(res.pfn, TEST_START_PFN);
	assert_int_equal(mmr_model_zone_info(m, 0, &zi), 0);
	for (int o = 0; o < 10; o++)
		assert_int_equal(zi.nr_free[o][MMR_MT_UNMOVABLE], 1);
	assert_int_equal(zi.nr_free[10][MMR_MT_UNMOVABLE], 0);
	assert_int_equal(zi.nr_free[10][MMR_MT_MOVABLE], 3);
	assert_int_equal(zi.nr_blocks[MMR_MT_UNMOVABLE], 2);	/* whole-block claim */
	assert_int_equal(zi.nr_free_pages, 4095);
	assert_int_equal(mmr_model_check(m), 0);

	assert_int_equal(mmr_model_free_owner(m, 1, 0, 100), 0);
	assert_int_equal(mmr_model_zone_info(m, 0, &zi), 0);
	for (int o = 0; o < 10; o++)
		assert_int_equal(zi.nr_free[o][MMR_MT_UNMOVABLE], 0);
	assert_int_equal(zi.nr_free[10][MMR_MT_UNMOVABLE], 1);
	assert_int_equal(zi.nr_free_pages, 4096);
	assert_int_equal(zi.nr_free_blocks, 4096);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

static void test_reserve_owners(void **state)
{
	/* sizing the owner table at once keeps the live owners where they are, and the
	 * reserved ids then allocate and free as any others */
	struct mmr_model_config cfg;
	struct mmr_model_result res;
	struct mmr_model_req req = test_req(5, 2, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);
	struct mmr_model *m;
	uint64_t pfn5, pfn;

	(void)state;
	test_config(&cfg, 4096, 8, 16, 24);
	m = test_new(&cfg);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_int_equal(mmr_model_owner_pfn(m, 5, &pfn5), 0);
	assert_int_equal(mmr_model_reserve_owners(m, 3000000), 0);
	assert_int_equal(mmr_model_reserve_owners(m, 10), 0);	/* never shrinks */
	assert_int_equal(mmr_model_owner_pfn(m, 5, &pfn), 0);
	assert_int_equal(pfn, pfn5);
	assert_int_equal(mmr_model_owner_pfn(m, 2999999, &pfn), -MMR_E_INVAL);
	req = test_req(2999999, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_int_equal(mmr_model_owner_pfn(m, 2999999, &pfn), 0);
	assert_int_equal(pfn, (uint64_t)res.pfn);
	assert_int_equal(mmr_model_check(m), 0);
	/* past the reserve the table grows again, its pages written as ids reach them */
	req = test_req(5000000, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_int_equal(mmr_model_owner_pfn(m, 5000000, &pfn), 0);
	assert_int_equal(pfn, (uint64_t)res.pfn);
	assert_int_equal(mmr_model_owner_pfn(m, 5, &pfn), 0);
	assert_int_equal(pfn, pfn5);
	assert_int_equal(mmr_model_owner_pfn(m, 4999999, &pfn), -MMR_E_INVAL);
	assert_int_equal(mmr_model_free_owner(m, 5000000, 0, 100), 0);
	assert_int_equal(mmr_model_check(m), 0);
	assert_int_equal(mmr_model_free_owner(m, 2999999, 0, 100), 0);
	assert_int_equal(mmr_model_free_owner(m, 5, 0, 100), 0);
	assert_int_equal(mmr_model_owner_pfn(m, 5, &pfn), -MMR_E_INVAL);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

static void test_merge_unaligned_zone_start(void **state)
{
	/* a zone that starts half-way into an order-10 block (pageblock-aligned only, as a
	 * guessed zone can): an order-10 buddy forms from the pageblocks at pfns 1024k and
	 * 1024k+512, never from the first pageblock, and the state stays consistent */
	struct mmr_model_config cfg;
	struct mmr_model_zone_info zi;
	struct mmr_model_result res;
	struct mmr_model *m;

	(void)state;
	test_config(&cfg, 4096, 8, 16, 24);
	cfg.zones[0].start_pfn = TEST_START_PFN + 512;
	m = test_new(&cfg);
	assert_int_equal(mmr_model_zone_info(m, 0, &zi), 0);
	assert_int_equal(zi.nr_free[9][MMR_MT_MOVABLE], 2);	/* first and last block */
	assert_int_equal(zi.nr_free[10][MMR_MT_MOVABLE], 3);
	for (uint32_t o = 1; o <= 6; o++) {
		struct mmr_model_req req = test_req(o, 9, MMR_GFP_HIGHUSER_MOVABLE,
						    MMR_CLASS_FILE);

		assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
		assert_true(res.pfn >= 0);
	}
	for (uint32_t o = 1; o <= 6; o++)
		assert_int_equal(mmr_model_free_owner(m, o, 0, 100), 0);
	assert_int_equal(mmr_model_check(m), 0);
	assert_int_equal(mmr_model_zone_info(m, 0, &zi), 0);
	assert_int_equal(zi.nr_free[9][MMR_MT_MOVABLE], 2);
	assert_int_equal(zi.nr_free[10][MMR_MT_MOVABLE], 3);
	mmr_model_free(m);
}

static void test_fallback_order(void **state)
{
	/* each migratetype falls back in the kernel's table order: UNMOVABLE -> RECLAIMABLE,
	 * MOVABLE; MOVABLE -> RECLAIMABLE, UNMOVABLE; RECLAIMABLE -> UNMOVABLE, MOVABLE */
	static const int first[3] = { MMR_MT_RECLAIMABLE, MMR_MT_RECLAIMABLE, MMR_MT_UNMOVABLE };
	static const int second[3] = { MMR_MT_MOVABLE, MMR_MT_UNMOVABLE, MMR_MT_MOVABLE };
	struct mmr_model_config cfg;
	struct ev_log log = { 0 };
	struct mmr_model *m;

	(void)state;
	test_config(&cfg, 4096, 1, 1, 1);
	cfg.event_fn = ev_log_fn;
	cfg.event_arg = &log;
	for (int mt = 0; mt < 3; mt++) {
		struct mmr_model_zone_state st = { .owner_base = 1000 };

		st.nr_blocks[MMR_MT_UNMOVABLE] = 2;
		st.nr_blocks[MMR_MT_RECLAIMABLE] = 2;
		for (int t = 0; t < 3; t++)
			st.nr_free[0][t] = 1;
		m = test_populated(&cfg, &st);
		assert_int_equal(find_suitable_fallback(test_zone(m), 0, mt, false, m), first[mt]);
		mmr_model_free(m);
		/* without free pages of the first choice, the second */
		st.nr_free[0][first[mt]] = 0;
		m = test_populated(&cfg, &st);
		assert_int_equal(find_suitable_fallback(test_zone(m), 0, mt, false, m), second[mt]);
		mmr_model_free(m);
	}
	{
		/* end to end: an unmovable request with no unmovable free page steals from a
		 * RECLAIMABLE block first, and says so in mm_page_alloc_extfrag */
		struct mmr_model_zone_state st = { .owner_base = 1000 };
		struct mmr_model_req req = test_req(1, 0, MMR_GFP_NOWAIT, MMR_CLASS_UNRECLAIMABLE);
		struct mmr_model_result res;

		st.nr_blocks[MMR_MT_UNMOVABLE] = 2;
		st.nr_blocks[MMR_MT_RECLAIMABLE] = 2;
		st.nr_free[0][MMR_MT_RECLAIMABLE] = 1;
		st.nr_free[0][MMR_MT_MOVABLE] = 1;
		m = test_populated(&cfg, &st);
		assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
		assert_true(res.pfn >= 0);
		assert_int_equal(log.count[MMR_EV_PAGE_ALLOC_EXTFRAG], 1);
		assert_int_equal(log.last[MMR_EV_PAGE_ALLOC_EXTFRAG].val[4], MMR_MT_RECLAIMABLE);
		assert_int_equal(log.last[MMR_EV_PAGE_ALLOC_EXTFRAG].val[5], 0);
		assert_int_equal(mmr_model_check(m), 0);
		mmr_model_free(m);
	}
}

/* A zone whose pages are all pre-existing LRU owners 1000.. in pfn order, then
 * @nr_free pages at the start of block 3 freed. */
static struct mmr_model *block3_with_free(struct mmr_model_config *cfg, unsigned int nr_free)
{
	struct mmr_model_zone_state st = { .owner_base = 1000, .lru_by_pfn = true };
	struct mmr_model *m = test_populated(cfg, &st);

	for (unsigned int k = 0; k < nr_free; k++)
		assert_int_equal(mmr_model_free_owner(m, 1000 + 3 * 512 + k, 0, 1), 0);
	assert_int_equal(mmr_model_check(m), 0);
	return m;
}

static void test_claim_threshold(void **state)
{
	/* an unmovable fallback claims a MOVABLE block only when free + alike pages reach half
	 * a block (256): with 255 free pages it steals, with 256 it converts the block */
	struct mmr_model_config cfg;
	struct mmr_model_zone_info zi;
	struct mmr_model_result res;
	struct mmr_model_req req = test_req(1, 0, MMR_GFP_NOWAIT, MMR_CLASS_UNRECLAIMABLE);
	struct mmr_model *m;

	(void)state;
	test_config(&cfg, 4096, 1, 1, 1);
	m = block3_with_free(&cfg, 255);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_true(res.pfn >= 0);
	assert_int_equal(mmr_model_zone_info(m, 0, &zi), 0);
	assert_int_equal(zi.nr_blocks[MMR_MT_UNMOVABLE], 0);
	assert_int_equal(m->stats.extfrag_steal, 1);
	assert_int_equal(m->stats.extfrag_claim, 0);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);

	m = block3_with_free(&cfg, 256);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_true(res.pfn >= TEST_START_PFN + 3 * 512 && res.pfn < TEST_START_PFN + 4 * 512);
	assert_int_equal(mmr_model_zone_info(m, 0, &zi), 0);
	assert_int_equal(zi.nr_blocks[MMR_MT_UNMOVABLE], 1);
	assert_int_equal(m->stats.extfrag_claim, 1);
	assert_int_equal(m->stats.extfrag_steal, 0);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

static void test_nofragment_refuses_fallback(void **state)
{
	/* ALLOC_NOFRAGMENT: with free pages only inside MOVABLE blocks, vanilla's fast path
	 * drops it and steals (a fragmenting fallback); defrag_mode keeps it and an atomic-style
	 * request (no direct reclaim) fails instead */
	struct mmr_model_zone_state st = { .owner_base = 1000 };
	struct mmr_model_req req = test_req(1, 0, MMR_GFP_NOWAIT, MMR_CLASS_UNRECLAIMABLE);
	struct mmr_model_config cfg;
	struct mmr_model_result res;
	struct mmr_model *m;

	(void)state;
	st.nr_free[0][MMR_MT_MOVABLE] = 50;
	test_config(&cfg, 4096, 1, 1, 1);
	m = test_populated(&cfg, &st);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_true(res.pfn >= 0);
	assert_int_equal(m->stats.extfrag_pollution, 1);
	mmr_model_free(m);

	assert_int_equal(mmr_model_config_preset(&cfg, "defrag_mode"), 0);
	m = test_populated(&cfg, &st);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_int_equal(res.pfn, -1);
	assert_int_equal(m->stats.extfrag_pollution, 0);
	assert_int_equal(m->stats.extfrag_steal + m->stats.extfrag_claim, 0);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

static void test_populate_matches_pagetypeinfo(void **state)
{
	/* populate places exactly the requested blocks and free buddies, and the rest is
	 * pre-existing memory of the class its block implies */
	struct mmr_model_zone_state st = { .owner_base = 7, .anon_permille = 250 };
	struct mmr_model_config cfg;
	struct mmr_model_zone_info zi;
	struct mmr_model *m;
	uint64_t free = 0;

	(void)state;
	st.nr_blocks[MMR_MT_UNMOVABLE] = 3;
	st.nr_blocks[MMR_MT_RECLAIMABLE] = 2;
	st.nr_free[10][MMR_MT_MOVABLE] = 2;
	st.nr_free[9][MMR_MT_MOVABLE] = 1;
	st.nr_free[9][MMR_MT_UNMOVABLE] = 1;
	st.nr_free[3][MMR_MT_RECLAIMABLE] = 5;
	st.nr_free[0][MMR_MT_UNMOVABLE] = 40;
	st.nr_free[1][MMR_MT_MOVABLE] = 33;
	test_config(&cfg, 16 * 512, 1, 1, 1);
	m = test_populated(&cfg, &st);
	assert_int_equal(mmr_model_zone_info(m, 0, &zi), 0);
	assert_int_equal(zi.nr_blocks[MMR_MT_UNMOVABLE], 3);
	assert_int_equal(zi.nr_blocks[MMR_MT_RECLAIMABLE], 2);
	assert_int_equal(zi.nr_blocks[MMR_MT_MOVABLE], 11);
	for (int o = 0; o < 11; o++)
		for (int t = 0; t < MMR_MT__COUNT; t++) {
			assert_int_equal(zi.nr_free[o][t], st.nr_free[o][t]);
			free += zi.nr_free[o][t] << o;
		}
	assert_int_equal(zi.nr_free_pages, free);
	assert_int_equal(zi.slab, 2 * 512 - 5 * 8);
	assert_int_equal(zi.lru_anon + zi.lru_file, (11 - 5) * 512 - 66);
	assert_true(zi.lru_anon > 0 && zi.lru_file > zi.lru_anon);
	mmr_model_free(m);
}

static void test_policy_api(void **state)
{
	/* presets set exactly their switches, unknown keys are -MMR_E_POLICY, bad values
	 * -MMR_E_INVAL, and the JSON names the preset, every parameter and the inferred one */
	struct mmr_model_config cfg;
	struct mmr_model *m;
	char *json;

	(void)state;
	test_config(&cfg, 4096, 0, 0, 0);
	assert_int_equal(mmr_model_config_preset(&cfg, "defrag_mode_fix"), 0);
	assert_true(cfg.policy.defrag_mode && cfg.policy.p2_source_gates &&
		    cfg.policy.p4_capture_request_order && cfg.policy.p4_promote_compact &&
		    cfg.policy.p4_promote_reclaim && !cfg.policy.retry_promoted_order);
	assert_int_equal(mmr_model_config_preset(&cfg, "nonsense"), -MMR_E_POLICY);
	assert_int_equal(mmr_model_config_set(&cfg, "no_such_key", "1"), -MMR_E_POLICY);
	assert_int_equal(mmr_model_config_set(&cfg, "defrag_mode", "maybe"), -MMR_E_INVAL);
	assert_int_equal(mmr_model_config_set(&cfg, "cost.migrate_ns", "1234"), 0);
	assert_int_equal(cfg.costs.migrate_ns, 1234);
	assert_int_equal(mmr_model_config_set(&cfg, "agents.mode", "complete"), 0);
	assert_int_equal(cfg.agents.mode, MMR_AGENTS_COMPLETE);
	assert_int_equal(mmr_model_config_set(&cfg, "sysctl.swappiness", "100"), 0);
	m = test_new(&cfg);
	assert_int_equal(mmr_model_params_json(m, &json), 0);
	assert_non_null(strstr(json, "\"preset\":\"defrag_mode_fix\""));
	assert_non_null(strstr(json, "\"cost.migrate_ns\":1234"));
	assert_non_null(strstr(json, "\"inferred\":[\"retry_promoted_order\""));
	assert_non_null(strstr(json, "\"wmark_min\":"));
	free(json);
	mmr_model_free(m);
	assert_int_equal(mmr_model_config_set(&cfg, "retry_promoted_order", "on"), 0);
	m = test_new(&cfg);
	assert_int_equal(mmr_model_params_json(m, &json), 0);
	assert_non_null(strstr(json, "\"preset\":\"custom\""));
	free(json);
	mmr_model_free(m);
	mmr_model_free(NULL);
}

static void test_computed_watermarks(void **state)
{
	/* watermarks follow __setup_per_zone_wmarks: a 4 GiB Normal zone gets min from
	 * min_free_kbytes (THP-raised), low/high min + 0.1% of managed steps */
	struct mmr_model_config cfg;
	struct mmr_model_zone_info zi;
	struct mmr_model *m;

	(void)state;
	test_config(&cfg, 1u << 20, 0, 0, 0);
	m = test_new(&cfg);
	assert_int_equal(mmr_model_zone_info(m, 0, &zi), 0);
	/* sqrt(16 * 4 GiB in kB) = 8192 kB; THP: 512 * 1 zone * 11 = 5632 pages = 22528 kB */
	assert_int_equal(m->min_free_kbytes, 22528);
	assert_int_equal(zi.wmark_min, 5632);
	assert_int_equal(zi.wmark_low, 5632 + 1408);
	assert_int_equal(zi.wmark_high, 5632 + 2 * 1408);
	assert_int_equal(zi.pcp_batch, 63);
	mmr_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_and_merge),
		cmocka_unit_test(test_merge_unaligned_zone_start),
		cmocka_unit_test(test_fallback_order),
		cmocka_unit_test(test_claim_threshold),
		cmocka_unit_test(test_nofragment_refuses_fallback),
		cmocka_unit_test(test_populate_matches_pagetypeinfo),
		cmocka_unit_test(test_policy_api),
		cmocka_unit_test(test_reserve_owners),
		cmocka_unit_test(test_computed_watermarks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
