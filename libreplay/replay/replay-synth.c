/*
 * replay/replay-synth.c - synthetic recorded-style runs (kind "synth"): a zone and
 * pagetypeinfo snapshot for the initial state, and a seeded stream of mm_page_alloc
 * and mm_page_free events, written like an import so that replay, storms and every
 * query treat it as a recording.
 *
 * Streams: page cache (order 0, GFP_HIGHUSER_MOVABLE, never freed by the workload:
 * reclaim has to make room), unmovable kernel memory (GFP_KERNEL, orders 0-3) and
 * reclaimable slab (GFP_KERNEL | __GFP_RECLAIMABLE), transparent huge pages
 * (GFP_TRANSHUGE, order 9), each a Poisson process at its rate, each object living
 * an exponential lifetime with its mean (0: forever). Pfns are synthetic identities,
 * unique while live. The watermarks in the snapshot are the ones the model computes
 * for the zone, so "near the low watermark" means the same thing to the replay.
 *
 * The recorded host reclaims as a real one does (parameter reclaim=1, the default):
 * its kswapd wakes when the host's free pages fall below the low watermark and frees
 * page cache that is never freed by the workload, oldest first (the pages there at
 * the start, then the stream's), until free pages reach the high watermark, all at
 * the nanosecond after the allocation that woke it. Its frees carry kswapd's pid, so
 * a replay drops them as the recorded kernel's reclaim; their pfns are used again by
 * later page cache. The allocations and the workload's frees do not depend on it:
 * the same seed gives the same stream either way, and the same replay. reclaim=0
 * leaves kswapd out (rising pfns, a recording no host could have made).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "replay-local.h"

#define PB	MMR_MODEL_PAGEBLOCK_PAGES
#define T0	1000000000ull	/* synthetic runs start at 1 s on their clock */

enum { S_FILE, S_UNMOV, S_RECL, S_THP, NR_STREAMS };

struct synth_params {
	double	zone_mb;		/* Normal zone size */
	double	seconds;		/* length of the stream */
	double	rate[NR_STREAMS];	/* allocations per second */
	double	life[NR_STREAMS];	/* mean lifetime, seconds; 0 = never freed */
	double	unmov_blocks_pct;	/* initial UNMOVABLE pageblocks, % of the zone */
	double	recl_blocks_pct;	/* initial RECLAIMABLE pageblocks */
	double	free_at;		/* initial free memory: 0 = low watermark, 1 = high;
					 * above 1: that share of the zone (e.g. 1.5 = 50%) */
	double	free_blocks;		/* share of free memory in whole free pageblocks */
	double	reclaim;		/* 1: the host's kswapd frees page cache; 0: none */
};

static const struct {
	const char		*name;
	const char		*summary;
	struct synth_params	p;
} scenarios[] = {
	{ "defrag-storm",
	  "a host near its low watermark, memory mostly page cache, a fast page-cache "
	  "stream and a growing set of small unmovable and reclaimable allocations",
	  { .zone_mb = 1024, .seconds = 1,
	    .rate = { [S_FILE] = 700000, [S_UNMOV] = 60000, [S_RECL] = 30000 },
	    .life = { [S_UNMOV] = 0.3, [S_RECL] = 0.3 },
	    .unmov_blocks_pct = 2, .recl_blocks_pct = 1, .free_at = 0.5, .free_blocks = 0,
	    .reclaim = 1 } },
	{ "thp-churn",
	  "order-9 movable demand under fragmentation: THPs come and go while page cache "
	  "streams in, free memory scattered in small buddies",
	  { .zone_mb = 256, .seconds = 0.2,
	    .rate = { [S_FILE] = 400000, [S_UNMOV] = 5000, [S_THP] = 2000 },
	    .life = { [S_UNMOV] = 0.1, [S_THP] = 0.05 },
	    .unmov_blocks_pct = 3, .recl_blocks_pct = 1, .free_at = 0.8, .free_blocks = 0,
	    .reclaim = 1 } },
	{ "steady",
	  "the control: half the zone free, allocations and frees in balance, no pressure",
	  { .zone_mb = 256, .seconds = 0.2,
	    .rate = { [S_FILE] = 50000, [S_UNMOV] = 20000, [S_RECL] = 10000 },
	    .life = { [S_FILE] = 0.05, [S_UNMOV] = 0.05, [S_RECL] = 0.05 },
	    .unmov_blocks_pct = 2, .recl_blocks_pct = 1, .free_at = 1.5, .free_blocks = 0.5,
	    .reclaim = 1 } },
};

static const struct mmr_synth_scenario public_list[] = {
	{ "defrag-storm", NULL }, { "thp-churn", NULL }, { "steady", NULL },
};

const struct mmr_synth_scenario *mmr_synth_scenarios(int *nr)
{
	static struct mmr_synth_scenario list[ARRAY_SIZE(scenarios) + 1];

	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++)
		list[i] = (struct mmr_synth_scenario){ scenarios[i].name, scenarios[i].summary };
	list[ARRAY_SIZE(scenarios)] = (struct mmr_synth_scenario){ "spb-stuck",
		synth_spb_stuck_summary };	/* replay-synth-spb.c */
	(void)public_list;
	*nr = (int)ARRAY_SIZE(scenarios) + 1;
	return list;
}

static const char *const stream_name[NR_STREAMS] = { "file", "unmov", "recl", "thp" };

/* "key=value" onto the parameters. Return: 0 or -MMR_E_INVAL (logged). */
static int set_param(struct synth_params *p, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[64], *end;
	double v;

	if (!eq || (size_t)(eq - kv) >= sizeof(key)) {
		mmr_err("scenario parameter '%s' is not key=value", kv);
		return -MMR_E_INVAL;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
	v = strtod(eq + 1, &end);
	if (end == eq + 1 || *end || !isfinite(v) || v < 0) {
		mmr_err("scenario parameter '%s': not a number >= 0", kv);
		return -MMR_E_INVAL;
	}
	if (!strcmp(key, "zone_mb") && v >= 32 && v <= 1 << 20)
		p->zone_mb = v;
	else if (!strcmp(key, "seconds") && v > 0 && v <= 3600)
		p->seconds = v;
	else if (!strcmp(key, "unmov_blocks_pct") && v <= 50)
		p->unmov_blocks_pct = v;
	else if (!strcmp(key, "recl_blocks_pct") && v <= 50)
		p->recl_blocks_pct = v;
	else if (!strcmp(key, "free_at") && v <= 1.9)
		p->free_at = v;
	else if (!strcmp(key, "free_blocks") && v <= 1)
		p->free_blocks = v;
	else if (!strcmp(key, "reclaim") && (v == 0 || v == 1))
		p->reclaim = v;
	else {
		for (int s = 0; s < NR_STREAMS; s++) {
			char r[32], l[32];

			snprintf(r, sizeof(r), "%s_rate", stream_name[s]);
			snprintf(l, sizeof(l), "%s_life", stream_name[s]);
			if (!strcmp(key, r) && v <= 1e8) {
				p->rate[s] = v;
				return 0;
			}
			if (!strcmp(key, l)) {
				p->life[s] = v;
				return 0;
			}
		}
		mmr_err("unknown or out-of-range scenario parameter '%s'", kv);
		return -MMR_E_INVAL;
	}
	return 0;
}

/* xorshift64*: small, seeded, the same everywhere */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static double uniform(uint64_t *s)
{
	return ((double)(rnd(s) >> 11) + 0.5) / (double)(1ull << 53);
}

double synth_expo(uint64_t *s, double mean)
{
	return -mean * log(uniform(s));
}

int synth_heap_push(struct synth_heap *h, struct synth_pending p)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 1024;
		struct synth_pending *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	for (i = h->n++; i > 0 && h->v[(i - 1) / 2].ts > p.ts; i = (i - 1) / 2)
		h->v[i] = h->v[(i - 1) / 2];
	h->v[i] = p;
	return 0;
}

struct synth_pending synth_heap_pop(struct synth_heap *h)
{
	struct synth_pending top = h->v[0], last = h->v[--h->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1].ts < h->v[c].ts)
			c++;
		if (h->v[c].ts >= last.ts)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

int synth_emit(struct mmr_writer *w, const struct mmr_event *ev, uint64_t *first,
	       uint64_t *last, uint64_t *n)
{
	if (!*n)
		*first = ev->ts;
	*last = ev->ts;
	(*n)++;
	return mmr_writer_add(w, ev);
}

/* Watermarks the model computes for a Normal zone of @pages (replay-local.h). */
int synth_model_watermarks(uint64_t start, uint64_t pages, uint64_t wm[3])
{
	struct mmr_model_config cfg;
	struct mmr_model_zone_info zi;
	struct mmr_model *m;
	int err;

	mmr_model_config_init(&cfg);
	cfg.nr_zones = 1;
	cfg.zones[0] = (struct mmr_model_zone_config){ .zone_idx = MMR_ZONE_NORMAL,
		.start_pfn = start, .spanned_pages = pages };
	err = mmr_model_new(&cfg, &m);
	if (err)
		return err;
	err = mmr_model_zone_info(m, 0, &zi);
	wm[0] = zi.wmark_min;
	wm[1] = zi.wmark_low;
	wm[2] = zi.wmark_high;
	mmr_model_free(m);
	return err;
}

int synth_write_snapshot(struct mmr_store *st, int64_t run, uint64_t start, uint64_t pages,
			 const uint64_t wm[3], uint64_t free, double free_blocks,
			 const uint64_t nr_blocks[MMR_MT__COUNT], uint64_t *free_pages)
{
	uint64_t whole, small, fr[4] = { 0 };
	struct mmr_stmt *s;
	int err;

	whole = (uint64_t)((double)free * free_blocks) / PB;	/* free pageblocks */
	small = free - whole * PB;
	/* the rest in order-0..3 MOVABLE buddies, pages split evenly between the orders */
	for (int o = 0; o <= 3; o++)
		fr[o] = small / 4 >> o;
	*free_pages = whole * PB;
	for (int o = 0; o <= 3; o++)
		*free_pages += fr[o] << o;

	err = mmr_stmt_prepare(st, "INSERT INTO zone_snapshots (run_id, phase, node, zone, "
			       "zone_idx, spanned, present, managed, free, min, low, high, boost, "
			       "start_pfn) VALUES (?1, 'start', 0, 'Normal', 2, ?2, ?2, ?2, ?3, ?4, "
			       "?5, ?6, 0, ?7)", &s);
	if (err)
		return err;
	mmr_stmt_bind_int(s, 1, run);
	mmr_stmt_bind_int(s, 2, (int64_t)pages);
	mmr_stmt_bind_int(s, 3, (int64_t)*free_pages);
	for (int i = 0; i < 3; i++)
		mmr_stmt_bind_int(s, 4 + i, (int64_t)wm[i]);
	mmr_stmt_bind_int(s, 7, (int64_t)start);
	err = mmr_stmt_step(s);
	mmr_stmt_free(s);
	if (err < 0)
		return err;

	err = mmr_stmt_prepare(st, "INSERT INTO pageblock_snapshots (run_id, phase, node, zone, "
			       "migratetype, nr_blocks) VALUES (?1, 'start', 0, 'Normal', ?2, ?3)", &s);
	for (int mt = 0; !err && mt <= MMR_MT_RECLAIMABLE; mt++) {
		mmr_stmt_bind_int(s, 1, run);
		mmr_stmt_bind_text(s, 2, mmr_migratetype_name(mt));
		mmr_stmt_bind_int(s, 3, (int64_t)nr_blocks[mt]);
		err = mmr_stmt_step(s);
		mmr_stmt_reset(s);
	}
	mmr_stmt_free(s);
	if (err < 0)
		return err;
	err = mmr_stmt_prepare(st, "INSERT INTO free_area_snapshots (run_id, phase, node, zone, "
			       "migratetype, \"order\", nr_free) VALUES (?1, 'start', 0, 'Normal', "
			       "?2, ?3, ?4)", &s);
	for (int mt = 0; !err && mt <= MMR_MT_RECLAIMABLE; mt++) {
		for (int o = 0; !err && o < MMR_MODEL_NR_ORDERS; o++) {
			uint64_t n = 0;

			if (mt == MMR_MT_MOVABLE && o <= 3)
				n = fr[o];
			if (mt == MMR_MT_MOVABLE && o == MMR_MODEL_PAGEBLOCK_ORDER)
				n = whole;
			mmr_stmt_bind_int(s, 1, run);
			mmr_stmt_bind_text(s, 2, mmr_migratetype_name(mt));
			mmr_stmt_bind_int(s, 3, o);
			mmr_stmt_bind_int(s, 4, (int64_t)n);
			err = mmr_stmt_step(s);
			mmr_stmt_reset(s);
		}
	}
	mmr_stmt_free(s);
	return err < 0 ? err : 0;
}

/*
 * The recorded host as far as its kswapd needs it: free pages against the
 * watermarks, and the page cache it may reclaim, oldest first.
 */
struct synth_host {
	int64_t		free;		/* free pages */
	uint64_t	low, high;	/* watermarks */
	uint64_t	initial_cache;	/* page cache there at the start, not yet reclaimed */
	uint64_t	next_initial;	/* pfn of the next of those reclaimed */
	uint64_t	*lru;		/* the stream's page cache, a ring: oldest at head */
	size_t		head, len, cap;	/* cap: a power of two */
	uint64_t	*spare;		/* pfns reclaimed, for later page cache */
	size_t		nr_spare, spare_cap;
};

static int host_lru_push(struct synth_host *h, uint64_t pfn)
{
	if (h->len == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 4096;
		uint64_t *v = malloc(cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < h->len; i++)
			v[i] = h->lru[(h->head + i) & (h->cap - 1)];
		free(h->lru);
		h->lru = v;
		h->head = 0;
		h->cap = cap;
	}
	h->lru[(h->head + h->len++) & (h->cap - 1)] = pfn;
	return 0;
}

static int host_spare_push(struct synth_host *h, uint64_t pfn)
{
	int err = mmr_grow((void **)&h->spare, &h->spare_cap, h->nr_spare + 1,
			   sizeof(*h->spare));

	if (!err)
		h->spare[h->nr_spare++] = pfn;
	return err;
}

static const int32_t kswapd_pid = 1009;

/*
 * kswapd of the recorded host, woken at @ts by an allocation that left free pages
 * below the low watermark: page cache frees, oldest first, until free pages reach
 * the high watermark or no page cache is left, between its wake and sleep events.
 */
static int host_kswapd(struct synth_host *h, struct mmr_writer *w, uint64_t ts,
		       uint64_t *first, uint64_t *last, uint64_t *n)
{
	struct mmr_event ev;
	int err;

	mmr_event_init(&ev, MMR_EV_KSWAPD_WAKE);
	ev.ts = ts;
	ev.pid = kswapd_pid;
	ev.val[1] = MMR_ZONE_NORMAL;	/* nid 0, order 0 */
	err = synth_emit(w, &ev, first, last, n);
	while (!err && h->free < (int64_t)h->high && (h->initial_cache || h->len)) {
		uint64_t pfn;

		if (h->initial_cache) {
			h->initial_cache--;
			pfn = h->next_initial++;
		} else {
			pfn = h->lru[h->head];
			h->head = (h->head + 1) & (h->cap - 1);
			h->len--;
		}
		mmr_event_init(&ev, MMR_EV_PAGE_FREE);
		ev.ts = ts;
		ev.pid = kswapd_pid;
		ev.val[0] = (int64_t)pfn;
		err = synth_emit(w, &ev, first, last, n);
		if (!err)
			err = host_spare_push(h, pfn);
		h->free++;
	}
	if (err)
		return err;
	mmr_event_init(&ev, MMR_EV_KSWAPD_SLEEP);
	ev.ts = ts;
	ev.pid = kswapd_pid;
	return synth_emit(w, &ev, first, last, n);
}

static int write_snapshot(struct mmr_store *st, int64_t run, const struct synth_params *p,
			  uint64_t start, uint64_t pages, struct synth_host *host)
{
	uint64_t blocks = pages / PB, wm[3], nb[MMR_MT__COUNT] = { 0 }, free, free_pages;
	uint64_t used_other;
	int err;

	err = synth_model_watermarks(start, pages, wm);
	if (err)
		return err;
	if (p->free_at <= 1)
		free = wm[1] + (uint64_t)((double)(wm[2] - wm[1]) * p->free_at);
	else
		free = (uint64_t)((double)pages * (p->free_at - 1));
	nb[MMR_MT_UNMOVABLE] = (uint64_t)((double)blocks * p->unmov_blocks_pct / 100);
	nb[MMR_MT_RECLAIMABLE] = (uint64_t)((double)blocks * p->recl_blocks_pct / 100);
	nb[MMR_MT_MOVABLE] = blocks - nb[MMR_MT_UNMOVABLE] - nb[MMR_MT_RECLAIMABLE];
	err = synth_write_snapshot(st, run, start, pages, wm, free, p->free_blocks, nb,
				   &free_pages);
	if (err)
		return err;
	/* the used pages of the MOVABLE blocks are page cache (all free memory is there) */
	used_other = (nb[MMR_MT_UNMOVABLE] + nb[MMR_MT_RECLAIMABLE]) * PB;
	*host = (struct synth_host){ .free = (int64_t)free_pages, .low = wm[1], .high = wm[2],
		.next_initial = start,
		.initial_cache = pages > free_pages + used_other ?
				 pages - free_pages - used_other : 0 };
	return 0;
}

static const struct {
	uint64_t	gfp;
	int		mt;
	int32_t		pid;
	const char	*comm;
} stream_kind[NR_STREAMS] = {
	[S_FILE]  = { MMR_GFP_HIGHUSER_MOVABLE, MMR_MT_MOVABLE, 1001, "synth-pagecache" },
	[S_UNMOV] = { MMR_GFP_KERNEL, MMR_MT_UNMOVABLE, 1002, "synth-kernel" },
	[S_RECL]  = { MMR_GFP_KERNEL | MMR_GFP_RECLAIMABLE, MMR_MT_RECLAIMABLE, 1003, "synth-slab" },
	[S_THP]   = { MMR_GFP_TRANSHUGE | MMR_GFP_COMP, MMR_MT_MOVABLE, 1004, "synth-thp" },
};

static int write_stream(struct mmr_writer *w, const struct synth_params *p, uint64_t seed,
			struct synth_host *host, uint64_t *first, uint64_t *last, uint64_t *n)
{
	uint64_t end = T0 + (uint64_t)(p->seconds * 1e9), next[NR_STREAMS], pfn = 1ull << 32;
	uint64_t rng = seed * 0x9e3779b97f4a7c15ull + 0x1234567;
	struct synth_heap h = { 0 };
	/* the host's kswapd reclaims the page cache the workload keeps forever */
	bool kswapd = p->reclaim > 0 && p->life[S_FILE] == 0;
	int err = 0;

	if (!rng)
		rng = 1;
	for (int s = 0; s < NR_STREAMS; s++)
		next[s] = p->rate[s] > 0 ? T0 + (uint64_t)(synth_expo(&rng, 1e9 / p->rate[s])) :
			  UINT64_MAX;
	*first = 0;
	*n = 0;
	for (;;) {
		struct mmr_event ev;
		int s = -1;

		for (int i = 0; i < NR_STREAMS; i++)
			if (next[i] < end && (s < 0 || next[i] < next[s]))
				s = i;
		if (h.n && (s < 0 || h.v[0].ts <= next[s]) && h.v[0].ts < end) {
			struct synth_pending f = synth_heap_pop(&h);

			mmr_event_init(&ev, MMR_EV_PAGE_FREE);
			ev.ts = f.ts;
			ev.pid = f.pid;
			ev.val[0] = (int64_t)f.pfn;
			ev.val[1] = f.order;
			host->free += 1ll << f.order;
		} else if (s >= 0) {
			unsigned int order = 0;

			if (s == S_THP)
				order = MMR_MODEL_PAGEBLOCK_ORDER;
			else if (s == S_UNMOV && uniform(&rng) < 0.1)
				order = 1 + (unsigned int)(rnd(&rng) % 3);	/* some orders 1-3 */
			bool spare = kswapd && s == S_FILE && host->nr_spare;
			uint64_t at;

			if (spare) {
				at = host->spare[--host->nr_spare];
			} else {
				pfn = (pfn + (1ull << order) - 1) & ~((1ull << order) - 1);
				at = pfn;
				pfn += 1ull << order;
			}
			mmr_event_init(&ev, MMR_EV_PAGE_ALLOC);
			ev.ts = next[s];
			ev.pid = stream_kind[s].pid;
			ev.val[0] = (int64_t)at;
			ev.val[1] = order;
			ev.val[2] = (int64_t)stream_kind[s].gfp;
			ev.val[3] = stream_kind[s].mt;
			if (p->life[s] > 0) {
				err = synth_heap_push(&h, (struct synth_pending){
					.ts = next[s] + 1 +
					      (uint64_t)(synth_expo(&rng, p->life[s]) * 1e9),
					.pfn = at, .order = (uint8_t)order, .pid = stream_kind[s].pid });
				if (err)
					break;
			}
			if (kswapd && s == S_FILE) {
				err = host_lru_push(host, at);
				if (err)
					break;
			}
			host->free -= 1ll << order;
			next[s] += 1 + (uint64_t)synth_expo(&rng, 1e9 / p->rate[s]);
		} else {
			break;
		}
		err = synth_emit(w, &ev, first, last, n);
		if (!err && kswapd && ev.type == MMR_EV_PAGE_ALLOC && host->free < (int64_t)host->low)
			err = host_kswapd(host, w, ev.ts + 1, first, last, n);
		if (err)
			break;
	}
	free(h.v);
	return err;
}

static char *params_json(const char *scenario, uint64_t seed, const struct synth_params *p)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_adds(&sb, "{\"scenario\":");
	sb_add_json_str(&sb, scenario, strlen(scenario));
	sb_addf(&sb, ",\"seed\":%llu,\"zone_mb\":%g,\"seconds\":%g,\"unmov_blocks_pct\":%g,"
		"\"recl_blocks_pct\":%g,\"free_at\":%g,\"free_blocks\":%g,\"reclaim\":%g",
		(unsigned long long)seed, p->zone_mb, p->seconds, p->unmov_blocks_pct,
		p->recl_blocks_pct, p->free_at, p->free_blocks, p->reclaim);
	for (int s = 0; s < NR_STREAMS; s++)
		sb_addf(&sb, ",\"%s_rate\":%g,\"%s_life\":%g", stream_name[s], p->rate[s],
			stream_name[s], p->life[s]);
	sb_adds(&sb, "}");
	if (sb_failed(&sb)) {
		sb_release(&sb);
		return NULL;
	}
	return sb.buf;
}

/* The scenario's parameters with @sets applied. Return: 0 or -MMR_E_INVAL (logged). */
static int synth_params_for(const char *scenario, const char *const *sets, int nr_sets,
			    struct synth_params *p)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (!strcmp(scenarios[i].name, scenario))
			break;
	if (i == ARRAY_SIZE(scenarios)) {
		mmr_err("unknown scenario '%s' (mmreplay synth --list)", scenario);
		return -MMR_E_INVAL;
	}
	*p = scenarios[i].p;
	for (int k = 0; k < nr_sets; k++) {
		int err = set_param(p, sets[k]);

		if (err)
			return err;
	}
	return 0;
}

int mmr_synth_check(const char *scenario, const char *const *sets, int nr_sets)
{
	struct synth_params p;

	if (!strcmp(scenario, "spb-stuck"))	/* its parameters are checked as it runs */
		return 0;
	return synth_params_for(scenario, sets, nr_sets, &p);
}

int mmr_synth_run(struct mmr_store *st, const char *scenario, uint64_t seed,
		  const char *const *sets, int nr_sets, int64_t *run_id)
{
	struct mmr_run_info info = { .kind = "synth", .host = "synthetic", .clock = "synthetic",
				     .nr_cpus = 1 };
	struct synth_params p;
	struct mmr_writer *w = NULL;
	uint64_t start = 1ull << 20, pages, first = 0, last = 0, n = 0;
	struct synth_host host = { 0 };
	char *params = NULL, source[96];
	int err;

	if (!strcmp(scenario, "spb-stuck"))	/* replay-synth-spb.c */
		return synth_spb_stuck(st, seed, sets, nr_sets, run_id);
	err = synth_params_for(scenario, sets, nr_sets, &p);
	if (err)
		return err;
	pages = ((uint64_t)(p.zone_mb * 256) / PB) * PB;
	params = params_json(scenario, seed, &p);
	if (!params)
		return -ENOMEM;
	snprintf(source, sizeof(source), "synth %s seed %llu", scenario, (unsigned long long)seed);
	info.source = source;
	info.params = params;

	err = mmr_store_begin(st);
	if (!err)
		err = mmr_store_run_add(st, &info, run_id);
	if (!err)
		err = write_snapshot(st, *run_id, &p, start, pages, &host);
	for (int s = 0; !err && s < NR_STREAMS; s++)
		if (p.rate[s] > 0)
			err = mmr_store_task(st, *run_id, stream_kind[s].pid, stream_kind[s].comm);
	if (!err && p.reclaim > 0)
		err = mmr_store_task(st, *run_id, kswapd_pid, "kswapd0");
	if (!err)
		err = mmr_writer_new(st, *run_id, &w);
	if (!err)
		err = write_stream(w, &p, seed, &host, &first, &last, &n);
	if (!err)
		err = mmr_store_run_finish(st, *run_id, first, last, n, true);
	if (!err)
		err = mmr_store_commit(st);
	if (err)
		mmr_store_rollback(st);
	mmr_writer_free(w);
	free(host.lru);
	free(host.spare);
	free(params);
	return err;
}
