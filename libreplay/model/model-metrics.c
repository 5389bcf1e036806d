/*
 * model/model-metrics.c - the model's counters as named numbers, for the
 * run_metrics table of a replay and for `mmreplay compare`. Names are dotted, lower
 * case, unit last; a policy that adds state (superpageblocks) adds its own names here.
 */
#include "model-local.h"

static const char *const mt_suffix[3] = { "unmovable", "movable", "reclaimable" };

static void emit_per_mt(mmr_metric_fn fn, void *arg, const char *prefix, const uint64_t v[3])
{
	char name[96];

	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s.%s", prefix, mt_suffix[i]);
		fn(arg, name, (double)v[i]);
	}
}

void mmr_model_metrics(const struct mmr_model *m, mmr_metric_fn fn, void *arg)
{
	const struct mmr_model_stats *s = &m->stats;
	double over = s->direct_reclaimed > s->stalled_pages_needed ?
		      (double)(s->direct_reclaimed - s->stalled_pages_needed) : 0.0;

	fn(arg, "alloc.requests", (double)s->nr_alloc);
	fn(arg, "alloc.failed", (double)s->nr_alloc_failed);
	fn(arg, "alloc.slowpath", (double)s->slowpath);
	fn(arg, "alloc.order9_attempts", (double)s->order9_attempts);
	fn(arg, "alloc.order9_success", (double)s->order9_success);
	if (s->order9_attempts)
		fn(arg, "alloc.order9_success_ratio",
		   (double)s->order9_success / (double)s->order9_attempts);
	emit_per_mt(fn, arg, "alloc.requests", s->mt_alloc);
	emit_per_mt(fn, arg, "alloc.failed", s->mt_failed);

	fn(arg, "reclaim.direct_entries", (double)s->direct_reclaim);
	fn(arg, "reclaim.direct_pages", (double)s->direct_reclaimed);
	fn(arg, "reclaim.direct_scanned_pages", (double)s->direct_scanned);
	fn(arg, "reclaim.needed_pages", (double)s->stalled_pages_needed);
	fn(arg, "reclaim.over_reclaim_pages", over);
	fn(arg, "reclaim.no_progress_retries", (double)s->no_progress_retries);
	fn(arg, "reclaim.retries", (double)s->reclaim_retries);
	fn(arg, "reclaim.retry_capped", (double)s->retry_capped);
	fn(arg, "reclaim.kswapd_pages", (double)s->kswapd_reclaimed);
	fn(arg, "reclaim.kswapd_wakes", (double)s->kswapd_wakes);
	emit_per_mt(fn, arg, "reclaim.direct_pages", s->mt_direct_reclaimed);

	fn(arg, "compact.stalls", (double)s->compact_stall);
	fn(arg, "compact.success", (double)s->compact_success);
	fn(arg, "compact.fail", (double)s->compact_fail);
	fn(arg, "compact.retries", (double)s->compact_retries);
	fn(arg, "compact.migrated_pages", (double)s->compact_migrated);
	fn(arg, "compact.kcompactd_wakes", (double)s->kcompactd_wakes);
	fn(arg, "compact.captures", (double)s->captures);

	fn(arg, "extfrag.fallbacks", (double)(s->extfrag_claim + s->extfrag_steal));
	fn(arg, "extfrag.fragmenting", (double)s->extfrag_fragmenting);
	fn(arg, "extfrag.pollution", (double)s->extfrag_pollution);

	fn(arg, "oom.events", (double)s->oom);
	fn(arg, "stall.modelled_s", (double)s->stall_ns / 1e9);
	for (int i = 0; i < 3; i++) {
		char name[64];

		snprintf(name, sizeof(name), "stall.modelled_s.%s", mt_suffix[i]);
		fn(arg, name, (double)s->mt_stall_ns[i] / 1e9);
	}
	fn(arg, "blocks.mixed_end", (double)mmr_model_mixed_blocks(m));
	if (m->spbw)
		spb_metrics(m, fn, arg);
}
