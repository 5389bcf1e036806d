/*
 * cmd/synth.c - `mmreplay synth --scenario NAME -o FILE.db`: a synthetic
 * recorded-style run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd-local.h"

static const char usage[] =
	"usage: mmreplay synth --scenario NAME [options] -o FILE.db\n"
	"\n"
	"Write a synthetic recorded-style run (kind synth): an allocator snapshot (one\n"
	"Normal zone) and a seeded stream of mm_page_alloc/mm_page_free events. Replay,\n"
	"compare, storms and queries treat it like a recording. Same seed, same run.\n"
	"\n"
	"options:\n"
	"  -S, --scenario NAME   defrag-storm, thp-churn or steady (--list describes them)\n"
	"      --seed N          random seed (default 1)\n"
	"  -s, --set KEY=VALUE   a scenario parameter (repeatable):\n"
	"                          zone_mb, seconds: zone size and stream length\n"
	"                          {file,unmov,recl,thp}_rate: allocations per second\n"
	"                          {file,unmov,recl,thp}_life: mean lifetime in s (0: never\n"
	"                            freed by the workload)\n"
	"                          unmov_blocks_pct, recl_blocks_pct: initial pageblocks, %\n"
	"                          free_at: initial free memory, 0 = low watermark,\n"
	"                            1 = high, above 1 the share of the zone plus 1\n"
	"                          free_blocks: share of free memory in whole pageblocks\n"
	"                          reclaim: 1 (default) the recorded host's kswapd frees the\n"
	"                            page cache the workload keeps, below the low watermark;\n"
	"                            0 none (the stream may outgrow the zone)\n"
	"  -o, --output FILE     the store to create or append to (required)\n"
	"      --list            list the scenarios and their defaults' intent\n"
	"  -q, --quiet           print nothing on success\n"
	"  -h, --help            show this help\n";

int cmd_synth(int argc, char **argv)
{
	enum { OPT_SEED = 256, OPT_LIST };
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "set", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *scenario = NULL, *output = NULL, **sets = NULL;
	unsigned long long seed = 1;
	struct mmr_store *st;
	int c, err, nr_sets = 0, quiet = 0;
	int64_t run;
	char *end;

	while ((c = getopt_long(argc, argv, "S:s:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'S': scenario = optarg; break;
		case OPT_SEED:
			seed = strtoull(optarg, &end, 0);
			if (*end || end == optarg) {
				free(sets);
				return cmd_usage_error("bad seed '%s'", optarg);
			}
			break;
		case 's':
			if (cmd_push_arg(&sets, &nr_sets, optarg)) {
				free(sets);
				return cmd_fail(-12, "out of memory");
			}
			break;
		case 'o': output = optarg; break;
		case OPT_LIST: {
			int n;
			const struct mmr_synth_scenario *l = mmr_synth_scenarios(&n);

			for (int i = 0; i < n; i++)
				printf("%-14s %s\n", l[i].name, l[i].summary);
			free(sets);
			return EXIT_OK;
		}
		case 'q': quiet = 1; break;
		case 'h': fputs(usage, stdout); free(sets); return EXIT_OK;
		default: free(sets); return cmd_usage_error("bad option");
		}
	}
	cmd_log_setup("synth", 0);
	if (!scenario || !output || optind != argc) {
		free(sets);
		return cmd_usage_error(!scenario ? "a scenario is required (--scenario NAME)" :
				       !output ? "an output store is required (-o FILE.db)" :
				       "unexpected argument");
	}
	if (mmr_synth_check(scenario, sets, nr_sets)) {
		free(sets);
		return cmd_fail_usage();
	}
	if (cmd_open_store(output, MMR_STORE_CREATE | MMR_STORE_BULK, &st)) {
		free(sets);
		return EXIT_FAIL;
	}
	err = mmr_synth_run(st, scenario, seed, sets, nr_sets, &run);
	if (!err && !quiet) {
		int64_t n = 0;
		char sql[96];

		snprintf(sql, sizeof(sql), "SELECT nr_events FROM runs WHERE run_id = %lld",
			 (long long)run);
		mmr_store_query_int(st, sql, &n);
		printf("run %lld: synth %s seed %llu: %lld events\n", (long long)run, scenario, seed,
		       (long long)n);
	}
	mmr_store_close(st);
	free(sets);
	if (err)
		return cmd_fail(err, "scenario '%s'", scenario);
	return EXIT_OK;
}
