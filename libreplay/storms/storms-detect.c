/*
 * storms/storms-detect.c - storms from the derived timeline (definition in
 * schema/0002-storms.sql), their figures and top tasks, and whole-run summaries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "storms-local.h"

struct tl_row {
	uint64_t	start_ts, len_ns;
	uint64_t	stall_ns, entries;
	double		psi_some, psi_full;
	bool		has_psi;
};

struct detect {
	struct mmr_store		*st;
	const struct mmr_storm_opts	*o;
	int64_t				run_id;
	uint64_t			start_ts, end_ts, bucket_ns;
	struct tl_row			*tl;
	size_t				nr;
	int				nr_storms;
	struct mmr_stmt			*dr_q, *c_q, *frag_q, *oom_q, *task_q;
	struct mmr_stmt			*ins_storm, *ins_task;
	uint64_t			*durs;
	size_t				durs_cap;
};

static int load_timeline(struct detect *d)
{
	struct mmr_stmt *q;
	size_t cap = 0;
	int err, rc;

	err = mmr_stmt_prepare(d->st, "SELECT start_ts, dr_stall_ns + compact_stall_ns, "
			       "dr_entries + compact_stalls, psi_some, psi_full FROM storm_timeline "
			       "WHERE run_id = ?1 ORDER BY bucket", &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, d->run_id);
	while ((rc = mmr_stmt_step(q)) == 1) {
		struct tl_row *r;

		if (mmr_grow((void **)&d->tl, &cap, d->nr + 1, sizeof(*d->tl))) {
			rc = -ENOMEM;
			break;
		}
		r = &d->tl[d->nr++];
		r->start_ts = (uint64_t)mmr_stmt_int(q, 0);
		r->stall_ns = (uint64_t)mmr_stmt_int(q, 1);
		r->entries = (uint64_t)mmr_stmt_int(q, 2);
		r->has_psi = !mmr_stmt_is_null(q, 3);
		r->psi_some = mmr_stmt_double(q, 3);
		r->psi_full = mmr_stmt_double(q, 4);
		/* the last bucket is cut by the run's end */
		r->len_ns = d->bucket_ns;
		if (r->start_ts + d->bucket_ns > d->end_ts)
			r->len_ns = d->end_ts > r->start_ts ? d->end_ts - r->start_ts : 1;
		if (r->len_ns > d->bucket_ns)
			r->len_ns = d->bucket_ns;
	}
	mmr_stmt_free(q);
	return rc < 0 ? rc : 0;
}

static bool is_hot(const struct detect *d, const struct tl_row *r)
{
	const struct mmr_storm_opts *o = d->o;

	if ((double)r->stall_ns * 100.0 >= o->stall_pct * (double)r->len_ns && r->stall_ns)
		return true;
	return o->entries_per_s > 0 && r->entries &&
	       (double)r->entries * 1e9 >= o->entries_per_s * (double)r->len_ns;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

static void bind_window(struct mmr_stmt *q, int64_t run_id, uint64_t a, uint64_t z)
{
	mmr_stmt_bind_int(q, 1, run_id);
	mmr_stmt_bind_int(q, 2, (int64_t)a);
	mmr_stmt_bind_int(q, 3, (int64_t)z);
}

/* One count-like column of a windowed query. */
static int window_int(struct mmr_stmt *q, int64_t run_id, uint64_t a, uint64_t z, int64_t *v)
{
	int rc;

	bind_window(q, run_id, a, z);
	rc = mmr_stmt_step(q);
	*v = rc == 1 ? mmr_stmt_int(q, 0) : 0;
	mmr_stmt_reset(q);
	return rc < 0 ? rc : 0;
}

/* Writes storm @first..@last (bucket indexes) with its figures and top tasks. */
static int write_storm(struct detect *d, size_t first, size_t last)
{
	uint64_t a = d->tl[first].start_ts, z = d->tl[last].start_ts + d->tl[last].len_ns;
	int64_t mt[4] = { 0 }, frag = 0, oom = 0;
	uint64_t stall = 0, pages = 0, n = 0;
	double peak = 0, psi_some = -1, psi_full = -1;
	struct mmr_stmt *s = d->ins_storm;
	int64_t cs = 0, csucc = 0, cfail = 0, cns = 0;
	int err = 0, rc, storm = d->nr_storms + 1, idx;

	for (size_t i = first; i <= last; i++) {
		const struct tl_row *r = &d->tl[i];
		double load = (double)r->stall_ns / (double)r->len_ns;

		if (load > peak)
			peak = load;
		if (r->has_psi) {
			if (r->psi_some > psi_some)
				psi_some = r->psi_some;
			if (r->psi_full > psi_full)
				psi_full = r->psi_full;
		}
	}
	bind_window(d->dr_q, d->run_id, a, z);
	while ((rc = mmr_stmt_step(d->dr_q)) == 1) {
		int64_t m = mmr_stmt_is_null(d->dr_q, 2) ? 3 : mmr_stmt_int(d->dr_q, 2);

		if (mmr_grow((void **)&d->durs, &d->durs_cap, n + 1, sizeof(*d->durs))) {
			rc = -ENOMEM;
			break;
		}
		d->durs[n++] = (uint64_t)mmr_stmt_int(d->dr_q, 0);
		stall += (uint64_t)mmr_stmt_int(d->dr_q, 0);
		pages += (uint64_t)mmr_stmt_int(d->dr_q, 1);
		mt[m >= 0 && m <= 2 ? m : 3]++;
	}
	mmr_stmt_reset(d->dr_q);
	if (rc < 0)
		return rc;
	qsort(d->durs, n, sizeof(*d->durs), cmp_u64);

	bind_window(d->c_q, d->run_id, a, z);
	rc = mmr_stmt_step(d->c_q);
	if (rc == 1) {
		cs = mmr_stmt_int(d->c_q, 0);
		csucc = mmr_stmt_int(d->c_q, 1);
		cfail = mmr_stmt_int(d->c_q, 2);
		cns = mmr_stmt_int(d->c_q, 3);
	}
	mmr_stmt_reset(d->c_q);
	if (rc < 0)
		return rc;
	err = window_int(d->frag_q, d->run_id, a, z, &frag);
	if (!err)
		err = window_int(d->oom_q, d->run_id, a, z, &oom);
	if (err)
		return err;

	idx = 1;
	mmr_stmt_bind_int(s, idx++, d->run_id);
	mmr_stmt_bind_int(s, idx++, storm);
	mmr_stmt_bind_int(s, idx++, (int64_t)a);
	mmr_stmt_bind_int(s, idx++, (int64_t)z);
	mmr_stmt_bind_int(s, idx++, (int64_t)(z - a));
	mmr_stmt_bind_int(s, idx++, (int64_t)n);
	mmr_stmt_bind_int(s, idx++, (int64_t)stall);
	storms_bind_opt(s, idx++, n, (int64_t)storms_percentile(d->durs, n, 50));
	storms_bind_opt(s, idx++, n, (int64_t)storms_percentile(d->durs, n, 99));
	storms_bind_opt(s, idx++, n, n ? (int64_t)d->durs[n - 1] : 0);
	mmr_stmt_bind_int(s, idx++, (int64_t)pages);
	if (n)
		mmr_stmt_bind_double(s, idx++, (double)pages / (double)n);
	else
		mmr_stmt_bind_null(s, idx++);
	mmr_stmt_bind_int(s, idx++, cs);
	mmr_stmt_bind_int(s, idx++, csucc);
	mmr_stmt_bind_int(s, idx++, cfail);
	mmr_stmt_bind_int(s, idx++, cns);
	mmr_stmt_bind_int(s, idx++, frag);
	mmr_stmt_bind_int(s, idx++, oom);
	for (int i = 0; i < 4; i++)
		mmr_stmt_bind_int(s, idx++, mt[i]);
	if (n)
		mmr_stmt_bind_double(s, idx++, 100.0 * (double)(n - (uint64_t)mt[1]) / (double)n);
	else
		mmr_stmt_bind_null(s, idx++);
	mmr_stmt_bind_double(s, idx++, peak);
	if (psi_some >= 0)
		mmr_stmt_bind_double(s, idx++, psi_some);
	else
		mmr_stmt_bind_null(s, idx++);
	if (psi_full >= 0)
		mmr_stmt_bind_double(s, idx++, psi_full);
	else
		mmr_stmt_bind_null(s, idx++);
	rc = mmr_stmt_step(s);
	mmr_stmt_reset(s);
	if (rc < 0)
		return rc;

	bind_window(d->task_q, d->run_id, a, z);
	mmr_stmt_bind_int(d->task_q, 4, d->o->top_tasks);
	for (int rank = 1; (rc = mmr_stmt_step(d->task_q)) == 1; rank++) {
		struct mmr_stmt *t = d->ins_task;

		mmr_stmt_bind_int(t, 1, d->run_id);
		mmr_stmt_bind_int(t, 2, storm);
		mmr_stmt_bind_int(t, 3, rank);
		mmr_stmt_bind_int(t, 4, mmr_stmt_int(d->task_q, 0));
		mmr_stmt_bind_text(t, 5, mmr_stmt_text(d->task_q, 5));
		for (int c = 1; c <= 4; c++)
			mmr_stmt_bind_int(t, 5 + c, mmr_stmt_int(d->task_q, c));
		err = mmr_stmt_step(t);
		mmr_stmt_reset(t);
		if (err < 0)
			break;
		err = 0;
	}
	mmr_stmt_reset(d->task_q);
	if (err)
		return err;
	if (rc < 0)
		return rc;
	d->nr_storms++;
	return 0;
}

static const char DR_SQL[] =
	"SELECT duration_ns, coalesce(nr_reclaimed, 0), migratetype FROM reclaim_episodes "
	"WHERE run_id = ?1 AND kind = 'direct' AND start_ts >= ?2 AND start_ts < ?3";
static const char C_SQL[] =
	"SELECT count(*), coalesce(sum(outcome = 'success'), 0), coalesce(sum(outcome = 'fail'), 0), "
	"coalesce(sum(duration_ns), 0) FROM compaction_stalls "
	"WHERE run_id = ?1 AND start_ts >= ?2 AND start_ts < ?3";
static const char FRAG_SQL[] =
	"SELECT count(*) FROM extfrag_events WHERE run_id = ?1 AND ts >= ?2 AND ts < ?3 "
	"AND fragmenting";
static const char OOM_SQL[] =
	"SELECT count(*) FROM mark_victim WHERE run_id = ?1 AND ts >= ?2 AND ts < ?3";
static const char TASK_SQL[] =
	"SELECT x.pid, sum(dr), sum(cs), sum(stall), sum(pages), "
	"coalesce((SELECT comm FROM tasks WHERE run_id = ?1 AND pid = x.pid), "
	"(SELECT comm FROM tasks WHERE pid = x.pid AND "
	"run_id = (SELECT parent_run FROM runs WHERE run_id = ?1))) FROM ("
	"SELECT pid, 1 AS dr, 0 AS cs, duration_ns AS stall, coalesce(nr_reclaimed, 0) AS pages "
	"FROM reclaim_episodes WHERE run_id = ?1 AND kind = 'direct' AND start_ts >= ?2 "
	"AND start_ts < ?3 UNION ALL SELECT pid, 0, 1, duration_ns, 0 FROM compaction_stalls "
	"WHERE run_id = ?1 AND start_ts >= ?2 AND start_ts < ?3) AS x "
	"GROUP BY x.pid ORDER BY 4 DESC, 1 LIMIT ?4";

static int detect_run(struct detect *d)
{
	const struct mmr_storm_opts *o = d->o;
	struct mmr_stmt *u;
	size_t i = 0;
	int err;

	err = storms_exec_run(d->st, "DELETE FROM storm_tasks WHERE run_id = ?1", d->run_id);
	if (!err)
		err = storms_exec_run(d->st, "DELETE FROM storms WHERE run_id = ?1", d->run_id);
	if (!err)
		err = mmr_stmt_prepare(d->st, DR_SQL, &d->dr_q);
	if (!err)
		err = mmr_stmt_prepare(d->st, C_SQL, &d->c_q);
	if (!err)
		err = mmr_stmt_prepare(d->st, FRAG_SQL, &d->frag_q);
	if (!err)
		err = mmr_stmt_prepare(d->st, OOM_SQL, &d->oom_q);
	if (!err)
		err = mmr_stmt_prepare(d->st, TASK_SQL, &d->task_q);
	if (!err)
		err = mmr_stmt_prepare(d->st, "INSERT INTO storms VALUES (?,?,?,?,?,?,?,?,?,?,?,?,"
				       "?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &d->ins_storm);
	if (!err)
		err = mmr_stmt_prepare(d->st, "INSERT INTO storm_tasks VALUES (?,?,?,?,?,?,?,?,?)",
				       &d->ins_task);
	if (err)
		return err;

	/*
	 * Bursts are maximal runs of hot buckets; a burst joins the current storm when
	 * the gap between them is at most merge_gap_ns.
	 */
	while (i < d->nr && !err) {
		size_t first, last;
		uint64_t entries = 0;

		while (i < d->nr && !is_hot(d, &d->tl[i]))
			i++;
		if (i == d->nr)
			break;
		first = last = i;
		for (;;) {
			size_t j;

			while (last + 1 < d->nr && is_hot(d, &d->tl[last + 1]))
				last++;
			for (j = last + 1; j < d->nr && !is_hot(d, &d->tl[j]); j++)
				;
			if (j == d->nr || (uint64_t)(j - last - 1) * d->bucket_ns > o->merge_gap_ns)
				break;
			last = j;
		}
		i = last + 1;
		for (size_t k = first; k <= last; k++)
			entries += d->tl[k].entries;
		if (d->tl[last].start_ts + d->tl[last].len_ns - d->tl[first].start_ts < o->min_len_ns ||
		    entries < o->min_entries)
			continue;
		err = write_storm(d, first, last);
	}
	if (err)
		return err;

	err = mmr_stmt_prepare(d->st, "UPDATE storm_runs SET stall_pct = ?2, entries_per_s = ?3, "
			       "merge_gap_ns = ?4, min_len_ns = ?5, min_entries = ?6, top_tasks = ?7 "
			       "WHERE run_id = ?1", &u);
	if (err)
		return err;
	mmr_stmt_bind_int(u, 1, d->run_id);
	mmr_stmt_bind_double(u, 2, o->stall_pct);
	mmr_stmt_bind_double(u, 3, o->entries_per_s);
	mmr_stmt_bind_int(u, 4, (int64_t)o->merge_gap_ns);
	mmr_stmt_bind_int(u, 5, (int64_t)o->min_len_ns);
	mmr_stmt_bind_int(u, 6, (int64_t)o->min_entries);
	mmr_stmt_bind_int(u, 7, o->top_tasks);
	err = mmr_stmt_step(u);
	mmr_stmt_free(u);
	return err < 0 ? err : 0;
}

/* The derived span and bucket of @run_id. Return: 0, -MMR_E_NO_DATA, or an error. */
static int load_derived(struct mmr_store *st, int64_t run_id, uint64_t *start, uint64_t *end,
			uint64_t *bucket)
{
	struct mmr_stmt *q;
	int err, rc;

	err = mmr_stmt_prepare(st, "SELECT start_ts, end_ts, bucket_ns FROM storm_runs "
			       "WHERE run_id = ?1", &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, run_id);
	rc = mmr_stmt_step(q);
	if (rc == 1) {
		*start = (uint64_t)mmr_stmt_int(q, 0);
		*end = (uint64_t)mmr_stmt_int(q, 1);
		*bucket = (uint64_t)mmr_stmt_int(q, 2);
	}
	mmr_stmt_free(q);
	if (rc == 0) {
		mmr_err("run %lld has no derived tables: derive it first", (long long)run_id);
		return -MMR_E_NO_DATA;
	}
	return rc < 0 ? rc : 0;
}

int mmr_storms_detect(struct mmr_store *st, int64_t run_id, const struct mmr_storm_opts *o)
{
	struct mmr_storm_opts defaults;
	struct detect d = { .st = st, .run_id = run_id };
	struct storms_run r;
	int err;

	if (!o) {
		mmr_storm_opts_init(&defaults);
		o = &defaults;
	}
	d.o = o;
	err = mmr_storm_opts_check(o);
	if (!err)
		err = storms_run_load(st, run_id, &r);
	if (!err)
		err = load_derived(st, run_id, &d.start_ts, &d.end_ts, &d.bucket_ns);
	if (!err)
		err = load_timeline(&d);
	if (!err)
		err = storms_sp_begin(st);
	if (!err)
		err = storms_sp_end(st, detect_run(&d));
	mmr_stmt_free(d.dr_q);
	mmr_stmt_free(d.c_q);
	mmr_stmt_free(d.frag_q);
	mmr_stmt_free(d.oom_q);
	mmr_stmt_free(d.task_q);
	mmr_stmt_free(d.ins_storm);
	mmr_stmt_free(d.ins_task);
	free(d.durs);
	free(d.tl);
	return err;
}

int mmr_storms_summary(struct mmr_store *st, int64_t run_id, struct mmr_storm_summary *out)
{
	static const char sql[] =
		"SELECT "
		"(SELECT count(*) FROM storms WHERE run_id = ?1), "
		"(SELECT coalesce(sum(duration_ns), 0) FROM storms WHERE run_id = ?1), "
		"(SELECT count(*) FROM reclaim_episodes WHERE run_id = ?1 AND kind = 'direct' "
		"AND open != 2), "
		"(SELECT coalesce(sum(duration_ns), 0) FROM reclaim_episodes WHERE run_id = ?1 "
		"AND kind = 'direct'), "
		"(SELECT coalesce(sum(nr_reclaimed), 0) FROM reclaim_episodes WHERE run_id = ?1 "
		"AND kind = 'direct'), "
		"(SELECT count(*) FROM reclaim_episodes WHERE run_id = ?1 AND kind = 'direct' "
		"AND open != 0), "
		"(SELECT count(*) FROM compaction_stalls WHERE run_id = ?1), "
		"(SELECT count(*) FROM compaction_stalls WHERE run_id = ?1 AND outcome = 'success'), "
		"(SELECT count(*) FROM compaction_stalls WHERE run_id = ?1 AND outcome = 'fail'), "
		"(SELECT coalesce(sum(duration_ns), 0) FROM compaction_stalls WHERE run_id = ?1), "
		"(SELECT count(*) FROM extfrag_events WHERE run_id = ?1), "
		"(SELECT count(*) FROM extfrag_events WHERE run_id = ?1 AND fragmenting), "
		"(SELECT count(*) FROM mark_victim WHERE run_id = ?1), "
		"(SELECT coalesce(sum(duration_ns), 0) FROM daemon_intervals WHERE run_id = ?1 "
		"AND daemon = 'kswapd'), "
		"(SELECT coalesce(sum(duration_ns), 0) FROM daemon_intervals WHERE run_id = ?1 "
		"AND daemon = 'kcompactd'), "
		"(SELECT count(*) FROM reclaim_episodes WHERE run_id = ?1 AND kind = 'direct' "
		"AND open != 2 AND migratetype IS NOT 1)";
	uint64_t start, end, bucket, *f[] = {
		&out->storms, &out->storm_ns, &out->dr_entries, &out->dr_stall_ns, &out->dr_pages,
		&out->dr_open, &out->compact_stalls, &out->compact_success, &out->compact_fail,
		&out->compact_stall_ns, &out->extfrag, &out->fragmenting, &out->oom,
		&out->kswapd_ns, &out->kcompactd_ns, &out->dr_nonmovable,
	};
	struct mmr_stmt *q;
	int err, rc;

	memset(out, 0, sizeof(*out));
	err = load_derived(st, run_id, &start, &end, &bucket);
	if (err)
		return err;
	out->span_ns = end - start;
	err = mmr_stmt_prepare(st, sql, &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, run_id);
	rc = mmr_stmt_step(q);
	if (rc == 1)
		for (size_t i = 0; i < ARRAY_SIZE(f); i++)
			*f[i] = (uint64_t)mmr_stmt_int(q, (int)i);
	mmr_stmt_free(q);
	return rc < 0 ? rc : 0;
}
