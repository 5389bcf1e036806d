/*
 * tests/unit/test-storms.c - the storms module on small synthetic event sequences
 * with known answers: reclaim pairing (nested, interleaved across tasks, open at the
 * end, end without begin), gfp -> migratetype with the run's own bit layout,
 * extfrag classification, compaction stall outcomes, daemon intervals, bucket sums,
 * storm boundaries just above and below every threshold, transactions, summaries
 * and the plot file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "mmr.h"

#define MS 1000000ull
#define T0 1000000000000ull	/* run start: 1000 s on the trace clock */

struct fixture {
	char			dir[64];
	char			path[96];
	struct mmr_store	*st;
	struct mmr_writer	*w;
	int64_t			run;
};

static void quiet(enum mmr_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/mmr-test-storms.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	if (mmr_store_open(f->path, MMR_STORE_CREATE, &f->st))
		return -1;
	mmr_set_log_fn(quiet, NULL, MMR_LOG_DEBUG);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	mmr_writer_free(f->w);
	mmr_store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

/* Starts a run with gfp bits @movable/@reclaimable (0: no gfp_flags rows). */
static void run_begin(struct fixture *f, uint64_t movable, uint64_t reclaimable)
{
	struct mmr_run_info info = { .kind = "synth", .source = "test", .clock = "local" };

	assert_int_equal(mmr_store_begin(f->st), 0);
	assert_int_equal(mmr_store_run_add(f->st, &info, &f->run), 0);
	if (movable) {
		assert_int_equal(mmr_store_gfp_flag(f->st, f->run, movable, "__GFP_MOVABLE"), 0);
		assert_int_equal(mmr_store_gfp_flag(f->st, f->run, reclaimable,
						    "__GFP_RECLAIMABLE"), 0);
	}
	assert_int_equal(mmr_writer_new(f->st, f->run, &f->w), 0);
}

static void run_end(struct fixture *f, uint64_t end_ts)
{
	uint64_t n = 0;

	for (int t = 0; t < MMR_EV__COUNT; t++)
		n += mmr_writer_count(f->w, (enum mmr_event_type)t);
	assert_int_equal(mmr_store_run_finish(f->st, f->run, T0, end_ts, n, true), 0);
	assert_int_equal(mmr_store_commit(f->st), 0);
	mmr_writer_free(f->w);
	f->w = NULL;
}

/* Adds an event: pairs of (kernel field name, value) end with NULL. */
static void ev(struct fixture *f, enum mmr_event_type type, uint64_t ts, int pid, ...)
{
	struct mmr_event e;
	const char *name;
	va_list ap;

	mmr_event_init(&e, type);
	e.ts = ts;
	e.pid = pid;
	va_start(ap, pid);
	while ((name = va_arg(ap, const char *))) {
		int i = mmr_event_field(type, name);

		assert_true(i >= 0);
		e.val[i] = va_arg(ap, int64_t);
	}
	va_end(ap);
	assert_int_equal(mmr_writer_add(f->w, &e), 0);
}

#define I(v) ((int64_t)(v))

static void dr_begin(struct fixture *f, uint64_t ts, int pid, int order, uint64_t gfp)
{
	ev(f, MMR_EV_DIRECT_RECLAIM_BEGIN, ts, pid, "order", I(order), "gfp_flags", I(gfp), NULL);
}

static void dr_end(struct fixture *f, uint64_t ts, int pid, int nr)
{
	ev(f, MMR_EV_DIRECT_RECLAIM_END, ts, pid, "nr_reclaimed", I(nr), NULL);
}

static int64_t q1(struct fixture *f, const char *fmt, ...)
{
	char sql[1024];
	int64_t v = -12345;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_int_equal(mmr_store_query_int(f->st, sql, &v), 0);
	return v;
}

/* the SVG at @path opens with the size @w x @h */
static void assert_svg_size(const char *path, unsigned int w, unsigned int h)
{
	char head[512], want[64];
	FILE *in = fopen(path, "r");
	size_t n;

	assert_non_null(in);
	n = fread(head, 1, sizeof(head) - 1, in);
	head[n] = '\0';
	fclose(in);
	snprintf(want, sizeof(want), "width=\"%u\" height=\"%u\"", w, h);
	assert_non_null(strstr(head, want));
}

static void test_reclaim_pairing(void **state)
{
	/* nested and interleaved begin/end pair innermost-first per pid; what the trace
	 * cut is kept and flagged */
	struct fixture *f = *state;

	run_begin(f, 0x8, 0x10);
	dr_end(f, T0 + 1 * MS, 500, 3);			/* began before the trace */
	dr_begin(f, T0 + 10 * MS, 100, 0, 0x8);		/* outer */
	dr_begin(f, T0 + 15 * MS, 200, 2, 0);
	dr_begin(f, T0 + 20 * MS, 100, 1, 0x10);	/* nested in the outer */
	dr_begin(f, T0 + 25 * MS, 300, 3, 0);
	dr_end(f, T0 + 30 * MS, 100, 5);		/* ends the nested one */
	dr_end(f, T0 + 35 * MS, 200, 7);
	dr_end(f, T0 + 40 * MS, 100, 11);		/* ends the outer */
	dr_end(f, T0 + 45 * MS, 300, 13);
	dr_begin(f, T0 + 50 * MS, 400, 9, 0x8);		/* never ends */
	ev(f, MMR_EV_MEMCG_RECLAIM_BEGIN, T0 + 52 * MS, 400, "order", I(0), "gfp_flags", I(0), NULL);
	ev(f, MMR_EV_MEMCG_RECLAIM_END, T0 + 53 * MS, 400, "nr_reclaimed", I(2), NULL);
	run_end(f, T0 + 60 * MS);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);

	assert_int_equal(q1(f, "SELECT count(*) FROM reclaim_episodes WHERE kind = 'direct'"), 6);
	/* pid 100: inner 20-30 ms depth 1 nr 5, outer 10-40 ms depth 0 nr 11 */
	assert_int_equal(q1(f, "SELECT start_ts FROM reclaim_episodes WHERE pid = 100 AND depth = 1"),
			 T0 + 20 * MS);
	assert_int_equal(q1(f, "SELECT end_ts FROM reclaim_episodes WHERE pid = 100 AND depth = 1"),
			 T0 + 30 * MS);
	assert_int_equal(q1(f, "SELECT nr_reclaimed FROM reclaim_episodes WHERE pid = 100 AND depth = 1"), 5);
	assert_int_equal(q1(f, "SELECT \"order\" FROM reclaim_episodes WHERE pid = 100 AND depth = 1"), 1);
	assert_int_equal(q1(f, "SELECT duration_ns FROM reclaim_episodes WHERE pid = 100 AND depth = 0"),
			 30 * MS);
	assert_int_equal(q1(f, "SELECT nr_reclaimed FROM reclaim_episodes WHERE pid = 100 AND depth = 0"), 11);
	/* interleaved across tasks */
	assert_int_equal(q1(f, "SELECT duration_ns FROM reclaim_episodes WHERE pid = 200"), 20 * MS);
	assert_int_equal(q1(f, "SELECT nr_reclaimed FROM reclaim_episodes WHERE pid = 300"), 13);
	assert_int_equal(q1(f, "SELECT duration_ns FROM reclaim_episodes WHERE pid = 300"), 20 * MS);
	/* open at the end: kept, flagged, runs to the run's end, no pages */
	assert_int_equal(q1(f, "SELECT open FROM reclaim_episodes WHERE pid = 400 AND kind = 'direct'"), 1);
	assert_int_equal(q1(f, "SELECT end_ts FROM reclaim_episodes WHERE pid = 400 AND kind = 'direct'"),
			 T0 + 60 * MS);
	assert_int_equal(q1(f, "SELECT nr_reclaimed IS NULL FROM reclaim_episodes WHERE pid = 400 "
			    "AND kind = 'direct'"), 1);
	/* end without begin */
	assert_int_equal(q1(f, "SELECT open FROM reclaim_episodes WHERE pid = 500"), 2);
	assert_int_equal(q1(f, "SELECT start_ts FROM reclaim_episodes WHERE pid = 500"), T0);
	assert_int_equal(q1(f, "SELECT stray_ends FROM storm_runs"), 1);
	/* memcg reclaim pairs on its own stack, inside the open direct one */
	assert_int_equal(q1(f, "SELECT duration_ns FROM reclaim_episodes WHERE kind = 'memcg'"), 1 * MS);
	assert_int_equal(q1(f, "SELECT open FROM reclaim_episodes WHERE kind = 'memcg'"), 0);
	/* timeline: entries are begins, pages are end events' nr_reclaimed */
	assert_int_equal(q1(f, "SELECT sum(dr_entries) FROM storm_timeline"), 5);
	assert_int_equal(q1(f, "SELECT sum(dr_pages) FROM storm_timeline"), 3 + 5 + 7 + 11 + 13);
	assert_int_equal(q1(f, "SELECT sum(dr_stall_ns) FROM storm_timeline"),
			 q1(f, "SELECT sum(duration_ns) FROM reclaim_episodes WHERE kind = 'direct'"));
	/* idempotent: deriving again gives the same rows */
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM reclaim_episodes"), 7);
	assert_int_equal(q1(f, "SELECT count(*) FROM storm_runs"), 1);
}

static void test_gfp_migratetype_uses_run_bits(void **state)
{
	/* the migratetype comes from the bit values of the run's kernel, and a replay
	 * without its own table uses its parent's */
	struct fixture *f = *state;
	struct mmr_run_info info = { .kind = "replay", .policy = "vanilla" };
	int64_t src, rep;

	run_begin(f, 0x10, 0x8);	/* swapped against today's layout */
	dr_begin(f, T0 + 1 * MS, 1, 0, 0x10);
	dr_end(f, T0 + 2 * MS, 1, 1);
	dr_begin(f, T0 + 3 * MS, 1, 0, 0x8);
	dr_end(f, T0 + 4 * MS, 1, 1);
	dr_begin(f, T0 + 5 * MS, 1, 0, 0x400);
	dr_end(f, T0 + 6 * MS, 1, 1);
	run_end(f, T0 + 10 * MS);
	src = f->run;
	assert_int_equal(mmr_storms_derive(f->st, src, NULL), 0);
	assert_int_equal(q1(f, "SELECT migratetype FROM reclaim_episodes WHERE start_ts = %llu",
			    T0 + 1 * MS), MMR_MT_MOVABLE);
	assert_int_equal(q1(f, "SELECT migratetype FROM reclaim_episodes WHERE start_ts = %llu",
			    T0 + 3 * MS), MMR_MT_RECLAIMABLE);
	assert_int_equal(q1(f, "SELECT migratetype FROM reclaim_episodes WHERE start_ts = %llu",
			    T0 + 5 * MS), MMR_MT_UNMOVABLE);

	info.parent_run = src;
	assert_int_equal(mmr_store_begin(f->st), 0);
	assert_int_equal(mmr_store_run_add(f->st, &info, &rep), 0);
	assert_int_equal(mmr_writer_new(f->st, rep, &f->w), 0);
	f->run = rep;
	dr_begin(f, T0 + 1 * MS, 1, 0, 0x10);
	dr_end(f, T0 + 2 * MS, 1, 1);
	run_end(f, T0 + 10 * MS);
	assert_int_equal(mmr_storms_derive(f->st, rep, NULL), 0);
	assert_int_equal(q1(f, "SELECT migratetype FROM reclaim_episodes WHERE run_id = %lld",
			    (long long)rep), MMR_MT_MOVABLE);
	assert_int_equal(q1(f, "SELECT gfp_source = 'parent' FROM storm_runs WHERE run_id = %lld",
			    (long long)rep), 1);
	assert_int_equal(q1(f, "SELECT gfp_source = 'run' FROM storm_runs WHERE run_id = %lld",
			    (long long)src), 1);
}

static void extfrag(struct fixture *f, uint64_t ts, int fallback_order, int own)
{
	ev(f, MMR_EV_PAGE_ALLOC_EXTFRAG, ts, 1, "pfn", I(4096), "alloc_order", I(0),
	   "fallback_order", I(fallback_order), "alloc_migratetype", I(0),
	   "fallback_migratetype", I(1), "change_ownership", I(own), NULL);
}

static void test_extfrag_classification(void **state)
{
	/* fragmenting = fallback below the pageblock order (host fact or option) */
	struct fixture *f = *state;
	struct mmr_storm_opts o;

	run_begin(f, 0x8, 0x10);
	extfrag(f, T0 + 1 * MS, 0, 0);
	extfrag(f, T0 + 2 * MS, 8, 0);
	extfrag(f, T0 + 3 * MS, 9, 1);
	extfrag(f, T0 + 4 * MS, 10, 1);
	run_end(f, T0 + 10 * MS);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	assert_int_equal(q1(f, "SELECT sum(fragmenting) FROM extfrag_events"), 2);
	assert_int_equal(q1(f, "SELECT fragmenting FROM extfrag_events WHERE fallback_order = 8"), 1);
	assert_int_equal(q1(f, "SELECT fragmenting FROM extfrag_events WHERE fallback_order = 9"), 0);
	assert_int_equal(q1(f, "SELECT change_ownership FROM extfrag_events WHERE fallback_order = 9"), 1);
	assert_int_equal(q1(f, "SELECT requested_mt * 10 + fallback_mt FROM extfrag_events "
			    "WHERE fallback_order = 0"), 1);
	assert_int_equal(q1(f, "SELECT sum(fragmenting) FROM storm_timeline"), 2);
	assert_int_equal(q1(f, "SELECT sum(extfrag) FROM storm_timeline"), 4);

	/* a kernel with 10-order pageblocks (host fact), then an explicit option */
	assert_int_equal(mmr_store_run_fact(f->st, f->run, "pageblock_order", "10"), 0);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	assert_int_equal(q1(f, "SELECT sum(fragmenting) FROM extfrag_events"), 3);
	mmr_storm_opts_init(&o);
	o.pageblock_order = 1;
	assert_int_equal(mmr_storms_derive(f->st, f->run, &o), 0);
	assert_int_equal(q1(f, "SELECT sum(fragmenting) FROM extfrag_events"), 1);
	assert_int_equal(q1(f, "SELECT pageblock_order FROM storm_runs"), 1);
}

static void try_compact(struct fixture *f, uint64_t ts, int pid, int order)
{
	ev(f, MMR_EV_COMPACTION_TRY_TO_COMPACT_PAGES, ts, pid, "order", I(order),
	   "gfp_mask", I(0x8 | 0x400), "prio", I(1), NULL);
}

static void alloc(struct fixture *f, uint64_t ts, int pid, int64_t pfn, int order, int mt)
{
	ev(f, MMR_EV_PAGE_ALLOC, ts, pid, "pfn", pfn, "order", I(order), "gfp_flags", I(0x8),
	   "migratetype", I(mt), NULL);
}

static void test_compaction_outcomes(void **state)
{
	/* a stall succeeds when the task's next allocation result is a page of its
	 * order; another stall, a direct reclaim or a failed allocation make it fail;
	 * the trace's end leaves it unknown */
	struct fixture *f = *state;

	run_begin(f, 0x8, 0x10);
	alloc(f, T0 + 1 * MS, 7, 100, 0, 1);		/* before any stall: ignored */
	try_compact(f, T0 + 10 * MS, 10, 9);
	ev(f, MMR_EV_COMPACTION_BEGIN, T0 + 11 * MS, 10, "sync", I(0), NULL);
	ev(f, MMR_EV_COMPACTION_END, T0 + 13 * MS, 10, "sync", I(0), "status", I(8), NULL);
	alloc(f, T0 + 12 * MS, 99, 512, 9, 1);		/* another task's page */
	alloc(f, T0 + 14 * MS, 10, 1024, 9, 1);		/* success */
	try_compact(f, T0 + 20 * MS, 11, 9);
	ev(f, MMR_EV_COMPACTION_DEFERRED, T0 + 21 * MS, 11, NULL);
	try_compact(f, T0 + 22 * MS, 11, 9);		/* the first one failed */
	alloc(f, T0 + 25 * MS, 11, -1, 9, 1);		/* failed allocation: fail */
	try_compact(f, T0 + 30 * MS, 12, 9);
	dr_begin(f, T0 + 31 * MS, 12, 9, 0x8);		/* reclaim after compaction: fail */
	dr_end(f, T0 + 32 * MS, 12, 10);
	alloc(f, T0 + 33 * MS, 12, 2048, 9, 1);
	try_compact(f, T0 + 40 * MS, 13, 4);
	alloc(f, T0 + 41 * MS, 13, 4096, 0, 1);		/* a smaller page: fail */
	try_compact(f, T0 + 50 * MS, 14, 9);		/* trace ends */
	ev(f, MMR_EV_COMPACTION_BEGIN, T0 + 51 * MS, 14, "sync", I(1), NULL);
	run_end(f, T0 + 60 * MS);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);

	assert_int_equal(q1(f, "SELECT count(*) FROM compaction_stalls"), 6);
	assert_int_equal(q1(f, "SELECT outcome = 'success' FROM compaction_stalls WHERE pid = 10"), 1);
	assert_int_equal(q1(f, "SELECT end_ts FROM compaction_stalls WHERE pid = 10"), T0 + 14 * MS);
	assert_int_equal(q1(f, "SELECT best_status FROM compaction_stalls WHERE pid = 10"), 8);
	assert_int_equal(q1(f, "SELECT zones_compacted FROM compaction_stalls WHERE pid = 10"), 1);
	assert_int_equal(q1(f, "SELECT count(*) FROM compaction_stalls WHERE pid = 11 "
			    "AND outcome = 'fail'"), 2);
	assert_int_equal(q1(f, "SELECT zones_deferred FROM compaction_stalls WHERE pid = 11 "
			    "AND start_ts = %llu", T0 + 20 * MS), 1);
	assert_int_equal(q1(f, "SELECT outcome = 'fail' FROM compaction_stalls WHERE pid = 12"), 1);
	assert_int_equal(q1(f, "SELECT outcome = 'fail' FROM compaction_stalls WHERE pid = 13"), 1);
	assert_int_equal(q1(f, "SELECT outcome = 'unknown' FROM compaction_stalls WHERE pid = 14"), 1);
	/* compaction runs: one paired (direct), one open at the end */
	assert_int_equal(q1(f, "SELECT count(*) FROM compaction_runs WHERE open = 0 AND "
			    "source = 'direct' AND status = 8"), 1);
	assert_int_equal(q1(f, "SELECT end_ts FROM compaction_runs WHERE open = 1"), T0 + 60 * MS);
	/* the timeline counts stalls and outcomes where the stall began */
	assert_int_equal(q1(f, "SELECT sum(compact_stalls) FROM storm_timeline"), 6);
	assert_int_equal(q1(f, "SELECT sum(compact_success) FROM storm_timeline"), 1);
	assert_int_equal(q1(f, "SELECT sum(compact_fail) FROM storm_timeline"), 4);
	assert_int_equal(q1(f, "SELECT sum(allocs_failed) FROM storm_timeline"), 1);
	assert_int_equal(q1(f, "SELECT sum(allocs_movable) FROM storm_timeline"), 6);
}

static void test_compaction_result_search_bound(void **state)
{
	/* an allocation result more than 10 s after the stall began is not its result:
	 * the stall failed; within 10 s it counts */
	struct fixture *f = *state;

	run_begin(f, 0x8, 0x10);
	try_compact(f, T0 + 1 * MS, 20, 9);
	alloc(f, T0 + 1 * MS + 10000 * MS + 1, 20, 8192, 9, 1);
	try_compact(f, T0 + 2 * MS, 21, 9);
	alloc(f, T0 + 2 * MS + 9999 * MS, 21, 16384, 9, 1);
	run_end(f, T0 + 20000 * MS);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	assert_int_equal(q1(f, "SELECT outcome = 'fail' FROM compaction_stalls WHERE pid = 20"), 1);
	assert_int_equal(q1(f, "SELECT duration_ns FROM compaction_stalls WHERE pid = 20"), 0);
	assert_int_equal(q1(f, "SELECT outcome = 'success' FROM compaction_stalls WHERE pid = 21"), 1);
	assert_int_equal(q1(f, "SELECT duration_ns FROM compaction_stalls WHERE pid = 21"), 9999 * MS);
}

static void test_compaction_outcome_sampled_allocs(void **state)
{
	/* a BPF run that keeps 1 allocation in 4 does not judge stalls by allocations
	 * (the stall's own may be missing): the zones' compaction status decides */
	struct fixture *f = *state;

	run_begin(f, 0x8, 0x10);
	assert_int_equal(mmr_store_run_fact(f->st, f->run, "bpf.sample_rate", "4"), 0);
	try_compact(f, T0 + 1 * MS, 30, 9);
	ev(f, MMR_EV_COMPACTION_BEGIN, T0 + 2 * MS, 30, "sync", I(0), NULL);
	ev(f, MMR_EV_COMPACTION_END, T0 + 3 * MS, 30, "status", I(8), NULL);
	alloc(f, T0 + 4 * MS, 30, 4096, 0, 1);		/* a later, smaller allocation */
	try_compact(f, T0 + 5 * MS, 31, 9);
	ev(f, MMR_EV_COMPACTION_BEGIN, T0 + 6 * MS, 31, "sync", I(0), NULL);
	ev(f, MMR_EV_COMPACTION_END, T0 + 7 * MS, 31, "status", I(5), NULL);
	alloc(f, T0 + 8 * MS, 31, 8192, 9, 1);
	dr_begin(f, T0 + 9 * MS, 31, 9, 0x8);
	dr_end(f, T0 + 10 * MS, 31, 1);
	run_end(f, T0 + 20 * MS);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	assert_int_equal(q1(f, "SELECT outcome = 'success' FROM compaction_stalls WHERE pid = 30"), 1);
	assert_int_equal(q1(f, "SELECT outcome = 'fail' FROM compaction_stalls WHERE pid = 31"), 1);
	/* the same events with the whole stream: the allocations decide */
	assert_int_equal(mmr_store_exec(f->st, "DELETE FROM host_facts"), 0);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	assert_int_equal(q1(f, "SELECT outcome = 'fail' FROM compaction_stalls WHERE pid = 30"), 1);
	assert_int_equal(q1(f, "SELECT outcome = 'success' FROM compaction_stalls WHERE pid = 31"), 1);
}

static void test_daemon_intervals(void **state)
{
	/* kswapd wake..sleep per node; repeated wakes count; awake at the end is open */
	struct fixture *f = *state;

	run_begin(f, 0x8, 0x10);
	ev(f, MMR_EV_KSWAPD_SLEEP, T0 + 1 * MS, 50, "nid", I(0), NULL);	/* no wake: ignored */
	ev(f, MMR_EV_KSWAPD_WAKE, T0 + 10 * MS, 50, "nid", I(0), "order", I(0), NULL);
	ev(f, MMR_EV_KSWAPD_WAKE, T0 + 20 * MS, 50, "nid", I(0), "order", I(3), NULL);
	ev(f, MMR_EV_KSWAPD_WAKE, T0 + 25 * MS, 51, "nid", I(1), "order", I(0), NULL);
	ev(f, MMR_EV_KSWAPD_SLEEP, T0 + 150 * MS, 50, "nid", I(0), NULL);
	ev(f, MMR_EV_COMPACTION_KCOMPACTD_WAKE, T0 + 30 * MS, 60, "nid", I(0), "order", I(9), NULL);
	ev(f, MMR_EV_COMPACTION_BEGIN, T0 + 31 * MS, 60, "sync", I(0), NULL);
	ev(f, MMR_EV_COMPACTION_END, T0 + 32 * MS, 60, "status", I(5), NULL);
	ev(f, MMR_EV_COMPACTION_KCOMPACTD_SLEEP, T0 + 40 * MS, 60, "nid", I(0), NULL);
	run_end(f, T0 + 200 * MS);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM daemon_intervals"), 3);
	assert_int_equal(q1(f, "SELECT duration_ns FROM daemon_intervals WHERE daemon = 'kswapd' "
			    "AND nid = 0"), 140 * MS);
	assert_int_equal(q1(f, "SELECT nr_wakes * 10 + \"order\" FROM daemon_intervals "
			    "WHERE daemon = 'kswapd' AND nid = 0"), 23);
	assert_int_equal(q1(f, "SELECT open FROM daemon_intervals WHERE nid = 1"), 1);
	assert_int_equal(q1(f, "SELECT end_ts FROM daemon_intervals WHERE nid = 1"), T0 + 200 * MS);
	assert_int_equal(q1(f, "SELECT source = 'kcompactd' FROM compaction_runs"), 1);
	/* 140 ms + 175 ms of kswapd, spread over buckets */
	assert_int_equal(q1(f, "SELECT sum(kswapd_ns) FROM storm_timeline"), 315 * MS);
	assert_int_equal(q1(f, "SELECT kswapd_ns FROM storm_timeline WHERE bucket = 1"), 150 * MS);
	assert_int_equal(q1(f, "SELECT sum(kcompactd_ns) FROM storm_timeline"), 10 * MS);
}

static void test_bucket_split(void **state)
{
	/* stall time is split over the buckets an episode overlaps; entries and pages
	 * land where begin and end happened; bucket length is an option */
	struct fixture *f = *state;
	struct mmr_storm_opts o;

	run_begin(f, 0x8, 0x10);
	dr_begin(f, T0 + 50 * MS, 1, 0, 0);
	dr_end(f, T0 + 250 * MS, 1, 42);
	run_end(f, T0 + 1000 * MS);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM storm_timeline"), 10);
	assert_int_equal(q1(f, "SELECT dr_stall_ns FROM storm_timeline WHERE bucket = 0"), 50 * MS);
	assert_int_equal(q1(f, "SELECT dr_stall_ns FROM storm_timeline WHERE bucket = 1"), 100 * MS);
	assert_int_equal(q1(f, "SELECT dr_stall_ns FROM storm_timeline WHERE bucket = 2"), 50 * MS);
	assert_int_equal(q1(f, "SELECT dr_entries FROM storm_timeline WHERE bucket = 0"), 1);
	assert_int_equal(q1(f, "SELECT dr_pages FROM storm_timeline WHERE bucket = 2"), 42);
	assert_int_equal(q1(f, "SELECT start_ts FROM storm_timeline WHERE bucket = 3"), T0 + 300 * MS);
	assert_int_equal(mmr_storms_derived(f->st, f->run, NULL), 1);
	mmr_storm_opts_init(&o);
	o.bucket_ns = 250 * MS;
	assert_int_equal(mmr_storms_derived(f->st, f->run, &o), 0);
	assert_int_equal(mmr_storms_derive(f->st, f->run, &o), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM storm_timeline"), 4);
	assert_int_equal(q1(f, "SELECT dr_stall_ns FROM storm_timeline WHERE bucket = 0"), 200 * MS);
}

/*
 * Run of 3 s: buckets 10..19 (1.0-2.0 s) each hold two direct reclaims of
 * @stall_us/2 each (20 entries in total, 20 entries/s: below the rate threshold).
 */
static void make_stall_run(struct fixture *f, uint64_t stall_us)
{
	run_begin(f, 0x8, 0x10);
	for (int b = 10; b < 20; b++) {
		uint64_t t = T0 + (uint64_t)b * 100 * MS;

		dr_begin(f, t + 1 * MS, 1000 + b, 0, 0);
		dr_end(f, t + 1 * MS + stall_us * 500, 1000 + b, 1);
		dr_begin(f, t + 50 * MS, 2000, 0, 0x8);
		dr_end(f, t + 50 * MS + stall_us * 500, 2000, 2);
	}
	run_end(f, T0 + 3000 * MS);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
}

static int64_t nr_storms(struct fixture *f, const struct mmr_storm_opts *o)
{
	assert_int_equal(mmr_storms_detect(f->st, f->run, o), 0);
	return q1(f, "SELECT count(*) FROM storms WHERE run_id = %lld", (long long)f->run);
}

static void test_storm_stall_threshold(void **state)
{
	/* 10 ms stalled per 100 ms bucket is exactly 10 %: a storm at --stall-pct 10, none
	 * just above; min length and entries bound it at 1.0 s and 20 entries */
	struct fixture *f = *state;
	struct mmr_storm_opts o;

	make_stall_run(f, 10000);
	mmr_storm_opts_init(&o);
	assert_int_equal(nr_storms(f, &o), 1);
	assert_int_equal(q1(f, "SELECT start_ts FROM storms"), T0 + 1000 * MS);
	assert_int_equal(q1(f, "SELECT end_ts FROM storms"), T0 + 2000 * MS);
	assert_int_equal(q1(f, "SELECT dr_entries FROM storms"), 20);
	assert_int_equal(q1(f, "SELECT stall_ns FROM storms"), 100 * MS);
	assert_int_equal(q1(f, "SELECT pages_reclaimed FROM storms"), 30);
	assert_int_equal(q1(f, "SELECT mt_movable * 100 + mt_unmovable FROM storms"), 1010);
	assert_int_equal(q1(f, "SELECT CAST(nonmovable_pct AS INTEGER) FROM storms"), 50);
	assert_int_equal(q1(f, "SELECT stall_p50_ns FROM storms"), 5 * MS);
	/* top tasks: pid 2000 stalled 50 ms, each of the others 5 ms, lowest pid first */
	assert_int_equal(q1(f, "SELECT pid FROM storm_tasks WHERE rank = 1"), 2000);
	assert_int_equal(q1(f, "SELECT pid FROM storm_tasks WHERE rank = 2"), 1010);
	assert_int_equal(q1(f, "SELECT count(*) FROM storm_tasks"), 5);
	o.stall_pct = 10.01;
	assert_int_equal(nr_storms(f, &o), 0);
	mmr_storm_opts_init(&o);
	o.min_len_ns = 1000 * MS;
	assert_int_equal(nr_storms(f, &o), 1);
	o.min_len_ns = 1000 * MS + 1;
	assert_int_equal(nr_storms(f, &o), 0);
	mmr_storm_opts_init(&o);
	o.min_entries = 20;
	assert_int_equal(nr_storms(f, &o), 1);
	o.min_entries = 21;
	assert_int_equal(nr_storms(f, &o), 0);
}

static void test_storm_stall_just_below(void **state)
{
	/* 9.998 ms per bucket stays below 10 % */
	struct fixture *f = *state;

	make_stall_run(f, 9998);
	assert_int_equal(nr_storms(f, NULL), 0);
}

static void test_storm_rate_threshold(void **state)
{
	/* 5 entries per 100 ms bucket is 50/s: hot at --entries-per-s 50, not above it;
	 * with the rate criterion off nothing is hot (stall load is tiny) */
	struct fixture *f = *state;
	struct mmr_storm_opts o;

	run_begin(f, 0x8, 0x10);
	for (int b = 5; b < 12; b++)
		for (int i = 0; i < 5; i++) {
			uint64_t t = T0 + (uint64_t)b * 100 * MS + (uint64_t)i * 10 * MS;

			dr_begin(f, t, 10 + i, 0, 0);
			dr_end(f, t + 1000, 10 + i, 1);
		}
	run_end(f, T0 + 2000 * MS);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	mmr_storm_opts_init(&o);
	assert_int_equal(nr_storms(f, &o), 1);
	assert_int_equal(q1(f, "SELECT duration_ns FROM storms"), 700 * MS);
	o.entries_per_s = 50.01;
	assert_int_equal(nr_storms(f, &o), 0);
	o.entries_per_s = 0;
	assert_int_equal(nr_storms(f, &o), 0);
}

static void test_storm_merge_gap(void **state)
{
	/* two 0.6 s bursts 1.0 s apart merge at --merge-gap 1s and stay apart below it */
	struct fixture *f = *state;
	struct mmr_storm_opts o;

	run_begin(f, 0x8, 0x10);
	for (int b = 0; b < 32; b++) {
		uint64_t t = T0 + (uint64_t)b * 100 * MS;

		if ((b >= 4 && b < 10) || (b >= 20 && b < 26)) {
			dr_begin(f, t, 100 + b, 0, 0);
			dr_end(f, t + 20 * MS, 100 + b, 1);
			for (int i = 0; i < 3; i++) {
				dr_begin(f, t + 30 * MS + (uint64_t)i * MS, 500 + i, 0, 0);
				dr_end(f, t + 30 * MS + (uint64_t)i * MS + 1000, 500 + i, 1);
			}
		}
	}
	run_end(f, T0 + 3200 * MS);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	mmr_storm_opts_init(&o);
	assert_int_equal(nr_storms(f, &o), 1);
	assert_int_equal(q1(f, "SELECT start_ts FROM storms"), T0 + 400 * MS);
	assert_int_equal(q1(f, "SELECT end_ts FROM storms"), T0 + 2600 * MS);
	assert_int_equal(q1(f, "SELECT dr_entries FROM storms"), 48);
	o.merge_gap_ns = 1000 * MS - 1;
	assert_int_equal(nr_storms(f, &o), 2);
	assert_int_equal(q1(f, "SELECT end_ts FROM storms WHERE storm = 1"), T0 + 1000 * MS);
	assert_int_equal(q1(f, "SELECT start_ts FROM storms WHERE storm = 2"), T0 + 2000 * MS);
	/* deterministic: the same options give the same rows */
	assert_int_equal(nr_storms(f, &o), 2);
	assert_int_equal(q1(f, "SELECT sum(dr_entries) FROM storms"), 48);
}

static void test_oom_and_psi(void **state)
{
	/* OOM victims and PSI samples inside a storm are counted in it and in the
	 * timeline; a run with PSI gets a taller plot (one more panel) */
	struct fixture *f = *state;
	struct mmr_event e;
	unsigned int w, h, w0, h0;
	char path[160];

	run_begin(f, 0x8, 0x10);
	for (int b = 10; b < 20; b++) {
		uint64_t t = T0 + (uint64_t)b * 100 * MS;

		dr_begin(f, t + 1 * MS, 7, 0, 0);
		dr_end(f, t + 31 * MS, 7, 1);
		dr_begin(f, t + 40 * MS, 8, 0, 0);
		dr_end(f, t + 41 * MS, 8, 1);
	}
	mmr_event_init(&e, MMR_EV_MARK_VICTIM);
	e.ts = T0 + 1500 * MS;
	e.pid = 7;
	e.val[mmr_event_field(MMR_EV_MARK_VICTIM, "pid")] = 4242;
	e.str = "victim";
	assert_int_equal(mmr_writer_add(f->w, &e), 0);
	run_end(f, T0 + 3000 * MS);
	assert_int_equal(mmr_store_exec(f->st, "INSERT INTO psi_samples (run_id, ts, some_avg10, "
					"full_avg10) VALUES (1, 1001200000000, 12.5, 3.0), "
					"(1, 1001250000000, 20.0, 4.0), (1, 1002500000000, 30.0, 9.0), "
					"(1, 1003000000000, 1.0, 0.5), (1, 1003000000001, 99.0, 99.0)"), 0);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	assert_int_equal(nr_storms(f, NULL), 1);
	assert_int_equal(q1(f, "SELECT oom FROM storms"), 1);
	assert_int_equal(q1(f, "SELECT sum(oom) FROM storm_timeline"), 1);
	assert_int_equal(q1(f, "SELECT CAST(psi_some_max * 10 AS INTEGER) FROM storms"), 200);
	assert_int_equal(q1(f, "SELECT CAST(psi_full_max * 10 AS INTEGER) FROM storms"), 40);
	/* a sample at the run's end lands in the last bucket, one after it nowhere */
	assert_int_equal(q1(f, "SELECT count(*) FROM storm_timeline WHERE psi_some IS NOT NULL"), 3);
	assert_int_equal(q1(f, "SELECT CAST(psi_full * 10 AS INTEGER) FROM storm_timeline "
			    "WHERE bucket = 29"), 5);
	assert_int_equal(q1(f, "SELECT CAST(psi_some * 10 AS INTEGER) FROM storm_timeline "
			    "WHERE bucket = 25"), 300);
	/* peak load: 31 ms of 100 ms */
	assert_int_equal(q1(f, "SELECT CAST(round(peak_load * 100) AS INTEGER) FROM storms"), 31);

	snprintf(path, sizeof(path), "%s/psi.svg", f->dir);
	assert_int_equal(mmr_plot_svg(f->st, &f->run, NULL, 1, path, NULL), 0);
	mmr_plot_size(1, 1, &w, &h);
	mmr_plot_size(1, 0, &w0, &h0);
	assert_true(h > h0);
	assert_svg_size(path, w, h);
}

static void test_transactions_nest(void **state)
{
	/* inside the caller's transaction derive is undone by the caller's rollback;
	 * with no transaction open it commits its own */
	struct fixture *f = *state;

	make_stall_run(f, 10000);
	assert_int_equal(mmr_storms_detect(f->st, f->run, NULL), 0);
	assert_int_equal(mmr_store_exec(f->st, "DELETE FROM storm_runs; DELETE FROM reclaim_episodes;"
					"DELETE FROM storm_timeline; DELETE FROM storms;"), 0);
	assert_int_equal(mmr_store_begin(f->st), 0);
	assert_int_equal(mmr_storms_derive(f->st, f->run, NULL), 0);
	assert_int_equal(mmr_storms_detect(f->st, f->run, NULL), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM storms"), 1);
	mmr_store_rollback(f->st);
	assert_int_equal(q1(f, "SELECT count(*) FROM storms"), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM reclaim_episodes"), 0);
	/* detection needs the derived tables */
	assert_int_equal(mmr_storms_detect(f->st, f->run, NULL), -MMR_E_NO_DATA);
	assert_int_equal(mmr_storms_derive(f->st, 999, NULL), -MMR_E_NO_RUN);
}

static void test_summary(void **state)
{
	/* the summary adds up the derived tables */
	struct fixture *f = *state;
	struct mmr_storm_summary s;

	make_stall_run(f, 10000);
	assert_int_equal(mmr_storms_summary(f->st, f->run, &s), 0);
	assert_int_equal(s.storms, 0);		/* not detected yet */
	assert_int_equal(mmr_storms_detect(f->st, f->run, NULL), 0);
	assert_int_equal(mmr_storms_summary(f->st, f->run, &s), 0);
	assert_int_equal(s.storms, 1);
	assert_int_equal(s.storm_ns, 1000 * MS);
	assert_int_equal(s.dr_entries, 20);
	assert_int_equal(s.dr_stall_ns, 100 * MS);
	assert_int_equal(s.dr_pages, 30);
	assert_int_equal(s.dr_nonmovable, 10);
	assert_int_equal(s.span_ns, 3000 * MS);
	assert_int_equal(s.oom, 0);
}

static void test_opts_check(void **state)
{
	/* the checks refuse what would make detection meaningless */
	struct mmr_storm_opts o;

	(void)state;
	mmr_storm_opts_init(&o);
	assert_int_equal(mmr_storm_opts_check(&o), 0);
	assert_int_equal(o.bucket_ns, 100 * MS);
	o.stall_pct = 0;
	assert_int_equal(mmr_storm_opts_check(&o), -MMR_E_INVAL);
	mmr_storm_opts_init(&o);
	o.bucket_ns = 10;
	assert_int_equal(mmr_storm_opts_check(&o), -MMR_E_INVAL);
	mmr_storm_opts_init(&o);
	o.entries_per_s = -1;
	assert_int_equal(mmr_storm_opts_check(&o), -MMR_E_INVAL);
}

static void test_plot_file(void **state)
{
	/* the SVG has the advertised size and appears atomically; a failed plot leaves
	 * nothing behind */
	struct fixture *f = *state;
	unsigned int w, h;
	char path[160], bad[160];
	const char *labels[] = { "a <b> & c" };

	make_stall_run(f, 10000);
	snprintf(path, sizeof(path), "%s/p.svg", f->dir);
	assert_int_equal(mmr_plot_svg(f->st, &f->run, labels, 1, path, NULL), 0);
	mmr_plot_size(1, 0, &w, &h);
	assert_svg_size(path, w, h);
	{
		unsigned int w2, h2;

		mmr_plot_size(2, 1, &w2, &h2);
		assert_int_equal(w2, w);
		assert_true(h2 > h);
	}
	snprintf(bad, sizeof(bad), "%s/nodir/p.svg", f->dir);
	assert_true(mmr_plot_svg(f->st, &f->run, NULL, 1, bad, NULL) < 0);
	assert_int_equal(access(bad, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reclaim_pairing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gfp_migratetype_uses_run_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extfrag_classification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction_outcomes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction_result_search_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction_outcome_sampled_allocs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daemon_intervals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bucket_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storm_stall_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storm_stall_just_below, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storm_rate_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storm_merge_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_and_psi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions_nest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test(test_opts_check),
		cmocka_unit_test_setup_teardown(test_plot_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
