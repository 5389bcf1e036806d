/*
 * cmd/info.c - `mmreplay info trace.db`: runs, time span, events per type, losses
 * and host facts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd-local.h"

static const char usage[] =
	"usage: mmreplay info [options] trace.db\n"
	"\n"
	"Describe the runs of a store: kind, source, host and kernel, time span, events\n"
	"per type, ring-buffer losses and host facts. Opens the store read-only.\n"
	"\n"
	"options:\n"
	"  -r, --run N         only run N\n"
	"  -f, --format FMT    table (default) or json\n"
	"  -h, --help          show this help\n";

/* Builds "SELECT run_id, event, events, first_s, last_s" over every event table. */
static char *events_sql(long long run)
{
	size_t cap = 16384, len = 0;
	char *sql = malloc(cap);
	char where[64] = "";

	if (!sql)
		return NULL;
	if (run > 0)
		snprintf(where, sizeof(where), " WHERE run_id = %lld", run);
	len += (size_t)snprintf(sql + len, cap - len, "SELECT * FROM (");
	for (int t = MMR_EV_GENERIC + 1; t < MMR_EV__COUNT; t++) {
		const struct mmr_event_desc *d = mmr_event_desc((enum mmr_event_type)t);

		len += (size_t)snprintf(sql + len, cap - len,
			"SELECT run_id, '%s:%s' AS event, count(*) AS events, "
			"printf('%%.6f', min(ts) / 1e9) AS first_s, "
			"printf('%%.6f', max(ts) / 1e9) AS last_s FROM %s%s GROUP BY run_id UNION ALL ",
			d->system, d->name, d->name, where);
	}
	len += (size_t)snprintf(sql + len, cap - len,
		"SELECT run_id, system || ':' || name || ' (generic)', count(*), "
		"printf('%%.6f', min(ts) / 1e9), printf('%%.6f', max(ts) / 1e9) "
		"FROM generic_events%s GROUP BY run_id, system, name) ORDER BY run_id, events DESC",
		where);
	if (len >= cap) {
		free(sql);
		return NULL;
	}
	return sql;
}

static int section(struct mmr_store *st, enum mmr_format fmt, const char *title,
		   const char *sql, int *first)
{
	struct mmr_table *t;
	int err;

	if (fmt == MMR_FMT_JSON)
		printf("%s\"%s\": ", *first ? "{" : ",\n", title);
	else
		printf("%s%s\n", *first ? "" : "\n", title);
	*first = 0;
	err = mmr_table_new(stdout, fmt, &t);
	if (err)
		return err;
	err = mmr_store_query(st, sql, mmr_table_row_fn, t);
	if (!err)
		err = mmr_table_finish(t);
	mmr_table_free(t);
	return err;
}

/* Prints the loud warning for runs that lost events; returns the number of such runs. */
static int warn_losses(struct mmr_store *st, long long run)
{
	char sql[512];
	struct mmr_stmt *s;
	int n = 0, rc;

	snprintf(sql, sizeof(sql),
		 "SELECT run_id, sum(lost_events), sum(max(overrun, 0)), "
		 "sum(max(dropped_events, 0)) FROM run_cpu_stats %s GROUP BY run_id "
		 "HAVING sum(lost_events) + sum(max(overrun, 0)) + sum(max(dropped_events, 0)) > 0",
		 run > 0 ? "WHERE run_id = ?1" : "");
	if (mmr_stmt_prepare(st, sql, &s))
		return 0;
	if (run > 0)
		mmr_stmt_bind_int(s, 1, run);
	while ((rc = mmr_stmt_step(s)) == 1) {
		fprintf(stderr, "WARNING: run %lld lost events in the ring buffer "
			"(lost %lld, overrun %lld, dropped %lld): counts and rates are lower bounds\n",
			(long long)mmr_stmt_int(s, 0), (long long)mmr_stmt_int(s, 1),
			(long long)mmr_stmt_int(s, 2), (long long)mmr_stmt_int(s, 3));
		n++;
	}
	mmr_stmt_free(s);
	return n;
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	enum mmr_format fmt = MMR_FMT_TABLE;
	long long run = 0;
	char where[64] = "", sql[2048];
	struct mmr_store *st;
	int c, err, first = 1;
	char *ev_sql;

	while ((c = getopt_long(argc, argv, "r:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			run = strtoll(optarg, NULL, 10);
			if (run <= 0)
				return cmd_usage_error("bad run number '%s'", optarg);
			break;
		case 'f':
			if (cmd_parse_format(optarg, &fmt))
				return EXIT_USAGE;
			break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cmd_usage_error("bad option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("give exactly one store");
	if (fmt == MMR_FMT_CSV)
		return cmd_usage_error("info prints table or json; use 'query' for csv");
	if (cmd_open_store(argv[optind], MMR_STORE_READONLY, &st))
		return EXIT_FAIL;
	if (run > 0) {
		int64_t n = 0;

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM runs WHERE run_id = %lld", run);
		err = mmr_store_query_int(st, sql, &n);
		if (!err && !n) {
			mmr_store_close(st);
			return cmd_fail(-MMR_E_NO_RUN, "run %lld", run);
		}
		snprintf(where, sizeof(where), " WHERE run_id = %lld", run);
	}

	snprintf(sql, sizeof(sql),
		 "SELECT r.run_id AS run, kind, source, host, kernel_release AS kernel, clock, "
		 "nr_cpus AS cpus, printf('%%.6f', start_ts / 1e9) AS start_s, "
		 "printf('%%.6f', end_ts / 1e9) AS end_s, "
		 "printf('%%.3f', (end_ts - start_ts) / 1e9) AS span_s, nr_events AS events, "
		 "(SELECT coalesce(sum(lost_events + max(overrun, 0) + max(dropped_events, 0)), 0) "
		 " FROM run_cpu_stats c "
		 " WHERE c.run_id = r.run_id) AS lost, "
		 "CASE complete WHEN 1 THEN 'yes' ELSE 'NO' END AS complete, "
		 "coalesce(policy, '') AS policy FROM runs r%s ORDER BY r.run_id", where);
	err = section(st, fmt, "runs", sql, &first);
	ev_sql = err ? NULL : events_sql(run);
	if (!err && !ev_sql)
		err = -12;
	if (!err)
		err = section(st, fmt, "events", ev_sql, &first);
	free(ev_sql);
	if (!err) {
		snprintf(sql, sizeof(sql), "SELECT run_id AS run, cpu, lost_events, overrun, "
			 "commit_overrun, dropped_events, read_events FROM run_cpu_stats%s "
			 "ORDER BY run_id, cpu", where);
		err = section(st, fmt, "ring buffer", sql, &first);
	}
	if (!err) {
		/* on a terminal table, long values (the enabled event list) are cut: the
		 * full text is in host_facts, and csv/json print it whole */
		snprintf(sql, sizeof(sql), fmt == MMR_FMT_TABLE ?
			 "SELECT run_id AS run, key, CASE WHEN length(value) > 100 THEN "
			 "substr(value, 1, 96) || ' ...' ELSE value END AS value FROM host_facts%s "
			 "ORDER BY run_id, key" :
			 "SELECT run_id AS run, key, value FROM host_facts%s ORDER BY run_id, key",
			 where);
		err = section(st, fmt, "host facts", sql, &first);
	}
	if (!err && fmt == MMR_FMT_JSON)
		printf("}\n");
	if (!err)
		warn_losses(st, run);
	mmr_store_close(st);
	if (err)
		return cmd_fail(err, "reading '%s'", argv[optind]);
	return fflush(stdout) ? cmd_fail(-5, "writing the output") : EXIT_OK;
}
