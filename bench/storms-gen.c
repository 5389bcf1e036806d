/*
 * bench/storms-gen.c - writes a synthetic recorded-style run of N events through
 * mmr_writer, shaped like a host with periodic reclaim storms, for
 * scripts/bench-storms.sh. Prints the seconds the write took (the store side of an
 * import: everything but decoding).
 *
 *   storms-gen OUT.db [NR_EVENTS] [SEED]
 *
 * Shape: 64 tasks allocate and free pages (orders 0-3 mostly, some order-9 THPs;
 * movable, unmovable and reclaimable requests); kswapd wakes and sleeps every
 * second; every 20 s a 4 s storm begins in which a third of the allocations first
 * stall in direct compaction and direct reclaim (a few ms each), and fallbacks
 * happen. Deterministic for a seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <time.h>
#include "mmr.h"

#define NR_TASKS	64
#define STEP_NS		10000ull	/* mean distance of two events: 8M events ~ 80 s */

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct gen {
	struct mmr_writer	*w;
	uint64_t		ts, n, max;
	int			err;
	int64_t			live[NR_TASKS][256];	/* pfns a task holds */
	unsigned int		nr_live[NR_TASKS];
	int64_t			next_pfn;
};

static void emit(struct gen *g, enum mmr_event_type type, int pid, ...)
{
	struct mmr_event ev;
	const char *name;
	va_list ap;

	if (g->err || g->n >= g->max)
		return;
	mmr_event_init(&ev, type);
	g->ts += 1 + rnd() % (2 * STEP_NS);
	ev.ts = g->ts;
	ev.pid = pid;
	ev.cpu = pid & 1;
	va_start(ap, pid);
	while ((name = va_arg(ap, const char *)))
		ev.val[mmr_event_field(type, name)] = va_arg(ap, int64_t);
	va_end(ap);
	g->err = mmr_writer_add(g->w, &ev);
	g->n++;
}

#define I(v) ((int64_t)(v))

int main(int argc, char **argv)
{
	struct mmr_run_info info = { .kind = "synth", .source = "bench/storms-gen",
				     .clock = "local", .nr_cpus = 2 };
	static struct gen g;
	struct mmr_store *st;
	uint64_t start = 1000000000000ull, next_kswapd;
	int64_t run;
	double t0, t1;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: storms-gen OUT.db [NR_EVENTS] [SEED]\n");
		return 2;
	}
	g.max = argc > 2 ? strtoull(argv[2], NULL, 10) : 8000000;
	if (argc > 3)
		rng_state ^= strtoull(argv[3], NULL, 10) * 0x9e3779b97f4a7c15ull;
	err = mmr_store_open(argv[1], MMR_STORE_CREATE | MMR_STORE_BULK, &st);
	if (err) {
		fprintf(stderr, "storms-gen: %s\n", mmr_strerror(err));
		return 1;
	}
	t0 = now_s();
	err = mmr_store_begin(st);
	if (!err)
		err = mmr_store_run_add(st, &info, &run);
	if (!err)
		err = mmr_store_gfp_flag(st, run, 0x8, "__GFP_MOVABLE");
	if (!err)
		err = mmr_store_gfp_flag(st, run, 0x10, "__GFP_RECLAIMABLE");
	for (int p = 0; p < NR_TASKS && !err; p++) {
		char comm[16];

		snprintf(comm, sizeof(comm), "worker-%d", p);
		err = mmr_store_task(st, run, 1000 + p, comm);
	}
	if (!err)
		err = mmr_writer_new(st, run, &g.w);
	if (err) {
		fprintf(stderr, "storms-gen: %s\n", mmr_strerror(err));
		return 1;
	}
	g.ts = start;
	g.next_pfn = 0x100000;
	next_kswapd = start + 1000000000ull;
	while (!g.err && g.n < g.max) {
		int t = (int)(rnd() % NR_TASKS), pid = 1000 + t;
		uint64_t r = rnd();
		bool storm = (g.ts - start) % 20000000000ull >= 16000000000ull;
		int order = (r % 100) < 2 ? 9 : (int)(r % 4 == 0 ? r % 4 : 0);
		int mt = (int)((r >> 8) % 10);
		int64_t gfp;

		mt = mt < 6 ? MMR_MT_MOVABLE : mt < 9 ? MMR_MT_UNMOVABLE : MMR_MT_RECLAIMABLE;
		gfp = 0x400 | 0x800 | 0xc0 | (mt == MMR_MT_MOVABLE ? 0x8 : mt == MMR_MT_RECLAIMABLE ?
							 0x10 : 0);
		if (g.ts >= next_kswapd) {
			emit(&g, MMR_EV_KSWAPD_WAKE, 90, "nid", I(0), "zid", I(2), "order", I(0), NULL);
			emit(&g, MMR_EV_KSWAPD_SLEEP, 90, "nid", I(0), NULL);
			next_kswapd += 1000000000ull;
		}
		if (g.nr_live[t] && (g.nr_live[t] == 256 || (r >> 16) % 2)) {
			int64_t pfn = g.live[t][--g.nr_live[t]];

			emit(&g, MMR_EV_PAGE_FREE, pid, "pfn", pfn, "order", I(0), NULL);
			continue;
		}
		if (storm && (r >> 20) % 3 == 0) {
			emit(&g, MMR_EV_COMPACTION_TRY_TO_COMPACT_PAGES, pid, "order", I(order),
			     "gfp_mask", gfp, "prio", I(1), NULL);
			emit(&g, MMR_EV_COMPACTION_BEGIN, pid, "sync", I(0), NULL);
			g.ts += 200000;
			emit(&g, MMR_EV_COMPACTION_END, pid, "sync", I(0),
			     "status", I((r >> 24) % 4 ? 5 : 8), NULL);
			emit(&g, MMR_EV_DIRECT_RECLAIM_BEGIN, pid, "order", I(order), "gfp_flags", gfp, NULL);
			g.ts += 1000000 + (r >> 32) % 3000000;
			emit(&g, MMR_EV_DIRECT_RECLAIM_END, pid, "nr_reclaimed", I(32 + (r >> 40) % 64),
			     NULL);
			if ((r >> 28) % 4 == 0)
				emit(&g, MMR_EV_PAGE_ALLOC_EXTFRAG, pid, "pfn", I(g.next_pfn),
				     "alloc_order", I(order), "fallback_order", I((r >> 44) % 11),
				     "alloc_migratetype", I(mt), "fallback_migratetype", I(MMR_MT_MOVABLE),
				     "change_ownership", I((r >> 48) % 2), NULL);
		}
		emit(&g, MMR_EV_PAGE_ALLOC, pid, "pfn", I(g.next_pfn), "order", I(order),
		     "gfp_flags", gfp, "migratetype", I(mt), NULL);
		g.live[t][g.nr_live[t]++] = g.next_pfn;
		g.next_pfn += 1 << order;
	}
	err = g.err;
	if (!err)
		err = mmr_store_run_finish(st, run, start, g.ts, g.n, true);
	if (!err)
		err = mmr_store_build_indexes(st);
	if (!err)
		err = mmr_store_commit(st);
	mmr_writer_free(g.w);
	mmr_store_close(st);
	t1 = now_s();
	if (err) {
		fprintf(stderr, "storms-gen: %s\n", mmr_strerror(err));
		return 1;
	}
	printf("events %llu span_s %.1f write_s %.3f\n", (unsigned long long)g.n,
	       (double)(g.ts - start) / 1e9, t1 - t0);
	return 0;
}
