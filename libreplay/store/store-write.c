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

int mmr_store_run_metric(struct mmr_store *st, int64_t run_id, const char *name, double value)
{
	sqlite3_stmt *s;
	int err;

	err = store_prepare(st, "INSERT OR REPLACE INTO run_metrics (run_id, name, value) "
			    "VALUES (?,?,?)", &s);
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, run_id);
	bind_text_or_null(s, 2, name);
	sqlite3_bind_double(s, 3, value);
	return step_once(st, s, "storing a run metric");
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

/*
 * Rows are buffered per table and inserted WRITER_BATCH at a time with one
 * multi-row INSERT: SQLite's per-statement cost then spreads over many rows.
 * Strings are copied into the table's arena, since events only lend them.
 *
 * Binding is most of what is left of our side of an insert (the replay's alloc
 * stream binds some 300M values), so the statements take the run id as a literal,
 * a row keeps only the values it binds, and a value is bound only where the
 * parameter does not hold it already: sqlite3_reset() keeps the bindings, and
 * neighbouring events often share their cpu, pid, order, flags, or a NULL.
 */
#define WRITER_BATCH 128
#define NO_STR ((size_t)-1)

enum { WSTR_STR, WSTR_EXTRA, WSTR_SYSTEM, WSTR_NAME, WSTR_JSON, WSTR__COUNT };

/* What a parameter of a prepared insert holds. */
enum { BOUND_OTHER, BOUND_INT, BOUND_NULL };

struct bound {
	int64_t		v;
	int		kind;
};

struct writer_stmt {
	sqlite3_stmt	*s;
	struct bound	*bound;		/* per parameter, from 1 */
};

struct writer_table {
	const struct mmr_event_desc	*d;	/* NULL for generic events */
	struct writer_stmt	one;		/* single-row insert, for partial flushes */
	struct writer_stmt	many;		/* WRITER_BATCH-row insert */
	int			n;		/* rows buffered */
	int64_t			val[WRITER_BATCH][4 + MMR_EVENT_MAX_FIELDS];
					/* ts, seq, cpu, pid, the fields */
	uint32_t		missing[WRITER_BATCH];
	size_t			str[WRITER_BATCH][WSTR__COUNT];	/* offsets into arena */
	struct strbuf		arena;
};

struct mmr_writer {
	struct mmr_store	*st;
	struct mmr_writer	*next;		/* the store's list of writers */
	int64_t			run_id;
	struct writer_table	*tab[MMR_EV__COUNT];	/* allocated on first use */
	uint64_t		count[MMR_EV__COUNT];
	int64_t			seq;		/* next position in the run's stream */
};

int mmr_writer_new(struct mmr_store *st, int64_t run_id, struct mmr_writer **out)
{
	struct mmr_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->st = st;
	w->run_id = run_id;
	w->next = st->writers;
	st->writers = w;
	*out = w;
	return 0;
}

static void writer_stmt_release(struct writer_stmt *ws)
{
	sqlite3_finalize(ws->s);
	free(ws->bound);
	ws->s = NULL;
	ws->bound = NULL;
}

static void writer_table_free(struct writer_table *t)
{
	if (!t)
		return;
	writer_stmt_release(&t->one);
	writer_stmt_release(&t->many);
	sb_release(&t->arena);
	free(t);
}

void mmr_writer_free(struct mmr_writer *w)
{
	if (!w)
		return;
	/* rows still buffered belong to the open transaction, if there is one */
	if (!sqlite3_get_autocommit(w->st->db) && mmr_writer_flush(w))
		mmr_warn("rows buffered for run %lld were not written", (long long)w->run_id);
	for (struct mmr_writer **p = &w->st->writers; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	for (int i = 0; i < MMR_EV__COUNT; i++)
		writer_table_free(w->tab[i]);
	free(w);
}

uint64_t mmr_writer_count(const struct mmr_writer *w, enum mmr_event_type type)
{
	return (unsigned int)type < MMR_EV__COUNT ? w->count[type] : 0;
}

/* Parameters of one row of @t's insert. */
static unsigned int writer_row_params(const struct writer_table *t)
{
	return t->d ? 4 + t->d->nr_fields + 1 : 7;
}

/* The INSERT of @rows rows into @t's table, the run id written out. */
static int writer_prepare(struct mmr_writer *w, struct writer_table *t, int rows,
			  struct writer_stmt *out)
{
	const struct mmr_event_desc *d = t->d;
	unsigned int nparams = writer_row_params(t);
	struct strbuf sql;
	int err;

	sb_init(&sql);
	if (!d) {
		sb_adds(&sql, "INSERT INTO generic_events (run_id, ts, seq, cpu, pid, system, "
			"name, fields) VALUES ");
	} else {
		sb_addf(&sql, "INSERT INTO %s (run_id, ts, seq, cpu, pid", d->name);
		for (unsigned int i = 0; i < d->nr_fields; i++)
			sb_addf(&sql, ", \"%s\"", d->columns[i]);
		sb_adds(&sql, ", extra) VALUES ");
	}
	for (int r = 0; r < rows; r++) {
		sb_addf(&sql, "%s(%lld", r ? "," : "", (long long)w->run_id);
		for (unsigned int c = 0; c < nparams; c++)
			sb_adds(&sql, ",?");
		sb_adds(&sql, ")");
	}
	if (sb_failed(&sql)) {
		sb_release(&sql);
		return -ENOMEM;
	}
	/* calloc: BOUND_OTHER everywhere, nothing is taken as bound yet */
	out->bound = calloc((size_t)rows * nparams + 1, sizeof(*out->bound));
	err = out->bound ? store_prepare(w->st, sb_str(&sql), &out->s) : -ENOMEM;
	sb_release(&sql);
	if (err)
		writer_stmt_release(out);
	return err;
}

static inline void bind_int(struct writer_stmt *ws, int idx, int64_t v)
{
	struct bound *b = &ws->bound[idx];

	if (b->kind == BOUND_INT && b->v == v)
		return;
	sqlite3_bind_int64(ws->s, idx, v);
	b->kind = BOUND_INT;
	b->v = v;
}

static inline void bind_null(struct writer_stmt *ws, int idx)
{
	struct bound *b = &ws->bound[idx];

	if (b->kind == BOUND_NULL)
		return;
	sqlite3_bind_null(ws->s, idx);
	b->kind = BOUND_NULL;
}

/* Text is bound every time: the arena it points into is reused. */
static inline void bind_str(struct writer_stmt *ws, int idx, const char *v)
{
	if (!v) {
		bind_null(ws, idx);
		return;
	}
	sqlite3_bind_text(ws->s, idx, v, -1, SQLITE_STATIC);
	ws->bound[idx].kind = BOUND_OTHER;
}

static const char *row_str(const struct writer_table *t, int r, int which)
{
	size_t off = t->str[r][which];

	return off == NO_STR ? NULL : t->arena.buf + off;
}

/* Binds buffered row @r at parameter @col onwards; returns the next parameter. */
static int bind_row(struct writer_table *t, int r, struct writer_stmt *ws, int col)
{
	const struct mmr_event_desc *d = t->d;
	const int64_t *v = t->val[r];

	for (int i = 0; i < 4; i++)
		bind_int(ws, col++, v[i]);
	if (!d) {
		const char *sys = row_str(t, r, WSTR_SYSTEM), *name = row_str(t, r, WSTR_NAME);

		bind_str(ws, col++, sys ? sys : "");
		bind_str(ws, col++, name ? name : "");
		bind_str(ws, col++, row_str(t, r, WSTR_JSON));
		return col;
	}
	for (unsigned int i = 0; i < d->nr_fields; i++, col++) {
		if (t->missing[r] & (1u << i))
			bind_null(ws, col);
		else if ((int)i == d->str_field)
			bind_str(ws, col, row_str(t, r, WSTR_STR));
		else
			bind_int(ws, col, v[4 + i]);
	}
	bind_str(ws, col++, row_str(t, r, WSTR_EXTRA));
	return col;
}

static int writer_step(struct mmr_writer *w, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_error(w->st, rc, "inserting events");
	return 0;
}

static int writer_flush_table(struct mmr_writer *w, enum mmr_event_type type)
{
	struct writer_table *t = w->tab[type];
	int err = 0;

	if (!t || !t->n)
		return 0;
	if (t->n == WRITER_BATCH) {
		int col = 1;

		if (!t->many.s)
			err = writer_prepare(w, t, WRITER_BATCH, &t->many);
		for (int r = 0; !err && r < t->n; r++)
			col = bind_row(t, r, &t->many, col);
		if (!err)
			err = writer_step(w, t->many.s);
	} else {
		if (!t->one.s)
			err = writer_prepare(w, t, 1, &t->one);
		for (int r = 0; !err && r < t->n; r++) {
			bind_row(t, r, &t->one, 1);
			err = writer_step(w, t->one.s);
		}
	}
	t->n = 0;
	sb_reset(&t->arena);
	return err;
}

int mmr_writer_flush(struct mmr_writer *w)
{
	for (int i = 0; i < MMR_EV__COUNT; i++) {
		int err = writer_flush_table(w, (enum mmr_event_type)i);
		if (err)
			return err;
	}
	return 0;
}

int store_flush_writers(struct mmr_store *st)
{
	for (struct mmr_writer *w = st->writers; w; w = w->next) {
		int err = mmr_writer_flush(w);
		if (err)
			return err;
	}
	return 0;
}

/* Copies @s into the arena; returns its offset or NO_STR. */
static size_t arena_add(struct writer_table *t, const char *s)
{
	size_t off = t->arena.len;

	if (!s)
		return NO_STR;
	sb_addn(&t->arena, s, strlen(s) + 1);
	return off;
}

int mmr_writer_add(struct mmr_writer *w, const struct mmr_event *ev)
{
	enum mmr_event_type type = ev->type;
	struct writer_table *t;
	int64_t *v;
	int r;

	if ((unsigned int)type >= MMR_EV__COUNT)
		return -MMR_E_INVAL;
	t = w->tab[type];
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		t->d = mmr_event_desc(type);
		sb_init(&t->arena);
		w->tab[type] = t;
	}
	r = t->n;
	v = t->val[r];
	v[0] = (int64_t)ev->ts;
	v[1] = w->seq;
	v[2] = ev->cpu;
	v[3] = ev->pid;
	if (t->d) {
		for (unsigned int i = 0; i < t->d->nr_fields; i++)
			v[4 + i] = ev->val[i];
	}
	t->missing[r] = ev->missing;
	t->str[r][WSTR_STR] = arena_add(t, ev->str);
	t->str[r][WSTR_EXTRA] = arena_add(t, ev->extra);
	if (type == MMR_EV_GENERIC) {
		t->str[r][WSTR_SYSTEM] = arena_add(t, ev->system);
		t->str[r][WSTR_NAME] = arena_add(t, ev->name);
		t->str[r][WSTR_JSON] = arena_add(t, ev->json);
	} else {
		t->str[r][WSTR_SYSTEM] = t->str[r][WSTR_NAME] = t->str[r][WSTR_JSON] = NO_STR;
	}
	if (sb_failed(&t->arena))
		return -ENOMEM;
	t->n++;
	w->count[type]++;
	w->seq++;
	if (t->n == WRITER_BATCH)
		return writer_flush_table(w, type);
	return 0;
}

int mmr_store_build_indexes(struct mmr_store *st)
{
	/*
	 * Event tables are clustered on (run_id, ts, seq) and need no index; the
	 * sample tables are plain rowid tables.
	 */
	return mmr_store_exec(st,
		"CREATE INDEX IF NOT EXISTS vmstat_samples_run_ts ON vmstat_samples (run_id, ts);"
		"CREATE INDEX IF NOT EXISTS psi_samples_run_ts ON psi_samples (run_id, ts);");
}
