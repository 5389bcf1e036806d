/*
 * replay/replay-init.c - the model's zones and starting state for a run: from the
 * run's first allocator snapshot (/proc/zoneinfo for sizes and the host's own
 * watermarks, /proc/pagetypeinfo for pageblocks per migratetype and free buddies per
 * order and migratetype), fitted to what the model accepts.
 *
 * Fitting: a zone is as large as its present pages (the model has no holes: the
 * spanned-but-absent pages are left out, so reserved pages are present - managed),
 * cut to whole pageblocks (512-page alignment); zones under MIN_ZONE_BLOCKS pageblocks (ZONE_DMA) are left
 * out; block counts are scaled to the zone's blocks, MOVABLE giving way first; free
 * buddies that do not fit their type's blocks are dropped from the highest order
 * down. Without a snapshot (a trace.dat imported on its own) the model gets one
 * Normal zone over the pfns the trace touches, all MOVABLE, filled with page cache
 * but for free memory at the high watermark in small buddies: a guess, said loudly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "replay-local.h"

#define MIN_ZONE_BLOCKS	16
#define PB_PAGES	MMR_MODEL_PAGEBLOCK_PAGES

static int mt_from_name(const char *name)
{
	for (int mt = 0; mt < MMR_MT__COUNT; mt++)
		if (!strcmp(mmr_migratetype_name(mt), name))
			return mt;
	return -1;
}

/* Scales @st so that it fits @blocks pageblocks; returns what was dropped, in pages. */
static uint64_t fit_state(struct mmr_model_zone_state *st, uint64_t blocks)
{
	uint64_t sum = 0, dropped = 0;

	for (int mt = 0; mt < MMR_MT__COUNT; mt++)
		sum += st->nr_blocks[mt];
	/* the model calls every block not listed MOVABLE: drop MOVABLE first */
	if (sum > blocks) {
		uint64_t over = sum - blocks;
		uint64_t cut = over < st->nr_blocks[MMR_MT_MOVABLE] ? over :
			       st->nr_blocks[MMR_MT_MOVABLE];

		st->nr_blocks[MMR_MT_MOVABLE] -= cut;
		over -= cut;
		for (int mt = 0; over && mt < MMR_MT__COUNT; mt++) {
			cut = over < st->nr_blocks[mt] ? over : st->nr_blocks[mt];
			st->nr_blocks[mt] -= cut;
			over -= cut;
		}
	}
	sum = 0;
	for (int mt = 0; mt < MMR_MT__COUNT; mt++)
		sum += st->nr_blocks[mt];
	st->nr_blocks[MMR_MT_MOVABLE] += blocks - sum;	/* what pagetypeinfo did not list */

	/* free memory of each type must fit in that type's blocks, whole ones for >= 9 */
	for (int mt = 0; mt < MMR_MT__COUNT; mt++) {
		uint64_t room = st->nr_blocks[mt] * PB_PAGES, need = 0, whole = 0;

		for (int o = 0; o < MMR_MODEL_NR_ORDERS; o++) {
			need += st->nr_free[o][mt] << o;
			if (o >= MMR_MODEL_PAGEBLOCK_ORDER)
				whole += (st->nr_free[o][mt] << o) / PB_PAGES;
		}
		for (int o = MMR_MODEL_MAX_ORDER; o >= 0 && (need > room ||
							   whole > st->nr_blocks[mt]); o--) {
			while (st->nr_free[o][mt] && (need > room || whole > st->nr_blocks[mt])) {
				st->nr_free[o][mt]--;
				need -= 1ull << o;
				dropped += 1ull << o;
				if (o >= MMR_MODEL_PAGEBLOCK_ORDER)
					whole -= (1ull << o) / PB_PAGES;
			}
		}
	}
	return dropped;
}

static int read_zones(struct mmr_store *st, int64_t run_id, const char *phase,
		      struct mmr_model_config *cfg, int zone_row_idx[MMR_MODEL_MAX_ZONES],
		      char names[MMR_MODEL_MAX_ZONES][32])
{
	struct mmr_stmt *s;
	int rc, err;

	err = mmr_stmt_prepare(st, "SELECT zone, zone_idx, start_pfn, spanned, present, managed, "
			       "min, low, high FROM zone_snapshots WHERE run_id = ?1 AND "
			       "phase = ?2 AND node = (SELECT min(node) FROM zone_snapshots "
			       "WHERE run_id = ?1 AND phase = ?2) ORDER BY zone_idx", &s);
	if (err)
		return err;
	mmr_stmt_bind_int(s, 1, run_id);
	mmr_stmt_bind_text(s, 2, phase);
	cfg->nr_zones = 0;
	while ((rc = mmr_stmt_step(s)) == 1 && cfg->nr_zones < MMR_MODEL_MAX_ZONES) {
		struct mmr_model_zone_config *z = &cfg->zones[cfg->nr_zones];
		int64_t idx = mmr_stmt_int(s, 1), start = mmr_stmt_int(s, 2);
		int64_t spanned = mmr_stmt_int(s, 3), managed = mmr_stmt_int(s, 5);

		/* the model has no holes: a zone is as large as its present pages */
		if (!mmr_stmt_is_null(s, 4) && mmr_stmt_int(s, 4) > 0 &&
		    mmr_stmt_int(s, 4) < spanned)
			spanned = mmr_stmt_int(s, 4);
		uint64_t first, end;

		if (idx < MMR_ZONE_DMA || idx > MMR_ZONE_MOVABLE || managed <= 0 || spanned <= 0 ||
		    start < 0)
			continue;
		first = ((uint64_t)start + PB_PAGES - 1) & ~(uint64_t)(PB_PAGES - 1);
		end = ((uint64_t)start + (uint64_t)spanned) & ~(uint64_t)(PB_PAGES - 1);
		if (end <= first || (end - first) / PB_PAGES < MIN_ZONE_BLOCKS)
			continue;
		memset(z, 0, sizeof(*z));
		snprintf(names[cfg->nr_zones], sizeof(names[0]), "%s", mmr_stmt_text(s, 0));
		z->name = NULL;		/* the kernel's name of zone_idx */
		z->zone_idx = (int)idx;
		z->start_pfn = first;
		z->spanned_pages = end - first;
		z->managed_pages = (uint64_t)managed < z->spanned_pages ? (uint64_t)managed :
				   z->spanned_pages;
		if (!mmr_stmt_is_null(s, 6) && !mmr_stmt_is_null(s, 7) && !mmr_stmt_is_null(s, 8)) {
			z->wmark_min = (uint64_t)mmr_stmt_int(s, 6);
			z->wmark_low = (uint64_t)mmr_stmt_int(s, 7);
			z->wmark_high = (uint64_t)mmr_stmt_int(s, 8);
		}
		zone_row_idx[cfg->nr_zones] = (int)idx;
		cfg->nr_zones++;
	}
	mmr_stmt_free(s);
	return rc < 0 ? rc : 0;
}

/* Reads pagetypeinfo counts of zone @name into @zs. */
static int read_zone_state(struct mmr_store *st, int64_t run_id, const char *phase,
			   const char *name, struct mmr_model_zone_state *zs)
{
	struct mmr_stmt *s;
	int rc, err, per_type = 0;

	err = mmr_stmt_prepare(st, "SELECT migratetype, nr_blocks FROM pageblock_snapshots "
			       "WHERE run_id = ?1 AND phase = ?2 AND zone = ?3 AND node = "
			       "(SELECT min(node) FROM zone_snapshots WHERE run_id = ?1 AND phase = ?2)",
			       &s);
	if (err)
		return err;
	mmr_stmt_bind_int(s, 1, run_id);
	mmr_stmt_bind_text(s, 2, phase);
	mmr_stmt_bind_text(s, 3, name);
	while ((rc = mmr_stmt_step(s)) == 1) {
		int mt = mt_from_name(mmr_stmt_text(s, 0));

		if (mt >= 0 && mt != MMR_MT_ISOLATE)
			zs->nr_blocks[mt] = (uint64_t)mmr_stmt_int(s, 1);
	}
	mmr_stmt_free(s);
	if (rc < 0)
		return rc;

	err = mmr_stmt_prepare(st, "SELECT migratetype, \"order\", nr_free FROM free_area_snapshots "
			       "WHERE run_id = ?1 AND phase = ?2 AND zone = ?3 AND node = "
			       "(SELECT min(node) FROM zone_snapshots WHERE run_id = ?1 AND phase = ?2) "
			       "ORDER BY migratetype = 'all'", &s);
	if (err)
		return err;
	mmr_stmt_bind_int(s, 1, run_id);
	mmr_stmt_bind_text(s, 2, phase);
	mmr_stmt_bind_text(s, 3, name);
	while ((rc = mmr_stmt_step(s)) == 1) {
		const char *mtname = mmr_stmt_text(s, 0);
		int64_t order = mmr_stmt_int(s, 1), n = mmr_stmt_int(s, 2);
		int mt = mt_from_name(mtname);

		if (order < 0 || order > MMR_MODEL_MAX_ORDER || n < 0)
			continue;
		if (mt >= 0 && mt != MMR_MT_ISOLATE) {
			zs->nr_free[order][mt] = (uint64_t)n;
			per_type = 1;
		} else if (!strcmp(mtname, "all") && !per_type) {
			/* only /proc/buddyinfo: no types, count them as MOVABLE */
			zs->nr_free[order][MMR_MT_MOVABLE] = (uint64_t)n;
		}
	}
	mmr_stmt_free(s);
	return rc < 0 ? rc : 0;
}

/* No snapshot: one Normal zone over the pfns of the trace. */
static int guess_state(struct mmr_store *st, int64_t run_id, struct mmr_model_config *cfg,
		       struct mmr_model_zone_state *zs)
{
	char sql[512];
	int64_t lo = 0, hi = 0;
	int err;

	snprintf(sql, sizeof(sql), "SELECT min(pfn) FROM (SELECT pfn FROM mm_page_alloc WHERE "
		 "run_id = %lld AND pfn >= 0 UNION ALL SELECT pfn FROM mm_page_free WHERE "
		 "run_id = %lld)", (long long)run_id, (long long)run_id);
	err = mmr_store_query_int(st, sql, &lo);
	snprintf(sql, sizeof(sql), "SELECT max(pfn + (1 << \"order\")) FROM (SELECT pfn, \"order\" "
		 "FROM mm_page_alloc WHERE run_id = %lld AND pfn >= 0 UNION ALL SELECT pfn, "
		 "\"order\" FROM mm_page_free WHERE run_id = %lld)", (long long)run_id,
		 (long long)run_id);
	if (!err)
		err = mmr_store_query_int(st, sql, &hi);
	if (err)
		return err;
	if (hi <= lo) {
		mmr_err("run %lld holds no allocation stream to replay", (long long)run_id);
		return -MMR_E_NO_DATA;
	}
	uint64_t first = (uint64_t)lo & ~(uint64_t)(PB_PAGES - 1);
	uint64_t end = ((uint64_t)hi + PB_PAGES - 1) & ~(uint64_t)(PB_PAGES - 1);

	if ((end - first) / PB_PAGES < MIN_ZONE_BLOCKS)
		end = first + MIN_ZONE_BLOCKS * PB_PAGES;
	cfg->nr_zones = 1;
	cfg->zones[0] = (struct mmr_model_zone_config){ .zone_idx = MMR_ZONE_NORMAL,
		.start_pfn = first, .spanned_pages = end - first };
	memset(zs, 0, sizeof(*zs));
	mmr_warn("run %lld has no allocator snapshot: replaying on a guessed zone of %llu MiB "
		 "(the pfns the trace touches), nearly full of page cache; record with "
		 "'mmreplay record' or import with the host's snapshots for a faithful start",
		 (long long)run_id, (unsigned long long)((end - first) * 4 / 1024));
	return 0;
}

int replay_initial_state(struct mmr_store *st, int64_t run_id, struct mmr_model_config *cfg,
			 struct mmr_model_zone_state *states, bool *from_snapshot)
{
	char names[MMR_MODEL_MAX_ZONES][32];
	int idx[MMR_MODEL_MAX_ZONES];
	const char *phase = "start";
	int err;

	*from_snapshot = false;
	memset(states, 0, sizeof(*states) * MMR_MODEL_MAX_ZONES);
	err = read_zones(st, run_id, phase, cfg, idx, names);
	if (err)
		return err;
	if (!cfg->nr_zones) {
		err = guess_state(st, run_id, cfg, &states[0]);
		if (err)
			return err;
		/* free memory: the high watermark's worth, in order-0..3 buddies */
		uint64_t pages = cfg->zones[0].spanned_pages / 100;
		for (int o = 0; o <= 3; o++)
			states[0].nr_free[o][MMR_MT_MOVABLE] = pages / 4 >> o;
		return 0;
	}
	for (unsigned int z = 0; z < cfg->nr_zones; z++) {
		uint64_t blocks = cfg->zones[z].spanned_pages / PB_PAGES, dropped;

		err = read_zone_state(st, run_id, phase, names[z], &states[z]);
		if (err)
			return err;
		dropped = fit_state(&states[z], blocks);
		if (dropped)
			mmr_info("zone %s: %llu free pages of the snapshot do not fit the model's "
				 "%llu pageblocks and were left out", names[z],
				 (unsigned long long)dropped, (unsigned long long)blocks);
	}
	*from_snapshot = true;
	return 0;
}
