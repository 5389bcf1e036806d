/*
 * replay/replay-workload.c - turning a recorded run into a workload: the stream of
 * allocations and of the workload's own frees, keyed by owner ids that survive the
 * recorded kernel's migrations as far as the trace allows.
 *
 * The recorded frees include what the recorded kernel's reclaim and compaction did;
 * the model does its own, so those are told apart and dropped:
 *  - frees by kswapd, and by a task between its direct_reclaim_begin and _end, are
 *    reclaim: the owner stays live in the model, whose reclaim decides its fate;
 *  - frees by kcompactd, and by a task between compaction_begin and _end, are
 *    migration sources (or unused free pages going back): the owner lives on at a
 *    pfn the trace does not name, so it joins a queue per order, and a later free of
 *    an unknown pfn of that order frees the oldest owner of the queue;
 *  - an unknown pfn with an empty queue is memory allocated before the trace: the
 *    model releases its pre-existing pages at that pfn, or as many as are there, and
 *    the rest elsewhere as MOVABLE (the trace does not say which type; most
 *    long-lived memory is page cache and anon).
 * mm_page_free_batched repeats frees already traced by mm_page_free and is skipped.
 * A free of part of an allocation (split pages) counts against its block; the model
 * frees the block when the last part goes. README.md discusses the limits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "replay-local.h"

enum { SRC_ALLOC, SRC_FREE, SRC_DR_BEGIN, SRC_DR_END, SRC_C_BEGIN, SRC_C_END, NR_SRC };

/*
 * Each stream's table and columns: ts, pid, then pfn and order (alloc, free), gfp
 * (alloc). seq is not read: it only breaks ties on ts between two streams (a few in
 * a million rows), and computing it for every row cost a tenth of the reading; a tie
 * looks it up (cursor_seq()).
 */
static const char *const src_table[NR_SRC] = {
	"mm_page_alloc", "mm_page_free", "mm_vmscan_direct_reclaim_begin",
	"mm_vmscan_direct_reclaim_end", "mm_compaction_begin", "mm_compaction_end",
};
static const char *const src_cols[NR_SRC] = {
	"ts, pid, pfn, \"order\", gfp_flags", "ts, pid, pfn, \"order\"",
	"ts, pid", "ts, pid", "ts, pid", "ts, pid",
};
static const int src_ncols[NR_SRC] = { 5, 4, 2, 2, 2, 2 };

struct cursor {
	struct mmr_stmt	*s;
	struct mmr_stmt	*seq_s;		/* the seq of a row by (ts, rank), prepared on a tie */
	int		src;		/* SRC_* */
	bool		valid;
	bool		has_seq;	/* seq looked up */
	uint64_t	ts;
	uint32_t	rank;		/* rows of this stream before this one on the same ts */
	int64_t		seq;
	int32_t		pid;
	int64_t		pfn;
	unsigned int	order;
	uint64_t	gfp;
};

/*
 * The live allocations of the recording, by head pfn: chunks of CHUNK_PFNS
 * consecutive pfns (8 bytes a pfn) found through a small hash by pfn / CHUNK_PFNS,
 * the last chunk used kept at hand. A chunk goes when its last live entry does.
 * A recording's pfns cluster (a host's zones; a synthetic run's rising pfns), so
 * this costs about 8 bytes a pfn the live allocations cover, and the lookups of
 * neighbouring pfns share cache lines, where a hash of single pfns missed the cache
 * on nearly every lookup.
 */
#define CHUNK_SHIFT	9
#define CHUNK_PFNS	(1u << CHUNK_SHIFT)

struct pfn_entry {
	uint32_t	owner;
	uint16_t	remaining;	/* pages not yet freed (at most 2^10) */
	uint8_t		order;
	uint8_t		live;
};

struct pfn_chunk {
	uint64_t		key;		/* pfn >> CHUNK_SHIFT */
	uint32_t		nr_live;
	struct pfn_entry	e[CHUNK_PFNS];
};

/* A directory slot keeps the chunk's key, so that a probe reads no chunk but the one
 * it finds: the chunk's header is a cache miss of its own. */
struct dir_slot {
	uint64_t		key;
	struct pfn_chunk	*c;		/* NULL = empty */
};

struct pfn_map {
	struct dir_slot		*dir;		/* open addressing by key */
	size_t			cap;		/* power of two */
	size_t			nr;		/* chunks */
	struct pfn_chunk	*last;		/* the chunk of the last lookup, or NULL */
	uint64_t		peak_bytes;	/* the most the chunks and directory held */
	size_t			per_order[MMR_MODEL_NR_ORDERS];	/* live entries by order */
};

/* The highest order with a live entry (0 if none): bounds the split-page search. */
static unsigned int map_max_order(const struct pfn_map *m)
{
	for (unsigned int o = MMR_MODEL_MAX_ORDER; o > 0; o--)
		if (m->per_order[o])
			return o;
	return 0;
}

/* Per task: nesting depth of direct reclaim and compaction. */
struct task_ctx {
	int32_t		pid;
	bool		used;
	int		reclaim;
	int		compact;
};

struct owner_queue {
	uint32_t	*v;
	size_t		head, len, cap;
};

/* The reading stage: the recording's rows merged in trace order, frees classified. */
struct reader {
	struct mmr_store		*st;
	int64_t				run_id;
	workload_row_fn			fn;
	void				*arg;
	int				err;		/* of a seq lookup */
	struct task_ctx			*tasks;	/* open addressing by pid */
	size_t				tasks_cap;
	size_t				nr_tasks;
	int32_t				*kswapd;	/* pids of the reclaim/compaction daemons */
	int				nr_kswapd;
	int32_t				*kcompactd;
	int				nr_kcompactd;
};

/* The mapping stage: rows to owners and ops. */
struct workload_map {
	replay_op_fn			fn;
	void				*arg;
	struct mmr_workload_stats	*ws;
	uint32_t			first_owner;	/* the first id it gives */
	uint32_t			next_owner;	/* never used yet */
	uint32_t			reuse_after;	/* ids taken before reusing freed ones */
	struct owner_queue		freed;		/* released, to use again */
	struct pfn_map			map;
	struct owner_queue		migrated[MMR_MODEL_NR_ORDERS];
};

static inline size_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k;
}

/* The chunk of @key by the directory alone, or NULL. */
static struct pfn_chunk *dir_find(const struct pfn_map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash64(key) & (m->cap - 1); m->dir[i].c; i = (i + 1) & (m->cap - 1))
		if (m->dir[i].key == key)
			return m->dir[i].c;
	return NULL;
}

static struct pfn_chunk *chunk_find(struct pfn_map *m, uint64_t key)
{
	struct pfn_chunk *c;

	if (m->last && m->last->key == key)
		return m->last;
	c = dir_find(m, key);
	if (c)
		m->last = c;
	return c;
}

static struct pfn_entry *map_find(struct pfn_map *m, uint64_t pfn)
{
	struct pfn_chunk *c = chunk_find(m, pfn >> CHUNK_SHIFT);
	struct pfn_entry *e;

	if (!c)
		return NULL;
	e = &c->e[pfn & (CHUNK_PFNS - 1)];
	return e->live ? e : NULL;
}

static void dir_put(struct dir_slot *dir, size_t cap, struct pfn_chunk *c)
{
	size_t j;

	for (j = hash64(c->key) & (cap - 1); dir[j].c; j = (j + 1) & (cap - 1))
		;
	dir[j] = (struct dir_slot){ .key = c->key, .c = c };
}

static int map_insert(struct pfn_map *m, uint64_t pfn, uint32_t owner, unsigned int order)
{
	uint64_t key = pfn >> CHUNK_SHIFT;
	struct pfn_chunk *c = chunk_find(m, key);

	if (!c) {
		if ((m->nr + 1) * 2 > m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 256;
			struct dir_slot *dir = calloc(cap, sizeof(*dir));

			if (!dir)
				return -ENOMEM;
			for (size_t i = 0; i < m->cap; i++)
				if (m->dir[i].c)
					dir_put(dir, cap, m->dir[i].c);
			free(m->dir);
			m->dir = dir;
			m->cap = cap;
		}
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->key = key;
		dir_put(m->dir, m->cap, c);
		m->nr++;
		m->last = c;
		if (m->nr * sizeof(*c) + m->cap * sizeof(*m->dir) > m->peak_bytes)
			m->peak_bytes = m->nr * sizeof(*c) + m->cap * sizeof(*m->dir);
	}
	c->e[pfn & (CHUNK_PFNS - 1)] = (struct pfn_entry){
		.owner = owner, .remaining = (uint16_t)(1u << order), .order = (uint8_t)order,
		.live = 1 };
	c->nr_live++;
	m->per_order[order]++;
	return 0;
}

/* Removes the entry @e of @pfn (from map_find()); an emptied chunk goes, the later
 * chunks of its probe run shifting back (no tombstones). */
static void map_remove(struct pfn_map *m, uint64_t pfn, struct pfn_entry *e)
{
	struct pfn_chunk *c = chunk_find(m, pfn >> CHUNK_SHIFT);
	size_t i, j;

	m->per_order[e->order]--;
	e->live = 0;
	if (--c->nr_live)
		return;
	for (i = hash64(c->key) & (m->cap - 1); m->dir[i].c != c; i = (i + 1) & (m->cap - 1))
		;
	for (j = i;;) {
		j = (j + 1) & (m->cap - 1);
		if (!m->dir[j].c)
			break;
		size_t home = hash64(m->dir[j].key) & (m->cap - 1);
		/* move j to i if its home is not in (i, j] cyclically */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			m->dir[i] = m->dir[j];
			i = j;
		}
	}
	m->dir[i] = (struct dir_slot){ 0 };
	m->nr--;
	if (m->last == c)
		m->last = NULL;
	free(c);
}

static void map_free(struct pfn_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->dir[i].c);
	free(m->dir);
}

static struct task_ctx *task_get(struct reader *x, int32_t pid)
{
	if ((x->nr_tasks + 1) * 2 > x->tasks_cap) {
		size_t cap = x->tasks_cap ? x->tasks_cap * 2 : 256;
		struct task_ctx *t = calloc(cap, sizeof(*t));

		if (!t)
			return NULL;
		for (size_t i = 0; i < x->tasks_cap; i++) {
			size_t j;

			if (!x->tasks[i].used)
				continue;
			for (j = hash64((uint64_t)x->tasks[i].pid) & (cap - 1); t[j].used;
			     j = (j + 1) & (cap - 1))
				;
			t[j] = x->tasks[i];
		}
		free(x->tasks);
		x->tasks = t;
		x->tasks_cap = cap;
	}
	for (size_t i = hash64((uint64_t)pid) & (x->tasks_cap - 1);;
	     i = (i + 1) & (x->tasks_cap - 1)) {
		if (!x->tasks[i].used) {
			x->tasks[i] = (struct task_ctx){ .pid = pid, .used = true };
			x->nr_tasks++;
			return &x->tasks[i];
		}
		if (x->tasks[i].pid == pid)
			return &x->tasks[i];
	}
}

static bool pid_in(const int32_t *v, int n, int32_t pid)
{
	for (int i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

static int queue_push(struct owner_queue *q, uint32_t owner)
{
	if (q->head + q->len == q->cap) {
		if (q->head > q->cap / 2) {
			memmove(q->v, q->v + q->head, q->len * sizeof(*q->v));
			q->head = 0;
		} else if (mmr_grow((void **)&q->v, &q->cap, q->cap + 1, sizeof(*q->v))) {
			return -ENOMEM;
		}
	}
	q->v[q->head + q->len++] = owner;
	return 0;
}

/* The owner pushed last: a reused id whose table entry is the likeliest in cache. */
static bool queue_pop_newest(struct owner_queue *q, uint32_t *owner)
{
	if (!q->len)
		return false;
	*owner = q->v[q->head + --q->len];
	return true;
}

static bool queue_pop(struct owner_queue *q, uint32_t *owner)
{
	if (!q->len)
		return false;
	*owner = q->v[q->head++];
	q->len--;
	return true;
}

/* Loads the pids of kswapd and kcompactd: from their own events and from comm names. */
static int load_daemon_pids(struct reader *x, const char *sql, int32_t **out, int *nr)
{
	struct mmr_stmt *s;
	int rc, err;

	err = mmr_stmt_prepare(x->st, sql, &s);
	if (err)
		return err;
	mmr_stmt_bind_int(s, 1, x->run_id);
	while ((rc = mmr_stmt_step(s)) == 1) {
		int32_t *v = realloc(*out, (size_t)(*nr + 1) * sizeof(*v));

		if (!v) {
			mmr_stmt_free(s);
			return -ENOMEM;
		}
		*out = v;
		v[(*nr)++] = (int32_t)mmr_stmt_int(s, 0);
	}
	mmr_stmt_free(s);
	return rc < 0 ? rc : 0;
}

/*
 * Starts loading the map entry of @pfn, if its chunk exists; the directory is read
 * but m->last is left as it was. A free's row usually waits behind many allocations
 * before the merge takes it, time enough for its entry, a cache miss otherwise, to
 * arrive. A hint only.
 */
static inline void map_prefetch(const struct pfn_map *m, uint64_t pfn)
{
	struct pfn_chunk *c = dir_find(m, pfn >> CHUNK_SHIFT);

	if (c)
		__builtin_prefetch(&c->e[pfn & (CHUNK_PFNS - 1)]);
}

static int cursor_next(struct cursor *c)
{
	int src = c->src;
	int64_t v[5];
	int rc = mmr_stmt_step_ints(c->s, src_ncols[src], v);

	if (rc <= 0) {
		c->valid = false;
		return rc;
	}
	c->rank = c->valid && (uint64_t)v[0] == c->ts ? c->rank + 1 : 0;
	c->valid = true;
	c->ts = (uint64_t)v[0];
	c->has_seq = false;
	c->pid = (int32_t)v[1];
	if (src == SRC_ALLOC || src == SRC_FREE) {
		c->pfn = v[2];
		c->order = (uint64_t)v[3] > MMR_MODEL_MAX_ORDER ? MMR_MODEL_MAX_ORDER :
			   (unsigned int)v[3];
	}
	if (src == SRC_ALLOC)
		c->gfp = (uint64_t)v[4];
	return 1;
}

/*
 * The seq of the row @c is on, looked up the first time a tie on ts asks for it: the
 * stream is in (ts, seq) order, so it is the seq of rank c->rank among the rows of
 * that ts. An error is kept in *@err (the comparison then goes on with seq 0).
 */
static int64_t cursor_seq(struct reader *x, struct cursor *c)
{
	char sql[200];
	int rc;

	if (c->has_seq)
		return c->seq;
	c->seq = 0;
	c->has_seq = true;
	if (!c->seq_s) {
		snprintf(sql, sizeof(sql), "SELECT seq FROM %s WHERE run_id = ?1 AND ts = ?2 "
			 "ORDER BY seq LIMIT 1 OFFSET ?3", src_table[c->src]);
		rc = mmr_stmt_prepare(x->st, sql, &c->seq_s);
		if (rc) {
			x->err = rc;
			return 0;
		}
	} else {
		mmr_stmt_reset(c->seq_s);
	}
	mmr_stmt_bind_int(c->seq_s, 1, x->run_id);
	mmr_stmt_bind_int(c->seq_s, 2, (int64_t)c->ts);
	mmr_stmt_bind_int(c->seq_s, 3, c->rank);
	rc = mmr_stmt_step(c->seq_s);
	if (rc == 1)
		c->seq = mmr_stmt_int(c->seq_s, 0);
	else if (rc < 0)
		x->err = rc;
	return c->seq;
}

/* Whether the row of @a comes before that of @b (trace order: ts, then seq). */
static inline bool cursor_before(struct reader *x, struct cursor *a, struct cursor *b)
{
	return a->ts < b->ts || (a->ts == b->ts && cursor_seq(x, a) < cursor_seq(x, b));
}

/* The stream from @from on whose row comes first (the lowest on a tie), or -1. */
static int earliest(struct reader *x, struct cursor *cur, int from)
{
	int best = -1;

	for (int i = from; i < NR_SRC; i++)
		if (cur[i].valid && (best < 0 || cursor_before(x, &cur[i], &cur[best])))
			best = i;
	return best;
}

static int emit(struct workload_map *x, enum replay_op_kind kind, const struct workload_row *r,
		uint32_t owner, unsigned int order)
{
	struct replay_op op = {
		.ts = r->ts, .owner = owner, .pid = r->pid, .kind = (uint8_t)kind,
		.order = (uint8_t)order, .mt = MMR_MT_MOVABLE, .pfn = r->pfn,
	};

	if (kind == OP_ALLOC) {
		op.gfp = r->gfp;
		op.failed = r->pfn < 0;
	}
	return x->fn(&op, x->arg);
}

int workload_map_release(struct workload_map *x, uint32_t owner)
{
	return queue_push(&x->freed, owner);
}

static int on_alloc(struct workload_map *x, const struct workload_row *r)
{
	struct pfn_entry *e;
	uint32_t owner;
	int err;

	if (x->next_owner - x->first_owner < x->reuse_after ||
	    !queue_pop_newest(&x->freed, &owner))
		owner = x->next_owner++;

	x->ws->allocs++;
	if (r->pfn < 0) {
		x->ws->allocs_failed++;
		return emit(x, OP_ALLOC, r, owner, r->order);
	}
	e = map_find(&x->map, (uint64_t)r->pfn);
	if (e) {
		/* allocated again without a traced free: the old block is gone */
		uint32_t old = e->owner;

		map_remove(&x->map, (uint64_t)r->pfn, e);
		x->ws->frees_implicit++;
		err = emit(x, OP_FREE, r, old, 0);
		if (err)
			return err;
	}
	err = map_insert(&x->map, (uint64_t)r->pfn, owner, r->order);
	if (err)
		return err;
	return emit(x, OP_ALLOC, r, owner, r->order);
}

/* The whole block of @e has been freed in context @ctx. */
static int block_freed(struct workload_map *x, const struct workload_row *r, uint64_t head,
		       struct pfn_entry *e, enum free_ctx ctx)
{
	uint32_t owner = e->owner;
	unsigned int order = e->order;

	map_remove(&x->map, head, e);
	switch (ctx) {
	case CTX_RECLAIM:
		x->ws->dropped_reclaim++;
		return emit(x, OP_FORGET, r, owner, order);
	case CTX_COMPACTION:
		x->ws->dropped_compaction++;
		return queue_push(&x->migrated[order], owner);
	default:
		x->ws->frees++;
		return emit(x, OP_FREE, r, owner, order);
	}
}

static int on_free(struct workload_map *x, const struct workload_row *r)
{
	uint64_t pfn = (uint64_t)r->pfn, pages = 1ull << r->order;
	enum free_ctx ctx = (enum free_ctx)r->ctx;
	struct pfn_entry *e;
	uint64_t head = pfn;
	uint32_t owner;

	e = map_find(&x->map, pfn);
	if (!e) {
		/* part of a larger allocation? */
		unsigned int top = map_max_order(&x->map);

		for (unsigned int k = 1; k <= top && !e; k++) {
			uint64_t hp = pfn & ~((1ull << k) - 1);
			struct pfn_entry *h = map_find(&x->map, hp);

			if (h && h->order >= k && pfn + pages <= hp + (1ull << h->order)) {
				e = h;
				head = hp;
			}
		}
	}
	if (e) {
		if (pages >= e->remaining || (head == pfn && r->order >= e->order))
			return block_freed(x, r, head, e, ctx);
		e->remaining -= (uint16_t)pages;
		x->ws->frees_partial++;
		return 0;
	}
	/* a pfn this trace never allocated */
	if (ctx == CTX_RECLAIM) {
		x->ws->dropped_reclaim++;
		return 0;
	}
	if (ctx == CTX_COMPACTION) {
		x->ws->dropped_compaction++;
		return 0;
	}
	if (queue_pop(&x->migrated[r->order], &owner)) {
		x->ws->frees_migrated++;
		return emit(x, OP_FREE, r, owner, r->order);
	}
	x->ws->frees_initial++;
	return emit(x, OP_FREE_INITIAL, r, 0, r->order);
}

int workload_map_row(const struct workload_row *r, void *arg)
{
	struct workload_map *x = arg;

	return r->is_free ? on_free(x, r) : on_alloc(x, r);
}

void workload_map_hint(const struct workload_row *r, void *arg)
{
	struct workload_map *x = arg;

	if (r->is_free && r->pfn >= 0)
		map_prefetch(&x->map, (uint64_t)r->pfn);
}

void workload_map_hint_early(const struct workload_row *r, void *arg)
{
	const struct pfn_map *m = &((struct workload_map *)arg)->map;

	if (r->is_free && r->pfn >= 0 && m->cap)
		__builtin_prefetch(&m->dir[hash64((uint64_t)r->pfn >> CHUNK_SHIFT) & (m->cap - 1)]);
}

int workload_map_new(uint32_t first_owner, uint32_t reuse_after, replay_op_fn fn, void *arg,
		     struct mmr_workload_stats *ws, struct workload_map **out)
{
	struct workload_map *x = calloc(1, sizeof(*x));

	*out = x;
	if (!x)
		return -ENOMEM;
	x->reuse_after = reuse_after;
	x->fn = fn;
	x->arg = arg;
	x->ws = ws;
	x->first_owner = x->next_owner = first_owner;
	return 0;
}

void workload_map_free(struct workload_map *x)
{
	if (!x)
		return;
	x->ws->owner_ids = x->next_owner - x->first_owner;
	x->ws->pfn_map_bytes = x->map.peak_bytes;
	for (int o = 0; o < MMR_MODEL_NR_ORDERS; o++)
		free(x->migrated[o].v);
	map_free(&x->map);
	free(x->freed.v);
	free(x);
}

/* Who freed the page of @c: reclaim, compaction, or the workload itself. */
static int free_context(struct reader *x, const struct cursor *c, enum free_ctx *ctx)
{
	struct task_ctx *t;

	*ctx = CTX_WORKLOAD;
	if (pid_in(x->kswapd, x->nr_kswapd, c->pid)) {
		*ctx = CTX_RECLAIM;
		return 0;
	}
	if (pid_in(x->kcompactd, x->nr_kcompactd, c->pid)) {
		*ctx = CTX_COMPACTION;
		return 0;
	}
	t = task_get(x, c->pid);
	if (!t)
		return -ENOMEM;
	if (t->reclaim > 0)
		*ctx = CTX_RECLAIM;
	else if (t->compact > 0)
		*ctx = CTX_COMPACTION;
	return 0;
}

/* The row the cursor of @src is on, for the mapping stage. */
static int pass_row(struct reader *x, int src, const struct cursor *c)
{
	struct workload_row r = { .ts = c->ts, .pfn = c->pfn, .pid = c->pid,
				  .order = (uint8_t)c->order };

	if (src == SRC_ALLOC) {
		r.gfp = c->gfp;
	} else {
		enum free_ctx ctx;
		int err = free_context(x, c, &ctx);

		if (err)
			return err;
		r.is_free = 1;
		r.ctx = (uint8_t)ctx;
	}
	return x->fn(&r, x->arg);
}

static int on_context(struct reader *x, int src, const struct cursor *c)
{
	struct task_ctx *t = task_get(x, c->pid);

	if (!t)
		return -ENOMEM;
	switch (src) {
	case SRC_DR_BEGIN: t->reclaim++; break;
	case SRC_DR_END: if (t->reclaim > 0) t->reclaim--; break;
	case SRC_C_BEGIN: t->compact++; break;
	case SRC_C_END: if (t->compact > 0) t->compact--; break;
	}
	return 0;
}

/*
 * Rows of @table in run @run_id. A table that holds that run only is counted whole,
 * which SQLite does from the b-tree pages without visiting rows (ten times faster
 * on a large run); the test reads the ends of the (run_id, ...) key.
 */
static int count_run_rows(struct mmr_store *st, const char *table, int64_t run_id, int64_t *n)
{
	char sql[320];
	int64_t only = 0;
	int err;

	snprintf(sql, sizeof(sql), "SELECT (SELECT min(run_id) FROM %s) = %lld AND "
		 "(SELECT max(run_id) FROM %s) = %lld", table, (long long)run_id, table,
		 (long long)run_id);
	err = mmr_store_query_int(st, sql, &only);
	if (err)
		return err;
	if (only)
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	else
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE run_id = %lld", table,
			 (long long)run_id);
	return mmr_store_query_int(st, sql, n);
}

int workload_size(struct mmr_store *st, int64_t run_id, uint64_t *rows)
{
	int64_t a = 0, f = 0;
	int err;

	err = count_run_rows(st, "mm_page_alloc", run_id, &a);
	if (!err)
		err = count_run_rows(st, "mm_page_free", run_id, &f);
	*rows = (uint64_t)(a + f);
	return err;
}

int workload_exists(struct mmr_store *st, int64_t run_id, bool *any)
{
	char sql[256];
	int64_t n = 0;
	int err;

	snprintf(sql, sizeof(sql), "SELECT EXISTS (SELECT 1 FROM mm_page_alloc WHERE run_id = %lld)"
		 " OR EXISTS (SELECT 1 FROM mm_page_free WHERE run_id = %lld)",
		 (long long)run_id, (long long)run_id);
	err = mmr_store_query_int(st, sql, &n);
	*any = n != 0;
	return err;
}

int workload_read(struct mmr_store *st, int64_t run_id, workload_row_fn fn,
		  workload_hint_fn hint, void *arg, struct mmr_workload_stats *ws)
{
	struct reader x = { .st = st, .run_id = run_id, .fn = fn, .arg = arg };
	struct cursor cur[NR_SRC] = { 0 };
	uint64_t events_read = 0;
	char sql[160];
	int64_t batched = 0;
	int other, err = 0;

	err = load_daemon_pids(&x,
		"SELECT pid FROM mm_vmscan_kswapd_wake WHERE run_id = ?1 UNION "
		"SELECT pid FROM mm_vmscan_kswapd_sleep WHERE run_id = ?1 UNION "
		"SELECT pid FROM tasks WHERE run_id = ?1 AND comm LIKE 'kswapd%'",
		&x.kswapd, &x.nr_kswapd);
	if (!err)
		err = load_daemon_pids(&x,
			"SELECT pid FROM mm_compaction_kcompactd_wake WHERE run_id = ?1 UNION "
			"SELECT pid FROM mm_compaction_kcompactd_sleep WHERE run_id = ?1 UNION "
			"SELECT pid FROM tasks WHERE run_id = ?1 AND comm LIKE 'kcompactd%'",
			&x.kcompactd, &x.nr_kcompactd);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM mm_page_free_batched WHERE run_id = %lld",
		 (long long)run_id);
	if (!err)
		err = mmr_store_query_int(st, sql, &batched);
	ws->dropped_batched = (uint64_t)batched;

	for (int i = 0; !err && i < NR_SRC; i++) {
		char q[240];

		snprintf(q, sizeof(q), "SELECT %s FROM %s WHERE run_id = ?1 ORDER BY ts, seq",
			 src_cols[i], src_table[i]);
		cur[i].src = i;
		err = mmr_stmt_prepare(st, q, &cur[i].s);
		if (!err)
			err = mmr_stmt_bind_int(cur[i].s, 1, run_id);
		if (!err)
			err = cursor_next(&cur[i]);
		if (err > 0)
			err = 0;
	}
	/* the earliest row of the streams other than the allocations, which are most
	 * rows: found again only when one of those streams moves on */
	other = earliest(&x, cur, SRC_ALLOC + 1);
	while (!err) {
		int best = other;

		if (cur[SRC_ALLOC].valid &&
		    (best < 0 || !cursor_before(&x, &cur[best], &cur[SRC_ALLOC])))
			best = SRC_ALLOC;
		err = x.err;
		if (best < 0 || err)
			break;
		events_read++;
		if (best == SRC_ALLOC || best == SRC_FREE)
			err = pass_row(&x, best, &cur[best]);
		else
			err = on_context(&x, best, &cur[best]);
		if (!err) {
			err = cursor_next(&cur[best]);
			if (err > 0) {
				/* a free row waits behind the allocations before it: time
				 * for the next stage to start loading what it will need */
				if (best == SRC_FREE && hint) {
					struct workload_row r = { .is_free = 1,
								  .pfn = cur[best].pfn };

					hint(&r, arg);
				}
				err = 0;
			}
		}
		if (best != SRC_ALLOC && !err) {
			other = earliest(&x, cur, SRC_ALLOC + 1);
			err = x.err;
		}
	}
	ws->events_read = events_read;

	for (int i = 0; i < NR_SRC; i++) {
		mmr_stmt_free(cur[i].s);
		mmr_stmt_free(cur[i].seq_s);
	}
	free(x.tasks);
	free(x.kswapd);
	free(x.kcompactd);
	return err;
}
