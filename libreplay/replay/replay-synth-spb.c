/*
 * replay/replay-synth-spb.c - the synthetic scenario "spb-stuck": the failure patch
 * 43/45 of the superpageblock RFC describes. One SPB is tainted at the start (the
 * zone's only UNMOVABLE pageblock), every SPB holds page cache with free memory
 * partly in whole pageblocks, and a steady stream of long-lived unmovable
 * allocations fills the tainted SPB while page cache churns everywhere. Under the
 * SPB policy without patch 43 the tainted SPB crosses into its fullest bucket while
 * it still has free pageblocks (its defrag worker is not needed then), runs down to
 * free = 0 inside that bucket, and never gets its defrag worker again, so later
 * unmovable allocations taint clean SPBs via PASS_3; patch 43's triggers restart
 * the worker, which evacuates page cache out of the tainted SPB instead.
 *
 * Written like the scenarios of replay-synth.c (kind "synth", a zone snapshot and
 * an mm_page_alloc / mm_page_free stream); parameters are the same "key=value" set.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "replay-local.h"

#define PB	MMR_MODEL_PAGEBLOCK_PAGES
#define T0	1000000000ull

struct spb_params {
	double	zone_mb;	/* Normal zone size */
	double	seconds;
	double	unmov_rate;	/* long-lived unmovable order-0 allocations per second */
	double	file_rate;	/* page-cache allocations per second */
	double	file_life;	/* their mean lifetime, s */
	double	free_pct;	/* initial free memory, % of the zone */
	double	free_blocks;	/* share of it in whole free pageblocks */
};

static const struct spb_params defaults = {
	.zone_mb = 2048, .seconds = 30, .unmov_rate = 3000, .file_rate = 4000,
	.file_life = 20, .free_pct = 30, .free_blocks = 1,
};

const char synth_spb_stuck_summary[] =
	"superpageblock patch 43: one tainted SPB filled by long-lived unmovable memory "
	"while page cache churns; without the allocator-path defrag triggers it stalls at "
	"free=0 and clean SPBs get tainted";

static int set_param(struct spb_params *p, const char *kv)
{
	static const struct { const char *key; size_t off; double lo, hi; } keys[] = {
		{ "zone_mb", offsetof(struct spb_params, zone_mb), 64, 1 << 20 },
		{ "seconds", offsetof(struct spb_params, seconds), 0.001, 3600 },
		{ "unmov_rate", offsetof(struct spb_params, unmov_rate), 0, 1e8 },
		{ "file_rate", offsetof(struct spb_params, file_rate), 0, 1e8 },
		{ "file_life", offsetof(struct spb_params, file_life), 0.0001, 3600 },
		{ "free_pct", offsetof(struct spb_params, free_pct), 1, 90 },
		{ "free_blocks", offsetof(struct spb_params, free_blocks), 0, 1 },
	};
	const char *eq = strchr(kv, '=');
	char *end;
	double v;

	if (!eq) {
		mmr_err("scenario parameter '%s' is not key=value", kv);
		return -MMR_E_INVAL;
	}
	v = strtod(eq + 1, &end);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strlen(keys[i].key) != (size_t)(eq - kv) || strncmp(keys[i].key, kv, eq - kv))
			continue;
		if (end == eq + 1 || *end || !isfinite(v) || v < keys[i].lo || v > keys[i].hi) {
			mmr_err("scenario parameter '%s': out of range [%g, %g]", kv, keys[i].lo,
				keys[i].hi);
			return -MMR_E_INVAL;
		}
		*(double *)((char *)p + keys[i].off) = v;
		return 0;
	}
	mmr_err("unknown parameter '%s' for scenario 'spb-stuck' (zone_mb, seconds, "
		"unmov_rate, file_rate, file_life, free_pct, free_blocks)", kv);
	return -MMR_E_INVAL;
}

static int snapshot(struct mmr_store *st, int64_t run, const struct spb_params *p,
		    uint64_t start, uint64_t pages)
{
	uint64_t free = (uint64_t)((double)pages * p->free_pct / 100), wm[3], total;
	/* one UNMOVABLE pageblock: the SPB it lands in is the only tainted one */
	uint64_t nb[MMR_MT__COUNT] = { [MMR_MT_UNMOVABLE] = 1,
				       [MMR_MT_MOVABLE] = pages / PB - 1 };
	int err;

	err = synth_model_watermarks(start, pages, wm);
	if (err)
		return err;
	return synth_write_snapshot(st, run, start, pages, wm, free, p->free_blocks, nb, &total);
}

static int stream(struct mmr_writer *w, const struct spb_params *p, uint64_t seed,
		  uint64_t *first, uint64_t *last, uint64_t *nr)
{
	uint64_t end = T0 + (uint64_t)(p->seconds * 1e9), rng = seed * 0x9e3779b97f4a7c15ull + 77;
	uint64_t nu = UINT64_MAX, nf = UINT64_MAX, pfn = 1ull << 32;
	struct synth_heap h = { 0 };
	int err = 0;

	if (!rng)
		rng = 1;
	if (p->unmov_rate > 0)
		nu = T0 + (uint64_t)synth_expo(&rng, 1e9 / p->unmov_rate);
	if (p->file_rate > 0)
		nf = T0 + (uint64_t)synth_expo(&rng, 1e9 / p->file_rate);
	*first = *last = *nr = 0;
	for (;;) {
		uint64_t t = nu < nf ? nu : nf;
		struct mmr_event ev;

		if (h.n && h.v[0].ts <= t && h.v[0].ts < end) {
			struct synth_pending f = synth_heap_pop(&h);

			mmr_event_init(&ev, MMR_EV_PAGE_FREE);
			ev.ts = f.ts;
			ev.pid = 1001;
			ev.val[0] = (int64_t)f.pfn;
			ev.val[1] = 0;
		} else if (t < end) {
			bool unmov = nu < nf;

			mmr_event_init(&ev, MMR_EV_PAGE_ALLOC);
			ev.ts = t;
			ev.pid = unmov ? 1002 : 1001;
			ev.val[0] = (int64_t)pfn;
			ev.val[1] = 0;
			ev.val[2] = (int64_t)(unmov ? MMR_GFP_KERNEL : MMR_GFP_HIGHUSER_MOVABLE);
			ev.val[3] = unmov ? MMR_MT_UNMOVABLE : MMR_MT_MOVABLE;
			if (unmov) {
				nu += 1 + (uint64_t)synth_expo(&rng, 1e9 / p->unmov_rate);
			} else {
				err = synth_heap_push(&h, (struct synth_pending){
					.ts = t + 1 +
					      (uint64_t)(synth_expo(&rng, p->file_life) * 1e9),
					.pfn = pfn });
				if (err)
					break;
				nf += 1 + (uint64_t)synth_expo(&rng, 1e9 / p->file_rate);
			}
			pfn++;
		} else {
			break;
		}
		err = synth_emit(w, &ev, first, last, nr);
		if (err)
			break;
	}
	free(h.v);
	return err;
}

int synth_spb_stuck(struct mmr_store *st, uint64_t seed, const char *const *sets, int nr_sets,
		    int64_t *run_id)
{
	struct mmr_run_info info = { .kind = "synth", .host = "synthetic", .clock = "synthetic",
				     .nr_cpus = 1 };
	struct spb_params p = defaults;
	struct mmr_writer *w = NULL;
	uint64_t start = 1ull << 20, pages, first, last, n;
	char params[512], source[96];
	int err;

	for (int k = 0; k < nr_sets; k++) {
		err = set_param(&p, sets[k]);
		if (err)
			return err;
	}
	pages = ((uint64_t)(p.zone_mb * 256) / PB) * PB;
	snprintf(params, sizeof(params), "{\"scenario\":\"spb-stuck\",\"seed\":%llu,"
		 "\"zone_mb\":%g,\"seconds\":%g,\"unmov_rate\":%g,\"file_rate\":%g,"
		 "\"file_life\":%g,\"free_pct\":%g,\"free_blocks\":%g}", (unsigned long long)seed,
		 p.zone_mb, p.seconds, p.unmov_rate, p.file_rate, p.file_life, p.free_pct,
		 p.free_blocks);
	snprintf(source, sizeof(source), "synth spb-stuck seed %llu", (unsigned long long)seed);
	info.source = source;
	info.params = params;

	err = mmr_store_begin(st);
	if (!err)
		err = mmr_store_run_add(st, &info, run_id);
	if (!err)
		err = snapshot(st, *run_id, &p, start, pages);
	if (!err)
		err = mmr_store_task(st, *run_id, 1001, "synth-pagecache");
	if (!err)
		err = mmr_store_task(st, *run_id, 1002, "synth-kernel");
	if (!err)
		err = mmr_writer_new(st, *run_id, &w);
	if (!err)
		err = stream(w, &p, seed, &first, &last, &n);
	if (!err)
		err = mmr_store_run_finish(st, *run_id, first, last, n, true);
	if (!err)
		err = mmr_store_commit(st);
	if (err)
		mmr_store_rollback(st);
	mmr_writer_free(w);
	return err;
}
