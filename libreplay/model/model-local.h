/*
 * model/model-local.h - internals of the page allocator model shared by the model/ sources
 * and the unit tests. Mirrors the kernel named in MODEL_KERNEL; README.md beside this
 * file documents every simplification.
 */
#ifndef MMR_MODEL_LOCAL_H
#define MMR_MODEL_LOCAL_H

#include <stdint.h>
#include <string.h>
#include "core-local.h"
#include "model-spb.h"

#define MODEL_KERNEL		"v6.19 + defrag_mode reclaim-storm fix series"

#define MAX_ORDER		MMR_MODEL_MAX_ORDER
#define NR_ORDERS		MMR_MODEL_NR_ORDERS
#define PB_ORDER		MMR_MODEL_PAGEBLOCK_ORDER
#define PB_PAGES		MMR_MODEL_PAGEBLOCK_PAGES
#define COSTLY_ORDER		3	/* PAGE_ALLOC_COSTLY_ORDER */
#define CLUSTER_MAX		32	/* SWAP_CLUSTER_MAX = COMPACT_CLUSTER_MAX */
#define MAX_RECLAIM_RETRIES	16
#define MAX_COMPACT_RETRIES	16
#define DEF_PRIORITY		12
#define COMPACT_MAX_DEFER_SHIFT	6
#define PCP_BATCH_SCALE_MAX	5
#define NR_PCP_LISTS		14	/* 4 orders x 3 types + 2 THP lists */
#define NR_PCPTYPES		3	/* MIGRATE_PCPTYPES */
#define NR_MT			MMR_MT__COUNT
#define NR_LRU			3	/* anon, file, slab: the reclaimable classes */

#define MT_UNMOVABLE		MMR_MT_UNMOVABLE
#define MT_MOVABLE		MMR_MT_MOVABLE
#define MT_RECLAIMABLE		MMR_MT_RECLAIMABLE
#define MT_HIGHATOMIC		MMR_MT_HIGHATOMIC
#define MT_CMA			MMR_MT_CMA
#define MT_ISOLATE		MMR_MT_ISOLATE

static inline uint64_t compact_gap(unsigned int order) { return 2ull << order; }

/* mm/internal.h alloc flags */
#define ALLOC_WMARK_MIN		0x0u
#define ALLOC_WMARK_LOW		0x1u
#define ALLOC_WMARK_HIGH	0x2u
#define ALLOC_WMARK_MASK	0x3u
#define ALLOC_NO_WATERMARKS	0x04u
#define ALLOC_OOM		0x08u
#define ALLOC_NON_BLOCK		0x10u
#define ALLOC_MIN_RESERVE	0x20u
#define ALLOC_CPUSET		0x40u
#define ALLOC_CMA		0x80u
#define ALLOC_NOFRAGMENT	0x100u
#define ALLOC_HIGHATOMIC	0x200u
#define ALLOC_KSWAPD		0x800u
#define ALLOC_RESERVES		(ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

/* enum compact_result, with the kernel's numbers (they appear in events) */
enum compact_result {
	COMPACT_NOT_SUITABLE_ZONE = 0,
	COMPACT_SKIPPED = 1,
	COMPACT_DEFERRED = 2,
	COMPACT_NO_SUITABLE_PAGE = 3,
	COMPACT_CONTINUE = 4,
	COMPACT_COMPLETE = 5,
	COMPACT_PARTIAL_SKIPPED = 6,
	COMPACT_CONTENDED = 7,
	COMPACT_SUCCESS = 8,
};

/* enum compact_priority */
enum { PRIO_SYNC_FULL = 0, PRIO_SYNC_LIGHT = 1, PRIO_ASYNC = 2 };
/* enum migrate_mode */
enum { MODE_ASYNC = 0, MODE_SYNC_LIGHT = 1, MODE_SYNC = 2 };

/*
 * Per-page state: two 32-bit words, 8 bytes a page. Only the first page of a block
 * (a free buddy, a PCP page, an isolated free page, an allocation) carries state;
 * the other pages of the block read PS_TAIL.
 *   free/PCP/isolated head: w0 = state:3 | next:28, w1 = order:4 | prev:28
 *   allocated head:          w0 = state:3 | order:4 | class:2 | movable:1 | mt:3 |
 *                                 preexist:1 | reserved:1, w1 = owner id
 * Links are page indexes inside the zone; NIL ends a list.
 */
struct model_page {
	uint32_t	w0;
	uint32_t	w1;
};

enum page_state {
	PS_TAIL = 0,		/* inside a block whose head is elsewhere */
	PS_BUDDY = 1,		/* head of a free buddy on a free list */
	PS_ALLOC = 2,		/* head of an allocated block */
	PS_PCP = 3,		/* free page held on the PCP */
	PS_ISOLATED = 4,	/* free page isolated by a compaction run */
};

#define NIL			0x0fffffffu
#define LINK_MASK		0x0fffffffu
#define PS_SHIFT		29
#define A_ORDER_SHIFT		24
#define A_CLASS_SHIFT		22
#define A_MOVABLE		(1u << 21)
#define A_MT_SHIFT		18
#define A_PREEXIST		(1u << 17)
#define A_RESERVED		(1u << 16)

static inline unsigned int pg_state(const struct model_page *p) { return p->w0 >> PS_SHIFT; }
static inline uint32_t pg_next(const struct model_page *p) { return p->w0 & LINK_MASK; }
static inline uint32_t pg_prev(const struct model_page *p) { return p->w1 & LINK_MASK; }
static inline unsigned int pg_free_order(const struct model_page *p) { return p->w1 >> 28; }
static inline unsigned int pg_alloc_order(const struct model_page *p)
{
	return (p->w0 >> A_ORDER_SHIFT) & 0xf;
}
static inline unsigned int pg_class(const struct model_page *p)
{
	return (p->w0 >> A_CLASS_SHIFT) & 3;
}
static inline unsigned int pg_alloc_mt(const struct model_page *p) { return (p->w0 >> A_MT_SHIFT) & 7; }
static inline bool pg_movable(const struct model_page *p) { return p->w0 & A_MOVABLE; }
/* Order of whatever block starts at @p (any head state). */
static inline unsigned int pg_head_order(const struct model_page *p)
{
	return pg_state(p) == PS_ALLOC ? pg_alloc_order(p) : pg_free_order(p);
}
static inline void pg_set_free(struct model_page *p, unsigned int state, unsigned int order,
			       uint32_t prev, uint32_t next)
{
	p->w0 = (state << PS_SHIFT) | next;
	p->w1 = ((uint32_t)order << 28) | prev;
}

/* Per-pageblock state; counters match a walk of the block (checked by model_check). */
struct model_block {
	uint16_t	nr_free;	/* pages of free buddies in this block */
	uint16_t	nr_movable;	/* pages of allocations that are LRU or movable */
	uint8_t		mt;		/* migratetype */
	uint8_t		flags;		/* PB_SKIP */
	uint16_t	pad;
};
#define PB_SKIP			0x1

struct freelist {
	uint32_t	head;
	uint32_t	tail;
};

enum { ZONE_BOOSTED_WATERMARK = 0x1, ZONE_RECLAIM_ACTIVE = 0x2 };

struct model_zone {
	char			name[16];
	int			idx;		/* kernel zone index */
	unsigned int		cfg_idx;	/* index into cfg.zones */
	uint64_t		start_pfn;
	uint32_t		nr_pages;	/* spanned */
	uint32_t		nr_blocks;
	uint64_t		managed;
	struct model_page	*pages;
	struct model_block	*blocks;

	struct freelist		area[NR_ORDERS][NR_MT];
	uint64_t		area_nr[NR_ORDERS];		/* buddies per order */
	uint64_t		area_mt_nr[NR_ORDERS][NR_MT];	/* buddies per list */
	uint16_t		nonempty[NR_MT];		/* bit o: list (o, mt) */

	uint64_t		nr_free_pages;		/* NR_FREE_PAGES */
	uint64_t		nr_free_blocks;		/* NR_FREE_PAGES_BLOCKS */
	uint64_t		nr_free_cma;
	uint64_t		nr_free_highatomic;
	uint64_t		nr_reserved_highatomic;

	uint64_t		wmark[3];		/* min, low, high (without boost) */
	uint64_t		boost;
	uint64_t		lowmem_reserve[MMR_MODEL_MAX_ZONES];
	unsigned int		flags;

	/* the one logical PCP */
	struct freelist		pcp_list[NR_PCP_LISTS];
	uint64_t		pcp_count;
	unsigned int		pcp_batch;
	unsigned int		pcp_high;
	unsigned int		pcp_free_count;
	unsigned int		pcp_alloc_factor;

	/* compaction */
	uint32_t		cached_migrate[2];	/* page index: async, sync */
	uint32_t		cached_free;
	uint32_t		init_migrate;
	uint32_t		init_free;
	unsigned int		considered;
	unsigned int		defer_shift;
	int			order_failed;
	bool			blockskip_flush;

	/* reclaim */
	uint64_t		nr_lru[NR_LRU];		/* pages of each class in this zone */
	uint32_t		release_cursor[NR_MT];	/* mmr_model_release_initial() */
	bool			populated_once;
	struct model_spb_zone	*spb;		/* superpageblocks (policy spb), or NULL */
};

static inline uint64_t wmark_pages(const struct model_zone *z, unsigned int w)
{
	return z->wmark[w] + z->boost;
}
static inline struct model_block *blk_of(struct model_zone *z, uint32_t idx)
{
	return &z->blocks[idx >> PB_ORDER];
}
static inline unsigned int block_mt(const struct model_zone *z, uint32_t idx)
{
	return z->blocks[idx >> PB_ORDER].mt;
}
static inline bool is_movable_mt(unsigned int mt) { return mt == MT_MOVABLE || mt == MT_CMA; }
static inline bool is_mergeable_mt(unsigned int mt) { return mt < NR_PCPTYPES; }
/* pcp_allowed_order(): the orders the per-cpu lists hold */
static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= COSTLY_ORDER || order == PB_ORDER;
}

/* Owner table: where each live owner's block is, and its LRU links. */
struct model_owner {
	uint32_t	loc;		/* OWNER_LIVE | zone << 28 | page index, 0 = free */
	uint32_t	prev;		/* LRU links: owner ids, ONIL ends */
	uint32_t	next;
};
#define OWNER_LIVE		0x80000000u
#define ONIL			0xffffffffu

struct model_lru {
	uint32_t	head;		/* oldest */
	uint32_t	tail;		/* newest */
	uint64_t	nr_pages;
};

/* Who is doing the work: events carry its pid, counters go to its work. */
struct model_actor {
	int32_t			pid;
	struct mmr_model_work	*work;
	bool			kswapd;
};

/* capture_control: armed for the task that runs direct compaction (§4.7) */
struct model_capture {
	struct model_zone	*zone;		/* NULL while not compacting a zone */
	int32_t			pid;		/* the compacting task */
	int			mt;
	int			order;
	uint32_t		page;		/* NIL until captured */
	unsigned int		page_order;
	struct model_zone	*page_zone;
};

/* compact_control; kcompactd keeps one across steps, so it owns no pointers but zone. */
struct model_cc {
	struct model_zone	*zone;
	int			order;		/* -1: whole-zone (proactive) */
	int			search_order;
	int			mt;
	unsigned int		alloc_flags;
	int			highest_zoneidx;
	int			mode;
	bool			direct;
	bool			whole_zone;
	bool			ignore_skip_hint;
	bool			ignore_block_suitable;
	bool			proactive;
	bool			finish_pageblock;
	bool			update_cached;
	bool			started;
	uint32_t		migrate_pfn;	/* page indexes in the zone */
	uint32_t		free_pfn;
	uint64_t		fast_start_pfn;	/* 0 unset, UINT64_MAX used */
	unsigned int		fast_search_fail;
	uint32_t		last_migrated_pfn;	/* NIL: none */
	struct freelist		freepages[NR_ORDERS];
	uint64_t		nr_freepages;
	uint32_t		migratepages[PB_PAGES];	/* a finish_pageblock rescan takes a block */
	unsigned int		nr_migrate_blocks;
	uint64_t		nr_migratepages;
	struct model_capture	*capc;
	struct model_actor	*actor;
};

enum ks_state { KS_SLEEP, KS_SHORT_SLEEP, KS_RUN };
enum kc_state { KC_SLEEP, KC_RUN, KC_PROACTIVE };

struct model_kswapd {
	enum ks_state		state;
	bool			need_start;		/* woken: start a balance_pgdat() run */
	int			pending_order;		/* pgdat->kswapd_order */
	int			pending_idx;		/* -1: none (MAX_NR_ZONES) */
	unsigned int		failures;		/* kswapd_failures */
	uint64_t		wake_at;		/* end of the short sleep */
	int			sleep_order;		/* reclaim order of the short sleep */
	int			sleep_idx;
	int64_t			budget;			/* ns of work earned */
	/* the balance_pgdat() run in progress */
	int			alloc_order;
	int			order;
	int			idx;
	int			priority;
	uint64_t		nr_reclaimed;		/* this run */
	uint64_t		boost_left;		/* nr_boost_reclaim */
	bool			boosted;
	uint64_t		zone_boosts[MMR_MODEL_MAX_ZONES];
	struct mmr_model_work	work;
};

struct model_kcompactd {
	enum kc_state		state;
	int			max_order;
	int			highest_zoneidx;
	uint64_t		next_tick;		/* proactive timeout */
	uint64_t		timeout;
	int64_t			budget;
	int			zone_pos;		/* zone being worked, index into zones */
	int			run_order;
	int			run_idx;
	unsigned int		prev_score;
	bool			cc_active;
	struct model_cc		cc;
	struct model_actor	actor;		/* cc.actor points here, never to a stack */
	struct mmr_model_work	work;
};

struct mmr_model {
	struct mmr_model_config	cfg;
	/* the task in the allocation slowpath: its events carry its own clock, the
	 * request's start plus the modelled cost of its work so far */
	const struct model_actor *stalled_actor;
	uint64_t		stalled_t0;
	unsigned int		nr_zones;
	struct model_zone	zones[MMR_MODEL_MAX_ZONES];	/* ascending kernel index */
	uint64_t		min_free_kbytes;
	bool			mobility_disabled;

	struct model_owner	*owners;
	uint64_t		nr_owner_slots;
	uint64_t		owners_touched;	/* slots whose page is written (owners_touch()) */
	struct model_lru	lru[NR_LRU];

	uint64_t		now;
	struct model_kswapd	ks;
	struct model_kcompactd	kc;
	struct model_capture	*capc;		/* armed capture, or NULL */
	bool			in_agents;	/* advancing agents (no recursion) */

	int			event_ret;	/* first non-zero event callback return */
	uint64_t		rng;
	struct mmr_model_stats	stats;
	struct mmr_model_work	nowork;		/* sink for work nobody is charged for */
	struct model_actor	embedder;	/* frees by the embedder */
	struct model_spb_state	*spbw;		/* SPB defrag worker and samples, or NULL */
};

/* model-core.c */
void model_emit(struct mmr_model *m, int32_t pid, enum mmr_event_type type, unsigned int n,
		const int64_t *vals);
#define model_tracing(m)	((m)->cfg.event_fn != NULL)
#define EMIT(m, pid, type, ...)							\
	do {									\
		if (model_tracing(m)) {						\
			const int64_t v_[] = { __VA_ARGS__ };			\
			model_emit(m, pid, type, ARRAY_SIZE(v_), v_);		\
		}								\
	} while (0)
uint64_t model_pfn(const struct model_zone *z, uint32_t idx);
uint64_t model_rand(struct mmr_model *m);
uint64_t model_work_cost(const struct mmr_model *m, const struct mmr_model_work *w);
void model_work_add(struct mmr_model_work *dst, const struct mmr_model_work *src);
void model_setup_watermarks(struct mmr_model *m);
int model_zone_reset(struct mmr_model *m, struct model_zone *z);

/* model-owner.c: owners and LRU */
int model_owner_reserve(struct mmr_model *m, uint32_t owner);
static inline bool model_owner_live(const struct mmr_model *m, uint32_t owner)
{
	return owner < m->nr_owner_slots && (m->owners[owner].loc & OWNER_LIVE);
}
/* The zone of the block an owner's table entry @loc names (the page: loc & LINK_MASK). */
static inline struct model_zone *loc_zone(const struct mmr_model *m, uint32_t loc)
{
	return (struct model_zone *)&m->zones[(loc >> 28) & 3];
}
void *model_table_alloc(size_t bytes, bool huge);
void model_table_free(void *p, size_t bytes);
void model_owner_set(struct mmr_model *m, uint32_t owner, struct model_zone *z, uint32_t idx);
void model_owner_locate(const struct mmr_model *m, uint32_t owner, struct model_zone **z,
			uint32_t *idx);
void model_lru_add(struct mmr_model *m, uint32_t owner, unsigned int class, uint64_t pages);
void model_lru_del(struct mmr_model *m, uint32_t owner, unsigned int class, uint64_t pages);
void model_lru_rotate(struct mmr_model *m, uint32_t owner, unsigned int class);

/* model-buddy.c: free lists, merging, __rmqueue, PCP */
void freelist_add(struct model_zone *z, uint32_t idx, unsigned int order, unsigned int mt,
		  bool tail);
void freelist_del(struct model_zone *z, uint32_t idx, unsigned int order, unsigned int mt);
void freelist_move_tail(struct model_zone *z, uint32_t idx, unsigned int order,
			unsigned int old_mt, unsigned int new_mt);
void list_push(struct model_zone *z, struct freelist *l, uint32_t idx, bool tail);
void list_unlink(struct model_zone *z, struct freelist *l, uint32_t idx);
void list_rotate_after(struct model_zone *z, struct freelist *l, uint32_t idx);
void list_rotate_before(struct model_zone *z, struct freelist *l, uint32_t idx);
void set_block_mt(struct model_zone *z, uint32_t idx, unsigned int order, unsigned int mt);
int move_freepages_block(struct model_zone *z, uint32_t idx, unsigned int old_mt,
			 unsigned int new_mt);
void free_one_page(struct mmr_model *m, struct model_zone *z, uint32_t idx, unsigned int order,
		   unsigned int mt, bool to_tail);
void free_pages_to_allocator(struct mmr_model *m, struct model_zone *z, uint32_t idx,
			     unsigned int order, int32_t pid);
uint32_t rmqueue_smallest(struct mmr_model *m, struct model_zone *z, unsigned int order,
			  unsigned int mt, int32_t pid);
int find_suitable_fallback(const struct model_zone *z, unsigned int order, unsigned int mt,
			   bool claimable, const struct mmr_model *m);
uint32_t rmqueue(struct mmr_model *m, struct model_zone *pref, struct model_zone *z,
		 unsigned int order, unsigned int alloc_flags, unsigned int mt, int32_t pid);
void drain_pcp(struct mmr_model *m, struct model_zone *z, int32_t pid);
bool zone_watermark_ok(const struct mmr_model *m, const struct model_zone *z, unsigned int order,
		       uint64_t mark, int highest_zoneidx, unsigned int alloc_flags, int64_t free);
bool zone_watermark_fast(const struct mmr_model *m, const struct model_zone *z,
			 unsigned int order, uint64_t mark, int highest_zoneidx,
			 unsigned int alloc_flags);
void reserve_highatomic_pageblock(struct mmr_model *m, struct model_zone *z, uint32_t idx,
				  unsigned int order);
bool unreserve_highatomic_pageblock(struct mmr_model *m, struct model_zone **zl, int nr_zl,
				    int req_mt, bool force);
void block_account_free(struct model_zone *z, uint32_t idx, unsigned int order, int sign);
void block_account_movable(struct model_zone *z, uint32_t idx, unsigned int order, int sign);
void model_expand(struct model_zone *z, uint32_t idx, unsigned int low, unsigned int high,
		  unsigned int mt);
void prep_alloc_page(struct mmr_model *m, struct model_zone *z, uint32_t idx,
		     unsigned int order, uint32_t owner, unsigned int class, bool movable,
		     unsigned int mt, unsigned int flags);
void unprep_alloc_page(struct mmr_model *m, struct model_zone *z, uint32_t idx);

/* model-alloc.c */
int model_zonelist(const struct mmr_model *m, uint64_t gfp, struct model_zone **zl);
unsigned int gfp_migratetype(const struct mmr_model *m, uint64_t gfp);
void model_free_owner(struct mmr_model *m, uint32_t owner, int32_t pid, bool reclaim);

/* model-reclaim.c */
uint64_t zone_reclaimable_pages(const struct mmr_model *m, const struct model_zone *z);
uint64_t try_to_free_pages(struct mmr_model *m, struct model_zone **zl, int nr_zl,
			   unsigned int order, uint64_t gfp, int highest_zoneidx,
			   struct model_actor *a);
void wakeup_kswapd(struct mmr_model *m, struct model_zone *z, uint64_t gfp, int order,
		   int highest_zoneidx, int32_t pid);
bool pgdat_balanced(const struct mmr_model *m, int order, int highest_zoneidx);
bool kswapd_step(struct mmr_model *m);

/* model-compact.c */
bool compaction_suitable_free(const struct mmr_model *m, const struct model_zone *z, int order,
			      uint64_t mark, int highest_zoneidx, int64_t free);
bool compaction_suitable(struct mmr_model *m, struct model_zone *z, int order, uint64_t mark,
			 int highest_zoneidx, int32_t pid);
enum compact_result compaction_suit_allocation_order(struct mmr_model *m, struct model_zone *z,
						     int order, int highest_zoneidx,
						     unsigned int alloc_flags, bool async,
						     bool kcompactd, int32_t pid);
bool suitable_migration_source(const struct mmr_model *m, const struct model_cc *cc,
			       uint32_t block_start);
bool suitable_migration_target(const struct model_cc *cc, uint32_t block_start);
int fragmentation_index(const struct model_zone *z, unsigned int order);
enum compact_result try_to_compact_pages(struct mmr_model *m, struct model_zone **zl, int nr_zl,
					 unsigned int order, uint64_t gfp,
					 unsigned int alloc_flags, int highest_zoneidx, int prio,
					 int req_mt, struct model_capture *capc,
					 struct model_actor *a);
bool compaction_deferred(struct mmr_model *m, struct model_zone *z, int order, int32_t pid);
void defer_compaction(struct mmr_model *m, struct model_zone *z, int order, int32_t pid);
void compaction_defer_reset(struct mmr_model *m, struct model_zone *z, int order, bool success,
			    int32_t pid);
void cc_init(struct model_cc *cc, struct model_zone *z, int order, int mt,
	     unsigned int alloc_flags, int highest_zoneidx, int mode, bool direct);
enum compact_result compact_zone_begin(struct mmr_model *m, struct model_cc *cc);
enum compact_result compact_zone_step(struct mmr_model *m, struct model_cc *cc);
void compact_zone_end(struct mmr_model *m, struct model_cc *cc, enum compact_result ret);
void wakeup_kcompactd(struct mmr_model *m, int order, int highest_zoneidx, int32_t pid);
bool kcompactd_step(struct mmr_model *m);
void reset_isolation_suitable(struct mmr_model *m);
unsigned int fragmentation_score_zone(const struct model_zone *z);

/* model-time.c */
void model_advance_to(struct mmr_model *m, uint64_t t);

/* model-policy.c */
void model_policy_json(const struct mmr_model_config *cfg, struct strbuf *sb);

#endif
