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

static const struct test_kind kinds[] = {
	{ MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE, 3 },
	{ MMR_GFP_KERNEL | MMR_GFP_RECLAIMABLE, MMR_CLASS_SLAB, 2 },
	{ MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_FILE, 0 },
	{ MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_ANON, 0 },
	{ MMR_GFP_ATOMIC, MMR_CLASS_UNRECLAIMABLE, 3 },
	{ MMR_GFP_TRANSHUGE, MMR_CLASS_ANON, 9 },
	{ MMR_GFP_KERNEL | MMR_GFP_RETRY_MAYFAIL, MMR_CLASS_UNRECLAIMABLE, 10 },
};

static void count_spb(void *arg, const char *name, double value)
{
	(void)value;
	if (!strncmp(name, "spb.", 4))
		++*(int *)arg;
}

static void random_run(const char *preset, uint64_t seed, struct mmr_model_stats *out)
{
	struct mmr_model_zone_state st = { .owner_base = 100000, .anon_permille = 300 };
	struct mmr_model_config cfg;
	struct mmr_model *m;
	uint32_t n;

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

	test_random_ops(m, preset, seed, NR_OPS, kinds, ARRAY_SIZE(kinds), 92);
	/* spb_check() skips a zone whose SPBs are not ready: make sure it compared */
	assert_true(m->zones[1].spb && m->zones[1].spb->ready);
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

/* One Normal zone of 16 pageblocks in SPBs of 4, PCP and agents off, all free. */
static struct mmr_model *spb_model(const char *preset, unsigned int buckets)
{
	struct mmr_model_config cfg;

	test_config(&cfg, 16 * 512, 64, 80, 96);
	assert_int_equal(mmr_model_config_preset(&cfg, preset), 0);
	cfg.spb.pageblocks = 4;
	cfg.spb.nr_buckets = buckets;
	return test_new(&cfg);
}

/* The same, populated: one UNMOVABLE block (its SPB is the only tainted one), the
 * MOVABLE blocks full of page cache but for 4 free pageblocks and 64 free pages. */
static struct mmr_model *spb_populated(const char *preset, unsigned int buckets)
{
	struct mmr_model_zone_state st = { .owner_base = 1000000, .lru_by_pfn = true };
	struct mmr_model *m = spb_model(preset, buckets);
	uint32_t n;

	st.nr_blocks[MMR_MT_UNMOVABLE] = 1;
	st.nr_free[9][MMR_MT_MOVABLE] = 4;
	st.nr_free[0][MMR_MT_MOVABLE] = 64;
	assert_int_equal(mmr_model_populate(m, 0, &st, &n), 0);
	assert_int_equal(mmr_model_check(m), 0);
	return m;
}

static struct model_spb *only_tainted(struct mmr_model *m)
{
	struct model_spb_zone *zs = test_zone(m)->spb;
	struct model_spb *t = NULL;

	assert_int_equal(zs->nr_cat[SPB_TAINTED], 1);
	for (uint32_t i = 0; i < zs->nr; i++)
		if (zs->sb[i].cat == SPB_TAINTED)
			t = &zs->sb[i];
	assert_non_null(t);
	return t;
}

static int64_t alloc(struct mmr_model *m, uint32_t owner, unsigned int order, uint64_t gfp,
		     enum mmr_model_class class)
{
	struct mmr_model_req req = test_req(owner, order, gfp, class);
	struct mmr_model_result res;

	req.time = mmr_model_now(m);
	assert_int_equal(mmr_model_alloc(m, &req, &res), 0);
	return res.pfn;
}

static struct model_spb *spb_at(struct mmr_model *m, int64_t pfn)
{
	struct model_zone *z = test_zone(m);

	assert_true(pfn >= (int64_t)z->start_pfn);
	return spb_of(z->spb, (uint32_t)(pfn - (int64_t)z->start_pfn));
}

static bool on_list(const struct model_spb_zone *zs, const struct model_spb *sb)
{
	unsigned int slot = sb->cat == SPB_EMPTY ? 0 : sb->bucket;

	for (uint32_t i = zs->lists[sb->cat][slot].head; i != SPB_NIL; i = zs->sb[i].next)
		if (&zs->sb[i] == sb)
			return true;
	return false;
}

static void test_categories(void **state)
{
	/* empty -> clean on a movable allocation, empty -> tainted through PASS_3 on an
	 * unmovable one, and back to empty when they are freed; each SPB sits on the
	 * list of its category and bucket */
	struct mmr_model *m = spb_model("spb", 4);
	struct model_spb_zone *zs = test_zone(m)->spb;
	struct model_spb *a, *b;
	int64_t pa, pb;

	(void)state;
	assert_int_equal(zs->nr, 4);
	assert_int_equal(zs->nr_cat[SPB_EMPTY], 4);
	pa = alloc(m, 1, 0, MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_FILE);
	a = spb_at(m, pa);
	assert_int_equal(a->cat, SPB_CLEAN);
	assert_true(on_list(zs, a));
	assert_int_equal(a->bucket, 3);		/* almost empty */
	pb = alloc(m, 2, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);
	b = spb_at(m, pb);
	assert_ptr_not_equal(a, b);		/* PASS_3 takes an empty SPB, not the clean one */
	assert_int_equal(b->cat, SPB_TAINTED);
	assert_true(on_list(zs, b));
	assert_int_equal(m->spbw->stats.pass[SPB_PASS3], 1);
	assert_int_equal(m->spbw->stats.pass3_tainted, 1);
	assert_int_equal(block_mt(test_zone(m), (uint32_t)(pb - TEST_START_PFN)), MT_UNMOVABLE);
	assert_int_equal(zs->nr_cat[SPB_EMPTY], 2);
	assert_int_equal(mmr_model_check(m), 0);
	assert_int_equal(mmr_model_free_owner(m, 2, 0, 1), 0);
	assert_int_equal(b->cat, SPB_EMPTY);	/* UNMOVABLE-typed but all free: not tainted */
	assert_int_equal(mmr_model_free_owner(m, 1, 0, 1), 0);
	assert_int_equal(a->cat, SPB_EMPTY);
	assert_int_equal(zs->nr_cat[SPB_EMPTY], 4);
	assert_true(on_list(zs, a) && on_list(zs, b));
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

static void test_buckets(void **state)
{
	/* a clean SPB moves to fuller buckets as it fills (4 buckets by free pages), and
	 * the bucket change is the trigger spb_update_list() gives the defrag worker */
	struct mmr_model *m = spb_model("spb", 4);
	struct model_spb_zone *zs = test_zone(m)->spb;
	struct model_spb *a;
	uint64_t before;

	(void)state;
	a = spb_at(m, alloc(m, 1, 9, MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_ANON));
	assert_int_equal(a->cat, SPB_CLEAN);
	assert_int_equal(a->bucket, 3);		/* 3 of 4 blocks free */
	before = m->spbw->stats.triggers[SPB_TRIG_LIST];
	assert_ptr_equal(spb_at(m, alloc(m, 2, 9, MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_ANON)), a);
	assert_int_equal(a->bucket, 2);		/* the fullest clean SPB is used first */
	assert_true(on_list(zs, a));
	assert_true(m->spbw->stats.triggers[SPB_TRIG_LIST] > before);
	assert_ptr_equal(spb_at(m, alloc(m, 3, 9, MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_ANON)), a);
	assert_int_equal(a->bucket, 1);
	assert_ptr_equal(spb_at(m, alloc(m, 4, 9, MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_ANON)), a);
	assert_int_equal(a->bucket, 0);		/* full */
	assert_true(on_list(zs, a));
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

static void test_passes(void **state)
{
	/* PASS_1 (own type in the tainted SPB, with the hint), PASS_2 (claim a whole
	 * MOVABLE block there), PASS_2B (claim the block of a movable buddy), PASS_2C
	 * (borrow the other non-movable type), PASS_2D (borrow MOVABLE) */
	struct mmr_model *m = spb_populated("spb", 4);
	struct model_spb_zone *zs = test_zone(m)->spb;
	struct model_spb *t = only_tainted(m);
	const struct spb_stats *s = &m->spbw->stats;
	uint32_t owner = 1;

	(void)state;
	/* the UNMOVABLE block is full: the first request claims T's whole free block */
	if (t->nr_free_blocks) {
		assert_ptr_equal(spb_at(m, alloc(m, owner++, 0, MMR_GFP_KERNEL,
						  MMR_CLASS_UNRECLAIMABLE)), t);
		assert_int_equal(s->pass[SPB_PASS2], 1);
		assert_ptr_equal(spb_at(m, alloc(m, owner++, 0, MMR_GFP_KERNEL,
						  MMR_CLASS_UNRECLAIMABLE)), t);
		assert_int_equal(s->pass[SPB_PASS1], 1);
		assert_int_equal(zs->hint[0][MT_UNMOVABLE], (uint32_t)(t - zs->sb));
		/* use up the claimed block */
		while (t->nonempty[MT_UNMOVABLE])
			alloc(m, owner++, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);
	}
	assert_int_equal(t->nr_free_blocks, 0);
	assert_true(t->nonempty[MT_MOVABLE] != 0);	/* page-cache holes */
	/* PASS_2C: a reclaimable request with the half-block rule on refuses the claim
	 * and borrows an UNMOVABLE buddy; first make one */
	m->cfg.spb.pass2b_threshold = true;
	assert_ptr_equal(spb_at(m, alloc(m, owner++, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE)),
			 t);
	assert_int_equal(s->pass[SPB_PASS2D], 1);	/* UNMOVABLE had none: borrowed MOVABLE */
	assert_int_equal(mmr_model_free_owner(m, owner - 1, 0, 1), 0);
	assert_true(t->nonempty[MT_MOVABLE] != 0);
	/* free one unmovable page of the claimed block: an UNMOVABLE buddy in T */
	assert_int_equal(mmr_model_free_owner(m, 3, 0, 1), 0);
	assert_true(t->nonempty[MT_UNMOVABLE] != 0);
	assert_ptr_equal(spb_at(m, alloc(m, owner++, 0, MMR_GFP_KERNEL | MMR_GFP_RECLAIMABLE,
					  MMR_CLASS_SLAB)), t);
	assert_int_equal(s->pass[SPB_PASS2C], 1);
	/* PASS_2B with the threshold skipped (25/45): the block becomes UNMOVABLE */
	m->cfg.spb.pass2b_threshold = false;
	{
		int64_t pfn = alloc(m, owner++, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);

		assert_ptr_equal(spb_at(m, pfn), t);
		assert_int_equal(s->pass[SPB_PASS2B], 1);
		assert_int_equal(block_mt(test_zone(m), (uint32_t)(pfn - TEST_START_PFN)),
				 MT_UNMOVABLE);
	}
	assert_int_equal(s->pass[SPB_PASS3], 0);
	assert_int_equal(zs->nr_cat[SPB_TAINTED], 1);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

/* Unmovable requests until tainted SPB @t has no free page left; all land in @t. */
static uint32_t fill(struct mmr_model *m, struct model_spb *t, uint32_t owner)
{
	while (t->nr_free_pages)
		assert_ptr_equal(spb_at(m, alloc(m, owner++, 0, MMR_GFP_KERNEL,
						  MMR_CLASS_UNRECLAIMABLE)), t);
	return owner;
}

static void test_stuck_and_walk_trigger(void **state)
{
	/* with one bucket (no bucket changes), policy spb never queues the worker of a
	 * tainted SPB that ran down to free = 0 and the next request taints a clean SPB
	 * via PASS_3; with patch 43 the walk before PASS_3 queues it */
	struct mmr_model *m = spb_populated("spb", 1);
	struct model_spb_zone *zs = test_zone(m)->spb;
	struct model_spb *t = only_tainted(m);
	const struct spb_stats *s = &m->spbw->stats;
	bool cd;
	uint32_t owner;

	(void)state;
	owner = fill(m, t, 1);
	assert_int_equal(s->pass[SPB_PASS3], 0);
	assert_true(spb_needs_defrag(zs, t, &cd));	/* it needs it ... */
	assert_false(t->queued);			/* ... but nothing asked */
	assert_int_equal(s->triggers[SPB_TRIG_HOT], 0);
	assert_true(s->slab_shrink > 0);		/* pre-43: only the shrink */
	{
		int64_t pfn = alloc(m, owner++, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);

		assert_int_equal(s->pass[SPB_PASS3], 1);
		assert_int_equal(s->pass3_tainted, 1);
		assert_int_equal(s->triggers[SPB_TRIG_WALK], 0);
		assert_false(t->queued);
		/* the fresh tainted SPB fills up too */
		owner = fill(m, spb_at(m, pfn), owner);
	}
	/* the next request, with patch 43, walks the tainted lists before PASS_3 */
	m->cfg.policy.spb_p43 = true;
	alloc(m, owner++, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);
	assert_int_equal(s->triggers[SPB_TRIG_WALK], 2);	/* both tainted SPBs */
	assert_int_equal(s->queued[SPB_TRIG_WALK], 1);		/* only T has page cache */
	assert_true(t->queued);
	assert_true(spb_defrag_pending(m));
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

static void test_hot_trigger(void **state)
{
	/* patch 43's first trigger: a successful allocation in a tainted SPB below its
	 * shrink high-water mark queues the worker as soon as the SPB needs it; without
	 * 43 the same allocations only queue the slab shrink */
	(void)state;
	for (int p43 = 0; p43 < 2; p43++) {
		struct mmr_model *m = spb_populated(p43 ? "spb_p43" : "spb", 1);
		struct model_spb *t = only_tainted(m);
		const struct spb_stats *s = &m->spbw->stats;

		assert_true(t->nr_free_pages < (uint64_t)spb_reserve(test_zone(m)->spb, t) * 512);
		fill(m, t, 1);
		assert_true(s->slab_shrink > 0);
		if (p43) {
			assert_true(s->triggers[SPB_TRIG_HOT] > 0);
			assert_int_equal(s->queued[SPB_TRIG_HOT], 1);	/* queued once */
			assert_true(t->queued);
		} else {
			assert_int_equal(s->triggers[SPB_TRIG_HOT], 0);
			assert_false(t->queued);
		}
		mmr_model_free(m);
	}
}

static void test_worker_progress(void **state)
{
	/* the worker evacuates the page cache of pure MOVABLE blocks out of the tainted
	 * SPB until it has 2 free pageblocks: a run with progress, no cooldown */
	struct mmr_model *m = spb_populated("spb_p43", 1);
	struct model_spb *t = only_tainted(m);
	const struct spb_stats *s = &m->spbw->stats;
	uint64_t movable;

	(void)state;
	assert_int_equal(t->nr_free_blocks, 1);
	alloc(m, 1, 0, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE);	/* PASS_2 */
	assert_int_equal(s->pass[SPB_PASS2], 1);
	assert_true(t->queued);				/* hot trigger: 0 free blocks */
	movable = t->nr_movable_pages;
	while (spb_defrag_pending(m))
		assert_true(spb_defrag_step(m));
	assert_int_equal(s->defrag_runs, 1);
	assert_int_equal(s->defrag_no_progress, 0);
	assert_true(t->nr_free_blocks >= 2);
	assert_true(s->defrag_blocks_freed >= 2);
	assert_true(s->defrag_migrated > 0);
	assert_int_equal(t->nr_movable_pages + s->defrag_migrated, movable);
	assert_false(t->no_progress);
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);
}

static void test_worker_cooldown(void **state)
{
	/* once every block of the tainted SPB holds unmovable pages, evacuating its page
	 * cache frees no pageblock: the run stamps the no-progress cooldown, which
	 * refuses triggers until model time passes it (5 s) */
	struct mmr_model *m = spb_populated("spb_p43", 1);
	struct model_spb_zone *zs;
	struct model_spb *t = only_tainted(m);
	const struct spb_stats *s = &m->spbw->stats;
	uint64_t refused;
	bool cd;

	(void)state;
	fill(m, t, 1);
	for (uint32_t b = t->first_block; b < t->first_block + t->nr_blocks; b++)
		assert_true(test_zone(m)->blocks[b].nr_free + test_zone(m)->blocks[b].nr_movable <
			    512);			/* every block holds unmovable pages */
	assert_true(t->queued);
	while (spb_defrag_pending(m))
		spb_defrag_step(m);
	assert_int_equal(s->defrag_runs, 1);
	assert_int_equal(s->defrag_no_progress, 1);
	assert_true(s->defrag_migrated > 0);
	assert_int_equal(t->nr_free_blocks, 0);
	assert_true(t->no_progress);
	assert_int_equal(t->last_no_progress, mmr_model_now(m));
	assert_int_equal(mmr_model_check(m), 0);
	mmr_model_free(m);

	/* the same with a run that ends before it moves anything: page cache stays, so
	 * only the cooldown keeps the SPB from being queued again */
	m = spb_populated("spb_p43", 1);
	zs = test_zone(m)->spb;
	t = only_tainted(m);
	s = &m->spbw->stats;
	m->cfg.spb.defrag_stop_pb = 0;
	fill(m, t, 1);
	while (spb_defrag_pending(m))
		spb_defrag_step(m);
	assert_true(t->no_progress);
	assert_true(t->nr_movable_pages > 0);
	assert_false(spb_needs_defrag(zs, t, &cd));
	assert_true(cd);
	refused = s->cooldown_refused;
	spb_maybe_start_defrag(zs, t, SPB_TRIG_HOT);
	assert_false(t->queued);
	assert_int_equal(s->cooldown_refused, refused + 1);
	assert_int_equal(mmr_model_advance(m, mmr_model_now(m) + m->cfg.spb.cooldown_ns - 1), 0);
	assert_false(spb_needs_defrag(zs, t, &cd));
	assert_true(cd);
	assert_int_equal(mmr_model_advance(m, mmr_model_now(m) + 1), 0);
	assert_true(spb_needs_defrag(zs, t, &cd));
	assert_false(cd);
	mmr_model_free(m);
}

static void test_small_zone(void **state)
{
	/* a zone with fewer than spb.min_spbs SPBs gets smaller SPBs; with spb.no_scale
	 * the model refuses it */
	struct mmr_model_config cfg;
	struct mmr_model *m = NULL;

	(void)state;
	test_config(&cfg, 16 * 512, 64, 80, 96);
	assert_int_equal(mmr_model_config_preset(&cfg, "spb"), 0);
	m = test_new(&cfg);
	assert_int_equal(test_zone(m)->spb->pageblocks, 4);
	assert_int_equal(test_zone(m)->spb->nr, 4);
	mmr_model_free(m);
	m = NULL;
	assert_int_equal(mmr_model_config_set(&cfg, "spb.no_scale", "1"), 0);
	assert_int_equal(mmr_model_new(&cfg, &m), -MMR_E_INVAL);
	assert_null(m);
	assert_int_equal(mmr_model_config_set(&cfg, "spb.pageblocks", "6"), 0);
	assert_int_equal(mmr_model_new(&cfg, &m), -MMR_E_INVAL);
}

static void test_metrics_only_with_policy(void **state)
{
	/* spb.* metrics exist under the SPB presets only; presets round-trip */
	struct mmr_model *m;
	int n = 0;

	(void)state;
	m = spb_model("spb_p43", 4);
	mmr_model_metrics(m, count_spb, &n);
	assert_true(n >= 8);
	mmr_model_free(m);
	n = 0;
	m = spb_model("vanilla", 4);
	mmr_model_metrics(m, count_spb, &n);
	assert_int_equal(n, 0);
	assert_null(test_zone(m)->spb);
	mmr_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_invariants),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_passes),
		cmocka_unit_test(test_stuck_and_walk_trigger),
		cmocka_unit_test(test_hot_trigger),
		cmocka_unit_test(test_worker_progress),
		cmocka_unit_test(test_worker_cooldown),
		cmocka_unit_test(test_small_zone),
		cmocka_unit_test(test_metrics_only_with_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
