/*
 * model/model-core.c - building and querying a model: zones, watermarks
 * (__setup_per_zone_wmarks(), calculate_min_free_kbytes(),
 * set_recommended_min_free_kbytes(), setup_per_zone_lowmem_reserve()), PCP sizes
 * (zone_batchsize(), zone_highsize()), event emission, the cost of work, statistics.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "model-local.h"

static const char *const zone_names[MMR_MODEL_MAX_ZONES] = { "DMA", "DMA32", "Normal", "Movable" };
static const unsigned int lowmem_reserve_ratio[MMR_MODEL_MAX_ZONES] = { 256, 256, 32, 0 };

void mmr_model_config_init(struct mmr_model_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->policy.pcp = true;
	cfg->policy.highatomic = true;
	cfg->policy.swap = true;
	cfg->policy.thp = true;
	cfg->sysctl.watermark_scale_factor = 10;
	cfg->sysctl.watermark_boost_factor = 15000;
	cfg->sysctl.compaction_proactiveness = 20;
	cfg->sysctl.extfrag_threshold = 500;
	cfg->sysctl.swappiness = 60;
	cfg->sysctl.pcp_cpus = 1;
	cfg->sysctl.retry_cap = 10000;
	cfg->costs = (struct mmr_model_costs){
		.slowpath_ns = 1000,
		.freelist_ns = 200,
		.retry_ns = 1000,
		.reclaim_call_ns = 2000,
		.reclaim_scan_ns = 100,
		.reclaim_file_ns = 900,
		.reclaim_anon_ns = 20000,
		.reclaim_slab_ns = 500,
		.compact_call_ns = 2000,
		.compact_scan_ns = 20,
		.compact_isolate_ns = 100,
		.migrate_ns = 2500,
		.drain_ns = 5000,
	};
	cfg->agents.mode = MMR_AGENTS_BUDGET;
	cfg->agents.kswapd_permille = 1000;
	cfg->agents.kcompactd_permille = 1000;
	cfg->agents.quantum_ns = 100000;
	cfg->agents.during_stall = true;
	cfg->spb = (struct mmr_model_spb){
		.pageblocks = 512,
		.min_spbs = 4,
		.nr_buckets = 4,
		.reserve_min = 4,
		.reserve_div = 32,
		.pass1_whole_first = true,
		.pass3_clean = true,
		.defrag_start_blocks = 1,
		.defrag_start_pb = 2,
		.defrag_stop_blocks = 2,
		.defrag_stop_pb = 3,
		.progress_blocks = 1,
		.cooldown_ns = 5000000000ull,
		.defrag_permille = 1000,
		.sample_ns = 10000000ull,
	};
	cfg->seed = 1;
}

uint64_t model_pfn(const struct model_zone *z, uint32_t idx)
{
	return z->start_pfn + idx;
}

/* xorshift64*: the model's only randomness, seeded from the config. */
uint64_t model_rand(struct mmr_model *m)
{
	uint64_t x = m->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	m->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

void model_emit(struct mmr_model *m, int32_t pid, enum mmr_event_type type, unsigned int n,
		const int64_t *vals)
{
	struct mmr_event ev;
	int ret;

	_Static_assert(MMR_EV__COUNT <= 64, "event_skip is a 64-bit mask");
	if (m->cfg.event_skip & (1ull << type))
		return;
	mmr_event_init(&ev, type);
	ev.ts = m->now;
	if (m->stalled_actor && pid == m->stalled_actor->pid) {
		uint64_t t = m->stalled_t0 + model_work_cost(m, m->stalled_actor->work);

		if (t > ev.ts)
			ev.ts = t;
	}
	ev.cpu = m->cfg.cpu;
	ev.pid = pid;
	for (unsigned int i = 0; i < n && i < MMR_EVENT_MAX_FIELDS; i++)
		ev.val[i] = vals[i];
	if (type == MMR_EV_MARK_VICTIM)
		ev.str = "model-oom";
	ret = m->cfg.event_fn(&ev, m->cfg.event_arg);
	if (ret && !m->event_ret)
		m->event_ret = ret;
}

uint64_t model_work_cost(const struct mmr_model *m, const struct mmr_model_work *w)
{
	const struct mmr_model_costs *c = &m->cfg.costs;

	return w->slowpath * c->slowpath_ns + w->freelist_attempts * c->freelist_ns +
	       w->retries * c->retry_ns + w->reclaim_calls * c->reclaim_call_ns +
	       w->reclaim_scanned * c->reclaim_scan_ns + w->reclaimed_file * c->reclaim_file_ns +
	       w->reclaimed_anon * c->reclaim_anon_ns + w->reclaimed_slab * c->reclaim_slab_ns +
	       w->compact_calls * c->compact_call_ns +
	       (w->compact_migrate_scanned + w->compact_free_scanned) * c->compact_scan_ns +
	       w->compact_isolated * c->compact_isolate_ns + w->compact_migrated * c->migrate_ns +
	       w->drains * c->drain_ns;
}

void model_work_add(struct mmr_model_work *dst, const struct mmr_model_work *src)
{
	dst->reclaim_scanned += src->reclaim_scanned;
	dst->reclaimed_anon += src->reclaimed_anon;
	dst->reclaimed_file += src->reclaimed_file;
	dst->reclaimed_slab += src->reclaimed_slab;
	dst->compact_migrate_scanned += src->compact_migrate_scanned;
	dst->compact_free_scanned += src->compact_free_scanned;
	dst->compact_isolated += src->compact_isolated;
	dst->compact_migrated += src->compact_migrated;
	dst->compact_failed += src->compact_failed;
	dst->reclaim_calls += src->reclaim_calls;
	dst->compact_calls += src->compact_calls;
	dst->freelist_attempts += src->freelist_attempts;
	dst->retries += src->retries;
	dst->compact_retries += src->compact_retries;
	dst->drains += src->drains;
	dst->captured += src->captured;
}

static uint64_t isqrt(uint64_t x)
{
	uint64_t r = 0, bit = 1ull << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

static uint64_t rounddown_pow2(uint64_t x)
{
	return x ? 1ull << (63 - __builtin_clzll(x)) : 0;
}

/* min_free_kbytes, watermarks, lowmem_reserve and PCP sizes of every zone. */
void model_setup_watermarks(struct mmr_model *m)
{
	const struct mmr_model_sysctl *sc = &m->cfg.sysctl;
	uint64_t lowmem = 0, pages_min, nr_lowzones = 0;

	for (unsigned int i = 0; i < m->nr_zones; i++) {
		if (m->zones[i].idx != MMR_ZONE_MOVABLE) {
			lowmem += m->zones[i].managed;
			nr_lowzones += m->zones[i].managed > 0;
		}
	}
	if (sc->min_free_kbytes) {
		m->min_free_kbytes = sc->min_free_kbytes;
	} else {
		uint64_t kb = isqrt(lowmem * 4 * 16), rec;

		kb = kb < 128 ? 128 : kb > 262144 ? 262144 : kb;
		if (m->cfg.policy.thp) {
			/* set_recommended_min_free_kbytes(): 2 + 3*3 blocks per zone */
			rec = (uint64_t)PB_PAGES * nr_lowzones * (2 + NR_PCPTYPES * NR_PCPTYPES);
			if (rec > lowmem / 20)
				rec = lowmem / 20;
			if (rec * 4 > kb)
				kb = rec * 4;
		}
		m->min_free_kbytes = kb;
	}
	pages_min = m->min_free_kbytes / 4;
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		struct model_zone *z = &m->zones[i];
		const struct mmr_model_zone_config *zc = &m->cfg.zones[z->cfg_idx];
		uint64_t tmp = lowmem ? pages_min * z->managed / lowmem : 0, delta, b;

		if (zc->wmark_min || zc->wmark_low || zc->wmark_high) {
			z->wmark[0] = zc->wmark_min;
			z->wmark[1] = zc->wmark_low;
			z->wmark[2] = zc->wmark_high;
		} else {
			if (z->idx == MMR_ZONE_MOVABLE) {
				uint64_t mp = z->managed / 1024;

				z->wmark[0] = mp < CLUSTER_MAX ? CLUSTER_MAX : mp > 128 ? 128 : mp;
			} else {
				z->wmark[0] = tmp;
			}
			delta = z->managed * sc->watermark_scale_factor / 10000;
			if (tmp >> 2 > delta)
				delta = tmp >> 2;
			z->wmark[1] = z->wmark[0] + delta;
			z->wmark[2] = z->wmark[1] + delta;
		}
		z->boost = 0;
		memset(z->lowmem_reserve, 0, sizeof(z->lowmem_reserve));
		if (lowmem_reserve_ratio[z->idx] && z->managed) {
			uint64_t upper = 0;

			for (int j = z->idx + 1; j < MMR_MODEL_MAX_ZONES; j++) {
				for (unsigned int k = 0; k < m->nr_zones; k++)
					if (m->zones[k].idx == j)
						upper += m->zones[k].managed;
				z->lowmem_reserve[j] = upper / lowmem_reserve_ratio[z->idx];
			}
		}
		/* zone_batchsize() and zone_highsize() for one logical CPU */
		b = z->managed >> 10;
		if (b > 256)
			b = 256;
		b /= 4;
		if (b < 1)
			b = 1;
		b = rounddown_pow2(b + b / 2) - 1;
		if (b < 1)
			b = 1;
		z->pcp_batch = sc->pcp_batch ? sc->pcp_batch : (unsigned int)b;
		if (sc->pcp_high) {
			z->pcp_high = sc->pcp_high;
		} else {
			uint64_t h = z->wmark[1] / (sc->pcp_cpus ? sc->pcp_cpus : 1);

			if (h < (uint64_t)z->pcp_batch << 2)
				h = (uint64_t)z->pcp_batch << 2;
			z->pcp_high = (unsigned int)h;
		}
	}
}

/* A zone back to its boot state: every block MOVABLE and free, reserved pages first. */
int model_zone_reset(struct mmr_model *m, struct model_zone *z)
{
	uint32_t reserved = (uint32_t)(z->nr_pages - z->managed);

	if (z->spb)
		z->spb->ready = false;	/* spb_rebuild() recounts after the reset */
	memset(z->pages, 0, sizeof(*z->pages) * z->nr_pages);
	for (uint32_t b = 0; b < z->nr_blocks; b++)
		z->blocks[b] = (struct model_block){ .mt = MT_MOVABLE };
	for (unsigned int o = 0; o < NR_ORDERS; o++) {
		for (unsigned int t = 0; t < NR_MT; t++) {
			z->area[o][t].head = z->area[o][t].tail = NIL;
			z->area_mt_nr[o][t] = 0;
		}
		z->area_nr[o] = 0;
	}
	memset(z->nonempty, 0, sizeof(z->nonempty));
	for (unsigned int i = 0; i < NR_PCP_LISTS; i++)
		z->pcp_list[i].head = z->pcp_list[i].tail = NIL;
	z->pcp_count = 0;
	z->pcp_free_count = 0;
	z->pcp_alloc_factor = 0;
	z->nr_free_pages = z->nr_free_blocks = z->nr_free_cma = z->nr_free_highatomic = 0;
	z->nr_reserved_highatomic = 0;
	memset(z->nr_lru, 0, sizeof(z->nr_lru));
	memset(z->release_cursor, 0, sizeof(z->release_cursor));
	z->cached_migrate[0] = z->cached_migrate[1] = 0;
	z->cached_free = z->nr_pages - PB_PAGES;
	z->init_migrate = NIL;
	z->init_free = 0;
	z->considered = z->defer_shift = 0;
	z->order_failed = 0;
	z->blockskip_flush = false;
	for (uint32_t i = 0; i < reserved; i++)
		prep_alloc_page(m, z, i, 0, 0, MMR_CLASS_UNRECLAIMABLE, false, MT_UNMOVABLE,
				A_RESERVED);
	for (uint32_t i = reserved; i < z->nr_pages;) {
		uint64_t pfn = model_pfn(z, i);
		unsigned int o = MAX_ORDER;

		while (o && ((pfn & ((1ull << o) - 1)) || i + (1u << o) > z->nr_pages))
			o--;
		freelist_add(z, i, o, MT_MOVABLE, true);
		i += 1u << o;
	}
	return 0;
}

static int check_config(const struct mmr_model_config *cfg)
{
	unsigned int seen = 0;

	if (!cfg->nr_zones || cfg->nr_zones > MMR_MODEL_MAX_ZONES) {
		mmr_warn("model: %u zones, need 1 to %d", cfg->nr_zones, MMR_MODEL_MAX_ZONES);
		return -MMR_E_INVAL;
	}
	for (unsigned int i = 0; i < cfg->nr_zones; i++) {
		const struct mmr_model_zone_config *zc = &cfg->zones[i];

		if (zc->zone_idx < 0 || zc->zone_idx >= MMR_MODEL_MAX_ZONES ||
		    (seen & (1u << zc->zone_idx))) {
			mmr_warn("model: zone %u: bad or repeated zone index %d", i, zc->zone_idx);
			return -MMR_E_INVAL;
		}
		seen |= 1u << zc->zone_idx;
		if (!zc->spanned_pages || zc->spanned_pages % PB_PAGES || zc->start_pfn % PB_PAGES ||
		    zc->spanned_pages > MMR_MODEL_MAX_ZONE_PAGES ||
		    zc->managed_pages > zc->spanned_pages) {
			mmr_warn("model: zone %u: start %llu, %llu pages (%llu managed): need "
				 "multiples of %d, at most %llu pages", i,
				 (unsigned long long)zc->start_pfn,
				 (unsigned long long)zc->spanned_pages,
				 (unsigned long long)zc->managed_pages, PB_PAGES,
				 (unsigned long long)MMR_MODEL_MAX_ZONE_PAGES);
			return -MMR_E_INVAL;
		}
		for (unsigned int j = 0; j < i; j++) {
			const struct mmr_model_zone_config *o = &cfg->zones[j];

			if (zc->start_pfn < o->start_pfn + o->spanned_pages &&
			    o->start_pfn < zc->start_pfn + zc->spanned_pages) {
				mmr_warn("model: zones %u and %u overlap", j, i);
				return -MMR_E_INVAL;
			}
		}
	}
	if (cfg->agents.quantum_ns == 0) {
		mmr_warn("model: agents.quantum_ns must be positive");
		return -MMR_E_INVAL;
	}
	return 0;
}

/*
 * Large zeroed tables: the page state and the owner table. The page state is read at
 * random (a free reads its buddy and the buddy's list neighbours), and with 4 KiB
 * pages nearly each such read also missed the TLB: @huge asks for huge pages, which
 * removes those walks where THP is "madvise" or "always". The owner table is read
 * mostly in order and gets none: fresh huge pages cost more to fault in than the
 * walks they save there (measured: see replay/README.md).
 */
#define TABLE_ALIGN	(2ul << 20)

static size_t table_bytes(size_t bytes)
{
	return (bytes + TABLE_ALIGN - 1) & ~(TABLE_ALIGN - 1);
}

void *model_table_alloc(size_t bytes, bool huge)
{
	void *p;

	if (!bytes)
		bytes = 1;
	p = mmap(NULL, table_bytes(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (huge)
		madvise(p, table_bytes(bytes), MADV_HUGEPAGE);
	return p;
}

void model_table_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, table_bytes(bytes ? bytes : 1));
}

int mmr_model_new(const struct mmr_model_config *cfg, struct mmr_model **out)
{
	struct mmr_model *m;
	uint64_t total = 0;
	int err;

	err = check_config(cfg);
	if (err)
		return err;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	m->nr_zones = cfg->nr_zones;
	/* zones in ascending kernel index; the zonelist walks them downwards */
	for (int idx = 0, n = 0; idx < MMR_MODEL_MAX_ZONES; idx++) {
		for (unsigned int i = 0; i < cfg->nr_zones; i++) {
			const struct mmr_model_zone_config *zc = &cfg->zones[i];
			struct model_zone *z = &m->zones[n];

			if (zc->zone_idx != idx)
				continue;
			snprintf(z->name, sizeof(z->name), "%s",
				 zc->name ? zc->name : zone_names[idx]);
			m->cfg.zones[i].name = NULL;	/* copied; never keep the caller's */
			z->idx = idx;
			z->cfg_idx = i;
			z->start_pfn = zc->start_pfn;
			z->nr_pages = (uint32_t)zc->spanned_pages;
			z->nr_blocks = z->nr_pages / PB_PAGES;
			z->managed = zc->managed_pages ? zc->managed_pages : zc->spanned_pages;
			z->pages = model_table_alloc(sizeof(*z->pages) * z->nr_pages, true);
			z->blocks = malloc(sizeof(*z->blocks) * z->nr_blocks);
			if (!z->pages || !z->blocks) {
				mmr_model_free(m);
				return -ENOMEM;
			}
			total += z->managed;
			n++;
		}
	}
	m->mobility_disabled = total < (uint64_t)PB_PAGES * NR_MT;
	m->rng = cfg->seed ? cfg->seed : 1;
	for (unsigned int i = 0; i < NR_LRU; i++)
		m->lru[i].head = m->lru[i].tail = ONIL;
	m->ks.state = KS_SLEEP;
	m->ks.pending_idx = -1;
	m->kc.state = KC_SLEEP;
	m->kc.highest_zoneidx = m->zones[m->nr_zones - 1].idx;
	m->kc.timeout = 500000000ull;
	m->kc.next_tick = cfg->sysctl.proactive_off || !cfg->sysctl.compaction_proactiveness ?
			  UINT64_MAX : m->kc.timeout;
	m->embedder.work = &m->nowork;
	model_setup_watermarks(m);
	for (unsigned int i = 0; i < m->nr_zones; i++)
		model_zone_reset(m, &m->zones[i]);
	if (m->cfg.policy.spb) {
		err = spb_model_init(m);
		if (err) {
			mmr_model_free(m);
			return err;
		}
		for (unsigned int i = 0; i < m->nr_zones; i++)
			spb_rebuild(&m->zones[i]);
	}
	*out = m;
	return 0;
}

void mmr_model_free(struct mmr_model *m)
{
	if (!m)
		return;
	spb_model_release(m);
	for (unsigned int i = 0; i < MMR_MODEL_MAX_ZONES; i++) {
		model_table_free(m->zones[i].pages, sizeof(*m->zones[i].pages) *
				 m->zones[i].nr_pages);
		free(m->zones[i].blocks);
	}
	model_table_free(m->owners, sizeof(*m->owners) * m->nr_owner_slots);
	free(m);
}

uint64_t mmr_model_now(const struct mmr_model *m)
{
	return m->now;
}

int mmr_model_owner_pfn(const struct mmr_model *m, uint32_t owner, uint64_t *pfn)
{
	struct model_zone *z;
	uint32_t idx;

	if (!model_owner_live(m, owner))
		return -MMR_E_INVAL;
	model_owner_locate(m, owner, &z, &idx);
	*pfn = model_pfn(z, idx);
	return 0;
}

void mmr_model_prefetch_owner(const struct mmr_model *m, uint32_t owner, bool page)
{
	uint32_t loc;

	if (owner >= m->nr_owner_slots)
		return;
	if (!page) {
		__builtin_prefetch(&m->owners[owner]);
		return;
	}
	loc = m->owners[owner].loc;
	if (loc & OWNER_LIVE)
		__builtin_prefetch(&loc_zone(m, loc)->pages[loc & LINK_MASK]);
}

void mmr_model_stats(const struct mmr_model *m, struct mmr_model_stats *out)
{
	*out = m->stats;
}

static const struct model_zone *zone_by_cfg(const struct mmr_model *m, unsigned int cfg_idx)
{
	for (unsigned int i = 0; i < m->nr_zones; i++)
		if (m->zones[i].cfg_idx == cfg_idx)
			return &m->zones[i];
	return NULL;
}

int mmr_model_zone_info(const struct mmr_model *m, unsigned int zone,
			struct mmr_model_zone_info *out)
{
	const struct model_zone *z = zone_by_cfg(m, zone);

	if (!z)
		return -MMR_E_INVAL;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", z->name);
	out->zone_idx = z->idx;
	out->start_pfn = z->start_pfn;
	out->spanned_pages = z->nr_pages;
	out->managed_pages = z->managed;
	out->wmark_min = z->wmark[0];
	out->wmark_low = z->wmark[1];
	out->wmark_high = z->wmark[2];
	out->watermark_boost = z->boost;
	out->nr_free_pages = z->nr_free_pages;
	out->nr_free_blocks = z->nr_free_blocks;
	out->nr_free_cma = z->nr_free_cma;
	out->nr_free_highatomic = z->nr_free_highatomic;
	out->nr_reserved_highatomic = z->nr_reserved_highatomic;
	for (unsigned int o = 0; o < NR_ORDERS; o++)
		for (unsigned int t = 0; t < NR_MT; t++)
			out->nr_free[o][t] = z->area_mt_nr[o][t];
	for (uint32_t b = 0; b < z->nr_blocks; b++)
		out->nr_blocks[z->blocks[b].mt]++;
	out->pcp_count = z->pcp_count;
	out->pcp_high = z->pcp_high;
	out->pcp_batch = z->pcp_batch;
	out->lru_anon = z->nr_lru[MMR_CLASS_ANON];
	out->lru_file = z->nr_lru[MMR_CLASS_FILE];
	out->slab = z->nr_lru[MMR_CLASS_SLAB];
	return 0;
}

uint64_t mmr_model_mixed_blocks(const struct mmr_model *m)
{
	uint64_t mixed = 0;

	for (unsigned int i = 0; i < m->nr_zones; i++) {
		const struct model_zone *z = &m->zones[i];

		for (uint32_t b = 0; b < z->nr_blocks; b++) {
			uint32_t start = b * PB_PAGES;
			unsigned int bmt = z->blocks[b].mt;
			bool is_mixed = false;

			if (bmt >= NR_PCPTYPES)
				continue;
			for (uint32_t i2 = start; i2 < start + PB_PAGES && !is_mixed;) {
				const struct model_page *p = &z->pages[i2];
				unsigned int st = pg_state(p);

				if (st == PS_TAIL) {
					i2++;
					continue;
				}
				if (st == PS_ALLOC && !(p->w0 & A_RESERVED) && pg_alloc_mt(p) != bmt)
					is_mixed = true;
				i2 += 1u << pg_head_order(p);
			}
			mixed += is_mixed;
		}
	}
	return mixed;
}

void mmr_model_memory(const struct mmr_model *m, struct mmr_model_memory *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		out->pages += sizeof(struct model_page) * (uint64_t)m->zones[i].nr_pages;
		out->pageblocks += sizeof(struct model_block) * (uint64_t)m->zones[i].nr_blocks;
		out->nr_pages += m->zones[i].nr_pages;
	}
	out->owners = sizeof(struct model_owner) * m->owners_touched;
}
