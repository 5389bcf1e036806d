/*
 * cmd/storms.c - `mmreplay storms trace.db`: derive the storms tables of runs, detect
 * storms, print them and a summary per run. Also the threshold options `plot` shares.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd-local.h"

static const char usage[] =
	"usage: mmreplay storms [options] trace.db\n"
	"\n"
	"Find reclaim and compaction storms. Derives the run's tables (reclaim episodes,\n"
	"compaction runs and stalls, kswapd/kcompactd intervals, classified fallbacks, a\n"
	"timeline; schema/0002-storms.sql) when they are missing or stale (the run\n"
	"changed, or another --bucket/--pageblock-order), then detects storms with the\n"
	"thresholds below, stores them (tables storms, storm_tasks) and prints them.\n"
	"\n"
	"A bucket is hot when its stall load (direct reclaim + direct compaction time over\n"
	"the bucket's time, summed over tasks) reaches --stall-pct, or its stall entries\n"
	"(direct reclaim entries + compaction stalls) per second reach --entries-per-s.\n"
	"Runs of hot buckets no more than --merge-gap apart form one interval; it is a\n"
	"storm when it lasts --min-len and holds --min-entries stall entries.\n"
	"\n"
	"options:\n"
	"  -r, --run N              a run to analyse (repeatable; default: every run)\n"
	"  -f, --format FMT         table, csv or json (default: table on a terminal, csv\n"
	"                           otherwise)\n"
	"  -s, --summary            print one summary row per run instead of the storms\n"
	"  -t, --tasks              print the top tasks of each storm instead of the storms\n"
	"      --rederive           derive again even when the tables are current\n"
	"CMD_STORM_OPTS_HELP"
	"  -h, --help               show this help\n"
	"\n"
	"Durations take a unit: ns, us, ms (the default) or s. In table format a summary\n"
	"line per run follows the storms.\n";

const char cmd_storm_opts_help[] =
	"      --bucket DUR         timeline bucket (default 100ms)\n"
	"      --stall-pct P        hot at this stall load, % of the bucket (default 10)\n"
	"      --entries-per-s N    hot at this many stall entries per second (default 50;\n"
	"                           0: off)\n"
	"      --merge-gap DUR      merge bursts this close (default 1s)\n"
	"      --min-len DUR        shortest storm (default 500ms)\n"
	"      --min-entries N      fewest stall entries in a storm (default 20)\n"
	"      --top N              top tasks kept per storm (default 5)\n"
	"      --pageblock-order N  fallbacks below it fragment (default: the run's host\n"
	"                           fact pageblock_order, else 9)\n";

static void print_usage(FILE *out, const char *text)
{
	const char *mark = strstr(text, "CMD_STORM_OPTS_HELP");

	fwrite(text, 1, (size_t)(mark - text), out);
	fputs(cmd_storm_opts_help, out);
	fputs(mark + strlen("CMD_STORM_OPTS_HELP"), out);
}

void cmd_print_storm_usage(const char *text)
{
	print_usage(stdout, text);
}

/* "100ms", "1.5s", "200us", "5000ns" or a plain number of ms. Return: 0 or -1. */
static int parse_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; double mul; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1e6 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !(v >= 0) || !isfinite(v))
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			if (v * units[i].mul > 1e18)
				return -1;
			*ns = (uint64_t)llround(v * units[i].mul);
			return 0;
		}
	}
	return -1;
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

static const struct option storm_options[] = {
	{ "bucket", required_argument, NULL, CMD_OPT_BUCKET },
	{ "stall-pct", required_argument, NULL, CMD_OPT_STALL_PCT },
	{ "entries-per-s", required_argument, NULL, CMD_OPT_ENTRIES },
	{ "merge-gap", required_argument, NULL, CMD_OPT_MERGE_GAP },
	{ "min-len", required_argument, NULL, CMD_OPT_MIN_LEN },
	{ "min-entries", required_argument, NULL, CMD_OPT_MIN_ENTRIES },
	{ "top", required_argument, NULL, CMD_OPT_TOP },
	{ "pageblock-order", required_argument, NULL, CMD_OPT_PB_ORDER },
};
_Static_assert(sizeof(storm_options) / sizeof(storm_options[0]) == CMD_NR_STORM_OPTS,
	       "one CMD_OPT_* per threshold option");

void cmd_storm_getopt(struct option *opts, const struct option *own, size_t nr_own)
{
	size_t no = 0;

	for (size_t i = 0; i < nr_own; i++)
		opts[no++] = own[i];
	for (size_t i = 0; i < sizeof(storm_options) / sizeof(storm_options[0]); i++)
		opts[no++] = storm_options[i];
	memset(&opts[no], 0, sizeof(opts[no]));
}

int cmd_storm_option(int c, const char *arg, struct mmr_storm_opts *o)
{
	const char *name = NULL;
	double v;
	int bad = 0;

	switch (c) {
	case CMD_OPT_BUCKET:
		name = "--bucket";
		bad = parse_duration(arg, &o->bucket_ns) || o->bucket_ns < 1000;
		break;
	case CMD_OPT_STALL_PCT:
		name = "--stall-pct";
		bad = parse_num(arg, 1e-9, 1e9, &o->stall_pct);
		break;
	case CMD_OPT_ENTRIES:
		name = "--entries-per-s";
		bad = parse_num(arg, 0, 1e12, &o->entries_per_s);
		break;
	case CMD_OPT_MERGE_GAP:
		name = "--merge-gap";
		bad = parse_duration(arg, &o->merge_gap_ns);
		break;
	case CMD_OPT_MIN_LEN:
		name = "--min-len";
		bad = parse_duration(arg, &o->min_len_ns);
		break;
	case CMD_OPT_MIN_ENTRIES:
		name = "--min-entries";
		bad = parse_num(arg, 0, 1e15, &v) || v != floor(v);
		if (!bad)
			o->min_entries = (uint64_t)v;
		break;
	case CMD_OPT_TOP:
		name = "--top";
		bad = parse_num(arg, 0, 1000, &v) || v != floor(v);
		if (!bad)
			o->top_tasks = (unsigned int)v;
		break;
	case CMD_OPT_PB_ORDER:
		name = "--pageblock-order";
		bad = parse_num(arg, 0, 20, &v) || v != floor(v);
		if (!bad)
			o->pageblock_order = (int)v;
		break;
	default:
		return 1;	/* not ours */
	}
	if (bad) {
		cmd_usage_error("bad value '%s' for %s", arg, name);
		return -1;
	}
	return 0;
}

int cmd_add_run(const char *arg, int64_t **runs, size_t *nr)
{
	char *end;
	long long v;
	int64_t *n;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (end == arg || *end || errno || v <= 0) {
		cmd_usage_error("bad run number '%s'", arg);
		return -1;
	}
	n = realloc(*runs, (*nr + 1) * sizeof(*n));
	if (!n) {
		cmd_fail(-ENOMEM, "out of memory");
		return -1;
	}
	n[(*nr)++] = v;
	*runs = n;
	return 0;
}

int cmd_resolve_runs(struct mmr_store *st, int64_t **runs, size_t *nr)
{
	struct mmr_stmt *q;
	int err, rc;

	for (size_t i = 0; i < *nr; i++) {
		int64_t r = (*runs)[i];

		err = cmd_pick_run(st, &r);
		if (err)
			return cmd_fail(err, "run %lld", (long long)(*runs)[i]);
	}
	if (*nr)
		return 0;
	err = mmr_stmt_prepare(st, "SELECT run_id FROM runs ORDER BY run_id", &q);
	if (err)
		return cmd_fail(err, "listing runs");
	while ((rc = mmr_stmt_step(q)) == 1) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld", (long long)mmr_stmt_int(q, 0));
		if (cmd_add_run(buf, runs, nr)) {
			mmr_stmt_free(q);
			return EXIT_FAIL;
		}
	}
	mmr_stmt_free(q);
	if (rc < 0)
		return cmd_fail(rc, "listing runs");
	if (!*nr)
		return cmd_fail(-MMR_E_NO_RUN, "the store holds no runs");
	return 0;
}

int cmd_derive_detect_in_txn(struct mmr_store *st, const int64_t *runs, size_t nr,
			     const struct mmr_storm_opts *o, int force)
{
	for (size_t i = 0; i < nr; i++) {
		int err = force ? 0 : mmr_storms_derived(st, runs[i], o);

		if (err < 0)
			return cmd_fail(err, "run %lld", (long long)runs[i]);
		if (!err) {
			err = mmr_storms_derive(st, runs[i], o);
			if (err)
				return cmd_fail(err, "deriving run %lld", (long long)runs[i]);
		}
		err = mmr_storms_detect(st, runs[i], o);
		if (err)
			return cmd_fail(err, "detecting storms in run %lld", (long long)runs[i]);
	}
	return 0;
}

/* Derives (if needed or @force) and detects every run of @runs, all or nothing. */
int cmd_derive_detect(struct mmr_store *st, const int64_t *runs, size_t nr,
		      const struct mmr_storm_opts *o, int force)
{
	int err = mmr_store_begin(st);

	if (err)
		return cmd_fail(err, "starting a transaction");
	if (cmd_derive_detect_in_txn(st, runs, nr, o, force))
		goto fail;
	err = mmr_store_commit(st);
	if (err) {
		cmd_fail(err, "committing");
		goto fail;
	}
	return 0;
fail:
	mmr_store_rollback(st);
	return EXIT_FAIL;
}

static const char STORMS_SQL[] =
	"SELECT s.run_id AS run, s.storm, "
	"round((s.start_ts - r.start_ts) / 1e9, 3) AS start_s, "
	"round(s.duration_ns / 1e9, 3) AS dur_s, "
	"s.dr_entries AS dr, round(s.stall_ns / 1e6, 1) AS stall_ms, "
	"round(s.stall_p50_ns / 1e6, 2) AS p50_ms, round(s.stall_p99_ns / 1e6, 2) AS p99_ms, "
	"s.pages_reclaimed AS pages, round(s.efficiency, 1) AS pages_per_dr, "
	"s.compact_stalls AS cstall, s.compact_success AS c_ok, s.compact_fail AS c_fail, "
	"s.fragmenting AS frag, s.oom, "
	"printf('U%%d M%%d R%%d', s.mt_unmovable, s.mt_movable, s.mt_reclaimable + s.mt_other) AS mix, "
	"round(s.nonmovable_pct, 1) AS nonmov_pct, round(s.peak_load * 100, 1) AS peak_load_pct, "
	"s.psi_some_max AS psi_some, "
	"(SELECT group_concat(coalesce(t.comm, '?') || ':' || t.pid || '/' || "
	"round(t.stall_ns / 1e6, 1) || 'ms', ' ') FROM "
	"(SELECT * FROM storm_tasks t WHERE t.run_id = s.run_id AND t.storm = s.storm "
	"ORDER BY rank) AS t) AS top_tasks "
	"FROM storms s JOIN storm_runs r USING (run_id) WHERE s.run_id IN (%s) "
	"ORDER BY s.run_id, s.storm";

static const char TASKS_SQL[] =
	"SELECT run_id AS run, storm, rank, pid, comm, dr_entries AS dr, "
	"compact_stalls AS cstall, round(stall_ns / 1e6, 2) AS stall_ms, "
	"pages_reclaimed AS pages FROM storm_tasks WHERE run_id IN (%s) "
	"ORDER BY run_id, storm, rank";

static const char SUMMARY_SQL[] =
	"SELECT r.run_id AS run, r.kind, r.policy, round((sr.end_ts - sr.start_ts) / 1e9, 3) AS span_s, "
	"(SELECT count(*) FROM storms s WHERE s.run_id = r.run_id) AS storms, "
	"(SELECT round(coalesce(sum(duration_ns), 0) / 1e9, 3) FROM storms s "
	"WHERE s.run_id = r.run_id) AS storm_s, "
	"(SELECT count(*) FROM reclaim_episodes e WHERE e.run_id = r.run_id AND kind = 'direct' "
	"AND open != 2) AS dr, "
	"(SELECT round(coalesce(sum(duration_ns), 0) / 1e6, 1) FROM reclaim_episodes e "
	"WHERE e.run_id = r.run_id AND kind = 'direct') AS stall_ms, "
	"(SELECT coalesce(sum(nr_reclaimed), 0) FROM reclaim_episodes e WHERE e.run_id = r.run_id "
	"AND kind = 'direct') AS pages, "
	"(SELECT count(*) FROM compaction_stalls c WHERE c.run_id = r.run_id) AS cstall, "
	"(SELECT count(*) FROM compaction_stalls c WHERE c.run_id = r.run_id "
	"AND outcome = 'success') AS c_ok, "
	"(SELECT count(*) FROM compaction_stalls c WHERE c.run_id = r.run_id "
	"AND outcome = 'fail') AS c_fail, "
	"(SELECT count(*) FROM extfrag_events x WHERE x.run_id = r.run_id AND fragmenting) AS frag, "
	"(SELECT count(*) FROM mark_victim v WHERE v.run_id = r.run_id) AS oom "
	"FROM runs r JOIN storm_runs sr USING (run_id) WHERE r.run_id IN (%s) ORDER BY r.run_id";

static int print_query(struct mmr_store *st, const char *fmt_sql, const int64_t *runs, size_t nr,
		       enum mmr_format fmt)
{
	char *list = NULL, *sql = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&list, &len);
	struct mmr_table *t;
	int err;

	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < nr; i++)
		fprintf(m, "%s%lld", i ? "," : "", (long long)runs[i]);
	if (fclose(m))
		return -ENOMEM;
	if (asprintf(&sql, fmt_sql, list) < 0) {
		free(list);
		return -ENOMEM;
	}
	free(list);
	err = mmr_table_new(stdout, fmt, &t);
	if (!err) {
		err = mmr_store_query(st, sql, mmr_table_row_fn, t);
		int ferr = mmr_table_finish(t);

		if (!err)
			err = ferr;
		mmr_table_free(t);
	}
	free(sql);
	return err;
}

static void print_summary_line(int64_t run, const struct mmr_storm_summary *s)
{
	printf("run %lld: %llu storm%s, %.3f s of %.3f s; direct reclaim %llu entries, %.1f ms "
	       "stall, %llu pages (%.1f per entry), %.0f%% non-movable; compaction %llu stalls "
	       "(%llu ok, %llu failed), %.1f ms; %llu of %llu fallbacks fragmenting; %llu OOM\n",
	       (long long)run, (unsigned long long)s->storms, s->storms == 1 ? "" : "s",
	       (double)s->storm_ns / 1e9, (double)s->span_ns / 1e9,
	       (unsigned long long)s->dr_entries, (double)s->dr_stall_ns / 1e6,
	       (unsigned long long)s->dr_pages,
	       s->dr_entries ? (double)s->dr_pages / (double)s->dr_entries : 0.0,
	       s->dr_entries ? 100.0 * (double)s->dr_nonmovable / (double)s->dr_entries : 0.0,
	       (unsigned long long)s->compact_stalls, (unsigned long long)s->compact_success,
	       (unsigned long long)s->compact_fail, (double)s->compact_stall_ns / 1e6,
	       (unsigned long long)s->fragmenting, (unsigned long long)s->extfrag,
	       (unsigned long long)s->oom);
}

int cmd_storms(int argc, char **argv)
{
	enum { OPT_REDERIVE = CMD_OPT__LAST };
	static const struct option own[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "summary", no_argument, NULL, 's' },
		{ "tasks", no_argument, NULL, 't' },
		{ "rederive", no_argument, NULL, OPT_REDERIVE },
		{ "help", no_argument, NULL, 'h' },
	};
	struct option opts[sizeof(own) / sizeof(own[0]) + CMD_NR_STORM_OPTS + 1];
	enum mmr_format fmt = cmd_default_format();
	struct mmr_storm_opts so;
	struct mmr_store *st = NULL;
	int64_t *runs = NULL;
	size_t nr = 0;
	int c, err, rederive = 0, summary = 0, tasks = 0, ret = EXIT_FAIL;

	cmd_storm_getopt(opts, own, sizeof(own) / sizeof(own[0]));
	mmr_storm_opts_init(&so);
	while ((c = getopt_long(argc, argv, "r:f:sth", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (cmd_add_run(optarg, &runs, &nr))
				goto usage;
			break;
		case 'f':
			if (cmd_parse_format(optarg, &fmt))
				goto usage;
			break;
		case 's': summary = 1; break;
		case 't': tasks = 1; break;
		case OPT_REDERIVE: rederive = 1; break;
		case 'h': print_usage(stdout, usage); free(runs); return EXIT_OK;
		default:
			err = cmd_storm_option(c, optarg, &so);
			if (err > 0)
				cmd_usage_error("bad option");
			if (err)
				goto usage;
		}
	}
	if (summary && tasks) {
		cmd_usage_error("--summary and --tasks exclude each other");
		goto usage;
	}
	if (optind != argc - 1) {
		cmd_usage_error("give exactly one store");
		goto usage;
	}
	if (cmd_open_store(argv[optind], 0, &st))
		goto out;
	if (cmd_resolve_runs(st, &runs, &nr))
		goto out;
	if (cmd_derive_detect(st, runs, nr, &so, rederive))
		goto out;
	err = print_query(st, summary ? SUMMARY_SQL : tasks ? TASKS_SQL : STORMS_SQL, runs, nr, fmt);
	if (err) {
		cmd_fail(err, "printing");
		goto out;
	}
	if (fmt == MMR_FMT_TABLE && !summary && !tasks) {
		printf("\n");
		for (size_t i = 0; i < nr; i++) {
			struct mmr_storm_summary s;

			err = mmr_storms_summary(st, runs[i], &s);
			if (err) {
				cmd_fail(err, "summarising run %lld", (long long)runs[i]);
				goto out;
			}
			print_summary_line(runs[i], &s);
		}
	}
	if (fflush(stdout)) {
		cmd_fail(-EIO, "writing the output");
		goto out;
	}
	ret = EXIT_OK;
out:
	mmr_store_close(st);
	free(runs);
	return ret;
usage:
	free(runs);
	return EXIT_USAGE;
}
