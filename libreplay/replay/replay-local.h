/*
 * replay/replay-local.h - internals of the replay engine: the workload a recorded
 * run becomes, and how the model's initial state is built for it.
 */
#ifndef MMR_REPLAY_LOCAL_H
#define MMR_REPLAY_LOCAL_H

#include "core-local.h"

enum replay_op_kind {
	OP_ALLOC,		/* a new owner asks for 2^order pages */
	OP_FREE,		/* an owner's block is freed */
	OP_FREE_INITIAL,	/* pages allocated before the trace are freed */
	OP_FORGET,		/* the workload no longer names the owner, which the model
				 * keeps (a free the recorded kernel's reclaim did) */
};

/* One step of a workload, in trace time order. */
struct replay_op {
	uint64_t	ts;		/* ns, the recording's clock */
	uint64_t	gfp;		/* OP_ALLOC */
	uint32_t	owner;		/* OP_ALLOC: new id; OP_FREE: a live id */
	int32_t		pid;
	uint8_t		kind;
	uint8_t		order;
	uint8_t		mt;		/* OP_FREE_INITIAL: migratetype released */
	uint8_t		failed;		/* OP_ALLOC: the recorded kernel failed it */
	int64_t		pfn;		/* OP_FREE_INITIAL: the recorded pfn */
};

typedef int (*replay_op_fn)(const struct replay_op *op, void *arg);

/* Who freed a page, as far as the trace tells (replay-workload.c explains). */
enum free_ctx { CTX_WORKLOAD, CTX_RECLAIM, CTX_COMPACTION };

/* A row of the recorded alloc/free stream, in trace order, its free's context told. */
struct workload_row {
	uint64_t	ts;
	uint64_t	gfp;		/* alloc */
	int64_t		pfn;		/* < 0: a failed allocation */
	int32_t		pid;
	uint8_t		is_free;
	uint8_t		order;
	uint8_t		ctx;		/* free: enum free_ctx */
};

typedef int (*workload_row_fn)(const struct workload_row *r, void *arg);
/* A free row that comes later: a hint to start loading what it will need. */
typedef void (*workload_hint_fn)(const struct workload_row *r, void *arg);

/*
 * A recorded run becomes a workload in two stages, chained by a call or run in two
 * threads: workload_read() reads run @run_id in trace order and hands each alloc/free
 * row to @fn (setting @ws's events_read and dropped_batched only), and @hint, if not
 * NULL, a free row it has read ahead; workload_map_row(), the @fn of a struct
 * workload_map, turns rows into ops with new owner ids from @first_owner (setting
 * @ws's other counters; workload_map_release() may give it any id to reuse).
 */
int workload_read(struct mmr_store *st, int64_t run_id, workload_row_fn fn,
		  workload_hint_fn hint, void *arg, struct mmr_workload_stats *ws);
struct workload_map;
int workload_map_new(uint32_t first_owner, uint32_t reuse_after, replay_op_fn fn, void *arg,
		     struct mmr_workload_stats *ws, struct workload_map **out);
int workload_map_row(const struct workload_row *r, void *map);
void workload_map_hint(const struct workload_row *r, void *map);
/* The same hint further ahead: loads only the directory slot workload_map_hint() reads. */
void workload_map_hint_early(const struct workload_row *r, void *map);
void workload_map_free(struct workload_map *map);
/*
 * Gives @owner back for new allocations: neither the workload nor the model holds it
 * any more. Once @reuse_after ids are taken, such ids are reused, so that the model's
 * owner table stays as large as the owners live at once, not as the allocations of
 * the whole recording.
 */
int workload_map_release(struct workload_map *map, uint32_t owner);

/* Number of rows the extraction will read (for progress; it reads them all). */
int workload_size(struct mmr_store *st, int64_t run_id, uint64_t *rows);

/* Whether run @run_id has any row to extract (cheap). */
int workload_exists(struct mmr_store *st, int64_t run_id, bool *any);

/*
 * Fills @cfg's zones from run @run_id's start snapshots and returns the initial
 * state per model zone in @states. Without snapshots the zone is derived from the
 * pfns the trace touches (see README.md). Return: 0 or an error.
 */
int replay_initial_state(struct mmr_store *st, int64_t run_id, struct mmr_model_config *cfg,
			 struct mmr_model_zone_state *states, bool *from_snapshot);

/* Synthetic scenarios (replay-synth.c). */
int synth_run(struct mmr_store *st, const char *scenario, uint64_t seed,
	      const char *const *sets, int nr_sets, int64_t *run_id);

/* The superpageblock scenario "spb-stuck" (replay-synth-spb.c). */
extern const char synth_spb_stuck_summary[];
int synth_spb_stuck(struct mmr_store *st, uint64_t seed, const char *const *sets, int nr_sets,
		    int64_t *run_id);

/* An exponential draw of @mean from the xorshift64* state @s, for the synthetic scenarios. */
double synth_expo(uint64_t *s, double mean);

/* A free a synthetic stream will write later, in a binary min-heap by time. */
struct synth_pending {
	uint64_t	ts;
	uint64_t	pfn;
	uint8_t		order;
	int32_t		pid;
};

struct synth_heap {
	struct synth_pending	*v;
	size_t			n, cap;
};

int synth_heap_push(struct synth_heap *h, struct synth_pending p);
/* Removes and returns the earliest pending free; @h must not be empty. */
struct synth_pending synth_heap_pop(struct synth_heap *h);
/* Writes @ev through @w, counting it in *@n and keeping the first and last ts. */
int synth_emit(struct mmr_writer *w, const struct mmr_event *ev, uint64_t *first,
	       uint64_t *last, uint64_t *n);

/* Min, low and high watermarks the model computes for one Normal zone of @pages. */
int synth_model_watermarks(uint64_t start, uint64_t pages, uint64_t wm[3]);

/*
 * Writes the 'start' zone, pageblock and free-area rows of one Normal zone of @pages at @start,
 * watermarks @wm, @nr_blocks pageblocks per migratetype.  Of @free pages, a @free_blocks share
 * is whole MOVABLE pageblocks, the rest order-0..3 MOVABLE buddies; *@free_pages gets the sum.
 */
int synth_write_snapshot(struct mmr_store *st, int64_t run, uint64_t start, uint64_t pages,
			 const uint64_t wm[3], uint64_t free, double free_blocks,
			 const uint64_t nr_blocks[MMR_MT__COUNT], uint64_t *free_pages);

#endif
