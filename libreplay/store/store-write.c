/*
 * store/store-write.c - runs and their metadata, and the batched event writer
 * that every source (import, live recorder, BPF, replay, synth) goes through.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "store-local.h"

static void bind_text_or_null(sqlite3_stmt *s, int idx, const char *v)
{
	if (v)
		sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, idx);
}

/* Runs a one-shot statement whose parameters are already bound; finalizes it. */
static int step_once(struct mmr_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	int err = rc == SQLITE_DONE ? 0 : store_error(st, rc, what);

	sqlite3_finalize(s);
	return err;
}

int mmr_store_run_add(struct mmr_store *st, const struct mmr_run_info *info, int64_t *run_id)
{
	sqlite3_stmt *s;
	int err;

	err = store_prepare(st, "INSERT INTO runs (kind, source, host, kernel_release, clock, "
			    "nr_cpus, policy, params, parent_run) VALUES (?,?,?,?,?,?,?,?,?)", &s);
	if (err)
		return err;
	bind_text_or_null(s, 1, info->kind);
	bind_text_or_null(s, 2, info->source);
	bind_text_or_null(s, 3, info->host);
	bind_text_or_null(s, 4, info->kernel_release);
	bind_text_or_null(s, 5, info->clock);
	if (info->nr_cpus > 0)
		sqlite3_bind_int(s, 6, info->nr_cpus);
	bind_text_or_null(s, 7, info->policy);
	bind_text_or_null(s, 8, info->params);
	if (info->parent_run > 0)
		sqlite3_bind_int64(s, 9, info->parent_run);
	err = step_once(st, s, "adding a run");
	if (err)
		return err;
	*run_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int mmr_store_run_finish(struct mmr_store *st, int64_t run_id, uint64_t start_ts,
			 uint64_t end_ts, uint64_t nr_events, bool complete)
{
	sqlite3_stmt *s;
	int err;

	err = store_prepare(st, "UPDATE runs SET start_ts = ?, end_ts = ?, complete = ?, "
			    "nr_events = ? WHERE run_id = ?", &s);
	if (err)
		return err;
	if (start_ts || end_ts) {
		sqlite3_bind_int64(s, 1, (sqlite3_int64)start_ts);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)end_ts);
	}
	sqlite3_bind_int(s, 3, complete);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)nr_events);
	sqlite3_bind_int64(s, 5, run_id);
	return step_once(st, s, "finishing a run");
}

int mmr_store_run_fact(struct mmr_store *st, int64_t run_id, const char *key, const char *value)
{
	sqlite3_stmt *s;
	int err;

	err = store_prepare(st, "INSERT OR REPLACE INTO host_facts (run_id, key, value) "
			    "VALUES (?,?,?)", &s);
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, run_id);
	bind_text_or_null(s, 2, key);
	bind_text_or_null(s, 3, value);
	return step_once(st, s, "storing a host fact");
}

int mmr_store_task(struct mmr_store *st, int64_t run_id, int pid, const char *comm)
{
	sqlite3_stmt *s;
	int err;

	err = store_prepare(st, "INSERT OR REPLACE INTO tasks (run_id, pid, comm) VALUES (?,?,?)",
			    &s);
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int(s, 2, pid);
	bind_text_or_null(s, 3, comm);
	return step_once(st, s, "storing a task");
}

int mmr_store_gfp_flag(struct mmr_store *st, int64_t run_id, uint64_t mask, const char *name)
{
	sqlite3_stmt *s;
	int err;

	err = store_prepare(st, "INSERT OR REPLACE INTO gfp_flags (run_id, name, mask, "
			    "is_composite) VALUES (?,?,?,?)", &s);
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, run_id);
	bind_text_or_null(s, 2, name);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)mask);
	sqlite3_bind_int(s, 4, __builtin_popcountll(mask) > 1);
	return step_once(st, s, "storing a gfp flag");
}

int mmr_store_cpu_stat(struct mmr_store *st, int64_t run_id, const struct mmr_cpu_stat *cs)
{
	sqlite3_stmt *s;
	int err;

	err = store_prepare(st, "INSERT OR REPLACE INTO run_cpu_stats (run_id, cpu, lost_events, "
			    "overrun, commit_overrun, dropped_events, read_events) "
			    "VALUES (?,?,?,?,?,?,?)", &s);
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int(s, 2, cs->cpu);
	sqlite3_bind_int64(s, 3, cs->lost_events);
	sqlite3_bind_int64(s, 4, cs->overrun);
	sqlite3_bind_int64(s, 5, cs->commit_overrun);
	sqlite3_bind_int64(s, 6, cs->dropped_events);
	sqlite3_bind_int64(s, 7, cs->read_events);
	return step_once(st, s, "storing CPU loss counters");
}

int mmr_store_snapshot(struct mmr_store *st, int64_t run_id, uint64_t ts, const char *phase,
		       const char *source, const char *text)
{
	sqlite3_stmt *s;
	int err;

	err = store_prepare(st, "INSERT OR REPLACE INTO snapshots (run_id, ts, phase, source, "
			    "content) VALUES (?,?,?,?,?)", &s);
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)ts);
	bind_text_or_null(s, 3, phase);
	bind_text_or_null(s, 4, source);
	bind_text_or_null(s, 5, text);
	return step_once(st, s, "storing a snapshot");
}

/* ------------------------------------------------------------------ writer */

struct mmr_writer {
	struct mmr_store	*st;
	int64_t			run_id;
	sqlite3_stmt		*ins[MMR_EV__COUNT];	/* prepared on first use */
	uint64_t		count[MMR_EV__COUNT];
};

int mmr_writer_new(struct mmr_store *st, int64_t run_id, struct mmr_writer **out)
{
	struct mmr_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->st = st;
	w->run_id = run_id;
	*out = w;
	return 0;
}

void mmr_writer_free(struct mmr_writer *w)
{
	if (!w)
		return;
	for (int i = 0; i < MMR_EV__COUNT; i++)
		sqlite3_finalize(w->ins[i]);
	free(w);
}

uint64_t mmr_writer_count(const struct mmr_writer *w, enum mmr_event_type type)
{
	return (unsigned int)type < MMR_EV__COUNT ? w->count[type] : 0;
}

static int writer_prepare(struct mmr_writer *w, enum mmr_event_type type)
{
	const struct mmr_event_desc *d = mmr_event_desc(type);
	struct strbuf sql;
	int err;

	sb_init(&sql);
	if (!d) {
		sb_adds(&sql, "INSERT INTO generic_events (run_id, ts, cpu, pid, system, name, "
			"fields) VALUES (?,?,?,?,?,?,?)");
	} else {
		sb_addf(&sql, "INSERT INTO %s (run_id, ts, cpu, pid", d->name);
		for (unsigned int i = 0; i < d->nr_fields; i++)
			sb_addf(&sql, ", \"%s\"", d->columns[i]);
		sb_adds(&sql, ", extra) VALUES (?,?,?,?");
		for (unsigned int i = 0; i <= d->nr_fields; i++)
			sb_adds(&sql, ",?");
		sb_adds(&sql, ")");
	}
	if (sb_failed(&sql)) {
		sb_release(&sql);
		return -ENOMEM;
	}
	err = store_prepare(w->st, sb_str(&sql), &w->ins[type]);
	sb_release(&sql);
	return err;
}

int mmr_writer_add(struct mmr_writer *w, const struct mmr_event *ev)
{
	enum mmr_event_type type = ev->type;
	sqlite3_stmt *s;
	int rc, err, col = 5;

	if ((unsigned int)type >= MMR_EV__COUNT)
		return -MMR_E_INVAL;
	if (!w->ins[type]) {
		err = writer_prepare(w, type);
		if (err)
			return err;
	}
	s = w->ins[type];
	sqlite3_bind_int64(s, 1, w->run_id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)ev->ts);
	sqlite3_bind_int(s, 3, ev->cpu);
	sqlite3_bind_int(s, 4, ev->pid);
	if (type == MMR_EV_GENERIC) {
		sqlite3_bind_text(s, col++, ev->system ? ev->system : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, col++, ev->name ? ev->name : "", -1, SQLITE_STATIC);
		bind_text_or_null(s, col, ev->json);
	} else {
		const struct mmr_event_desc *d = mmr_event_desc(type);

		for (unsigned int i = 0; i < d->nr_fields; i++, col++) {
			if (ev->missing & (1u << i))
				sqlite3_bind_null(s, col);
			else if ((int)i == d->str_field)
				bind_text_or_null(s, col, ev->str);
			else
				sqlite3_bind_int64(s, col, ev->val[i]);
		}
		if (ev->extra)
			sqlite3_bind_text(s, col, ev->extra, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(s, col);
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_error(w->st, rc, "inserting an event");
	w->count[type]++;
	return 0;
}

int mmr_store_build_indexes(struct mmr_store *st)
{
	struct strbuf sql;
	int err;

	sb_init(&sql);
	sb_adds(&sql, "CREATE INDEX IF NOT EXISTS generic_events_run_ts ON generic_events "
		"(run_id, ts);");
	for (int t = MMR_EV_GENERIC + 1; t < MMR_EV__COUNT; t++) {
		const struct mmr_event_desc *d = mmr_event_desc((enum mmr_event_type)t);

		sb_addf(&sql, "CREATE INDEX IF NOT EXISTS %s_run_ts ON %s (run_id, ts);",
			d->name, d->name);
	}
	sb_adds(&sql, "CREATE INDEX IF NOT EXISTS vmstat_samples_run_ts ON vmstat_samples "
		"(run_id, ts);");
	if (sb_failed(&sql)) {
		sb_release(&sql);
		return -ENOMEM;
	}
	err = mmr_store_exec(st, sb_str(&sql));
	sb_release(&sql);
	return err;
}
