/*
 * storms/storms-derive.c - the derived tables of one run (schema/0002-storms.sql):
 * reclaim episodes, compaction runs and stalls, kswapd/kcompactd intervals, classified
 * extfrag events and the bucketed timeline.
 *
 * One pass over the run's sparse events (reclaim, compaction, daemons, extfrag, oom)
 * merged in (ts, seq) order by SQLite from the clustered tables. The dense
 * allocation stream is scanned once for the per-bucket counts (three columns, no
 * sort) and otherwise only probed by time range for the allocation that ends a
 * compaction stall. Frees are never read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "storms-local.h"

/* Event kinds of the merged stream (the first column of STREAM_SQL). */
enum {
	K_DR_BEGIN = 1, K_DR_END, K_MEMCG_BEGIN, K_MEMCG_END, K_SOFT_BEGIN, K_SOFT_END,
	K_NODE_BEGIN, K_NODE_END, K_C_BEGIN, K_C_END, K_C_TRY, K_C_DEFERRED, K_C_FINISHED,
	K_KSWAPD_WAKE, K_KSWAPD_SLEEP, K_KCD_WAKE, K_KCD_SLEEP, K_EXTFRAG, K_OOM,
};

/* Columns: kind, ts, seq, cpu, pid, a, b, c, d, e, f (meaning per kind). */
static const char STREAM_SQL[] =
	"SELECT 1, ts, seq, cpu, pid, \"order\", gfp_flags, NULL, NULL, NULL, NULL "
	"FROM mm_vmscan_direct_reclaim_begin WHERE run_id = ?1 "
	"UNION ALL SELECT 2, ts, seq, cpu, pid, nr_reclaimed, NULL, NULL, NULL, NULL, NULL "
	"FROM mm_vmscan_direct_reclaim_end WHERE run_id = ?1 "
	"UNION ALL SELECT 3, ts, seq, cpu, pid, \"order\", gfp_flags, NULL, NULL, NULL, NULL "
	"FROM mm_vmscan_memcg_reclaim_begin WHERE run_id = ?1 "
	"UNION ALL SELECT 4, ts, seq, cpu, pid, nr_reclaimed, NULL, NULL, NULL, NULL, NULL "
	"FROM mm_vmscan_memcg_reclaim_end WHERE run_id = ?1 "
	"UNION ALL SELECT 5, ts, seq, cpu, pid, \"order\", gfp_flags, NULL, NULL, NULL, NULL "
	"FROM mm_vmscan_memcg_softlimit_reclaim_begin WHERE run_id = ?1 "
	"UNION ALL SELECT 6, ts, seq, cpu, pid, nr_reclaimed, NULL, NULL, NULL, NULL, NULL "
	"FROM mm_vmscan_memcg_softlimit_reclaim_end WHERE run_id = ?1 "
	"UNION ALL SELECT 7, ts, seq, cpu, pid, \"order\", gfp_flags, nid, NULL, NULL, NULL "
	"FROM mm_vmscan_node_reclaim_begin WHERE run_id = ?1 "
	"UNION ALL SELECT 8, ts, seq, cpu, pid, nr_reclaimed, NULL, NULL, NULL, NULL, NULL "
	"FROM mm_vmscan_node_reclaim_end WHERE run_id = ?1 "
	"UNION ALL SELECT 9, ts, seq, cpu, pid, zone_start, zone_end, sync, NULL, NULL, NULL "
	"FROM mm_compaction_begin WHERE run_id = ?1 "
	"UNION ALL SELECT 10, ts, seq, cpu, pid, zone_start, zone_end, sync, status, NULL, NULL "
	"FROM mm_compaction_end WHERE run_id = ?1 "
	"UNION ALL SELECT 11, ts, seq, cpu, pid, \"order\", gfp_mask, prio, NULL, NULL, NULL "
	"FROM mm_compaction_try_to_compact_pages WHERE run_id = ?1 "
	"UNION ALL SELECT 12, ts, seq, cpu, pid, NULL, NULL, NULL, NULL, NULL, NULL "
	"FROM mm_compaction_deferred WHERE run_id = ?1 "
	"UNION ALL SELECT 13, ts, seq, cpu, pid, ret, NULL, NULL, NULL, NULL, NULL "
	"FROM mm_compaction_finished WHERE run_id = ?1 "
	"UNION ALL SELECT 14, ts, seq, cpu, pid, nid, \"order\", NULL, NULL, NULL, NULL "
	"FROM mm_vmscan_kswapd_wake WHERE run_id = ?1 "
	"UNION ALL SELECT 15, ts, seq, cpu, pid, nid, NULL, NULL, NULL, NULL, NULL "
	"FROM mm_vmscan_kswapd_sleep WHERE run_id = ?1 "
	"UNION ALL SELECT 16, ts, seq, cpu, pid, nid, \"order\", NULL, NULL, NULL, NULL "
	"FROM mm_compaction_kcompactd_wake WHERE run_id = ?1 "
	"UNION ALL SELECT 17, ts, seq, cpu, pid, nid, NULL, NULL, NULL, NULL, NULL "
	"FROM mm_compaction_kcompactd_sleep WHERE run_id = ?1 "
	"UNION ALL SELECT 18, ts, seq, cpu, pid, pfn, alloc_order, fallback_order, "
	"alloc_migratetype, fallback_migratetype, change_ownership "
	"FROM mm_page_alloc_extfrag WHERE run_id = ?1 "
	"UNION ALL SELECT 19, ts, seq, cpu, pid, victim_pid, NULL, NULL, NULL, NULL, NULL "
	"FROM mark_victim WHERE run_id = ?1 "
	"ORDER BY 2, 3";

enum { COL_KIND, COL_TS, COL_SEQ, COL_CPU, COL_PID, COL_A, COL_B, COL_C, COL_D, COL_E, COL_F };

#define NR_RECLAIM_KINDS 4
#define STALL_SEARCH_NS	10000000000ull	/* how far a compaction stall's result is looked for */
static const char *const reclaim_kind_name[NR_RECLAIM_KINDS] = {
	"direct", "memcg", "memcg_softlimit", "node"
};

struct bucket {
	uint64_t	dr_entries, dr_stall_ns, dr_pages;
	uint64_t	c_stalls, c_success, c_fail, c_stall_ns;
	uint64_t	kswapd_ns, kcompactd_ns;
	uint64_t	extfrag, fragmenting;
	uint64_t	allocs[4], allocs_failed;	/* unmovable, movable, reclaimable, other */
	uint64_t	oom;
	double		psi_some, psi_full;
	bool		has_psi;
};

struct open_reclaim {
	uint64_t	ts;
	int32_t		cpu;
	bool		has_order;
	int64_t		order, gfp, nid;
};

struct stack {
	struct open_reclaim	*v;
	size_t			n, cap;
};

struct open_compact {
	uint64_t	ts;
	int32_t		cpu;
	int64_t		zone_start, zone_end, sync;
};

/* A direct compaction stall still waiting for its end. */
struct open_stall {
	bool		active;
	uint64_t	ts, last_ts;
	int32_t		cpu;
	int64_t		order, gfp, prio;
	uint64_t	zones_compacted, zones_deferred;
	int64_t		best_status;	/* -1: none */
};

struct task_state {
	int32_t			pid;
	bool			used;
	struct stack		reclaim[NR_RECLAIM_KINDS];
	struct {
		struct open_compact	*v;
		size_t			n, cap;
	} compact;
	struct open_stall	stall;
};

struct daemon_state {
	bool		used, open;
	int		daemon;		/* 0 kswapd, 1 kcompactd */
	int64_t		nid;
	int32_t		pid;
	uint64_t	ts;
	int64_t		order;
	uint64_t	nr_wakes;
};

struct derive {
	struct mmr_store	*st;
	struct storms_run	run;
	uint64_t		bucket_ns;
	int			pageblock_order;
	uint64_t		gfp_movable, gfp_reclaimable;
	const char		*gfp_source;
	uint64_t		stray_ends;
	bool			has_allocs;	/* the run's allocation results are complete:
						 * they decide compaction stall outcomes */
	const struct storms_allocs *counted;	/* the allocations counted as written */

	struct bucket		*b;
	size_t			nr_buckets;

	struct task_state	*tasks;		/* open addressing on pid */
	size_t			tasks_cap, nr_tasks;
	struct daemon_state	daemons[256];	/* small: per daemon and node */
	size_t			nr_daemons;

	int32_t			*kcompactd_pids, *kswapd_pids;
	size_t			nr_kcompactd, nr_kswapd;

	struct mmr_stmt		*ins_reclaim, *ins_compact, *ins_stall, *ins_daemon;
	struct mmr_stmt		*ins_extfrag, *next_alloc;
};

#define MAX_BUCKETS (2u << 20)	/* ~330 MB of counters; a day at 100 ms is 864k */

/* ------------------------------------------------------------ helpers */

static size_t bucket_of(const struct derive *d, uint64_t ts)
{
	uint64_t i;

	if (ts <= d->run.start_ts)
		return 0;
	i = (ts - d->run.start_ts) / d->bucket_ns;
	return i >= d->nr_buckets ? d->nr_buckets - 1 : (size_t)i;
}

/* Adds the part of [a, z) falling in each bucket to the field at @off. */
static void spread(struct derive *d, uint64_t a, uint64_t z, size_t off)
{
	size_t i, last;

	if (z <= a)
		return;
	i = bucket_of(d, a);
	last = bucket_of(d, z - 1);
	for (; i <= last; i++) {
		uint64_t bs = d->run.start_ts + (uint64_t)i * d->bucket_ns;
		uint64_t be = bs + d->bucket_ns;
		uint64_t lo = a > bs ? a : bs, hi = z < be ? z : be;

		if (i == d->nr_buckets - 1 && z > be)
			hi = z;		/* past the end (clock skew): the last bucket takes it */
		if (i == 0 && a < bs)
			lo = a;
		if (hi > lo)
			*(uint64_t *)((char *)&d->b[i] + off) += hi - lo;
	}
}

static int gfp_migratetype(const struct derive *d, int64_t gfp)
{
	uint64_t g = (uint64_t)gfp;

	/* gfp_migratetype(): the two bits read as a number, as the kernel does */
	return ((g & d->gfp_movable) ? MMR_MT_MOVABLE : 0) |
	       ((g & d->gfp_reclaimable) ? MMR_MT_RECLAIMABLE : 0);
}

static bool pid_in(const int32_t *v, size_t n, int32_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

static uint32_t pid_hash(int32_t pid)
{
	return (uint32_t)pid * 2654435761u;
}

static int task_get(struct derive *d, int32_t pid, struct task_state **out)
{
	size_t i;

	if ((d->nr_tasks + 1) * 2 > d->tasks_cap) {
		size_t ncap = d->tasks_cap ? d->tasks_cap * 2 : 256;
		struct task_state *n = calloc(ncap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t j = 0; j < d->tasks_cap; j++) {
			struct task_state *t = &d->tasks[j];

			if (!t->used)
				continue;
			for (i = pid_hash(t->pid) & (ncap - 1); n[i].used; i = (i + 1) & (ncap - 1))
				;
			n[i] = *t;
		}
		free(d->tasks);
		d->tasks = n;
		d->tasks_cap = ncap;
	}
	for (i = pid_hash(pid) & (d->tasks_cap - 1); d->tasks[i].used;
	     i = (i + 1) & (d->tasks_cap - 1)) {
		if (d->tasks[i].pid == pid) {
			*out = &d->tasks[i];
			return 0;
		}
	}
	d->tasks[i].used = true;
	d->tasks[i].pid = pid;
	d->nr_tasks++;
	*out = &d->tasks[i];
	return 0;
}

static int step_done(struct mmr_stmt *s)
{
	int rc = mmr_stmt_step(s);

	mmr_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ emitters */

static int emit_reclaim(struct derive *d, int kind, int32_t pid, const struct open_reclaim *o,
			uint64_t end_ts, int depth, bool has_end, int64_t nr_reclaimed, int open)
{
	struct mmr_stmt *s = d->ins_reclaim;
	uint64_t start = o->ts;

	if (end_ts < start)
		end_ts = start;
	mmr_stmt_bind_int(s, 1, d->run.run_id);
	mmr_stmt_bind_text(s, 2, reclaim_kind_name[kind]);
	mmr_stmt_bind_int(s, 3, pid);
	mmr_stmt_bind_int(s, 4, o->cpu);
	mmr_stmt_bind_int(s, 5, (int64_t)start);
	mmr_stmt_bind_int(s, 6, (int64_t)end_ts);
	mmr_stmt_bind_int(s, 7, (int64_t)(end_ts - start));
	mmr_stmt_bind_int(s, 8, depth);
	storms_bind_opt(s, 9, o->has_order, o->order);
	storms_bind_opt(s, 10, o->has_order, o->gfp);
	storms_bind_opt(s, 11, o->has_order, o->has_order ? gfp_migratetype(d, o->gfp) : 0);
	storms_bind_opt(s, 12, kind == 3 && o->has_order, o->nid);
	storms_bind_opt(s, 13, has_end, nr_reclaimed);
	mmr_stmt_bind_int(s, 14, open);
	if (kind == 0) {
		spread(d, start, end_ts, offsetof(struct bucket, dr_stall_ns));
		if (has_end && nr_reclaimed > 0)
			d->b[bucket_of(d, end_ts)].dr_pages += (uint64_t)nr_reclaimed;
	}
	return step_done(s);
}

static int emit_compact(struct derive *d, int32_t pid, const struct open_compact *o,
			uint64_t end_ts, bool has_status, int64_t status, int open)
{
	struct mmr_stmt *s = d->ins_compact;
	const char *src = "direct";

	if (pid_in(d->kcompactd_pids, d->nr_kcompactd, pid))
		src = "kcompactd";
	else if (pid_in(d->kswapd_pids, d->nr_kswapd, pid))
		src = "kswapd";
	if (end_ts < o->ts)
		end_ts = o->ts;
	mmr_stmt_bind_int(s, 1, d->run.run_id);
	mmr_stmt_bind_int(s, 2, pid);
	mmr_stmt_bind_int(s, 3, o->cpu);
	mmr_stmt_bind_text(s, 4, src);
	mmr_stmt_bind_int(s, 5, (int64_t)o->ts);
	mmr_stmt_bind_int(s, 6, (int64_t)end_ts);
	mmr_stmt_bind_int(s, 7, (int64_t)(end_ts - o->ts));
	storms_bind_opt(s, 8, open != 2, o->zone_start);
	storms_bind_opt(s, 9, open != 2, o->zone_end);
	storms_bind_opt(s, 10, open != 2, o->sync);
	storms_bind_opt(s, 11, has_status, status);
	mmr_stmt_bind_int(s, 12, open);
	return step_done(s);
}

/*
 * Ends @t's open compaction stall before @limit_ts (the event that closes it, or the
 * run's end when @at_end). The task's first allocation result after the stall
 * start decides the outcome when one comes before @limit_ts.
 */
static int close_stall(struct derive *d, struct task_state *t, uint64_t limit_ts, bool at_end)
{
	struct open_stall *o = &t->stall;
	struct mmr_stmt *s = d->ins_stall;
	const char *outcome;
	uint64_t end_ts = o->last_ts;
	size_t bi;
	int rc;

	if (!o->active)
		return 0;
	o->active = false;
	/* bound the search: a stall with no allocation result in 10 s did not succeed */
	if (limit_ts > o->ts + STALL_SEARCH_NS) {
		limit_ts = o->ts + STALL_SEARCH_NS;
		at_end = false;
	}
	outcome = NULL;
	if (d->has_allocs) {
		struct mmr_stmt *q = d->next_alloc;

		mmr_stmt_bind_int(q, 1, d->run.run_id);
		mmr_stmt_bind_int(q, 2, (int64_t)o->ts);
		mmr_stmt_bind_int(q, 3, (int64_t)limit_ts);
		mmr_stmt_bind_int(q, 4, t->pid);
		rc = mmr_stmt_step(q);
		if (rc < 0) {
			mmr_stmt_reset(q);
			return rc;
		}
		if (rc == 1) {
			int64_t pfn = mmr_stmt_int(q, 1), order = mmr_stmt_int(q, 2);

			end_ts = (uint64_t)mmr_stmt_int(q, 0);
			outcome = pfn != -1 && order == o->order ? "success" : "fail";
		}
		mmr_stmt_reset(q);
	}
	if (!outcome) {
		/* no allocation result: the zones' status where the run has no alloc stream */
		if (!d->has_allocs && o->best_status >= 0)
			outcome = o->best_status == STORMS_COMPACT_SUCCESS ? "success" : "fail";
		else
			outcome = at_end ? "unknown" : "fail";
	}

	mmr_stmt_bind_int(s, 1, d->run.run_id);
	mmr_stmt_bind_int(s, 2, t->pid);
	mmr_stmt_bind_int(s, 3, o->cpu);
	mmr_stmt_bind_int(s, 4, (int64_t)o->ts);
	mmr_stmt_bind_int(s, 5, (int64_t)end_ts);
	mmr_stmt_bind_int(s, 6, (int64_t)(end_ts - o->ts));
	mmr_stmt_bind_int(s, 7, o->order);
	mmr_stmt_bind_int(s, 8, o->gfp);
	mmr_stmt_bind_int(s, 9, gfp_migratetype(d, o->gfp));
	mmr_stmt_bind_int(s, 10, o->prio);
	mmr_stmt_bind_int(s, 11, (int64_t)o->zones_compacted);
	mmr_stmt_bind_int(s, 12, (int64_t)o->zones_deferred);
	storms_bind_opt(s, 13, o->best_status >= 0, o->best_status);
	mmr_stmt_bind_text(s, 14, outcome);
	bi = bucket_of(d, o->ts);
	d->b[bi].c_stalls++;
	if (!strcmp(outcome, "success"))
		d->b[bi].c_success++;
	else if (!strcmp(outcome, "fail"))
		d->b[bi].c_fail++;
	spread(d, o->ts, end_ts, offsetof(struct bucket, c_stall_ns));
	return step_done(s);
}

static int emit_daemon(struct derive *d, struct daemon_state *ds, uint64_t end_ts, int open)
{
	struct mmr_stmt *s = d->ins_daemon;

	if (end_ts < ds->ts)
		end_ts = ds->ts;
	mmr_stmt_bind_int(s, 1, d->run.run_id);
	mmr_stmt_bind_text(s, 2, ds->daemon ? "kcompactd" : "kswapd");
	mmr_stmt_bind_int(s, 3, ds->nid);
	mmr_stmt_bind_int(s, 4, ds->pid);
	mmr_stmt_bind_int(s, 5, (int64_t)ds->ts);
	mmr_stmt_bind_int(s, 6, (int64_t)end_ts);
	mmr_stmt_bind_int(s, 7, (int64_t)(end_ts - ds->ts));
	mmr_stmt_bind_int(s, 8, ds->order);
	mmr_stmt_bind_int(s, 9, (int64_t)ds->nr_wakes);
	mmr_stmt_bind_int(s, 10, open);
	spread(d, ds->ts, end_ts, ds->daemon ? offsetof(struct bucket, kcompactd_ns) :
	       offsetof(struct bucket, kswapd_ns));
	ds->open = false;
	return step_done(s);
}

static struct daemon_state *daemon_get(struct derive *d, int daemon, int64_t nid)
{
	for (size_t i = 0; i < d->nr_daemons; i++)
		if (d->daemons[i].daemon == daemon && d->daemons[i].nid == nid)
			return &d->daemons[i];
	if (d->nr_daemons == ARRAY_SIZE(d->daemons))
		return NULL;
	d->daemons[d->nr_daemons].used = true;
	d->daemons[d->nr_daemons].daemon = daemon;
	d->daemons[d->nr_daemons].nid = nid;
	return &d->daemons[d->nr_daemons++];
}

/* ------------------------------------------------------------ the pass */

static int on_event(struct derive *d, struct mmr_stmt *q)
{
	int kind = (int)mmr_stmt_int(q, COL_KIND);
	uint64_t ts = (uint64_t)mmr_stmt_int(q, COL_TS);
	int32_t cpu = (int32_t)mmr_stmt_int(q, COL_CPU);
	int32_t pid = (int32_t)mmr_stmt_int(q, COL_PID);
	int64_t a = mmr_stmt_int(q, COL_A), b = mmr_stmt_int(q, COL_B);
	int64_t c = mmr_stmt_int(q, COL_C);
	struct task_state *t = NULL;
	struct daemon_state *ds;
	int err;

	switch (kind) {
	case K_DR_BEGIN: case K_MEMCG_BEGIN: case K_SOFT_BEGIN: case K_NODE_BEGIN: {
		int rk = (kind - K_DR_BEGIN) / 2;
		struct stack *stk;

		err = task_get(d, pid, &t);
		if (err)
			return err;
		if (rk == 0) {
			/* a direct reclaim ends the task's compaction stall: it failed */
			err = close_stall(d, t, ts, false);
			if (err)
				return err;
			d->b[bucket_of(d, ts)].dr_entries++;
		}
		stk = &t->reclaim[rk];
		err = mmr_grow((void **)&stk->v, &stk->cap, stk->n + 1, sizeof(*stk->v));
		if (err)
			return err;
		stk->v[stk->n++] = (struct open_reclaim){ .ts = ts, .cpu = cpu, .has_order = true,
			.order = a, .gfp = b, .nid = c };
		return 0;
	}
	case K_DR_END: case K_MEMCG_END: case K_SOFT_END: case K_NODE_END: {
		int rk = (kind - K_DR_END) / 2;
		struct stack *stk;

		err = task_get(d, pid, &t);
		if (err)
			return err;
		stk = &t->reclaim[rk];
		if (!stk->n) {
			struct open_reclaim o = { .ts = d->run.start_ts, .cpu = cpu };

			d->stray_ends++;
			return emit_reclaim(d, rk, pid, &o, ts, 0, true, a, 2);
		}
		stk->n--;
		return emit_reclaim(d, rk, pid, &stk->v[stk->n], ts, (int)stk->n, true, a, 0);
	}
	case K_C_BEGIN:
		err = task_get(d, pid, &t);
		if (err)
			return err;
		if (t->stall.active) {
			t->stall.zones_compacted++;
			t->stall.last_ts = ts;
		}
		err = mmr_grow((void **)&t->compact.v, &t->compact.cap, t->compact.n + 1,
			   sizeof(*t->compact.v));
		if (err)
			return err;
		t->compact.v[t->compact.n++] = (struct open_compact){ .ts = ts, .cpu = cpu,
			.zone_start = a, .zone_end = b, .sync = c };
		return 0;
	case K_C_END: {
		int64_t status = mmr_stmt_int(q, COL_D);

		err = task_get(d, pid, &t);
		if (err)
			return err;
		if (t->stall.active) {
			t->stall.last_ts = ts;
			if (status > t->stall.best_status)
				t->stall.best_status = status;
		}
		if (!t->compact.n) {
			struct open_compact o = { .ts = d->run.start_ts, .cpu = cpu };

			d->stray_ends++;
			return emit_compact(d, pid, &o, ts, true, status, 2);
		}
		t->compact.n--;
		return emit_compact(d, pid, &t->compact.v[t->compact.n], ts, true, status, 0);
	}
	case K_C_TRY:
		err = task_get(d, pid, &t);
		if (err)
			return err;
		err = close_stall(d, t, ts, false);
		if (err)
			return err;
		t->stall = (struct open_stall){ .active = true, .ts = ts, .last_ts = ts, .cpu = cpu,
			.order = a, .gfp = b, .prio = c, .best_status = -1 };
		return 0;
	case K_C_DEFERRED: case K_C_FINISHED:
		err = task_get(d, pid, &t);
		if (err)
			return err;
		if (t->stall.active) {
			t->stall.last_ts = ts;
			if (kind == K_C_DEFERRED)
				t->stall.zones_deferred++;
		}
		return 0;
	case K_KSWAPD_WAKE: case K_KCD_WAKE:
		ds = daemon_get(d, kind == K_KCD_WAKE, a);
		if (!ds)
			return 0;
		if (!ds->open) {
			ds->open = true;
			ds->ts = ts;
			ds->pid = pid;
			ds->order = b;
			ds->nr_wakes = 1;
		} else {
			ds->nr_wakes++;
			if (b > ds->order)
				ds->order = b;
		}
		return 0;
	case K_KSWAPD_SLEEP: case K_KCD_SLEEP:
		ds = daemon_get(d, kind == K_KCD_SLEEP, a);
		if (!ds || !ds->open)
			return 0;
		return emit_daemon(d, ds, ts, 0);
	case K_EXTFRAG: {
		struct mmr_stmt *s = d->ins_extfrag;
		bool frag = c < d->pageblock_order;
		size_t bi = bucket_of(d, ts);

		d->b[bi].extfrag++;
		d->b[bi].fragmenting += frag;
		mmr_stmt_bind_int(s, 1, d->run.run_id);
		mmr_stmt_bind_int(s, 2, (int64_t)ts);
		mmr_stmt_bind_int(s, 3, pid);
		mmr_stmt_bind_int(s, 4, a);
		mmr_stmt_bind_int(s, 5, b);
		mmr_stmt_bind_int(s, 6, c);
		mmr_stmt_bind_int(s, 7, mmr_stmt_int(q, COL_D));
		mmr_stmt_bind_int(s, 8, mmr_stmt_int(q, COL_E));
		mmr_stmt_bind_int(s, 9, mmr_stmt_int(q, COL_F));
		mmr_stmt_bind_int(s, 10, frag);
		return step_done(s);
	}
	case K_OOM:
		d->b[bucket_of(d, ts)].oom++;
		return 0;
	}
	return 0;
}

/* Closes what the trace left open, in pid order so the rows do not depend on hashing. */
static int cmp_task_pid(const void *x, const void *y)
{
	const struct task_state *a = *(struct task_state *const *)x;
	const struct task_state *b = *(struct task_state *const *)y;

	return (a->pid > b->pid) - (a->pid < b->pid);
}

static int finish_open(struct derive *d)
{
	struct task_state **v;
	size_t n = 0;
	int err = 0;

	v = calloc(d->nr_tasks + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < d->tasks_cap; i++)
		if (d->tasks[i].used)
			v[n++] = &d->tasks[i];
	qsort(v, n, sizeof(*v), cmp_task_pid);
	for (size_t i = 0; i < n && !err; i++) {
		struct task_state *t = v[i];

		for (int rk = 0; rk < NR_RECLAIM_KINDS && !err; rk++)
			for (size_t j = 0; j < t->reclaim[rk].n && !err; j++)
				err = emit_reclaim(d, rk, t->pid, &t->reclaim[rk].v[j],
						   d->run.end_ts, (int)j, false, 0, 1);
		for (size_t j = 0; j < t->compact.n && !err; j++)
			err = emit_compact(d, t->pid, &t->compact.v[j], d->run.end_ts, false, 0, 1);
		if (!err)
			err = close_stall(d, t, d->run.end_ts + 1, true);
	}
	for (size_t i = 0; i < d->nr_daemons && !err; i++)
		if (d->daemons[i].open)
			err = emit_daemon(d, &d->daemons[i], d->run.end_ts, 1);
	free(v);
	return err;
}

/* ------------------------------------------------------------ setup */

static int load_pids(struct derive *d, const char *sql, int32_t **out, size_t *nr)
{
	struct mmr_stmt *q;
	size_t cap = 0;
	int err, rc;

	err = mmr_stmt_prepare(d->st, sql, &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, d->run.run_id);
	while ((rc = mmr_stmt_step(q)) == 1) {
		err = mmr_grow((void **)out, &cap, *nr + 1, sizeof(**out));
		if (err)
			break;
		(*out)[(*nr)++] = (int32_t)mmr_stmt_int(q, 0);
	}
	mmr_stmt_free(q);
	return err ? err : rc;
}

/* The __GFP_MOVABLE and __GFP_RECLAIMABLE bits of @run (or its parent's kernel). */
static int load_gfp(struct derive *d)
{
	static const char sql[] =
		"SELECT (SELECT mask FROM gfp_flags WHERE run_id = ?1 AND name = '__GFP_MOVABLE'), "
		"(SELECT mask FROM gfp_flags WHERE run_id = ?1 AND name = '__GFP_RECLAIMABLE')";
	int64_t runs[2] = { d->run.run_id, d->run.parent_run };
	const char *src[2] = { "run", "parent" };
	struct mmr_stmt *q;
	int err, rc;

	d->gfp_movable = MMR_GFP_MOVABLE;
	d->gfp_reclaimable = MMR_GFP_RECLAIMABLE;
	d->gfp_source = "default";
	err = mmr_stmt_prepare(d->st, sql, &q);
	if (err)
		return err;
	for (int i = 0; i < 2; i++) {
		if (runs[i] <= 0)
			continue;
		mmr_stmt_bind_int(q, 1, runs[i]);
		rc = mmr_stmt_step(q);
		if (rc < 0) {
			err = rc;
			break;
		}
		if (rc == 1 && !mmr_stmt_is_null(q, 0) && !mmr_stmt_is_null(q, 1)) {
			d->gfp_movable = (uint64_t)mmr_stmt_int(q, 0);
			d->gfp_reclaimable = (uint64_t)mmr_stmt_int(q, 1);
			d->gfp_source = src[i];
			break;
		}
		mmr_stmt_reset(q);
	}
	mmr_stmt_free(q);
	return err;
}

static int load_pageblock_order(struct derive *d, const struct mmr_storm_opts *o)
{
	int64_t v = -1;
	struct mmr_stmt *q;
	int err, rc;

	d->pageblock_order = MMR_STORM_DEFAULT_PAGEBLOCK_ORDER;
	if (o->pageblock_order >= 0) {
		d->pageblock_order = o->pageblock_order;
		return 0;
	}
	err = mmr_stmt_prepare(d->st, "SELECT CAST(value AS INTEGER) FROM host_facts "
			       "WHERE run_id = ?1 AND key = 'pageblock_order'", &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, d->run.run_id);
	rc = mmr_stmt_step(q);
	if (rc == 1)
		v = mmr_stmt_int(q, 0);
	mmr_stmt_free(q);
	if (rc < 0)
		return rc;
	if (v > 0 && v < 20)
		d->pageblock_order = (int)v;
	return 0;
}

/* ------------------------------------------------- allocations counted */

/* The timeline's class of an allocation's migratetype @mt (@null: stored as NULL):
 * unmovable, movable, reclaimable, or 3 for any other. */
static inline unsigned int alloc_class(int64_t mt, bool null)
{
	return null || mt < 0 || mt > 2 ? 3 : (unsigned int)mt;
}

/*
 * A replay writes some 8M mm_page_alloc rows for ten seconds of a busy host; reading
 * them back for the timeline's allocation counts was most of the derivation. The
 * replay counts them as it writes them instead, in buckets from the run's first
 * event: bucket_of() at derivation time folds the ones past the run's end into the
 * last bucket, as it does rows. The classes are those of the scan in aggregate().
 */
void storms_allocs_init(struct storms_allocs *a, const struct mmr_storm_opts *o)
{
	const struct mmr_event_desc *desc = mmr_event_desc(MMR_EV_PAGE_ALLOC);
	struct mmr_storm_opts defaults;

	memset(a, 0, sizeof(*a));
	if (!o) {
		mmr_storm_opts_init(&defaults);
		o = &defaults;
	}
	a->bucket_ns = o->bucket_ns;
	a->pfn_field = a->mt_field = MMR_EVENT_MAX_FIELDS;
	for (unsigned int i = 0; desc && i < desc->nr_fields; i++) {
		if (!strcmp(desc->columns[i], "pfn"))
			a->pfn_field = i;
		else if (!strcmp(desc->columns[i], "migratetype"))
			a->mt_field = i;
	}
	if (!a->bucket_ns || a->pfn_field == MMR_EVENT_MAX_FIELDS ||
	    a->mt_field == MMR_EVENT_MAX_FIELDS)
		a->broken = true;
}

void storms_allocs_start(struct storms_allocs *a, uint64_t start_ts)
{
	a->start_ts = start_ts;
	a->started = true;
}

void storms_allocs_add(struct storms_allocs *a, const struct mmr_event *ev)
{
	struct storms_alloc_bucket *b;
	uint64_t i;

	if (a->broken)
		return;
	if (!a->started) {
		a->broken = true;
		return;
	}
	i = ev->ts <= a->start_ts ? 0 : (ev->ts - a->start_ts) / a->bucket_ns;
	if (i >= a->nr) {
		if (i >= MAX_BUCKETS) {
			a->broken = true;
			return;
		}
		if (mmr_grow((void **)&a->b, &a->cap, i + 1, sizeof(*a->b))) {
			a->broken = true;
			return;
		}
		memset(&a->b[a->nr], 0, (i + 1 - a->nr) * sizeof(*a->b));
		a->nr = i + 1;
	}
	b = &a->b[i];
	/* a missing field is stored as NULL: read as 0 for pfn, "other" for mt */
	if (!(ev->missing & (1u << a->pfn_field)) && ev->val[a->pfn_field] == -1)
		b->failed++;
	b->allocs[alloc_class(ev->val[a->mt_field], ev->missing & (1u << a->mt_field))]++;
	a->any = true;
}

void storms_allocs_release(struct storms_allocs *a)
{
	free(a->b);
	memset(a, 0, sizeof(*a));
}

/* The counts kept as the rows were written, if they fit this derivation. */
static bool use_counted(const struct derive *d)
{
	const struct storms_allocs *a = d->counted;

	return a && !a->broken && (a->started || !a->any) && a->bucket_ns == d->bucket_ns &&
	       (!a->any || a->start_ts == d->run.start_ts);
}

/* Allocation counts per bucket and migratetype: the ones counted as the rows were
 * written where they fit, else one pass over the rows. */
static int count_allocs(struct derive *d)
{
	struct mmr_stmt *q;
	int err, rc;

	if (use_counted(d)) {
		for (size_t i = 0; i < d->counted->nr; i++) {
			const struct storms_alloc_bucket *c = &d->counted->b[i];
			struct bucket *b = &d->b[i < d->nr_buckets ? i : d->nr_buckets - 1];

			for (int mt = 0; mt < 4; mt++)
				b->allocs[mt] += c->allocs[mt];
			b->allocs_failed += c->failed;
		}
		d->has_allocs = d->counted->any;
		return 0;
	}
	/*
	 * One pass in key (time) order, bucketed here: a GROUP BY on the bucket would
	 * sort every allocation, several times slower than the scan itself.
	 */
	err = mmr_stmt_prepare(d->st, "SELECT ts, migratetype, pfn FROM mm_page_alloc "
			       "WHERE run_id = ?1", &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, d->run.run_id);
	while ((rc = mmr_stmt_step(q)) == 1) {
		struct bucket *b = &d->b[bucket_of(d, (uint64_t)mmr_stmt_int(q, 0))];

		if (mmr_stmt_int(q, 2) == -1)
			b->allocs_failed++;
		b->allocs[alloc_class(mmr_stmt_int(q, 1), mmr_stmt_is_null(q, 1))]++;
		d->has_allocs = true;
	}
	mmr_stmt_free(q);
	return rc < 0 ? rc : 0;
}

/* Allocation counts per bucket and migratetype, and PSI peaks, by SQL aggregation. */
static int aggregate(struct derive *d)
{
	struct mmr_stmt *q;
	int err, rc;

	err = count_allocs(d);
	if (err)
		return err;
	err = mmr_stmt_prepare(d->st,
		"SELECT (ts - ?2) / ?3, max(some_avg10), max(full_avg10) FROM psi_samples "
		"WHERE run_id = ?1 AND ts >= ?2 AND ts <= ?4 GROUP BY 1", &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, d->run.run_id);
	mmr_stmt_bind_int(q, 2, (int64_t)d->run.start_ts);
	mmr_stmt_bind_int(q, 3, (int64_t)d->bucket_ns);
	mmr_stmt_bind_int(q, 4, (int64_t)d->run.end_ts);
	while ((rc = mmr_stmt_step(q)) == 1) {
		int64_t bi = mmr_stmt_int(q, 0);
		struct bucket *b;

		if ((uint64_t)bi > d->nr_buckets)	/* sampled after the last event */
			continue;
		b = &d->b[(uint64_t)bi == d->nr_buckets ? bi - 1 : bi];
		/* a sample at the run's end belongs to the last bucket, like events */
		if (!b->has_psi || mmr_stmt_double(q, 1) > b->psi_some)
			b->psi_some = mmr_stmt_double(q, 1);
		if (!b->has_psi || mmr_stmt_double(q, 2) > b->psi_full)
			b->psi_full = mmr_stmt_double(q, 2);
		b->has_psi = true;
	}
	mmr_stmt_free(q);
	return rc < 0 ? rc : 0;
}

/*
 * A BPF recording may keep only some allocations (1 in N, above an order, or only
 * non-movable ones): a stall's own result may then be missing, and a later
 * allocation of the task would be taken for it. Outcomes fall back to the status
 * of the zones compacted.
 */
static int check_alloc_stream(struct derive *d)
{
	int64_t partial = 0;
	struct mmr_stmt *q;
	int err, rc;

	err = mmr_stmt_prepare(d->st, "SELECT count(*) FROM host_facts WHERE run_id = ?1 AND ("
			       "(key = 'bpf.sample_rate' AND CAST(value AS INTEGER) > 1) OR "
			       "(key = 'bpf.min_order' AND CAST(value AS INTEGER) > 0) OR "
			       "(key = 'bpf.unmovable_only' AND CAST(value AS INTEGER) != 0))", &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, d->run.run_id);
	rc = mmr_stmt_step(q);
	if (rc == 1)
		partial = mmr_stmt_int(q, 0);
	mmr_stmt_free(q);
	if (rc < 0)
		return rc;
	if (partial) {
		mmr_info("run %lld keeps part of its allocations: compaction outcomes come from "
			 "the compaction status", (long long)d->run.run_id);
		d->has_allocs = false;
	}
	return 0;
}

static int write_timeline(struct derive *d)
{
	struct mmr_stmt *s;
	int err;

	err = mmr_stmt_prepare(d->st, "INSERT INTO storm_timeline VALUES "
			       "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &s);
	if (err)
		return err;
	for (size_t i = 0; i < d->nr_buckets && !err; i++) {
		const struct bucket *b = &d->b[i];
		int64_t v[] = {
			d->run.run_id, (int64_t)i,
			(int64_t)(d->run.start_ts + (uint64_t)i * d->bucket_ns),
			(int64_t)b->dr_entries, (int64_t)b->dr_stall_ns, (int64_t)b->dr_pages,
			(int64_t)b->c_stalls, (int64_t)b->c_success, (int64_t)b->c_fail,
			(int64_t)b->c_stall_ns, (int64_t)b->kswapd_ns, (int64_t)b->kcompactd_ns,
			(int64_t)b->extfrag, (int64_t)b->fragmenting,
			(int64_t)b->allocs[0], (int64_t)b->allocs[1], (int64_t)b->allocs[2],
			(int64_t)b->allocs[3], (int64_t)b->allocs_failed, (int64_t)b->oom,
		};
		int idx = 1;

		for (size_t j = 0; j < ARRAY_SIZE(v); j++)
			mmr_stmt_bind_int(s, idx++, v[j]);
		if (b->has_psi) {
			mmr_stmt_bind_double(s, idx++, b->psi_some);
			mmr_stmt_bind_double(s, idx++, b->psi_full);
		} else {
			mmr_stmt_bind_null(s, idx++);
			mmr_stmt_bind_null(s, idx++);
		}
		err = step_done(s);
	}
	mmr_stmt_free(s);
	return err;
}

static int write_run_row(struct derive *d)
{
	struct mmr_stmt *s;
	int err;

	err = mmr_stmt_prepare(d->st, "INSERT INTO storm_runs (run_id, nr_events, start_ts, "
			       "end_ts, bucket_ns, pageblock_order, gfp_source, stray_ends) "
			       "VALUES (?,?,?,?,?,?,?,?)", &s);
	if (err)
		return err;
	mmr_stmt_bind_int(s, 1, d->run.run_id);
	mmr_stmt_bind_int(s, 2, (int64_t)d->run.nr_events);
	mmr_stmt_bind_int(s, 3, (int64_t)d->run.start_ts);
	mmr_stmt_bind_int(s, 4, (int64_t)d->run.end_ts);
	mmr_stmt_bind_int(s, 5, (int64_t)d->bucket_ns);
	mmr_stmt_bind_int(s, 6, d->pageblock_order);
	mmr_stmt_bind_text(s, 7, d->gfp_source);
	mmr_stmt_bind_int(s, 8, (int64_t)d->stray_ends);
	err = step_done(s);
	mmr_stmt_free(s);
	return err;
}

static const char *const derived_tables[] = {
	"storm_tasks", "storms", "storm_timeline", "extfrag_events", "daemon_intervals",
	"compaction_stalls", "compaction_runs", "reclaim_episodes", "storm_runs",
};

static int derive_run(struct derive *d)
{
	struct mmr_stmt *q = NULL;
	char sql[128];
	int err = 0, rc;

	for (size_t i = 0; i < ARRAY_SIZE(derived_tables) && !err; i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE run_id = ?1", derived_tables[i]);
		err = storms_exec_run(d->st, sql, d->run.run_id);
	}
	if (!err)
		err = load_gfp(d);
	if (!err)
		err = load_pids(d, "SELECT pid FROM mm_compaction_kcompactd_wake WHERE run_id = ?1 "
				"UNION SELECT pid FROM mm_compaction_kcompactd_sleep WHERE run_id = ?1 "
				"UNION SELECT pid FROM tasks WHERE run_id = ?1 AND comm LIKE 'kcompactd%'",
				&d->kcompactd_pids, &d->nr_kcompactd);
	if (!err)
		err = load_pids(d, "SELECT pid FROM mm_vmscan_kswapd_wake WHERE run_id = ?1 "
				"UNION SELECT pid FROM mm_vmscan_kswapd_sleep WHERE run_id = ?1 "
				"UNION SELECT pid FROM tasks WHERE run_id = ?1 AND comm LIKE 'kswapd%'",
				&d->kswapd_pids, &d->nr_kswapd);
	if (!err)
		err = aggregate(d);
	if (!err && d->has_allocs)
		err = check_alloc_stream(d);
	if (!err)
		err = mmr_stmt_prepare(d->st, "INSERT INTO reclaim_episodes (run_id, kind, pid, cpu, "
				       "start_ts, end_ts, duration_ns, depth, \"order\", gfp_flags, "
				       "migratetype, nid, nr_reclaimed, open) "
				       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &d->ins_reclaim);
	if (!err)
		err = mmr_stmt_prepare(d->st, "INSERT INTO compaction_runs (run_id, pid, cpu, source, "
				       "start_ts, end_ts, duration_ns, zone_start, zone_end, sync, "
				       "status, open) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", &d->ins_compact);
	if (!err)
		err = mmr_stmt_prepare(d->st, "INSERT INTO compaction_stalls (run_id, pid, cpu, "
				       "start_ts, end_ts, duration_ns, \"order\", gfp_flags, "
				       "migratetype, prio, zones_compacted, zones_deferred, "
				       "best_status, outcome) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
				       &d->ins_stall);
	if (!err)
		err = mmr_stmt_prepare(d->st, "INSERT INTO daemon_intervals (run_id, daemon, nid, "
				       "pid, start_ts, end_ts, duration_ns, \"order\", nr_wakes, open) "
				       "VALUES (?,?,?,?,?,?,?,?,?,?)", &d->ins_daemon);
	if (!err)
		err = mmr_stmt_prepare(d->st, "INSERT INTO extfrag_events (run_id, ts, pid, pfn, "
				       "alloc_order, fallback_order, requested_mt, fallback_mt, "
				       "change_ownership, fragmenting) VALUES (?,?,?,?,?,?,?,?,?,?)",
				       &d->ins_extfrag);
	if (!err)
		err = mmr_stmt_prepare(d->st, "SELECT ts, pfn, \"order\" FROM mm_page_alloc "
				       "WHERE run_id = ?1 AND ts >= ?2 AND ts < ?3 AND pid = ?4 "
				       "ORDER BY ts, seq LIMIT 1", &d->next_alloc);
	if (!err)
		err = mmr_stmt_prepare(d->st, STREAM_SQL, &q);
	if (!err) {
		mmr_stmt_bind_int(q, 1, d->run.run_id);
		while ((rc = mmr_stmt_step(q)) == 1) {
			err = on_event(d, q);
			if (err)
				break;
		}
		if (!err && rc < 0)
			err = rc;
	}
	mmr_stmt_free(q);
	if (!err)
		err = finish_open(d);
	if (!err)
		err = write_timeline(d);
	if (!err)
		err = write_run_row(d);
	return err;
}

static void derive_release(struct derive *d)
{
	for (size_t i = 0; i < d->tasks_cap; i++) {
		for (int rk = 0; rk < NR_RECLAIM_KINDS; rk++)
			free(d->tasks[i].reclaim[rk].v);
		free(d->tasks[i].compact.v);
	}
	free(d->tasks);
	free(d->b);
	free(d->kcompactd_pids);
	free(d->kswapd_pids);
	mmr_stmt_free(d->ins_reclaim);
	mmr_stmt_free(d->ins_compact);
	mmr_stmt_free(d->ins_stall);
	mmr_stmt_free(d->ins_daemon);
	mmr_stmt_free(d->ins_extfrag);
	mmr_stmt_free(d->next_alloc);
}

int mmr_storms_derive(struct mmr_store *st, int64_t run_id, const struct mmr_storm_opts *o)
{
	return storms_derive_counted(st, run_id, o, NULL);
}

int storms_derive_counted(struct mmr_store *st, int64_t run_id, const struct mmr_storm_opts *o,
			  const struct storms_allocs *a)
{
	struct mmr_storm_opts defaults;
	struct derive d = { .st = st, .counted = a };
	uint64_t nb;
	int err;

	if (!o) {
		mmr_storm_opts_init(&defaults);
		o = &defaults;
	}
	err = mmr_storm_opts_check(o);
	if (err)
		return err;
	err = storms_run_load(st, run_id, &d.run);
	if (err)
		return err;
	d.bucket_ns = o->bucket_ns;
	/* buckets cover [start, end]; an event exactly at the end joins the last one */
	nb = (d.run.end_ts - d.run.start_ts + d.bucket_ns - 1) / d.bucket_ns;
	if (!nb)
		nb = 1;
	if (nb > MAX_BUCKETS) {
		mmr_err("run %lld spans %llu buckets of %llu ns; use longer buckets",
			(long long)run_id, (unsigned long long)nb, (unsigned long long)d.bucket_ns);
		return -MMR_E_INVAL;
	}
	d.nr_buckets = (size_t)nb;
	d.b = calloc(d.nr_buckets, sizeof(*d.b));
	if (!d.b)
		return -ENOMEM;
	err = load_pageblock_order(&d, o);
	if (!err)
		err = storms_sp_begin(st);
	if (!err)
		err = storms_sp_end(st, derive_run(&d));
	derive_release(&d);
	return err;
}

int mmr_storms_derived(struct mmr_store *st, int64_t run_id, const struct mmr_storm_opts *o)
{
	struct mmr_storm_opts defaults;
	struct storms_run r;
	struct mmr_stmt *q;
	int err, rc, cur = 0;

	if (!o) {
		mmr_storm_opts_init(&defaults);
		o = &defaults;
	}
	err = storms_run_load(st, run_id, &r);
	if (err)
		return err;
	err = mmr_stmt_prepare(st, "SELECT nr_events, bucket_ns, pageblock_order, start_ts, end_ts "
			       "FROM storm_runs WHERE run_id = ?1", &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, run_id);
	rc = mmr_stmt_step(q);
	if (rc == 1) {
		cur = (uint64_t)mmr_stmt_int(q, 0) == r.nr_events &&
		      (uint64_t)mmr_stmt_int(q, 1) == o->bucket_ns &&
		      (o->pageblock_order < 0 || mmr_stmt_int(q, 2) == o->pageblock_order) &&
		      (uint64_t)mmr_stmt_int(q, 3) == r.start_ts &&
		      (uint64_t)mmr_stmt_int(q, 4) == r.end_ts;
	}
	mmr_stmt_free(q);
	return rc < 0 ? rc : cur;
}
