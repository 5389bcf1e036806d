/*
 * tests/unit/test-model-slowpath.c - the model's slow path, compaction and reclaim:
 * fix 2/4's source gates, fix 4/4's promotion and capture, the retry loop, OOM,
 * kswapd's stop at the high watermark, and compaction moving an owner.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "model-test-util.h"

static uint32_t find_block(struct mmr_model *m, int mt)
{
	struct model_zone *z = test_zone(m);

	for (uint32_t b = 0; b < z->nr_blocks; b++)
		if (z->blocks[b].mt == mt && !(pg_state(&z->pages[b * PB_PAGES]) == PS_ALLOC &&
					      pg_alloc_order(&z->pages[b * PB_PAGES]) >= PB_ORDER))
			return b * PB_PAGES;
	fail_msg("no block of type %d", mt);
	return 0;
}

static bool source(struct mmr_model *m, bool direct, int mode, int mt, int order,
		   unsigned int flags, uint32_t block)
{
	struct model_cc cc;

	cc_init(&cc, test_zone(m), order, mt, flags, MMR_ZONE_NORMAL, mode, direct);
	return suitable_migration_source(m, &cc, block);
}

static void test_p2_source_rows(void **state)
{
	/* every row of fix 2/4's suitable_migration_source() decision order, and where it
	 * differs from v6.19 */
	struct mmr_model_zone_state st = { .owner_base = 1000 };
	struct mmr_model_config cfg;
	struct mmr_model_result res;
	struct mmr_model_req thp = test_req(1, 9, MMR_GFP_TRANSHUGE_LIGHT, MMR_CLASS_ANON);
	struct mmr_model *m;
	uint32_t unmov, mov, recl, cma, thp_block;

	(void)state;
	st.nr_blocks[MMR_MT_UNMOVABLE] = 2;
	st.nr_blocks[MMR_MT_RECLAIMABLE] = 1;
	st.nr_blocks[MMR_MT_CMA] = 1;
	st.nr_free[9][MMR_MT_MOVABLE] = 1;
	st.nr_free[0][MMR_MT_MOVABLE] = 20;	/* order-9 watermark: free - 511 > min */
	test_config(&cfg, 8 * 512, 1, 1, 1);
	assert_int_equal(mmr_model_config_preset(&cfg, "defrag_mode_fix"), 0);
	m = test_populated(&cfg, &st);
	assert_int_equal(mmr_model_alloc(m, &thp, &res), 0);
	assert_true(res.pfn >= 0);
	thp_block = (uint32_t)(res.pfn - TEST_START_PFN);
	unmov = find_block(m, MMR_MT_UNMOVABLE);
	mov = find_block(m, MMR_MT_MOVABLE);
	recl = find_block(m, MMR_MT_RECLAIMABLE);
	cma = find_block(m, MMR_MT_CMA);

	/* (1) a block holding an order >= 9 allocation is never a source */
	assert_false(source(m, false, MODE_SYNC_LIGHT, MT_UNMOVABLE, 9, 0, thp_block));
	/* (2) background compaction takes any block, CMA included */
	assert_true(source(m, false, MODE_SYNC_LIGHT, MT_UNMOVABLE, 9, 0, unmov));
	assert_true(source(m, false, MODE_SYNC_LIGHT, MT_UNMOVABLE, 9, 0, cma));
	/* (3) direct compaction without ALLOC_CMA never empties CMA, even sync */
	assert_false(source(m, true, MODE_SYNC_LIGHT, MT_UNMOVABLE, 9, 0, cma));
	assert_true(source(m, true, MODE_SYNC_LIGHT, MT_MOVABLE, 9, ALLOC_CMA, cma));
	/* (4) sync direct compaction takes any other block */
	assert_true(source(m, true, MODE_SYNC_LIGHT, MT_UNMOVABLE, 0, 0, mov));
	assert_true(source(m, true, MODE_SYNC_LIGHT, MT_UNMOVABLE, 0, 0, recl));
	/* (5) async: movable requests and whole-block requests empty MOVABLE blocks only */
	assert_true(source(m, true, MODE_ASYNC, MT_MOVABLE, 3, ALLOC_CMA, mov));
	assert_false(source(m, true, MODE_ASYNC, MT_MOVABLE, 3, ALLOC_CMA, unmov));
	assert_true(source(m, true, MODE_ASYNC, MT_UNMOVABLE, 9, 0, mov));
	assert_false(source(m, true, MODE_ASYNC, MT_UNMOVABLE, 9, 0, unmov));
	/* (6) async small non-movable requests stay in blocks of their own type */
	assert_true(source(m, true, MODE_ASYNC, MT_UNMOVABLE, 2, 0, unmov));
	assert_false(source(m, true, MODE_ASYNC, MT_UNMOVABLE, 2, 0, mov));
	assert_false(source(m, true, MODE_ASYNC, MT_UNMOVABLE, 2, 0, recl));

	/* v6.19 differs in (3) and (5): sync takes CMA, whole-block requests keep their type */
	m->cfg.policy.p2_source_gates = false;
	assert_true(source(m, true, MODE_SYNC_LIGHT, MT_UNMOVABLE, 9, 0, cma));
	assert_false(source(m, true, MODE_ASYNC, MT_UNMOVABLE, 9, 0, mov));
	assert_true(source(m, true, MODE_ASYNC, MT_UNMOVABLE, 9, 0, unmov));
	assert_false(source(m, false, MODE_SYNC_LIGHT, MT_UNMOVABLE, 9, 0, thp_block));
	mmr_model_free(m);
}

/* All pages LRU file in MOVABLE blocks, @nr_free order-0 free pages scattered. */
static struct mmr_model *lru_zone(struct mmr_model_config *cfg, uint64_t nr_free)
{
	struct mmr_model_zone_state st = { .owner_base = 1000 };

	st.nr_free[0][MMR_MT_MOVABLE] = nr_free;
	return test_populated(cfg, &st);
}

static void test_promotion_to_pageblock_order(void **state)
{
	/* an order-0 unmovable request that cannot be served compacts and reclaims at
	 * pageblock order under defrag_mode_fix, and at order 0 (no compaction) under
	 * defrag_mode */
	struct mmr_model_req req = test_req(1, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);
	struct mmr_model_config cfg;
	struct mmr_model_result res;
	struct ev_log log = { 0 };
	struct mmr_model *m;

	(void)state;
	test_config(&cfg, 8 * 512, 8, 16, 24);
	cfg.event_fn = ev_log_fn;
	cfg.event_arg = &log;
	assert_int_equal(mmr_model_config_preset(&cfg, "defrag_mode"), 0);
	m = lru_zone(&cfg, 100);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_true(res.work.reclaim_calls > 0);
	assert_int_equal(log.last[MMR_EV_DIRECT_RECLAIM_BEGIN].val[0], 0);
	assert_int_equal(log.count[MMR_EV_COMPACTION_TRY_TO_COMPACT_PAGES], 0);
	assert_int_equal(res.work.promoted, 0);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);

	memset(&log, 0, sizeof(log));
	assert_int_equal(mmr_model_config_preset(&cfg, "defrag_mode_fix"), 0);
	m = lru_zone(&cfg, 100);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_true(res.pfn >= 0);
	assert_int_equal(log.last[MMR_EV_DIRECT_RECLAIM_BEGIN].val[0], 9);
	assert_true(log.count[MMR_EV_COMPACTION_TRY_TO_COMPACT_PAGES] > 0);
	assert_int_equal(log.last[MMR_EV_COMPACTION_TRY_TO_COMPACT_PAGES].val[0], 9);
	assert_int_equal(res.work.promoted, 1);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

static void test_capture_at_request_order(void **state)
{
	/* with fix 3/4+4/4 the promoted order-0 request captures an order-0 page freed by
	 * compaction in a non-movable block (the capture is at the request order, and never
	 * in a MOVABLE block for a non-movable request) */
	struct mmr_model_req req = test_req(1, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);
	struct mmr_model_config cfg;
	struct mmr_model_result res;
	struct mmr_model *m;
	struct model_zone *z;
	uint32_t owner = 50000;

	(void)state;
	test_config(&cfg, 8 * 512, 8, 16, 24);
	assert_int_equal(mmr_model_config_preset(&cfg, "defrag_mode_fix"), 0);
	m = lru_zone(&cfg, 1400);
	z = test_zone(m);
	/* fill block 0's holes with movable pages, then call the block UNMOVABLE */
	while (z->blocks[0].nr_free) {
		struct mmr_model_req f = test_req(owner++, 0, MMR_GFP_NOWAIT | MMR_GFP_MOVABLE,
						  MMR_CLASS_FILE);

		assert_int_equal(mmr_model_alloc(m, &f, &res), 0);
		assert_true(res.pfn < TEST_START_PFN + 512);
	}
	z->blocks[0].mt = MT_UNMOVABLE;
	assert_int_equal(mmr_model_check(m), 0);

	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_true(res.pfn >= TEST_START_PFN && res.pfn < TEST_START_PFN + 512);
	assert_int_equal(res.work.captured, 1);
	assert_true(res.work.compact_migrated > 0);
	assert_int_equal(m->stats.captures, 1);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

static void test_retry_loop_ends(void **state)
{
	/* with nothing reclaimable the !costly loop counts no_progress_loops up to
	 * MAX_RECLAIM_RETRIES + 1 and stops; defrag_mode then drops NOFRAGMENT and the
	 * request falls back instead of reaching OOM */
	struct mmr_model_zone_state st = { .owner_base = 1000, .anon_permille = 1000 };
	struct mmr_model_req req = test_req(1, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);
	struct mmr_model_config cfg;
	struct mmr_model_result res;
	struct mmr_model *m;

	(void)state;
	st.nr_free[0][MMR_MT_MOVABLE] = 200;
	test_config(&cfg, 8 * 512, 8, 16, 24);
	cfg.policy.swap = false;	/* anon without swap: nothing to reclaim */
	assert_int_equal(mmr_model_config_preset(&cfg, "defrag_mode"), 0);
	m = test_populated(&cfg, &st);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_true(res.pfn >= 0);
	assert_int_equal(res.work.no_progress_loops, 17);
	assert_int_equal(res.work.retries, 18);
	assert_int_equal(res.work.nofrag_dropped, 1);
	assert_int_equal(res.work.oom, 0);
	assert_int_equal(m->stats.extfrag_steal, 1);
	assert_true(res.stall_ns > 0);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

struct oom_ctx {
	unsigned int	calls;
	unsigned int	to_free;
};

static uint64_t oom_hook(void *arg, struct mmr_model *m, const struct mmr_model_req *req)
{
	struct oom_ctx *c = arg;
	uint64_t freed = 0;

	(void)req;
	c->calls++;
	for (unsigned int i = 0; i < c->to_free; i++)
		if (!mmr_model_free_owner(m, 1000 + i, 0, 7))
			freed++;
	return freed;
}

static void test_oom_when_nothing_reclaimable(void **state)
{
	/* a zone of unreclaimable memory: the request ends in OOM, recorded with a synthetic
	 * mark_victim and no kill; an embedder OOM hook that frees memory lets it retry and
	 * succeed */
	struct mmr_model_zone_state st = { .owner_base = 1000 };
	struct mmr_model_req req = test_req(1, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);
	struct mmr_model_config cfg;
	struct mmr_model_result res;
	struct ev_log log = { 0 };
	struct oom_ctx oc = { 0 };
	struct mmr_model *m;

	(void)state;
	st.nr_blocks[MMR_MT_UNMOVABLE] = 8;
	test_config(&cfg, 8 * 512, 1, 1, 1);
	cfg.event_fn = ev_log_fn;
	cfg.event_arg = &log;
	cfg.hooks.oom = oom_hook;
	cfg.hooks.arg = &oc;
	m = test_populated(&cfg, &st);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_int_equal(res.pfn, -1);
	assert_int_equal(res.work.oom, 1);
	assert_int_equal(m->stats.oom, 1);
	assert_int_equal(oc.calls, 1);
	assert_int_equal(log.count[MMR_EV_MARK_VICTIM], 1);
	assert_int_equal(log.last[MMR_EV_PAGE_ALLOC].val[0], -1);
	mmr_model_free(m);

	oc = (struct oom_ctx){ .to_free = 4 };
	m = test_populated(&cfg, &st);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_true(res.pfn >= 0);
	assert_int_equal(oc.calls, 1);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

static void test_kswapd_stops_at_high_watermark(void **state)
{
	/* a request below the low watermark wakes kswapd; it reclaims until the zone is
	 * above the high watermark, by at most one shrink pass, goes to sleep and stays idle */
	struct mmr_model_req req = test_req(1, 0, MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_FILE);
	struct mmr_model_config cfg;
	struct mmr_model_result res;
	struct mmr_model_zone_info zi;
	struct ev_log log = { 0 };
	struct mmr_model *m;
	uint64_t reclaimed;

	(void)state;
	test_config(&cfg, 8 * 512, 64, 128, 256);
	cfg.agents.mode = MMR_AGENTS_BUDGET;
	cfg.event_fn = ev_log_fn;
	cfg.event_arg = &log;
	m = lru_zone(&cfg, 100);
	req.time = 1000;
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_true(res.pfn >= 0);
	assert_int_equal(res.work.reclaim_calls, 0);	/* no direct reclaim above min */
	assert_int_equal(log.count[MMR_EV_WAKEUP_KSWAPD], 1);
	assert_int_equal(mmr_model_advance(m, 1000000000ull), 0);
	assert_int_equal(mmr_model_zone_info(m, 0, &zi), 0);
	assert_true(zi.nr_free_pages > zi.wmark_high);
	assert_true(zi.nr_free_pages <= zi.wmark_high + 256);	/* one pass: nr_to_reclaim */
	assert_int_equal(log.count[MMR_EV_KSWAPD_WAKE], 1);
	assert_int_equal(log.count[MMR_EV_KSWAPD_SLEEP], 1);
	assert_int_equal(m->ks.state, KS_SLEEP);
	reclaimed = m->stats.kswapd_reclaimed;
	assert_int_equal(reclaimed, zi.nr_free_pages - 99);
	assert_int_equal(mmr_model_advance(m, 5000000000ull), 0);
	assert_int_equal(m->stats.kswapd_reclaimed, reclaimed);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

struct move_log {
	unsigned int	calls;
	uint32_t	owner;
	uint64_t	old_pfn, new_pfn;
};

static void migrate_hook(void *arg, uint32_t owner, uint64_t old_pfn, uint64_t new_pfn)
{
	struct move_log *l = arg;

	l->calls++;
	l->owner = owner;
	l->old_pfn = old_pfn;
	l->new_pfn = new_pfn;
}

static void test_compaction_moves_owner(void **state)
{
	/* an order-9 THP request in a fragmented zone compacts: owners move to free pages,
	 * the hook hears (owner, old pfn, new pfn), the model finds the owner at its new pfn,
	 * and the emptied block is captured for the request */
	struct mmr_model_req req = test_req(1, 9, MMR_GFP_TRANSHUGE, MMR_CLASS_ANON);
	struct mmr_model_config cfg;
	struct mmr_model_result res;
	struct ev_log log = { 0 };
	struct move_log ml = { 0 };
	struct mmr_model *m;
	uint64_t pfn;

	(void)state;
	test_config(&cfg, 8 * 512, 8, 16, 24);
	cfg.hooks.migrate = migrate_hook;
	cfg.hooks.arg = &ml;
	cfg.event_fn = ev_log_fn;
	cfg.event_arg = &log;
	m = lru_zone(&cfg, 1200);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	assert_true(res.pfn >= 0);
	assert_true(ml.calls > 0);
	assert_int_equal(ml.calls, res.work.compact_migrated);
	assert_int_equal(mmr_model_owner_pfn(m, ml.owner, &pfn), 0);
	assert_int_equal(pfn, ml.new_pfn);
	assert_true(ml.old_pfn >= (uint64_t)res.pfn && ml.old_pfn < (uint64_t)res.pfn + 512);
	assert_true(ml.new_pfn < (uint64_t)res.pfn || ml.new_pfn >= (uint64_t)res.pfn + 512);
	assert_true(log.count[MMR_EV_COMPACTION_MIGRATEPAGES] > 0);
	assert_true(log.count[MMR_EV_COMPACTION_BEGIN] == log.count[MMR_EV_COMPACTION_END]);
	assert_int_equal(m->stats.order9_success, 1);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p2_source_rows),
		cmocka_unit_test(test_promotion_to_pageblock_order),
		cmocka_unit_test(test_capture_at_request_order),
		cmocka_unit_test(test_retry_loop_ends),
		cmocka_unit_test(test_oom_when_nothing_reclaimable),
		cmocka_unit_test(test_kswapd_stops_at_high_watermark),
		cmocka_unit_test(test_compaction_moves_owner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
