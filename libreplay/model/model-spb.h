/*
 * model/model-spb.h - superpageblock (SPB) state of the allocator model, shared by the
 * model/ sources and the unit tests. The SPB RFC (Rik van Riel, v1 2026-04-30) is
 * described in kernel-model.md section 7; README.md ("Superpageblocks") says what the
 * model takes from it and which details are [INFERRED] parameters.
 */
#ifndef MMR_MODEL_SPB_H
#define MMR_MODEL_SPB_H

#include <stdint.h>

struct mmr_model;
struct model_zone;

/* Categories; the kernel's isolated (contig-allocated) category is not modelled. */
enum spb_cat { SPB_EMPTY, SPB_CLEAN, SPB_TAINTED, SPB_NR_CAT };

/* Where an allocation was satisfied (index into spb_stats.pass). */
enum spb_pass {
	SPB_PASS1, SPB_PASS2, SPB_PASS2B, SPB_PASS2C, SPB_PASS2D, SPB_PASS3,
	SPB_PASS4,	/* movable allocations outside clean SPBs (empty, then tainted) */
	SPB_NR_PASS
};

/* Who asked spb_maybe_start_defrag(). */
enum spb_trigger { SPB_TRIG_LIST, SPB_TRIG_HOT, SPB_TRIG_WALK, SPB_NR_TRIG };

#define SPB_MAX_BUCKETS		16
#define SPB_NIL			0xffffffffu

struct model_spb {
	uint32_t	first_block;		/* zone pageblock index of the first block */
	uint32_t	nr_blocks;		/* pageblocks inside the zone (zone-clipped) */
	uint32_t	nr_free_blocks;		/* whole free pageblocks (order >= 9 buddies) */
	uint32_t	nr_nonmov_blocks;	/* blocks typed UNMOVABLE/RECLAIMABLE/HIGHATOMIC */
	uint32_t	nr_nonmov_free_blocks;	/* ... of them whole free */
	uint64_t	nr_free_pages;		/* pages in free buddies (not PCP) */
	uint64_t	nr_unmov_pages;		/* allocated pages compaction cannot move */
	uint64_t	nr_movable_pages;	/* allocated movable pages */
	uint64_t	nr_reserved;		/* reserved (never managed) pages */
	uint32_t	nr_buddies[MMR_MODEL_NR_ORDERS][MMR_MT__COUNT];
	uint16_t	nonempty[MMR_MT__COUNT];	/* bit o: nr_buddies[o][mt] > 0 */
	uint8_t		cat;
	uint8_t		bucket;			/* 0 = fullest (SB_FULL) */
	bool		queued;			/* defrag work queued or running */
	bool		no_progress;		/* last run made no progress */
	uint32_t	prev, next;		/* links on its category/bucket list */
	uint32_t	cursor;			/* block offset of the last buddy found */
	uint64_t	last_no_progress;	/* model ns of that run's end */
};

struct spb_list {
	uint32_t	head, tail;
};

struct model_spb_zone {
	struct mmr_model	*m;
	struct model_zone	*z;
	struct model_spb	*sb;
	uint32_t		nr;		/* SPBs in the zone */
	uint32_t		pageblocks;	/* SPB size used for this zone */
	uint32_t		off_blocks;	/* zone start's block offset in its SPB */
	unsigned int		block_shift;	/* log2(pageblocks) */
	bool			ready;		/* counters valid; hooks maintain them */
	int			cause;		/* pass allocating right now, or -1 */
	struct spb_list		lists[SPB_NR_CAT][SPB_MAX_BUCKETS];
	uint32_t		nr_cat[SPB_NR_CAT];
	uint32_t		hint[MMR_MODEL_NR_ORDERS][MMR_MT__COUNT];	/* PASS_1 hint */
};

struct spb_stats {
	uint64_t	pass[SPB_NR_PASS];
	uint64_t	pass3_tainted;		/* SPBs turned tainted by PASS_3 */
	uint64_t	other_tainted;		/* ... by anything else (classic fallback) */
	uint64_t	reserve_breached;	/* movable allocations from a tainted reserve */
	uint64_t	slab_shrink;		/* queue_spb_slab_shrink() calls (not modelled) */
	uint64_t	triggers[SPB_NR_TRIG];	/* spb_maybe_start_defrag() calls */
	uint64_t	queued[SPB_NR_TRIG];	/* ... that queued work */
	uint64_t	cooldown_refused;	/* ... refused only by the cooldown */
	uint64_t	defrag_runs;
	uint64_t	defrag_migrated;	/* pages */
	uint64_t	defrag_no_progress;
	uint64_t	defrag_blocks_freed;	/* whole pageblocks gained by runs */
	uint64_t	defrag_no_target;	/* runs ended because no target was free */
};

/* The defrag worker (one work item per SPB, run in FIFO order) and the samples. */
struct model_spb_state {
	uint32_t		*queue;		/* zone << 28 | SPB index */
	uint32_t		qcap, qhead, qlen;
	bool			running;
	uint32_t		run;		/* the entry being worked */
	uint32_t		run_free_blocks;	/* free blocks at the run's start */
	int64_t			budget;
	struct mmr_model_work	work;
	struct spb_stats	stats;
	struct mmr_model_spb_sample *samples;
	size_t			nr_samples, cap_samples;
	uint32_t		last_counts[MMR_MODEL_MAX_ZONES][SPB_NR_CAT];
	uint64_t		last_sample;
};

/* model-spb.c */
int spb_model_init(struct mmr_model *m);
void spb_model_release(struct mmr_model *m);
void spb_rebuild(struct model_zone *z);
void spb_freelist(struct model_zone *z, uint32_t idx, unsigned int order, unsigned int mt,
		  int sign);
void spb_block_mt(struct model_zone *z, uint32_t block, unsigned int old_mt,
		  unsigned int new_mt);
void spb_content(struct model_zone *z, uint32_t idx, unsigned int order, bool movable,
		 bool reserved, int sign);
uint32_t spb_rmqueue_smallest(struct mmr_model *m, struct model_zone *z, unsigned int order,
			      unsigned int mt, int32_t pid);
bool spb_defrag_pending(const struct mmr_model *m);
bool spb_defrag_step(struct mmr_model *m);
void spb_maybe_start_defrag(struct model_spb_zone *zs, struct model_spb *sb,
			    enum spb_trigger trig);
bool spb_needs_defrag(const struct model_spb_zone *zs, const struct model_spb *sb,
		      bool *cooldown);
unsigned int spb_reserve(const struct model_spb_zone *zs, const struct model_spb *sb);
uint64_t spb_contig_1g(const struct mmr_model *m);
int spb_check(const struct mmr_model *m);
void spb_metrics(const struct mmr_model *m, mmr_metric_fn fn, void *arg);

static inline struct model_spb *spb_of(const struct model_spb_zone *zs, uint32_t idx)
{
	return &zs->sb[((idx >> MMR_MODEL_PAGEBLOCK_ORDER) + zs->off_blocks) >> zs->block_shift];
}

#endif
