/*
 * replay/replay-run.c - driving the page allocator model with a recorded run's
 * workload under a policy, and storing what the model does as a new run.
 *
 * Time: the model's clock starts at 0 at the first recorded event; every request
 * and free happens at its recorded time, or later if the model is still busy with
 * an earlier stall (a storm stretches the replay's timeline, as it would have the
 * host's). Stored events carry the model's time plus the first recorded timestamp,
 * so a replay lines up with its recording.
 *
 * Owners: pre-existing memory takes owner ids 0..N-1 (populate), the workload's
 * allocations N onwards, and then, past a threshold, the ids neither side holds any
 * more, the pre-existing owners' included. A recorded free of an owner the model
 * already reclaimed is skipped.
 *
 * Request classes come from the gfp bits the recording shows: movable requests are
 * page cache (file LRU) except transparent huge pages (anon), reclaimable ones are
 * slab, the rest kernel memory nothing reclaims.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "replay-local.h"

#define PROGRESS_EVERY	(1u << 16)

struct ring;

struct replay_ctx {
	struct mmr_model		*m;
	struct mmr_writer		*w;
	struct ring			*events;	/* to the writer thread, if it runs */
	struct storms_allocs		*allocs;	/* counted for the derivation, or NULL */
	const struct mmr_replay_opts	*opts;
	struct mmr_replay_result	*res;
	uint64_t			base_ts;	/* recorded ts of model time 0 */
	bool				started;
	int				event_err;
	uint64_t			first_ts, last_ts;
	uint64_t			total, done;
	uint32_t			owner_base;	/* the first id of the workload's owners:
							 * the ids below are pre-existing owners' */
	uint64_t			model_pages;	/* of all the model's zones */
	struct workload_map		*map;		/* while the workload runs */
	/* by the model's owner id: OWNER_GIVEN_UP, the workload gave it up while the
	 * model still holds it (given back to the mapping when the model frees it);
	 * OWNER_TAKEN, a pre-existing owner's id the workload took again */
	uint8_t				*owner_flags;
	size_t				nr_owner_flags;
};

enum { OWNER_GIVEN_UP = 1, OWNER_TAKEN = 2 };

/*
 * A recorded free of an owner the model no longer holds (its reclaim took it, or the
 * model failed the request) has nothing to free. An id is reused only once neither
 * the workload nor the model holds it, so liveness in the model says it.
 */
static bool model_holds(const struct replay_ctx *c, uint32_t owner)
{
	uint64_t pfn;

	return mmr_model_owner_pfn(c->m, owner, &pfn) == 0;
}

/* @owner is held by neither side now: the mapping may give it to a new allocation. */
static int release_owner(struct replay_ctx *c, uint32_t owner)
{
	if (owner < c->nr_owner_flags)
		c->owner_flags[owner] = 0;
	return workload_map_release(c->map, owner);
}

/* Flags @owner (OWNER_*), the flags growing to take it. */
static int owner_flag(struct replay_ctx *c, uint32_t owner, uint8_t flag)
{
	size_t had = c->nr_owner_flags;

	if (owner >= had) {
		if (mmr_grow((void **)&c->owner_flags, &c->nr_owner_flags, (size_t)owner + 1, 1))
			return -ENOMEM;
		memset(c->owner_flags + had, 0, c->nr_owner_flags - had);
	}
	c->owner_flags[owner] = flag;
	return 0;
}

/*
 * The workload no longer names the model's @owner: reuse it now if the model does not
 * hold it either, else when the model frees it (on_reclaim()).
 */
static int forget_owner(struct replay_ctx *c, uint32_t owner)
{
	if (!model_holds(c, owner))
		return release_owner(c, owner);
	return owner_flag(c, owner, OWNER_GIVEN_UP);
}

/*
 * Model hook: its reclaim freed @owner. One the workload gave up is reused, and so is
 * one from before the trace, which the workload never names: on a host whose memory
 * was in use when the trace began, reclaim gives those back first, and the owner
 * table then stays at about one entry a page.
 */
static void on_reclaim(void *arg, uint32_t owner, uint64_t pfn, unsigned int order)
{
	struct replay_ctx *c = arg;
	uint8_t flag = owner < c->nr_owner_flags ? c->owner_flags[owner] : 0;
	int err;

	(void)pfn;
	(void)order;
	if (flag != OWNER_GIVEN_UP && (owner >= c->owner_base || flag == OWNER_TAKEN))
		return;
	err = release_owner(c, owner);
	if (err && !c->event_err)
		c->event_err = err;
}

static void request_class(uint64_t gfp, unsigned int order, struct mmr_model_req *req)
{
	if (gfp & MMR_GFP_MOVABLE) {
		bool thp = order >= MMR_MODEL_PAGEBLOCK_ORDER && !(gfp & MMR_GFP_WRITE);

		req->class = thp ? MMR_CLASS_ANON : MMR_CLASS_FILE;
		req->movable = true;
	} else if (gfp & MMR_GFP_RECLAIMABLE) {
		req->class = MMR_CLASS_SLAB;
		req->movable = false;
	} else {
		req->class = MMR_CLASS_UNRECLAIMABLE;
		req->movable = false;
	}
}

static int on_op(const struct replay_op *op, void *arg)
{
	struct replay_ctx *c = arg;
	uint32_t owner = op->owner;
	uint64_t t;
	int err = 0;

	/* bookkeeping only: the model does nothing, not even move its clock */
	if (op->kind == OP_FORGET)
		return forget_owner(c, owner);
	if (!c->started) {
		c->base_ts = op->ts;
		c->started = true;
	}
	t = op->ts >= c->base_ts ? op->ts - c->base_ts : 0;
	err = mmr_model_advance(c->m, t);
	if (err)
		return err;

	switch (op->kind) {
	case OP_ALLOC: {
		struct mmr_model_req req = { .time = t, .owner = owner, .order = op->order,
					     .gfp = op->gfp, .pid = op->pid };
		struct mmr_model_result r;

		if (owner < c->owner_base) {
			err = owner_flag(c, owner, OWNER_TAKEN);
			if (err)
				break;
		}

		/* both mobility bits is not a valid kernel request: keep the movable one */
		if ((req.gfp & MMR_GFP_MOVABLE) && (req.gfp & MMR_GFP_RECLAIMABLE))
			req.gfp &= ~MMR_GFP_RECLAIMABLE;
		request_class(req.gfp, req.order, &req);
		err = mmr_model_alloc(c->m, &req, &r);
		if (err)
			break;
		if (r.pfn >= 0 && op->failed) {
			/* the recording failed it, so the workload never used or freed it */
			c->res->replay.model_only++;
			err = mmr_model_free_owner(c->m, owner, t, op->pid);
		}
		/* a failed request is not in the workload's pfn map either */
		if (!err && op->failed)
			err = release_owner(c, owner);
		break;
	}
	case OP_FREE:
		if (!model_holds(c, owner))
			c->res->replay.skipped_reclaimed++;
		else
			err = mmr_model_free_owner(c->m, owner, t, op->pid);
		if (!err)
			err = release_owner(c, owner);
		break;
	case OP_FREE_INITIAL: {
		/* at the recorded pfn where the model has pre-existing pages there; the
		 * rest (all of it where the model placed other pages) by type */
		uint64_t n = 0, want = 1ull << op->order, more = 0;

		if (op->pfn >= 0)
			err = mmr_model_release_initial_at(c->m, (uint64_t)op->pfn, op->order, t, &n);
		if (!err && n == 0) {
			err = mmr_model_release_initial(c->m, -1, op->mt, op->order, t, &n);
		} else {
			for (; !err && n < want; n++) {
				err = mmr_model_release_initial(c->m, -1, op->mt, 0, t, &more);
				if (!more)
					break;
			}
		}
		if (!err && !n)
			c->res->replay.initial_missing++;
		break;
	}
	}
	if (!err)
		err = c->event_err;
	if (!err && (++c->done % PROGRESS_EVERY) == 0) {
		if (c->opts->stop && *c->opts->stop)
			return -MMR_E_INTR;
		if (c->opts->progress)
			c->opts->progress(c->done, c->total, c->opts->progress_arg);
	}
	return err;
}

/*
 * Reading the recording (SQLite and the merge of its streams), mapping its rows to
 * owners (the pfn map) and running the model are three stages in a row. Where a
 * second connection to the source store can be opened, the reading runs in a thread
 * of its own, from before the model is built (counting the rows first), and hands its
 * rows over in blocks through a bounded ring; the model's thread maps each block and
 * runs the ops. The reading and the mapping plus the model take about the same CPU,
 * so on two cores each has one. (A third thread for the mapping was tried: the rows
 * then crossed cores twice, and it was no faster on two cores.) The ring holds
 * 128 blocks of 4096 rows, 16 MiB: building the model takes a tenth of the replay,
 * and with a smaller ring the reader waited through most of it (paired runs of the
 * 8.8M-event replay: 64 blocks 1-4% faster than 16, 128 another 2-3%). The mapping
 * runs in the model's thread, after the model is built, so its owner ids are the
 * model's. Rows, ops and their order are those of the single-threaded path, so are
 * the results. Either side stopping stops the other.
 */
#define RING_BLOCK	4096	/* entries per block */
#define RING_BLOCKS	128	/* blocks in a ring */
#define PREFETCH_AHEAD	8	/* ops between a free's two prefetches, and before it */

/* A single-producer, single-consumer ring of blocks of fixed-size entries. */
struct ring {
	pthread_mutex_t		lock;
	pthread_cond_t		cond;
	unsigned char		*buf;		/* nr_blocks x RING_BLOCK entries */
	size_t			size;		/* of an entry */
	unsigned int		nr_blocks;	/* at most RING_BLOCKS */
	unsigned int		len[RING_BLOCKS];
	uint64_t		filled;		/* blocks handed over */
	uint64_t		taken;		/* blocks the consumer is done with */
	bool			done;		/* the producer returned */
	bool			stop;		/* the consumer failed or was stopped */
	int			err;		/* the producer's result */
	unsigned int		fill;		/* producer: entries in its current block */
};

static int ring_init(struct ring *r, size_t size, unsigned int nr_blocks)
{
	memset(r, 0, sizeof(*r));
	r->size = size;
	r->nr_blocks = nr_blocks;
	r->buf = malloc(size * nr_blocks * RING_BLOCK);
	if (!r->buf)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	return 0;
}

static void ring_destroy(struct ring *r)
{
	if (!r->buf)
		return;
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r->buf);
	r->buf = NULL;
}

/* Producer: where the next entry goes; ring_push() hands it over. */
static inline void *ring_slot(struct ring *r)
{
	return r->buf + ((r->filled % r->nr_blocks) * RING_BLOCK + r->fill) * r->size;
}

/* Producer: hands the current block over and waits for a free one. */
static int ring_publish(struct ring *r)
{
	bool stop;

	pthread_mutex_lock(&r->lock);
	r->len[r->filled % r->nr_blocks] = r->fill;
	r->filled++;
	pthread_cond_broadcast(&r->cond);
	while (r->filled - r->taken == r->nr_blocks && !r->stop)
		pthread_cond_wait(&r->cond, &r->lock);
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	r->fill = 0;
	return stop ? -MMR_E_INTR : 0;
}

static inline int ring_push(struct ring *r)
{
	return ++r->fill == RING_BLOCK ? ring_publish(r) : 0;
}

/* Producer: hands over what is left and says it is done, with result @err. */
static void ring_close(struct ring *r, int err)
{
	pthread_mutex_lock(&r->lock);
	if (r->fill && !r->stop) {
		r->len[r->filled % r->nr_blocks] = r->fill;
		r->filled++;
	}
	r->done = true;
	r->err = err;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

/*
 * Consumer: the next block and its number of entries, or NULL when the producer is
 * done (its result in *@err).
 */
static const void *ring_take(struct ring *r, unsigned int *n, int *err)
{
	const void *block = NULL;

	pthread_mutex_lock(&r->lock);
	while (r->taken == r->filled && !r->done)
		pthread_cond_wait(&r->cond, &r->lock);
	if (r->taken < r->filled) {
		*n = r->len[r->taken % r->nr_blocks];
		block = r->buf + (r->taken % r->nr_blocks) * RING_BLOCK * r->size;
	} else {
		*err = r->err;
	}
	pthread_mutex_unlock(&r->lock);
	return block;
}

/* Consumer: done with the block ring_take() gave; @stop stops the producer. */
static void ring_release(struct ring *r, bool stop)
{
	pthread_mutex_lock(&r->lock);
	r->taken++;
	if (stop)
		r->stop = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

/* Consumer: stops the producer. */
static void ring_stop(struct ring *r)
{
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

struct op_pipe {
	bool				started;
	pthread_t			reader;
	struct ring			rows;		/* struct workload_row, reader -> model */
	uint64_t			total;		/* workload_size(), set before the first
							 * row is handed over */
	struct mmr_store		*st;		/* the reader's connection */
	int64_t				run_id;
	struct mmr_workload_stats	*ws;
	double				reader_cpu_s;	/* the reader's CPU when it returned */
	double				mapper_cpu_s;	/* the model thread's in the mapping */
	/* the model's side: a block of rows mapped to ops */
	struct replay_op		*ops;
	unsigned int			nr_ops;
};

static int rows_put(const struct workload_row *row, void *arg)
{
	struct ring *r = arg;

	*(struct workload_row *)ring_slot(r) = *row;
	return ring_push(r);
}

/* CPU seconds (user + system) of the calling thread so far. */
static double thread_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/*
 * Counts the rows (for progress and the owner table: this is done while the model is
 * built, which takes longer), then reads them into the ring.
 */
static void *pipe_reader(void *arg)
{
	struct op_pipe *p = arg;
	uint64_t total = 0;
	bool stop;
	int err = workload_size(p->st, p->run_id, &total);

	p->total = total;
	pthread_mutex_lock(&p->rows.lock);
	stop = p->rows.stop;
	pthread_mutex_unlock(&p->rows.lock);
	if (!err && !stop)
		err = workload_read(p->st, p->run_id, rows_put, NULL, &p->rows, p->ws);
	p->reader_cpu_s = thread_cpu_s();
	ring_close(&p->rows, err);
	return NULL;
}

/*
 * Starts reading run @run_id of @st in another thread, if a second connection to it
 * can be opened; otherwise @p stays idle and run_workload() reads in this thread.
 */
static void pipe_start(struct op_pipe *p, struct mmr_store *st, int64_t run_id,
		       struct mmr_workload_stats *ws)
{
	memset(p, 0, sizeof(*p));
	p->run_id = run_id;
	p->ws = ws;
	memset(ws, 0, sizeof(*ws));
	if (store_open_reader(st, &p->st))
		return;
	p->ops = malloc(sizeof(*p->ops) * RING_BLOCK);
	if (!p->ops || ring_init(&p->rows, sizeof(struct workload_row), RING_BLOCKS))
		goto fail;
	if (pthread_create(&p->reader, NULL, pipe_reader, p))
		goto fail;
	p->started = true;
	return;
fail:
	ring_destroy(&p->rows);
	free(p->ops);
	p->ops = NULL;
	mmr_store_close(p->st);
	p->st = NULL;
}

/* Stops the reading thread if it still runs, and releases @p. */
static void pipe_finish(struct op_pipe *p)
{
	if (!p->started)
		return;
	ring_stop(&p->rows);
	pthread_join(p->reader, NULL);
	ring_destroy(&p->rows);
	free(p->ops);
	mmr_store_close(p->st);
	p->started = false;
}

/*
 * Writing the model's events is most of a replay that keeps the alloc stream
 * (SQLite's inserts: two thirds of its CPU; the model and the reading a sixth), so
 * where the model's thread need not touch a store while it runs, the writing has a
 * thread of its own: the model's thread copies each event into a ring (RING_BLOCK
 * events a block) and goes on; the writer thread hands them to the batched writer
 * in the same order, so the same rows are written. The connection to the output
 * store is the writer thread's alone until it is joined, before anything else is
 * stored. 16 blocks, 12 MiB: the writer is the slower side, so a deeper ring would
 * only fill up.
 */
#define EVENT_BLOCKS	16

struct event_pipe {
	bool			started;
	pthread_t		thread;
	struct ring		events;		/* struct mmr_event, model -> writer */
	struct mmr_writer	*w;
	int			err;		/* the writer's first error */
	double			cpu_s;		/* the writer's CPU when it returned */
};

static void *event_writer(void *arg)
{
	struct event_pipe *p = arg;
	int err = 0, end_err = 0;

	while (!err) {
		const struct mmr_event *ev;
		unsigned int n;

		ev = ring_take(&p->events, &n, &end_err);
		if (!ev)
			break;
		for (unsigned int i = 0; i < n && !err; i++)
			err = mmr_writer_add(p->w, &ev[i]);
		ring_release(&p->events, err != 0);
	}
	p->err = err;
	p->cpu_s = thread_cpu_s();
	return NULL;
}

/* Starts writing @w's events in another thread; if it cannot, @p stays idle. */
static void event_pipe_start(struct event_pipe *p, struct mmr_writer *w)
{
	memset(p, 0, sizeof(*p));
	p->w = w;
	if (ring_init(&p->events, sizeof(struct mmr_event), EVENT_BLOCKS))
		return;
	if (pthread_create(&p->thread, NULL, event_writer, p)) {
		ring_destroy(&p->events);
		return;
	}
	p->started = true;
}

/* Writes what is left, joins the writer thread; returns its error. */
static int event_pipe_finish(struct event_pipe *p)
{
	if (!p->started)
		return 0;
	ring_close(&p->events, 0);
	pthread_join(p->thread, NULL);
	ring_destroy(&p->events);
	p->started = false;
	return p->err;
}

/* The model's events, shifted onto the recording's clock, into the new run. */
static int on_event(const struct mmr_event *ev, void *arg)
{
	struct replay_ctx *c = arg;
	uint64_t ts = ev->ts + c->base_ts;
	struct mmr_event local, *copy;
	int err;

	if (!c->res->replay.events_written) {
		c->first_ts = ts;
		if (c->allocs)
			storms_allocs_start(c->allocs, ts);
	}
	c->last_ts = ts;
	/* to the writer thread's ring, or written here; the model lends only string
	 * literals (model_emit()), so they outlive the copy */
	copy = c->events ? ring_slot(c->events) : &local;
	*copy = *ev;
	copy->ts = ts;
	if (c->allocs && ev->type == MMR_EV_PAGE_ALLOC)
		storms_allocs_add(c->allocs, copy);
	err = c->events ? ring_push(c->events) : mmr_writer_add(c->w, copy);
	if (err)
		return err;
	c->res->replay.events_written++;
	return 0;
}

/*
 * Workload owner ids taken before freed ones are reused: by default as many as make
 * one per page of the model with the pre-existing owners' (set before the workload
 * starts: c->owner_base is their number).
 */
static uint32_t reuse_after(const struct replay_ctx *c)
{
	uint64_t n = c->model_pages > c->owner_base ? c->model_pages - c->owner_base : 0;

	if (c->opts->owner_ids)
		return c->opts->owner_ids;
	if (n < MMR_REPLAY_OWNER_IDS_MIN)
		return MMR_REPLAY_OWNER_IDS_MIN;
	if (n > MMR_REPLAY_OWNER_IDS_MAX)
		return MMR_REPLAY_OWNER_IDS_MAX;
	return (uint32_t)n;
}

/*
 * The owner table, reserved (address space only: the model writes its pages as the
 * ids reach them) for one id per row, or as many as are taken before ids are reused
 * and the model's pages again, whichever is fewer; the model grows it if needed.
 */
static int reserve_owners(struct replay_ctx *c, uint32_t first_owner)
{
	uint64_t n = (uint64_t)reuse_after(c) + c->model_pages;

	if (c->total < n)
		n = c->total;
	return mmr_model_reserve_owners(c->m, (uint64_t)first_owner + n + 1);
}

static int ops_put(const struct replay_op *op, void *arg)
{
	struct op_pipe *p = arg;

	p->ops[p->nr_ops++] = *op;
	return 0;
}

/* Runs on_op() over @n ops, loading the owner and page of each free a few ops ahead. */
static int run_ops(struct replay_ctx *c, const struct replay_op *ops, unsigned int n)
{
	int err = 0;

	for (unsigned int i = 0; i < n && !err; i++) {
		/* the owners freed a few ops on: table entry first, then page; the entry
		 * of an owner allocated or forgotten (a reused id's is anywhere) */
		if (i + 2 * PREFETCH_AHEAD < n)
			mmr_model_prefetch_owner(c->m, ops[i + 2 * PREFETCH_AHEAD].owner, false);
		if (i + PREFETCH_AHEAD < n && ops[i + PREFETCH_AHEAD].kind == OP_FREE)
			mmr_model_prefetch_owner(c->m, ops[i + PREFETCH_AHEAD].owner, true);
		err = on_op(&ops[i], c);
	}
	return err;
}

/* Maps rows [@r, @end) of a block into p->ops, loading the pfn map's entries ahead. */
static int map_rows(struct op_pipe *p, struct workload_map *map,
		    const struct workload_row *rows, unsigned int r, unsigned int end)
{
	int err = 0;

	p->nr_ops = 0;
	for (; r < end && !err; r++) {
		if (r + 2 * PREFETCH_AHEAD < end)
			workload_map_hint_early(&rows[r + 2 * PREFETCH_AHEAD], map);
		if (r + PREFETCH_AHEAD < end)
			workload_map_hint(&rows[r + PREFETCH_AHEAD], map);
		err = workload_map_row(&rows[r], map);
	}
	return err;
}

/*
 * Model side: maps each block of rows to ops (a row gives at most two, so
 * RING_BLOCK / 2 rows at a time), then runs them.
 */
static int pipe_run(struct op_pipe *p, struct replay_ctx *c)
{
	struct workload_map *map;
	bool first = true;
	int err = workload_map_new(c->owner_base, reuse_after(c), ops_put, p, p->ws, &map);

	c->map = map;
	while (!err) {
		const struct workload_row *rows;
		unsigned int n;
		int end_err = 0;

		rows = ring_take(&p->rows, &n, &end_err);
		if (!rows) {
			err = end_err;
			break;
		}
		if (first) {
			/* set before the reader's first row: ring_take() ordered it */
			c->total = p->total;
			err = reserve_owners(c, c->owner_base);
			first = false;
		}
		for (unsigned int r = 0; r < n && !err; r += RING_BLOCK / 2) {
			unsigned int end = r + RING_BLOCK / 2 < n ? r + RING_BLOCK / 2 : n;
			double t0 = thread_cpu_s();

			err = map_rows(p, map, rows, r, end);
			p->mapper_cpu_s += thread_cpu_s() - t0;
			if (!err)
				err = run_ops(c, p->ops, p->nr_ops);
		}
		ring_release(&p->rows, err != 0);
	}
	workload_map_free(map);
	c->map = NULL;
	return err;
}

/* The workload of run @run_id of @st through on_op(), from @p's thread if it runs. */
static int run_workload(struct op_pipe *p, struct mmr_store *st, int64_t run_id,
			uint32_t first_owner, struct replay_ctx *c, struct mmr_workload_stats *ws)
{
	int err;

	c->owner_base = first_owner;
	if (p->started)
		return pipe_run(p, c);
	memset(ws, 0, sizeof(*ws));
	err = workload_size(st, run_id, &c->total);
	if (!err)
		err = reserve_owners(c, first_owner);
	if (!err)
		err = workload_map_new(first_owner, reuse_after(c), on_op, c, ws, &c->map);
	if (!err)
		err = workload_read(st, run_id, workload_map_row, workload_map_hint, c->map, ws);
	workload_map_free(c->map);
	c->map = NULL;
	return err;
}

/* Pid of a kernel thread of the recording, by comm prefix, or 0. */
static int32_t daemon_pid(struct mmr_store *st, int64_t run_id, const char *prefix)
{
	char sql[160];
	int64_t pid = 0;

	snprintf(sql, sizeof(sql), "SELECT min(pid) FROM tasks WHERE run_id = %lld AND comm LIKE "
		 "'%s%%'", (long long)run_id, prefix);
	if (mmr_store_query_int(st, sql, &pid))
		return 0;
	return (int32_t)pid;
}

static int populate_zones(struct mmr_model *m, const struct mmr_model_config *cfg,
			  struct mmr_model_zone_state *states, uint32_t *first_owner)
{
	*first_owner = 0;
	for (unsigned int z = 0; z < cfg->nr_zones; z++) {
		uint32_t n = 0;
		int err;

		states[z].owner_base = *first_owner;
		/* a host's buddies need not pack into a model without holes: split them */
		states[z].fit_free = true;
		err = mmr_model_populate(m, z, &states[z], &n);
		if (err)
			return err;
		*first_owner += n;
	}
	return 0;
}

static int build_model(struct mmr_store *st, int64_t run_id, const struct mmr_replay_opts *o,
		       struct replay_ctx *c, uint32_t *first_owner)
{
	struct mmr_model_zone_state states[MMR_MODEL_MAX_ZONES];
	struct mmr_model_config cfg;
	bool snap;
	int err;

	mmr_model_config_init(&cfg);
	err = mmr_model_config_preset(&cfg, o->policy ? o->policy : "vanilla");
	if (err) {
		mmr_err("unknown policy '%s'", o->policy);
		return err;
	}
	for (int i = 0; i < o->nr_sets; i++) {
		char key[128];
		const char *eq = strchr(o->sets[i], '=');

		if (!eq || eq == o->sets[i] || (size_t)(eq - o->sets[i]) >= sizeof(key)) {
			mmr_err("parameter '%s' is not key=value", o->sets[i]);
			return -MMR_E_POLICY;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
		err = mmr_model_config_set(&cfg, key, eq + 1);
		if (err) {
			mmr_err("%s model parameter '%s'", err == -MMR_E_POLICY ? "unknown" : "bad value for",
				o->sets[i]);
			return -MMR_E_POLICY;
		}
	}
	err = replay_initial_state(st, run_id, &cfg, states, &snap);
	if (err)
		return err;
	cfg.event_fn = on_event;
	cfg.event_arg = c;
	cfg.hooks.reclaim = on_reclaim;
	cfg.hooks.arg = c;
	c->model_pages = 0;
	for (unsigned int z = 0; z < cfg.nr_zones; z++)
		c->model_pages += cfg.zones[z].spanned_pages;
	if (o->no_alloc_stream)
		cfg.event_skip = 1ull << MMR_EV_PAGE_ALLOC | 1ull << MMR_EV_PAGE_FREE |
				 1ull << MMR_EV_PAGE_ALLOC_ZONE_LOCKED | 1ull << MMR_EV_PAGE_PCPU_DRAIN;
	if (!cfg.kswapd_pid)
		cfg.kswapd_pid = daemon_pid(st, run_id, "kswapd");
	if (!cfg.kcompactd_pid)
		cfg.kcompactd_pid = daemon_pid(st, run_id, "kcompactd");
	err = mmr_model_new(&cfg, &c->m);
	if (!err)
		err = populate_zones(c->m, &cfg, states, first_owner);
	if (err == -MMR_E_INVAL)
		mmr_err("run %lld: the zone snapshot does not fit the model", (long long)run_id);
	return err;
}

/* runs.params: the model's parameters and what the replay itself was asked. */
static char *params_json(const struct replay_ctx *c, const struct mmr_replay_opts *o)
{
	struct strbuf sb;
	char *model = NULL;

	if (mmr_model_params_json(c->m, &model))
		return NULL;
	sb_init(&sb);
	sb_adds(&sb, "{\"policy\":");
	sb_add_json_str(&sb, o->policy ? o->policy : "vanilla", strlen(o->policy ? o->policy :
									"vanilla"));
	sb_adds(&sb, ",\"sets\":[");
	for (int i = 0; i < o->nr_sets; i++) {
		if (i)
			sb_adds(&sb, ",");
		sb_add_json_str(&sb, o->sets[i], strlen(o->sets[i]));
	}
	sb_addf(&sb, "],\"alloc_stream\":%s,\"model\":%s}", o->no_alloc_stream ? "false" : "true",
		model);
	free(model);
	if (sb_failed(&sb)) {
		sb_release(&sb);
		return NULL;
	}
	return sb.buf;
}

/* The source run's description, to copy onto the replay run. */
static int source_info(struct mmr_store *st, int64_t run_id, struct mmr_run_info *info,
		       char **strings)
{
	struct mmr_stmt *s;
	int rc, err;

	err = mmr_stmt_prepare(st, "SELECT source, host, kernel_release, clock, nr_cpus "
			       "FROM runs WHERE run_id = ?1", &s);
	if (err)
		return err;
	mmr_stmt_bind_int(s, 1, run_id);
	rc = mmr_stmt_step(s);
	if (rc == 0) {
		mmr_err("no run %lld", (long long)run_id);
		err = -MMR_E_NO_RUN;
	} else if (rc < 0) {
		err = rc;
	} else {
		for (int i = 0; i < 4; i++) {
			const char *v = mmr_stmt_text(s, i);
			strings[i] = v ? strdup(v) : NULL;
		}
		info->host = strings[1];
		info->kernel_release = strings[2];
		info->nr_cpus = (int)mmr_stmt_int(s, 4);
	}
	mmr_stmt_free(s);
	return err;
}

struct metric_sink {
	struct mmr_store	*st;
	int64_t			run_id;
	int			err;
};

static void store_metric(void *arg, const char *name, double value)
{
	struct metric_sink *ms = arg;

	if (!ms->err)
		ms->err = mmr_store_run_metric(ms->st, ms->run_id, name, value);
}

/* The model's counters and the workload's, in run_metrics. */
static int store_metrics(struct mmr_store *out, const struct replay_ctx *c,
			 const struct mmr_replay_result *res)
{
	struct metric_sink ms = { .st = out, .run_id = res->run_id };
	const struct mmr_workload_stats *w = &res->workload;

	mmr_model_metrics(c->m, store_metric, &ms);
	store_metric(&ms, "workload.allocs", (double)w->allocs);
	store_metric(&ms, "workload.frees", (double)w->frees);
	store_metric(&ms, "workload.frees_initial", (double)w->frees_initial);
	store_metric(&ms, "workload.frees_partial", (double)w->frees_partial);
	store_metric(&ms, "workload.frees_migrated", (double)w->frees_migrated);
	store_metric(&ms, "workload.frees_implicit", (double)w->frees_implicit);
	store_metric(&ms, "workload.dropped_reclaim_frees", (double)w->dropped_reclaim);
	store_metric(&ms, "workload.dropped_compaction_frees", (double)w->dropped_compaction);
	store_metric(&ms, "replay.skipped_reclaimed_frees", (double)res->replay.skipped_reclaimed);
	store_metric(&ms, "replay.initial_missing", (double)res->replay.initial_missing);
	store_metric(&ms, "replay.span_s", (double)res->span_ns / 1e9);
	if (!ms.err)
		ms.err = mmr_spb_store_samples(out, res->run_id, c->m);	/* SPB policies only */
	return ms.err;
}

static int put_task(struct mmr_store *out, int64_t to, struct mmr_stmt *row)
{
	return mmr_store_task(out, to, (int)mmr_stmt_int(row, 0), mmr_stmt_text(row, 1));
}

static int put_gfp_flag(struct mmr_store *out, int64_t to, struct mmr_stmt *row)
{
	return mmr_store_gfp_flag(out, to, (uint64_t)mmr_stmt_int(row, 0), mmr_stmt_text(row, 1));
}

/* Every row of @sql (source run id as ?1) handed to @put for run @to of @out. */
static int copy_rows(struct mmr_store *st, int64_t run_id, const char *sql,
		     int (*put)(struct mmr_store *, int64_t, struct mmr_stmt *),
		     struct mmr_store *out, int64_t to)
{
	struct mmr_stmt *s;
	int rc, err;

	err = mmr_stmt_prepare(st, sql, &s);
	if (err)
		return err;
	mmr_stmt_bind_int(s, 1, run_id);
	while ((rc = mmr_stmt_step(s)) > 0) {
		err = put(out, to, s);
		if (err)
			break;
	}
	mmr_stmt_free(s);
	return err ? err : (rc < 0 ? rc : 0);
}

int mmr_replay_run(struct mmr_store *st, int64_t run_id, struct mmr_store *out,
		   const struct mmr_replay_opts *o, struct mmr_replay_result *res)
{
	struct replay_ctx c = { .opts = o, .res = res };
	struct mmr_run_info info = { .kind = "replay" };
	char *strings[4] = { 0 }, *params = NULL, source[512];
	uint32_t first_owner = 0;
	struct op_pipe pipe = { 0 };
	struct event_pipe events = { 0 };
	struct storms_allocs allocs;
	bool any;
	int err;

	memset(res, 0, sizeof(*res));
	if (!out)
		out = st;
	/* the derivation's allocation counts, kept as the rows are written */
	storms_allocs_init(&allocs, o->storm_opts);
	if (o->derive)
		c.allocs = &allocs;
	err = source_info(st, run_id, &info, strings);
	if (err)
		goto out;
	err = workload_exists(st, run_id, &any);
	if (err)
		goto out;
	if (!any) {
		mmr_err("run %lld holds no mm_page_alloc/mm_page_free stream to replay",
			(long long)run_id);
		err = -MMR_E_NO_DATA;
		goto out;
	}
	if (!o->one_thread)
		pipe_start(&pipe, st, run_id, &res->workload);
	err = build_model(st, run_id, o, &c, &first_owner);
	if (err)
		goto out;
	params = params_json(&c, o);
	if (!params) {
		err = -ENOMEM;
		goto out;
	}
	snprintf(source, sizeof(source), "run %lld (%s)", (long long)run_id,
		 strings[0] ? strings[0] : "?");
	info.source = source;
	info.clock = "model";
	info.policy = o->policy ? o->policy : "vanilla";
	info.params = params;
	info.parent_run = out == st ? run_id : 0;

	err = mmr_store_begin(out);
	if (err)
		goto out;
	err = mmr_store_run_add(out, &info, &res->run_id);
	/* the source's pid -> comm table, so that a replay's top tasks have names; in
	 * another store (no parent run there) also its gfp bits, for the migratetypes */
	if (!err)
		err = copy_rows(st, run_id, "SELECT pid, comm FROM tasks WHERE run_id = ?1",
				put_task, out, res->run_id);
	if (!err && out != st)
		err = copy_rows(st, run_id, "SELECT mask, name FROM gfp_flags WHERE run_id = ?1",
				put_gfp_flag, out, res->run_id);
	if (!err)
		err = mmr_writer_new(out, res->run_id, &c.w);
	/* the writer thread only where this one touches no store meanwhile, and where
	 * there is much to write: without the alloc stream a replay writes a few
	 * events a thousand allocations, and the ring would only take memory */
	if (!err && !o->one_thread && !o->no_alloc_stream && (pipe.started || out != st)) {
		event_pipe_start(&events, c.w);
		if (events.started) {
			c.events = &events.events;
			res->mem_rings = (uint64_t)EVENT_BLOCKS * RING_BLOCK *
					 sizeof(struct mmr_event);
		}
	}
	if (!err) {
		int werr;

		err = run_workload(&pipe, st, run_id, first_owner, &c, &res->workload);
		/* a writer that failed stopped the model: its error is the one to give */
		werr = event_pipe_finish(&events);
		c.events = NULL;
		if (werr)
			err = werr;
	}
	if (!err)
		err = c.event_err;
	if (!err) {
		struct mmr_model_memory mem;

		mmr_model_memory(c.m, &mem);
		res->mem_page_state = mem.pages;
		res->mem_owner_table = mem.owners;
		if (pipe.started)
			res->mem_rings += (uint64_t)RING_BLOCKS * RING_BLOCK *
					  sizeof(struct workload_row) +
					  RING_BLOCK * sizeof(struct replay_op);
		mmr_model_stats(c.m, &res->model);
		res->mixed_blocks = mmr_model_mixed_blocks(c.m);
		res->span_ns = c.last_ts - c.first_ts;
		err = mmr_store_run_finish(out, res->run_id, c.first_ts, c.last_ts,
					   res->replay.events_written, true);
	}
	if (!err)
		err = store_metrics(out, &c, res);
	if (!err && o->derive) {
		err = mmr_writer_flush(c.w);
		if (!err)
			err = storms_derive_counted(out, res->run_id, o->storm_opts, c.allocs);
		if (!err)
			err = mmr_storms_detect(out, res->run_id, o->storm_opts);
	}
	if (!err)
		err = mmr_store_commit(out);
	if (err)
		mmr_store_rollback(out);
out:
	event_pipe_finish(&events);
	pipe_finish(&pipe);
	res->reader_cpu_s = pipe.reader_cpu_s;
	res->writer_cpu_s = events.cpu_s;
	res->mapper_cpu_s = pipe.mapper_cpu_s;
	res->model_cpu_s = thread_cpu_s() - pipe.mapper_cpu_s;
	mmr_writer_free(c.w);
	storms_allocs_release(&allocs);
	mmr_model_free(c.m);
	free(c.owner_flags);
	free(params);
	for (int i = 0; i < 4; i++)
		free(strings[i]);
	return err;
}
