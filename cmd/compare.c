/*
 * cmd/compare.c - `mmreplay compare trace.db --policies a,b,c`: one replay of a run
 * per policy, then the numbers that decide whether a policy is safe side by side,
 * optionally next to what the recording itself shows (the model's fidelity).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd-local.h"

#define NR_METRICS (sizeof(metrics) / sizeof(metrics[0]))

static const char usage[] =
	"usage: mmreplay compare [options] trace.db\n"
	"\n"
	"Replay one run under each policy (each replay is stored as a new run, as\n"
	"`mmreplay replay` does) and print, per policy: direct reclaim entries, modelled\n"
	"stall time, pages reclaimed, over-reclaim (pages reclaimed beyond the 2^order\n"
	"of the requests that stalled), retries without progress, compaction stalls,\n"
	"successes and failures (a stall is a direct compaction call that was not\n"
	"skipped), fallbacks and fragmenting fallbacks, mixed pageblocks at\n"
	"the end, order-9 success rate, OOM events, storms and storm time, and the\n"
	"policy's own metrics (superpageblock counts).\n"
	"\n"
	"options:\n"
	"  -P, --policies LIST   comma-separated model presets\n"
	"                        (default vanilla,defrag_mode,defrag_mode_fix)\n"
	"  -r, --run N           the run to replay (default: the first recorded,\n"
	"                        imported or synthetic run)\n"
	"  -s, --set KEY=VALUE   a model parameter for every policy (repeatable)\n"
	"  -o, --output FILE     store the replays in another store (default: trace.db)\n"
	"      --with-recorded   add the recording's own numbers and the ratio of the\n"
	"                        first policy's replay to them (the model's fidelity);\n"
	"                        the recording's storms are detected again with the\n"
	"                        default thresholds, as the replays' are\n"
	"      --plot FILE.svg   draw the replays' timelines, one lane per policy\n"
	"      --alloc-stream    also store the model's per-page alloc/free events\n"
	"                        (left out by default: compare needs only the counts)\n"
	"  -f, --format FMT      table, csv or json (default: table on a terminal,\n"
	"                        csv otherwise)\n"
	"  -q, --quiet           print only the comparison\n"
	"  -v, --verbose         more detail on stderr\n"
	"  -h, --help            show this help\n"
	"\n"
	"Metrics read from events (entries, pages, stalls, fallbacks, OOM) use the same\n"
	"SQL for the recording and the replays; the rest are the model's counters\n"
	"(table run_metrics) and are empty for a recording.\n";

/*
 * One line of the comparison. @sql (run id as ?1) is evaluated on every run, replays
 * and recording alike; otherwise a replay reads run_metrics @metric and the recording
 * evaluates @recorded_sql, when there is one.
 */
struct metric {
	const char	*label;
	const char	*sql;
	const char	*metric;
	const char	*recorded_sql;
	bool		fraction;	/* printed with decimals */
	int		summary;	/* a field of the storms summary, for every run */
};

/* Fields of struct mmr_storm_summary that compare prints. */
enum { SUM_NONE, SUM_STORMS, SUM_STORM_S, SUM_DR_STALL_S, SUM_COMPACT_STALL_S };

#define FRAGMENTING_SQL								\
	"SELECT count(*) FROM mm_page_alloc_extfrag WHERE run_id = ?1 AND "	\
	"fallback_order < coalesce((SELECT CAST(value AS INTEGER) FROM host_facts " \
	"WHERE run_id = ?1 AND key = 'pageblock_order'), 9)"
#define VMSTAT_DELTA_SQL(name)							\
	"SELECT max(value) - min(value) FROM vmstat_samples WHERE run_id = ?1 "	\
	"AND name = '" name "'"

static const struct metric metrics[] = {
	{ "allocation requests", NULL, "alloc.requests",
	  "SELECT count(*) FROM mm_page_alloc WHERE run_id = ?1", false, SUM_NONE },
	{ "direct reclaim entries",
	  "SELECT count(*) FROM mm_vmscan_direct_reclaim_begin WHERE run_id = ?1", NULL, NULL,
	  false, SUM_NONE },
	{ "direct reclaim pages",
	  "SELECT coalesce(sum(nr_reclaimed), 0) FROM mm_vmscan_direct_reclaim_end "
	  "WHERE run_id = ?1", NULL, NULL, false, SUM_NONE },
	{ "  of unmovable requests", NULL, "reclaim.direct_pages.unmovable", NULL, false, SUM_NONE },
	{ "  of reclaimable requests", NULL, "reclaim.direct_pages.reclaimable", NULL, false, SUM_NONE },
	{ "over-reclaim pages", NULL, "reclaim.over_reclaim_pages", NULL, false, SUM_NONE },
	{ "direct reclaim stall s", NULL, NULL, NULL, true, SUM_DR_STALL_S },
	{ "retries without progress", NULL, "reclaim.no_progress_retries",
	  "SELECT count(*) FROM reclaim_retry_zone WHERE run_id = ?1 AND no_progress_loops > 0",
	  false, SUM_NONE },
	{ "kswapd pages", NULL, "reclaim.kswapd_pages", VMSTAT_DELTA_SQL("pgsteal_kswapd"),
	  false, SUM_NONE },
	{ "direct compaction calls",
	  "SELECT count(*) FROM mm_compaction_try_to_compact_pages WHERE run_id = ?1", NULL,
	  NULL, false, SUM_NONE },
	{ "compaction stalls", NULL, "compact.stalls", VMSTAT_DELTA_SQL("compact_stall"),
	  false, SUM_NONE },
	{ "compaction successes", NULL, "compact.success", VMSTAT_DELTA_SQL("compact_success"),
	  false, SUM_NONE },
	{ "compaction failures", NULL, "compact.fail", VMSTAT_DELTA_SQL("compact_fail"), false, SUM_NONE },
	{ "fallbacks", "SELECT count(*) FROM mm_page_alloc_extfrag WHERE run_id = ?1", NULL,
	  NULL, false, SUM_NONE },
	{ "fragmenting fallbacks", FRAGMENTING_SQL, NULL, NULL, false, SUM_NONE },
	{ "mixed pageblocks at end", NULL, "blocks.mixed_end", NULL, false, SUM_NONE },
	{ "order-9 success rate", NULL, "alloc.order9_success_ratio", NULL, true, SUM_NONE },
	{ "compaction stall s", NULL, NULL, NULL, true, SUM_COMPACT_STALL_S },
	{ "OOM events", "SELECT count(*) FROM mark_victim WHERE run_id = ?1", NULL, NULL, false, SUM_NONE },
	{ "storms", NULL, NULL, NULL, false, SUM_STORMS },
	{ "storm time s", NULL, NULL, NULL, true, SUM_STORM_S },
};

struct column {
	const char			*name;
	int64_t				run_id;
	bool				replay;
	struct mmr_storm_summary	sum;
};

/* The value of one metric for one run; NAN when the run has none. */
static int metric_value(struct mmr_store *st, const struct metric *m, const struct column *c,
			double *out)
{
	const char *sql = m->sql;
	struct mmr_stmt *s;
	int rc, err;

	*out = NAN;
	switch (m->summary) {
	case SUM_STORMS: *out = (double)c->sum.storms; return 0;
	case SUM_STORM_S: *out = (double)c->sum.storm_ns / 1e9; return 0;
	case SUM_DR_STALL_S: *out = (double)c->sum.dr_stall_ns / 1e9; return 0;
	case SUM_COMPACT_STALL_S: *out = (double)c->sum.compact_stall_ns / 1e9; return 0;
	}
	if (!sql && c->replay && m->metric)
		sql = "SELECT value FROM run_metrics WHERE run_id = ?1 AND name = ?2";
	else if (!sql && !c->replay)
		sql = m->recorded_sql;
	if (!sql)
		return 0;
	err = mmr_stmt_prepare(st, sql, &s);
	if (err)
		return err;
	mmr_stmt_bind_int(s, 1, c->run_id);
	if (strstr(sql, "?2"))
		mmr_stmt_bind_text(s, 2, m->metric);
	rc = mmr_stmt_step(s);
	if (rc < 0)
		err = rc;
	else if (rc > 0 && !mmr_stmt_is_null(s, 0))
		*out = mmr_stmt_double(s, 0);
	mmr_stmt_free(s);
	return err;
}

static void set_number(struct mmr_value *v, double x, bool fraction, enum mmr_format fmt,
		       char *buf, size_t len)
{
	if (isnan(x)) {
		*v = (struct mmr_value){ .type = fmt == MMR_FMT_TABLE ? MMR_VAL_TEXT : MMR_VAL_NULL,
					 .s = "-", .len = 1 };
	} else if (fmt != MMR_FMT_TABLE) {
		if (!fraction && x == floor(x) && fabs(x) < 9e15)
			*v = (struct mmr_value){ .type = MMR_VAL_INT, .i = (int64_t)x };
		else
			*v = (struct mmr_value){ .type = MMR_VAL_REAL, .d = x };
	} else {
		snprintf(buf, len, fraction ? "%.3f" : "%.0f", x);
		*v = (struct mmr_value){ .type = MMR_VAL_TEXT, .s = buf, .len = strlen(buf) };
	}
}

/* Names of the policy-specific metrics ("spb.*") any replay column has, sorted. */
static int extra_names(struct mmr_store *st, const struct column *cols, int ncols,
		       char ***names, int *nr)
{
	struct mmr_stmt *s;
	int err = 0;

	*names = NULL;
	*nr = 0;
	for (int c = 0; c < ncols && !err; c++) {
		if (!cols[c].replay)
			continue;
		err = mmr_stmt_prepare(st, "SELECT name FROM run_metrics WHERE run_id = ?1 AND "
				       "name LIKE 'spb.%' ORDER BY name", &s);
		if (err)
			break;
		mmr_stmt_bind_int(s, 1, cols[c].run_id);
		while ((err = mmr_stmt_step(s)) > 0) {
			const char *n = mmr_stmt_text(s, 0);
			bool seen = false;
			char **grown;

			for (int i = 0; i < *nr && !seen; i++)
				seen = !strcmp((*names)[i], n);
			if (seen)
				continue;
			grown = realloc(*names, (size_t)(*nr + 1) * sizeof(*grown));
			if (!grown || !(grown[*nr] = strdup(n))) {
				if (grown)
					*names = grown;
				err = -12;
				break;
			}
			*names = grown;
			(*nr)++;
		}
		mmr_stmt_free(s);
	}
	return err < 0 ? err : 0;
}

static int print_comparison(struct mmr_store *st, const struct column *cols, int ncols,
			    bool with_ratio, enum mmr_format fmt)
{
	int nout = ncols + 1 + (with_ratio ? 1 : 0), nextra = 0, err;
	const char **names = calloc((size_t)nout, sizeof(*names));
	struct mmr_value *vals = calloc((size_t)nout, sizeof(*vals));
	char (*bufs)[32] = calloc((size_t)nout, sizeof(*bufs));
	char **extra = NULL;
	struct mmr_table *t = NULL;
	size_t nrows;

	if (!names || !vals || !bufs) {
		err = -12;
		goto out;
	}
	names[0] = "metric";
	for (int c = 0; c < ncols; c++)
		names[c + 1] = cols[c].name;
	if (with_ratio)
		names[nout - 1] = "ratio";
	err = extra_names(st, cols, ncols, &extra, &nextra);
	if (!err)
		err = mmr_table_new(stdout, fmt, &t);
	if (!err)
		err = mmr_table_columns(t, nout, names);
	nrows = NR_METRICS + (size_t)nextra;
	for (size_t r = 0; r < nrows && !err; r++) {
		struct metric extra_m = { 0 };
		const struct metric *m = &metrics[0];
		double first = NAN, recorded = NAN;

		if (r < NR_METRICS) {
			m = &metrics[r];
		} else {
			extra_m.label = extra[r - NR_METRICS];
			extra_m.metric = extra_m.label;
			extra_m.fraction = true;
			m = &extra_m;
		}
		vals[0] = (struct mmr_value){ .type = MMR_VAL_TEXT, .s = m->label,
					      .len = strlen(m->label) };
		for (int c = 0; c < ncols && !err; c++) {
			double x;

			err = metric_value(st, m, &cols[c], &x);
			if (c == 0)
				first = x;
			if (!cols[c].replay)
				recorded = x;
			set_number(&vals[c + 1], x, m->fraction && !(x == floor(x)), fmt, bufs[c + 1],
				   sizeof(bufs[c + 1]));
		}
		if (with_ratio) {
			double ratio = recorded > 0 && !isnan(first) ? first / recorded :
				       (recorded == 0 && first == 0 ? 1.0 : NAN);

			set_number(&vals[nout - 1], ratio, true, fmt, bufs[nout - 1],
				   sizeof(bufs[nout - 1]));
		}
		if (!err)
			err = mmr_table_row(t, vals);
	}
	if (t && !err)
		err = mmr_table_finish(t);
out:
	mmr_table_free(t);
	for (int i = 0; i < nextra; i++)
		free(extra[i]);
	free(extra);
	free(bufs);
	free(vals);
	free(names);
	return err;
}

/*
 * The recording's storms tables, derived now if they are missing or stale, and its
 * storms detected again with the default thresholds the replays use, so that every
 * column counts storms the same way.
 */
static int ensure_storms(struct mmr_store *st, int64_t run)
{
	int err = mmr_storms_derived(st, run, NULL);

	if (err < 0)
		return err;
	err = err == 1 ? 0 : mmr_storms_derive(st, run, NULL);
	if (!err)
		err = mmr_storms_detect(st, run, NULL);
	return err;
}

/* Splits @list at commas into @out (pointers into @list, which is modified). */
static int split_policies(char *list, const char ***out, int *nr)
{
	*out = NULL;
	*nr = 0;
	for (char *save = NULL, *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (!*p)
			continue;
		if (cmd_push_arg(out, nr, p))
			return -12;
	}
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	enum { OPT_WITH_RECORDED = 256, OPT_PLOT, OPT_ALLOC_STREAM };
	static const struct option opts[] = {
		{ "policies", required_argument, NULL, 'P' },
		{ "run", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "with-recorded", no_argument, NULL, OPT_WITH_RECORDED },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "alloc-stream", no_argument, NULL, OPT_ALLOC_STREAM },
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char policy_buf[512] = "vanilla,defrag_mode,defrag_mode_fix";
	struct mmr_replay_opts ro = { .derive = true, .no_alloc_stream = true };
	const char **sets = NULL, **policies = NULL, *output = NULL, *plot = NULL;
	struct mmr_store *st = NULL, *out = NULL;
	enum mmr_format fmt = cmd_default_format();
	struct column *cols = NULL;
	struct cmd_progress prog;
	bool with_recorded = false;
	int64_t run = 0;
	int c, err, quiet = 0, verbose = 0, nr_policies = 0, ncols = 0, ret = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "P:r:s:o:f:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (strlen(optarg) >= sizeof(policy_buf)) {
				free(sets);
				return cmd_usage_error("policy list too long");
			}
			snprintf(policy_buf, sizeof(policy_buf), "%s", optarg);
			break;
		case 'r':
			run = strtoll(optarg, NULL, 10);
			if (run <= 0) {
				free(sets);
				return cmd_usage_error("bad run number '%s'", optarg);
			}
			break;
		case 's':
			if (cmd_push_arg(&sets, &ro.nr_sets, optarg)) {
				free(sets);
				return cmd_fail(-12, "out of memory");
			}
			break;
		case 'o': output = optarg; break;
		case OPT_WITH_RECORDED: with_recorded = true; break;
		case OPT_PLOT: plot = optarg; break;
		case OPT_ALLOC_STREAM: ro.no_alloc_stream = false; break;
		case 'f':
			if (cmd_parse_format(optarg, &fmt)) {
				free(sets);
				return EXIT_USAGE;
			}
			break;
		case 'q': quiet = 1; break;
		case 'v': verbose++; break;
		case 'h': fputs(usage, stdout); free(sets); return EXIT_OK;
		default: free(sets); return cmd_usage_error("bad option");
		}
	}
	ro.sets = sets;
	cmd_log_setup("compare", verbose);
	if (optind != argc - 1) {
		free(sets);
		return cmd_usage_error("give exactly one store");
	}
	if (split_policies(policy_buf, &policies, &nr_policies) || !nr_policies) {
		free(sets);
		free(policies);
		return cmd_usage_error("--policies needs at least one policy");
	}
	for (int i = 0; i < nr_policies; i++) {
		struct mmr_model_config probe;

		mmr_model_config_init(&probe);
		if (mmr_model_config_preset(&probe, policies[i])) {
			int bad = cmd_usage_error("unknown policy '%s' (mmreplay replay --list)",
						  policies[i]);

			free(sets);
			free(policies);
			return bad;
		}
	}
	cols = calloc((size_t)nr_policies + 1, sizeof(*cols));
	if (!cols) {
		cmd_fail(-12, "out of memory");
		goto out;
	}
	cmd_catch_signals();
	if (cmd_open_store(argv[optind], 0, &st))
		goto out;
	if (output && cmd_open_store(output, MMR_STORE_CREATE, &out))
		goto out;
	err = cmd_pick_run(st, &run);
	if (err) {
		cmd_fail(err, "run %lld", (long long)run);
		goto out;
	}
	if (with_recorded && out) {
		cmd_usage_error("--with-recorded needs the replays in the recording's store "
				"(no --output)");
		ret = EXIT_USAGE;
		goto out;
	}
	ro.stop = (volatile int *)&cmd_stop;
	for (int i = 0; i < nr_policies; i++) {
		struct mmr_replay_result res;

		cmd_progress_init(&prog);
		ro.policy = policies[i];
		ro.progress = cmd_replay_progress;
		ro.progress_arg = &prog;
		err = mmr_replay_run(st, run, out ? out : st, &ro, &res);
		cmd_progress_done(&prog);
		if (err) {
			cmd_fail(err, "replaying run %lld under %s", (long long)run, policies[i]);
			goto out;
		}
		if (!quiet)
			fprintf(stderr, "mmreplay compare: %s: run %lld\n", policies[i],
				(long long)res.run_id);
		cols[ncols++] = (struct column){ .name = policies[i], .run_id = res.run_id,
						 .replay = true };
	}
	if (with_recorded) {
		cols[ncols++] = (struct column){ .name = "recorded", .run_id = run };
		err = ensure_storms(st, run);
		if (err) {
			cmd_fail(err, "deriving the storms tables of run %lld", (long long)run);
			goto out;
		}
	}
	for (int i = 0; i < ncols; i++) {
		err = mmr_storms_summary(out && cols[i].replay ? out : st, cols[i].run_id,
					 &cols[i].sum);
		if (err) {
			cmd_fail(err, "reading the storms of run %lld", (long long)cols[i].run_id);
			goto out;
		}
	}
	if (plot) {
		const int64_t *ids = NULL;
		int64_t runs[64];
		const char *labels[64];
		int n = 0;

		for (int i = 0; i < ncols && n < 64; i++) {
			if (!cols[i].replay)
				continue;
			runs[n] = cols[i].run_id;
			labels[n++] = cols[i].name;
		}
		ids = runs;
		err = mmr_plot_svg(out ? out : st, ids, labels, (size_t)n, plot, NULL);
		if (err) {
			cmd_fail(err, "drawing %s", plot);
			goto out;
		}
		if (!quiet)
			fprintf(stderr, "mmreplay compare: wrote %s\n", plot);
	}
	fflush(stderr);
	err = print_comparison(out ? out : st, cols, ncols, with_recorded, fmt);
	if (err) {
		cmd_fail(err, "printing the comparison");
		goto out;
	}
	ret = EXIT_OK;
out:
	mmr_store_close(out);
	mmr_store_close(st);
	free(cols);
	free(policies);
	free(sets);
	return ret;
}
