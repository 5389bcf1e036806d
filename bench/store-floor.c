/*
 * bench/store-floor.c - what storing a recording's event rows costs on their own: the
 * floor under any collector that stores the same rows through the same writer.
 *
 *   store-floor [-r RUN] [-c COMMIT_MS] [-n PASSES] [-p PRAGMAS] SOURCE.db NEW.db
 *
 * Phase 1 (not timed) reads every event row of run RUN of SOURCE.db (default: its
 * newest run), from every typed event table and generic_events, into memory as
 * struct mmr_event, in (ts, seq) order. Phase 2 (timed with CLOCK_PROCESS_CPUTIME_ID,
 * system time from getrusage) writes them through mmr_writer_add() into NEW.db,
 * created as `mmreplay record --bpf` creates its store: MMR_STORE_CREATE, then
 * MMR_RECORD_STORE_PRAGMAS, one transaction committed every COMMIT_MS (default
 * MMR_RECORD_COMMIT_MS, the collector's) of event time with the run's counters
 * updated before each commit, the writer flushed and the run finished at the end, the
 * store closed.
 * Only event rows are written: no host samples, snapshots, facts or cgroup rows, so
 * the figure is a lower bound of what a collector storing these rows pays. -p replaces
 * the collector's pragmas (e.g. "PRAGMA synchronous = OFF"), to see what they weigh.
 *
 * Phase 2 runs PASSES times (default 1), NEW.db made anew each time; the figures are
 * those of the median pass. Prints one line of key=value: events, cpu_s, user_s,
 * sys_s, us_per_event, commits, passes, min_cpu_s, max_cpu_s. Uses only mmr.h.
 *
 * The rows are written in (ts, seq) order, as the tracefs recorder writes them, so
 * the seq column of the new run can differ from a BPF source's (whose ring buffer
 * delivers CPUs' records slightly out of time order); every other column is equal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "mmr.h"

struct floor_rows {
	struct mmr_event	*ev;
	int64_t			*seq;
	size_t			n, cap;
};

struct floor_key {
	uint64_t	ts;
	int64_t		seq;
	size_t		i;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "store-floor: %s: %s\n", what, mmr_strerror(err));
	exit(1);
}

static struct mmr_event *rows_next(struct floor_rows *r, int64_t seq)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1 << 16;
		struct mmr_event *ev = realloc(r->ev, cap * sizeof(*ev));
		int64_t *sq;

		if (!ev)
			die("reading events", -ENOMEM);
		r->ev = ev;
		sq = realloc(r->seq, cap * sizeof(*sq));
		if (!sq)
			die("reading events", -ENOMEM);
		r->seq = sq;
		r->cap = cap;
	}
	r->seq[r->n] = seq;
	memset(&r->ev[r->n], 0, sizeof(r->ev[0]));
	return &r->ev[r->n++];
}

static char *dup_or_null(struct mmr_stmt *s, int col)
{
	const char *v = mmr_stmt_text(s, col);
	char *d;

	if (!v)
		return NULL;
	d = strdup(v);
	if (!d)
		die("reading events", -ENOMEM);
	return d;
}

/* Appends the rows of @type's table of run @run to @r. */
static void read_table(struct mmr_store *st, int64_t run, enum mmr_event_type type,
		       struct floor_rows *r)
{
	const struct mmr_event_desc *d = mmr_event_desc(type);
	char sql[1024];
	size_t len;
	struct mmr_stmt *s;
	int err, ncols;

	if (!d) {
		snprintf(sql, sizeof(sql), "SELECT ts, seq, cpu, pid, system, name, fields "
			 "FROM generic_events WHERE run_id = ?1");
		ncols = 7;
	} else {
		len = (size_t)snprintf(sql, sizeof(sql), "SELECT ts, seq, cpu, pid");
		for (unsigned int i = 0; i < d->nr_fields && len < sizeof(sql); i++)
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", \"%s\"",
						d->columns[i]);
		if (len < sizeof(sql))
			snprintf(sql + len, sizeof(sql) - len, ", extra FROM %s WHERE run_id = ?1",
				 d->name);
		ncols = 5 + (int)d->nr_fields;
	}
	err = mmr_stmt_prepare(st, sql, &s);
	if (err)
		die(mmr_store_errmsg(st), err);
	mmr_stmt_bind_int(s, 1, run);
	while ((err = mmr_stmt_step(s)) == 1) {
		struct mmr_event *ev = rows_next(r, mmr_stmt_int(s, 1));

		ev->type = type;
		ev->ts = (uint64_t)mmr_stmt_int(s, 0);
		ev->cpu = (int32_t)mmr_stmt_int(s, 2);
		ev->pid = (int32_t)mmr_stmt_int(s, 3);
		if (!d) {
			ev->system = dup_or_null(s, 4);
			ev->name = dup_or_null(s, 5);
			ev->json = dup_or_null(s, 6);
			continue;
		}
		for (unsigned int i = 0; i < d->nr_fields; i++) {
			int col = 4 + (int)i;

			if (mmr_stmt_is_null(s, col))
				ev->missing |= 1u << i;
			else if ((int)i == d->str_field)
				ev->str = dup_or_null(s, col);
			else
				ev->val[i] = mmr_stmt_int(s, col);
		}
		ev->extra = dup_or_null(s, ncols);
	}
	mmr_stmt_free(s);
	if (err < 0)
		die(mmr_store_errmsg(st), err);
}

static int key_cmp(const void *a, const void *b)
{
	const struct floor_key *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * Puts the rows in (ts, seq) order, laid out in that order, so that the timed phase
 * reads them as a collector reads its records, one after the other, not scattered
 * over a large array. The seqs are not needed after.
 */
static void sort_rows(struct floor_rows *r)
{
	struct floor_key *keys = malloc(r->n * sizeof(*keys));
	struct mmr_event *ev = malloc(r->n * sizeof(*ev));

	if (!keys || !ev)
		die("sorting events", -ENOMEM);
	for (size_t i = 0; i < r->n; i++)
		keys[i] = (struct floor_key){ r->ev[i].ts, r->seq[i], i };
	qsort(keys, r->n, sizeof(*keys), key_cmp);
	for (size_t k = 0; k < r->n; k++)
		ev[k] = r->ev[keys[k].i];
	free(keys);
	free(r->ev);
	free(r->seq);
	r->seq = NULL;
	r->ev = ev;
	r->cap = r->n;
}

static double ts_s(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

static double tv_s(const struct timeval *t)
{
	return (double)t->tv_sec + (double)t->tv_usec / 1e6;
}

/* As the collector's checkpoint: the run's counters, then commit and a new transaction. */
static int checkpoint(struct mmr_store *st, int64_t run, uint64_t first, uint64_t last,
		      uint64_t n)
{
	int err = mmr_store_run_finish(st, run, first, last, n, false);

	if (!err)
		err = mmr_store_commit(st);
	if (!err)
		err = mmr_store_begin(st);
	return err;
}

struct floor_time {
	double	cpu;	/* user + system, s */
	double	sys;
};

static int time_cmp(const void *a, const void *b)
{
	const struct floor_time *x = a, *y = b;

	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

/* Removes @path and its WAL and shared-memory files, if any. */
static void remove_store(const char *path)
{
	char aux[4096];

	unlink(path);
	snprintf(aux, sizeof(aux), "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s-shm", path);
	unlink(aux);
}

/*
 * Phase 2, timed: the collector's store, created anew at @path, and the rows through
 * the writer in their order. Return: the CPU it took.
 */
static struct floor_time write_rows(const char *path, const char *pragmas,
				    const struct floor_rows *rows, uint64_t commit_ns,
				    unsigned int *commits)
{
	struct mmr_run_info info = { .kind = "record", .source = "bpf", .clock = "mono" };
	uint64_t last_commit, first = 0, last = 0;
	struct timespec c0, c1;
	struct rusage r0, r1;
	struct mmr_store *st;
	struct mmr_writer *w;
	int64_t run;
	int err;

	remove_store(path);
	*commits = 0;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	getrusage(RUSAGE_SELF, &r0);
	err = mmr_store_open(path, MMR_STORE_CREATE, &st);
	if (err)
		die(path, err);
	err = mmr_store_exec(st, pragmas);
	if (!err)
		err = mmr_store_begin(st);
	if (!err)
		err = mmr_store_run_add(st, &info, &run);
	if (!err)
		err = mmr_writer_new(st, run, &w);
	if (!err)
		err = checkpoint(st, run, 0, 0, 0);
	if (err)
		die(mmr_store_errmsg(st), err);
	last_commit = rows->ev[0].ts;
	for (size_t k = 0; k < rows->n; k++) {
		const struct mmr_event *ev = &rows->ev[k];

		if (ev->ts - last_commit >= commit_ns) {
			err = checkpoint(st, run, first, last, k);
			if (err)
				die(mmr_store_errmsg(st), err);
			(*commits)++;
			last_commit = ev->ts;
		}
		err = mmr_writer_add(w, ev);
		if (err)
			die(mmr_store_errmsg(st), err);
		if (!first)
			first = ev->ts;
		last = ev->ts;
	}
	err = mmr_writer_flush(w);
	if (!err)
		err = mmr_store_run_finish(st, run, first, last, rows->n, true);
	if (!err)
		err = mmr_store_commit(st);
	if (err)
		die(mmr_store_errmsg(st), err);
	(*commits)++;
	mmr_writer_free(w);
	mmr_store_close(st);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	getrusage(RUSAGE_SELF, &r1);
	return (struct floor_time){
		.cpu = ts_s(&c1) - ts_s(&c0),
		.sys = tv_s(&r1.ru_stime) - tv_s(&r0.ru_stime),
	};
}

int main(int argc, char **argv)
{
	struct mmr_store *src;
	struct floor_rows rows = { 0 };
	struct floor_time *times;
	int64_t run = 0;
	uint64_t commit_ns = MMR_RECORD_COMMIT_MS * 1000000ull;
	const char *pragmas = MMR_RECORD_STORE_PRAGMAS;
	unsigned int commits = 0;
	int opt, err, reps = 1;

	while ((opt = getopt(argc, argv, "r:c:n:p:")) != -1) {
		switch (opt) {
		case 'r':
			run = strtoll(optarg, NULL, 10);
			break;
		case 'c':
			commit_ns = strtoull(optarg, NULL, 10) * 1000000ull;
			break;
		case 'n':
			reps = atoi(optarg);
			break;
		case 'p':
			pragmas = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2 || !commit_ns || reps < 1 || reps > 100)
		goto usage;
	if (!access(argv[optind + 1], F_OK)) {
		fprintf(stderr, "store-floor: '%s' exists; give a new file\n", argv[optind + 1]);
		return 1;
	}

	/* phase 1: the rows, in memory */
	err = mmr_store_open(argv[optind], MMR_STORE_READONLY, &src);
	if (err)
		die(argv[optind], err);
	if (!run) {
		err = mmr_store_query_int(src, "SELECT max(run_id) FROM runs", &run);
		if (err)
			die(mmr_store_errmsg(src), err);
	}
	if (run <= 0)
		die(argv[optind], -MMR_E_NO_RUN);
	for (int t = 0; t < MMR_EV__COUNT; t++)
		read_table(src, run, (enum mmr_event_type)t, &rows);
	mmr_store_close(src);
	if (!rows.n)
		die(argv[optind], -MMR_E_NO_DATA);
	sort_rows(&rows);
	times = calloc((size_t)reps, sizeof(*times));
	if (!times)
		die("timing", -ENOMEM);

	for (int i = 0; i < reps; i++)
		times[i] = write_rows(argv[optind + 1], pragmas, &rows, commit_ns, &commits);
	qsort(times, (size_t)reps, sizeof(*times), time_cmp);
	/* the median pass (the lower one of the middle two for an even count) */
	printf("events=%zu cpu_s=%.3f user_s=%.3f sys_s=%.3f us_per_event=%.3f commits=%u "
	       "passes=%d min_cpu_s=%.3f max_cpu_s=%.3f\n", rows.n, times[(reps - 1) / 2].cpu,
	       times[(reps - 1) / 2].cpu - times[(reps - 1) / 2].sys, times[(reps - 1) / 2].sys,
	       times[(reps - 1) / 2].cpu * 1e6 / (double)rows.n, commits, reps, times[0].cpu,
	       times[reps - 1].cpu);

	for (size_t i = 0; i < rows.n; i++) {
		free((char *)rows.ev[i].str);
		free((char *)rows.ev[i].extra);
		free((char *)rows.ev[i].system);
		free((char *)rows.ev[i].name);
		free((char *)rows.ev[i].json);
	}
	free(rows.ev);
	free(times);
	return 0;
usage:
	fprintf(stderr, "usage: store-floor [-r RUN] [-c COMMIT_MS] [-n PASSES] [-p PRAGMAS] "
		"SOURCE.db NEW.db\n");
	return 2;
}
