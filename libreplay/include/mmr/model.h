/* SPDX-License-Identifier: MIT */
/*
 * mmr/model.h - the page allocator model: one node's zones, pageblocks, buddy free
 * lists, PCP, watermarks, fast and slow allocation paths, compaction, reclaim, kswapd
 * and kcompactd, under a policy of switches (vanilla, defrag_mode, defrag_mode_fix).
 * Included by mmr.h; do not include it on its own.
 *
 * The behavioural reference is shared/design/kernel-model.md (Linux v6.19 plus the
 * defrag_mode reclaim-storm fix series); libreplay/model/README.md says what the
 * model mirrors, what it simplifies and every parameter's default.
 *
 * Context: a model is single-threaded and holds no global state: two models never
 * share anything, and the same inputs give the same outputs bit for bit.
 */
#ifndef MMR_MODEL_H
#define MMR_MODEL_H

#define MMR_MODEL_MAX_ZONES		4
#define MMR_MODEL_MAX_ORDER		10	/* MAX_PAGE_ORDER */
#define MMR_MODEL_NR_ORDERS		11
#define MMR_MODEL_PAGEBLOCK_ORDER	9
#define MMR_MODEL_PAGEBLOCK_PAGES	512
/* Largest zone the 28-bit links of the page state can address (about 1 TiB). */
#define MMR_MODEL_MAX_ZONE_PAGES	((1ull << 28) - 1024)

/* Zone indexes as the kernel numbers them on x86-64. */
enum mmr_zone_idx {
	MMR_ZONE_DMA = 0,
	MMR_ZONE_DMA32 = 1,
	MMR_ZONE_NORMAL = 2,
	MMR_ZONE_MOVABLE = 3,
};

/* gfp bits the model reads (include/linux/gfp_types.h, stable low bits). */
#define MMR_GFP_DMA		0x1ull
#define MMR_GFP_HIGHMEM		0x2ull
#define MMR_GFP_DMA32		0x4ull
#define MMR_GFP_MOVABLE		0x8ull
#define MMR_GFP_RECLAIMABLE	0x10ull
#define MMR_GFP_HIGH		0x20ull
#define MMR_GFP_IO		0x40ull
#define MMR_GFP_FS		0x80ull
#define MMR_GFP_ZERO		0x100ull
#define MMR_GFP_DIRECT_RECLAIM	0x400ull
#define MMR_GFP_KSWAPD_RECLAIM	0x800ull
#define MMR_GFP_WRITE		0x1000ull
#define MMR_GFP_NOWARN		0x2000ull
#define MMR_GFP_RETRY_MAYFAIL	0x4000ull
#define MMR_GFP_NOFAIL		0x8000ull
#define MMR_GFP_NORETRY		0x10000ull
#define MMR_GFP_MEMALLOC	0x20000ull
#define MMR_GFP_COMP		0x40000ull
#define MMR_GFP_NOMEMALLOC	0x80000ull
#define MMR_GFP_HARDWALL	0x100000ull
#define MMR_GFP_THISNODE	0x200000ull
#define MMR_GFP_ACCOUNT		0x400000ull
#define MMR_GFP_RECLAIM		(MMR_GFP_DIRECT_RECLAIM | MMR_GFP_KSWAPD_RECLAIM)
#define MMR_GFP_KERNEL		(MMR_GFP_RECLAIM | MMR_GFP_IO | MMR_GFP_FS)
#define MMR_GFP_ATOMIC		(MMR_GFP_HIGH | MMR_GFP_KSWAPD_RECLAIM)
#define MMR_GFP_NOWAIT		(MMR_GFP_KSWAPD_RECLAIM | MMR_GFP_NOWARN)
#define MMR_GFP_HIGHUSER_MOVABLE (MMR_GFP_KERNEL | MMR_GFP_HARDWALL | MMR_GFP_HIGHMEM | \
				  MMR_GFP_MOVABLE)
#define MMR_GFP_TRANSHUGE_LIGHT	((MMR_GFP_HIGHUSER_MOVABLE | MMR_GFP_COMP | MMR_GFP_NOMEMALLOC | \
				  MMR_GFP_NOWARN) & ~MMR_GFP_RECLAIM)
#define MMR_GFP_TRANSHUGE	(MMR_GFP_TRANSHUGE_LIGHT | MMR_GFP_DIRECT_RECLAIM)

/* What reclaim can do with an allocation (the LRU it sits on). */
enum mmr_model_class {
	MMR_CLASS_ANON = 0,		/* anon LRU: reclaimable only when swap is modelled */
	MMR_CLASS_FILE = 1,		/* file LRU: page cache */
	MMR_CLASS_SLAB = 2,		/* reclaimable slab: freed by shrinkers */
	MMR_CLASS_UNRECLAIMABLE = 3,	/* kernel memory nothing frees */
	MMR_CLASS__COUNT
};

struct mmr_model;

/**
 * struct mmr_model_zone_config - one zone.
 * @name: Copied; NULL for the kernel's name of @zone_idx.
 * @zone_idx: MMR_ZONE_*; each at most once per model.
 * @start_pfn, @spanned_pages: the pfn range; both multiples of 512, no holes.
 * @managed_pages: 0 for @spanned_pages; pages not managed are reserved (allocated,
 *	never freed, not movable) at the start of the zone.
 * @wmark_min, @wmark_low, @wmark_high: pages; all zero to compute them from
 *	min_free_kbytes and watermark_scale_factor as __setup_per_zone_wmarks() does.
 */
struct mmr_model_zone_config {
	const char	*name;
	int		zone_idx;
	uint64_t	start_pfn;
	uint64_t	spanned_pages;
	uint64_t	managed_pages;
	uint64_t	wmark_min;
	uint64_t	wmark_low;
	uint64_t	wmark_high;
};

/*
 * struct mmr_model_policy - kernel behaviours, each a switch. Presets (see
 * mmr_model_config_preset()): "vanilla" (all false), "defrag_mode" (defrag_mode),
 * "defrag_mode_fix" (defrag_mode and the four p*_ switches).
 */
struct mmr_model_policy {
	bool	defrag_mode;		/* vm.defrag_mode=1 (6.15 series) */
	bool	p2_source_gates;	/* fix 2/4: suitable_migration_source and
					 * fast_find_migrateblock take cc->order into account */
	bool	p4_capture_request_order; /* fix 3/4+4/4: capture matches the request order,
					 * not the compaction order */
	bool	p4_promote_compact;	/* fix 4/4: non-movable NOFRAGMENT requests compact at
					 * max(order, pageblock_order) */
	bool	p4_promote_reclaim;	/* fix 4/4: ... and reclaim at that order */
	bool	retry_promoted_order;	/* [INFERRED] follow-up "retries follow the promoted
					 * order"; off in every preset */
	bool	atomic_nofrag_drop;	/* 2026-05 proposal: !direct-reclaim requests with
					 * KSWAPD_RECLAIM drop NOFRAGMENT and retry once */
	bool	pcp;			/* per-CPU lists (one logical CPU); false: straight
					 * to the buddy lists */
	bool	highatomic;		/* high-order atomic reserve */
	bool	swap;			/* anon LRU pages are reclaimable */
	bool	thp;			/* THP raises min_free_kbytes (khugepaged) */
	bool	spb;			/* superpageblock RFC (v1, 2026-04-30) without patch 43:
					 * SPB steering in __rmqueue_smallest, defrag worker */
	bool	spb_p43;		/* with spb: patch 43/45's two defrag triggers */
};

/*
 * Superpageblock parameters (policy spb). README.md, "Superpageblocks", says which
 * are stated by a source and which are [INFERRED] guesses.
 */
struct mmr_model_spb {
	unsigned int	pageblocks;		/* SPB size in pageblocks, power of two: 512 */
	unsigned int	min_spbs;		/* a zone with fewer SPBs of that size gets a
						 * smaller size (halved, not below 2 pageblocks),
						 * with a warning: 4 */
	bool		no_scale;		/* refuse such a zone instead (-MMR_E_INVAL) */
	unsigned int	nr_buckets;		/* [INFERRED] fullness buckets by free pages: 4 */
	unsigned int	reserve_min;		/* tainted reserve floor, pageblocks: 4 */
	unsigned int	reserve_div;		/* reserve = max(min, pageblocks / div): 32 */
	bool		reserve_hard;		/* [INFERRED] movable allocations never take a
						 * tainted SPB's reserve (false: only when nothing
						 * else is free) */
	bool		pass1_whole_first;	/* non-movable PASS_1: whole blocks before
						 * sub-block buddies: true */
	bool		pass2b_threshold;	/* PASS_2B keeps the half-block claim rule
						 * (false: skipped, as patch 25/45) */
	bool		pass3_clean;		/* [INFERRED] PASS_3 also takes a whole free
						 * block of a clean SPB when no SPB is empty: true */
	unsigned int	defrag_start_blocks;	/* needs defrag at <= this many free blocks: 1 */
	unsigned int	defrag_start_pb;	/* ... or < this many blocks' worth free: 2 */
	unsigned int	defrag_stop_blocks;	/* run stops at >= this many free blocks: 2 */
	unsigned int	defrag_stop_pb;		/* ... or >= this many blocks' worth free: 3 */
	unsigned int	progress_blocks;	/* [INFERRED] a run made progress when the SPB
						 * gained this many free pageblocks: 1 */
	uint64_t	cooldown_ns;		/* SPB_DEFRAG_NOOP_COOLDOWN: 5 s */
	unsigned int	defrag_permille;	/* [INFERRED] CPU share of the defrag worker
						 * while it has work: 1000 */
	uint64_t	sample_ns;		/* category count samples at most this often: 10 ms */
};

/* Kernel tunables (sysctls and sizes). Zero means "the kernel's default or formula". */
struct mmr_model_sysctl {
	uint64_t	min_free_kbytes;	/* 0: computed */
	unsigned int	watermark_scale_factor;	/* 10 */
	unsigned int	watermark_boost_factor;	/* 15000; set boost_off to disable */
	bool		boost_off;
	unsigned int	compaction_proactiveness; /* 20; set proactive_off to disable */
	bool		proactive_off;
	unsigned int	extfrag_threshold;	/* 500 */
	unsigned int	swappiness;		/* 60 */
	unsigned int	pcp_cpus;		/* CPUs the one logical PCP stands for: 1 */
	unsigned int	pcp_batch;		/* 0: zone_batchsize() */
	unsigned int	pcp_high;		/* 0: max(low / pcp_cpus, 4 * batch) */
	unsigned int	migrate_fail_permille;	/* isolated pages that fail to migrate: 0 */
	unsigned int	reclaim_rotate_permille; /* scanned LRU pages rotated, not freed: 0 */
	unsigned int	retry_cap;		/* model guard: slowpath passes per request
						 * before giving up (counted): 10000 */
};

/*
 * Modelled cost of work, in ns per unit. They are modelling constants, not measured
 * kernel figures; README.md gives the reasoning for each default.
 */
struct mmr_model_costs {
	uint64_t	slowpath_ns;		/* one entry into the slowpath */
	uint64_t	freelist_ns;		/* each freelist attempt inside the slowpath */
	uint64_t	retry_ns;		/* each pass of the retry loop */
	uint64_t	reclaim_call_ns;	/* each direct reclaim or shrink_node call */
	uint64_t	reclaim_scan_ns;	/* per LRU page scanned */
	uint64_t	reclaim_file_ns;	/* per file page reclaimed */
	uint64_t	reclaim_anon_ns;	/* per anon page reclaimed (swap-out) */
	uint64_t	reclaim_slab_ns;	/* per slab page freed */
	uint64_t	compact_call_ns;	/* per compact_zone() run */
	uint64_t	compact_scan_ns;	/* per page examined by either scanner */
	uint64_t	compact_isolate_ns;	/* per page isolated */
	uint64_t	migrate_ns;		/* per base page migrated */
	uint64_t	drain_ns;		/* per drain of the PCP */
};

enum mmr_model_agent_mode {
	MMR_AGENTS_BUDGET = 0,	/* work up to a CPU share of elapsed model time */
	MMR_AGENTS_COMPLETE,	/* run to completion at every advance */
	MMR_AGENTS_OFF,		/* never run (unit tests) */
};

/*
 * Background agents. kswapd and kcompactd each earn @kswapd_permille/@kcompactd_permille
 * ns of work per 1000 ns of model time while awake and spend it at the cost constants;
 * time is cut into @quantum_ns slices, kswapd first in each. @during_stall: the time a
 * stalled request spends (its modelled stall) also advances the agents, as other
 * CPUs keep running while a task is stalled.
 */
struct mmr_model_agents {
	enum mmr_model_agent_mode mode;
	unsigned int	kswapd_permille;	/* 1000 */
	unsigned int	kcompactd_permille;	/* 1000 */
	uint64_t	quantum_ns;		/* 100000 */
	bool		during_stall;		/* true */
};

struct mmr_model_req;

/*
 * Hooks, each optional. They must not call into the model, except that @oom may call
 * mmr_model_free_owner().
 * @migrate: compaction moved @owner from @old_pfn to @new_pfn.
 * @reclaim: reclaim freed @owner (it is no longer live).
 * @oom: the OOM killer would run for @req; free victims and return the pages freed
 *	(0: nothing, the request fails and the OOM is only recorded).
 */
struct mmr_model_hooks {
	void		(*migrate)(void *arg, uint32_t owner, uint64_t old_pfn, uint64_t new_pfn);
	void		(*reclaim)(void *arg, uint32_t owner, uint64_t pfn, unsigned int order);
	uint64_t	(*oom)(void *arg, struct mmr_model *m, const struct mmr_model_req *req);
	void		*arg;
};

/**
 * struct mmr_model_config - everything a model is built from. Fill it with
 * mmr_model_config_init(), then change fields or call mmr_model_config_set().
 * @event_fn: receives every event the model emits (borrowed until it returns), or
 *	NULL to emit nothing (and pay nothing for events). A non-zero return is
 *	remembered and returned by the public call that emitted it, which still finishes.
 * @event_skip: event types (bit 1 << type) the model does not emit at all, e.g. the
 *	per-page alloc/free stream when only counts are wanted.
 * @kswapd_pid, @kcompactd_pid: pid put in the events of the agents.
 * @seed: for the populate shuffle and the migration failures.
 */
struct mmr_model_config {
	unsigned int			nr_zones;
	struct mmr_model_zone_config	zones[MMR_MODEL_MAX_ZONES];
	struct mmr_model_policy		policy;
	struct mmr_model_sysctl		sysctl;
	struct mmr_model_costs		costs;
	struct mmr_model_agents		agents;
	struct mmr_model_spb		spb;
	mmr_event_fn			event_fn;
	void				*event_arg;
	uint64_t			event_skip;
	struct mmr_model_hooks		hooks;
	int				nid;
	int				cpu;
	int32_t				kswapd_pid;
	int32_t				kcompactd_pid;
	uint64_t			seed;
};

/* Defaults: no zones, policy "vanilla", kernel sysctls, default costs and agents. */
MMR_API void mmr_model_config_init(struct mmr_model_config *cfg);
/* Sets @cfg->policy to a preset. Return: 0 or -MMR_E_POLICY for an unknown name. */
MMR_API int mmr_model_config_preset(struct mmr_model_config *cfg, const char *name);
/*
 * Sets one parameter by name ("defrag_mode", "sysctl.swappiness", "cost.migrate_ns",
 * "agents.kswapd_permille", "preset", ...; README.md lists them all).
 * Return: 0, -MMR_E_POLICY for an unknown key, -MMR_E_INVAL for a bad value.
 */
MMR_API int mmr_model_config_set(struct mmr_model_config *cfg, const char *key,
				 const char *value);

/**
 * mmr_model_new() - Build a model: zones all free (MOVABLE blocks), watermarks set.
 * @cfg: Copied (zone names included).
 * @out: Owned; release with mmr_model_free().
 * Return: 0, -MMR_E_INVAL for a bad configuration (details logged), -ENOMEM.
 */
MMR_API int mmr_model_new(const struct mmr_model_config *cfg, struct mmr_model **out);
MMR_API void mmr_model_free(struct mmr_model *m);

/**
 * mmr_model_params_json() - Every effective parameter (policy, sysctls with computed
 * values, costs, agents, per-zone watermarks and PCP sizes, the schedule) as JSON.
 * @out: Owned; release with free().
 */
MMR_API int mmr_model_params_json(const struct mmr_model *m, char **out);

/**
 * struct mmr_model_zone_state - a zone's starting state, as /proc/pagetypeinfo shows it.
 * @nr_blocks: pageblocks per migratetype (HIGHATOMIC and CMA allowed); blocks not
 *	listed are MOVABLE.
 * @nr_free: free buddies per (order, migratetype); order >= 9 buddies take whole
 *	blocks of that type.
 * @owner_base: the pre-existing allocated pages (one order-0 owner each) get owner
 *	ids @owner_base, @owner_base + 1, ... in pfn order; keep those ids free.
 * @anon_permille: share of the LRU pages in MOVABLE/CMA blocks that are anon.
 * @lru_by_pfn: LRU age follows the pfn (oldest first) instead of a seeded shuffle.
 * @fit_free: free buddies that find no room as listed (the model has no holes and
 *	puts the zone's reserved pages first) are split into two of the next order, and
 *	order-0 ones that still do not fit stay allocated, with one warning; without it
 *	such a state is an error.
 */
struct mmr_model_zone_state {
	uint64_t	nr_blocks[MMR_MT__COUNT];
	uint64_t	nr_free[MMR_MODEL_NR_ORDERS][MMR_MT__COUNT];
	uint32_t	owner_base;
	unsigned int	anon_permille;
	bool		lru_by_pfn;
	bool		fit_free;
};

/**
 * mmr_model_populate() - Rebuild zone @zone (index into cfg.zones) in a given state.
 * Placement is deterministic (README.md, "Initial state"). The rest of the zone is
 * allocated: MOVABLE/CMA blocks hold LRU pages, UNMOVABLE/HIGHATOMIC blocks
 * unreclaimable kernel memory, RECLAIMABLE blocks slab.
 * @nr_owners: receives the number of owner ids used from @st->owner_base.
 * Return: 0, -MMR_E_INVAL if the state does not fit (details logged), -ENOMEM.
 * Only before the first allocation in that zone.
 */
MMR_API int mmr_model_populate(struct mmr_model *m, unsigned int zone,
			       const struct mmr_model_zone_state *st, uint32_t *nr_owners);

/**
 * struct mmr_model_req - one allocation request.
 * @time: ns; the model clock only moves forward (an earlier time means "now").
 * @owner: the embedder's id for the block, dense 32-bit (the model keeps a table
 *	indexed by it); must not be live.
 * @gfp: kernel gfp bits (MMR_GFP_*); the migratetype and highest zone come from it.
 * @class: reclaim class; @movable: migratable by compaction (LRU classes always are).
 * @pid: task that asks; goes into the events' pid.
 */
struct mmr_model_req {
	uint64_t		time;
	uint32_t		owner;
	unsigned int		order;
	uint64_t		gfp;
	enum mmr_model_class	class;
	bool			movable;
	int32_t			pid;
};

/* Work done by one request (or, in the stats, by everybody). Pages unless stated. */
struct mmr_model_work {
	uint64_t	reclaim_scanned;
	uint64_t	reclaimed_anon;
	uint64_t	reclaimed_file;
	uint64_t	reclaimed_slab;
	uint64_t	compact_migrate_scanned;
	uint64_t	compact_free_scanned;
	uint64_t	compact_isolated;
	uint64_t	compact_migrated;
	uint64_t	compact_failed;
	uint32_t	reclaim_calls;		/* direct reclaim entries / shrink_node calls */
	uint32_t	compact_calls;		/* compact_zone() runs */
	uint32_t	freelist_attempts;	/* in the slowpath */
	uint32_t	retries;		/* passes of the retry loop */
	uint32_t	no_progress_loops;	/* its final value */
	uint32_t	compact_retries;	/* should_compact_retry() said yes */
	uint32_t	drains;
	uint32_t	slowpath;		/* 1 if the request entered the slowpath */
	uint32_t	captured;		/* pages handed over by compaction capture */
	uint32_t	oom;			/* OOM invocations */
	uint32_t	nofrag_dropped;		/* defrag_mode dropped ALLOC_NOFRAGMENT */
	uint32_t	promoted;		/* compaction/reclaim ran at a promoted order */
};

struct mmr_model_result {
	int64_t			pfn;		/* -1 on failure */
	unsigned int		zone;		/* index into cfg.zones; valid if pfn >= 0 */
	uint64_t		stall_ns;	/* modelled slowpath time */
	struct mmr_model_work	work;
};

/**
 * mmr_model_alloc() - Run one allocation through the fast and slow paths.
 * Return: 0 whether or not it succeeded (see @res->pfn); -MMR_E_INVAL for a bad
 * request (owner live, order > 10, both mobility bits), or the event callback's
 * non-zero value.
 */
MMR_API int mmr_model_alloc(struct mmr_model *m, const struct mmr_model_req *req,
			    struct mmr_model_result *res);
/* Frees @owner's block wherever it now is. Return: 0 or -MMR_E_INVAL if not live. */
MMR_API int mmr_model_free_owner(struct mmr_model *m, uint32_t owner, uint64_t time,
				 int32_t pid);
/**
 * mmr_model_release_initial() - Free pre-existing (populate) memory: one aligned run
 * of 2^@order pages of blocks of @migratetype, or, if none is left aligned, 2^@order
 * such pages wherever they are (lowest pfns from a per-zone cursor).
 * @zone: index into cfg.zones, or -1 for the highest zone that has some.
 * @nr_pages: if not NULL, receives the pages freed (0 when none was left).
 */
MMR_API int mmr_model_release_initial(struct mmr_model *m, int zone, int migratetype,
				      unsigned int order, uint64_t time, uint64_t *nr_pages);
/*
 * mmr_model_release_initial_at() - Frees the pre-existing (populated) pages in
 * [@pfn, @pfn + 2^@order), those that are there: a recording's free of memory it
 * allocated before the trace, at its own pfn. @nr_pages: pages freed (may be fewer
 * than 2^@order, or none, where the model holds other pages). Return: 0, -MMR_E_INVAL.
 */
MMR_API int mmr_model_release_initial_at(struct mmr_model *m, uint64_t pfn, unsigned int order,
					 uint64_t time, uint64_t *nr_pages);
/* Runs kswapd, kcompactd and proactive compaction up to @now (ns). */
MMR_API int mmr_model_advance(struct mmr_model *m, uint64_t now);
MMR_API uint64_t mmr_model_now(const struct mmr_model *m);
/* Where @owner's block is. Return: 0 or -MMR_E_INVAL if not live. */
MMR_API int mmr_model_owner_pfn(const struct mmr_model *m, uint32_t owner, uint64_t *pfn);
/*
 * A hint for an embedder that knows which owners it will free soon: starts loading
 * @owner's table entry (@page false) or, best once that is loaded, the state of its
 * block's head page (@page true). Changes nothing; any owner id is allowed.
 */
MMR_API void mmr_model_prefetch_owner(const struct mmr_model *m, uint32_t owner, bool page);
/*
 * Sizes the owner table for ids below @n at once, where it would otherwise double as
 * ids come (copying, and touching the new half). Entries of ids not yet used are left
 * untouched, so an upper bound costs address space only. Return: 0 or -ENOMEM.
 */
MMR_API int mmr_model_reserve_owners(struct mmr_model *m, uint64_t n);

struct mmr_model_stats {
	uint64_t		nr_alloc;		/* requests */
	uint64_t		nr_alloc_failed;
	uint64_t		nr_free;		/* frees of owners (embedder and reclaim) */
	uint64_t		slowpath;		/* requests that entered the slowpath */
	uint64_t		direct_reclaim;		/* direct reclaim entries */
	uint64_t		direct_reclaimed;	/* pages freed by direct reclaim */
	uint64_t		direct_scanned;
	uint64_t		kswapd_reclaimed;
	uint64_t		kswapd_scanned;
	uint64_t		kswapd_wakes;		/* balance_pgdat runs */
	uint64_t		stalled_pages_needed;	/* 2^order of requests that reclaimed */
	uint64_t		no_progress_retries;	/* retries with no_progress_loops > 0 */
	uint64_t		reclaim_retries;	/* should_reclaim_retry() said yes */
	uint64_t		compact_retries;	/* should_compact_retry() said yes */
	uint64_t		compact_stall;		/* COMPACTSTALL */
	uint64_t		compact_success;
	uint64_t		compact_fail;
	uint64_t		compact_migrated;	/* pages, all compactors */
	uint64_t		kcompactd_wakes;
	uint64_t		kcompactd_migrated;
	uint64_t		captures;
	uint64_t		extfrag_claim;		/* mm_page_alloc_extfrag by emitter */
	uint64_t		extfrag_steal;
	uint64_t		extfrag_capture;
	uint64_t		extfrag_fragmenting;	/* fallback_order < pageblock_order */
	uint64_t		extfrag_pollution;	/* ... and change_ownership == 0 */
	uint64_t		order9_attempts;
	uint64_t		order9_success;
	uint64_t		oom;
	uint64_t		nofrag_dropped;
	uint64_t		stall_ns;		/* sum of modelled stall time */
	uint64_t		retry_capped;		/* requests stopped by sysctl.retry_cap */
	/* per request migratetype (UNMOVABLE, MOVABLE, RECLAIMABLE) */
	uint64_t		mt_alloc[3];
	uint64_t		mt_slowpath[3];
	uint64_t		mt_direct_reclaimed[3];
	uint64_t		mt_stall_ns[3];
	uint64_t		mt_failed[3];
};
MMR_API void mmr_model_stats(const struct mmr_model *m, struct mmr_model_stats *out);

/*
 * mmr_model_metrics() - Every counter of the model as a named number (dotted, lower
 * case, unit last: "reclaim.over_reclaim_pages"), handed to @fn one by one; what a
 * replay stores in run_metrics. Over-reclaim is the pages direct reclaim freed
 * beyond the 2^order of the requests that entered it.
 */
typedef void (*mmr_metric_fn)(void *arg, const char *name, double value);
MMR_API void mmr_model_metrics(const struct mmr_model *m, mmr_metric_fn fn, void *arg);

struct mmr_model_zone_info {
	char		name[16];
	int		zone_idx;
	uint64_t	start_pfn;
	uint64_t	spanned_pages;
	uint64_t	managed_pages;
	uint64_t	wmark_min, wmark_low, wmark_high, watermark_boost;
	uint64_t	nr_free_pages;		/* NR_FREE_PAGES (buddy, not PCP) */
	uint64_t	nr_free_blocks;		/* NR_FREE_PAGES_BLOCKS */
	uint64_t	nr_free_cma;
	uint64_t	nr_free_highatomic;
	uint64_t	nr_reserved_highatomic;
	uint64_t	nr_free[MMR_MODEL_NR_ORDERS][MMR_MT__COUNT];	/* buddies */
	uint64_t	nr_blocks[MMR_MT__COUNT];
	uint64_t	pcp_count, pcp_high, pcp_batch;
	uint64_t	lru_anon, lru_file, slab;	/* pages */
};
/* Return: 0 or -MMR_E_INVAL for a bad @zone. */
MMR_API int mmr_model_zone_info(const struct mmr_model *m, unsigned int zone,
				struct mmr_model_zone_info *out);
/*
 * Pageblocks holding an allocation whose migratetype differs from the block's
 * (UNMOVABLE/MOVABLE/RECLAIMABLE blocks only); computed by a walk.
 */
MMR_API uint64_t mmr_model_mixed_blocks(const struct mmr_model *m);

/* Memory the model holds, in bytes. */
struct mmr_model_memory {
	uint64_t	pages;		/* per-page state, 8 bytes a page */
	uint64_t	pageblocks;	/* per-pageblock state */
	uint64_t	owners;		/* owner table as far as written (12 bytes per
					 * owner id slot; the rest is address space) */
	uint64_t	nr_pages;	/* simulated pages */
};
MMR_API void mmr_model_memory(const struct mmr_model *m, struct mmr_model_memory *out);

/*
 * Invariant checker: free-list counts equal a rescan of the page state, no page both
 * free and allocated, buddies merged, pageblock and zone counters consistent, owner
 * table and LRU lists consistent. Return: 0 or -MMR_E_INVAL (the first broken
 * invariant is logged with mmr_warn()).
 */
MMR_API int mmr_model_check(const struct mmr_model *m);

#endif /* MMR_MODEL_H */
