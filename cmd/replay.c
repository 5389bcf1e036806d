/*
 * cmd/replay.c - `mmreplay replay trace.db --policy NAME`: one recorded run through
 * the page allocator model under a policy, stored as a new run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cmd-local.h"

static const char usage[] =
	"usage: mmreplay replay [options] trace.db --policy NAME\n"
	"\n"
	"Drive the page allocator model with a recorded run's allocation stream under a\n"
	"policy, and store what the model does as a new run (kind replay) in the same\n"
	"tables as a recording. The run's first allocator snapshot gives the zones,\n"
	"watermarks and starting free lists; frees the recorded kernel's own reclaim\n"
	"and compaction made are left to the model (libreplay/replay/README.md).\n"
	"\n"
	"policies: vanilla, defrag_mode, defrag_mode_fix, spb, spb_p43 (mmreplay replay --list)\n"
	"\n"
	"options:\n"
	"  -p, --policy NAME     model preset (default vanilla)\n"
	"  -r, --run N           the run to replay (default: the first recorded,\n"
	"                        imported or synthetic run)\n"
	"  -s, --set KEY=VALUE   a model parameter after the preset (repeatable), e.g.\n"
	"                        p4_promote_reclaim=0, agents.kswapd_permille=500\n"
	"  -o, --output FILE     store the replay in another store (default: trace.db)\n"
	"      --no-alloc-stream do not store the model's per-page alloc/free events\n"
	"      --no-derive       do not compute the storms tables for the new run\n"
	"      --one-thread      read the recording and write the model's events in the\n"
	"                        model's thread (by default a thread each; the results\n"
	"                        are the same)\n"
	"      --owner-ids N     reuse the ids of freed owners once N ids are taken\n"
	"                        (default: the model's pages less its pre-existing\n"
	"                        owners, 65536 to 16777216; the results are the same,\n"
	"                        reuse bounds the owner table)\n"
	"  -q, --quiet           print nothing on success\n"
	"  -v, --verbose         more detail on stderr\n"
	"  -h, --help            show this help\n";

int cmd_pick_run(struct mmr_store *st, int64_t *run)
{
	int err;

	if (*run > 0) {
		char sql[96];
		int64_t n = 0;

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM runs WHERE run_id = %lld",
			 (long long)*run);
		err = mmr_store_query_int(st, sql, &n);
		if (!err && !n)
			err = -MMR_E_NO_RUN;
		return err;
	}
	err = mmr_store_query_int(st, "SELECT min(run_id) FROM runs WHERE kind <> 'replay'", run);
	if (!err && *run <= 0)
		err = -MMR_E_NO_RUN;
	return err;
}

void cmd_print_replay(const struct mmr_replay_result *r, const char *policy)
{
	const struct mmr_model_stats *s = &r->model;

	printf("run %lld: replay under %s: %llu requests (%llu failed), %llu direct reclaims "
	       "(%llu pages), %llu compaction stalls, %llu fragmenting fallbacks, %llu OOM, "
	       "modelled stall %.3f s\n", (long long)r->run_id, policy,
	       (unsigned long long)s->nr_alloc, (unsigned long long)s->nr_alloc_failed,
	       (unsigned long long)s->direct_reclaim, (unsigned long long)s->direct_reclaimed,
	       (unsigned long long)s->compact_stall, (unsigned long long)s->extfrag_fragmenting,
	       (unsigned long long)s->oom, (double)s->stall_ns / 1e9);
}

/* True when @a and @b name the same existing file. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cmd_replay(int argc, char **argv)
{
	enum { OPT_NO_ALLOC = 256, OPT_NO_DERIVE, OPT_ONE_THREAD, OPT_LIST, OPT_OWNER_IDS };
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "run", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-alloc-stream", no_argument, NULL, OPT_NO_ALLOC },
		{ "no-derive", no_argument, NULL, OPT_NO_DERIVE },
		{ "one-thread", no_argument, NULL, OPT_ONE_THREAD },
		{ "owner-ids", required_argument, NULL, OPT_OWNER_IDS },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct mmr_replay_opts ro = { .policy = "vanilla", .derive = true };
	const char *output = NULL;
	const char **sets = NULL;
	struct mmr_store *st = NULL, *out = NULL;
	struct mmr_replay_result res;
	struct cmd_progress prog;
	int64_t run = 0;
	int c, err, quiet = 0, verbose = 0, ret = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "p:r:s:o:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': ro.policy = optarg; break;
		case 'r':
			run = strtoll(optarg, NULL, 10);
			if (run <= 0)
				return cmd_usage_error("bad run number '%s'", optarg);
			break;
		case 's':
			if (cmd_push_arg(&sets, &ro.nr_sets, optarg))
				return cmd_fail(-12, "out of memory");
			break;
		case 'o': output = optarg; break;
		case OPT_NO_ALLOC: ro.no_alloc_stream = true; break;
		case OPT_NO_DERIVE: ro.derive = false; break;
		case OPT_ONE_THREAD: ro.one_thread = true; break;
		case OPT_OWNER_IDS: {
			char *end;
			unsigned long long n = strtoull(optarg, &end, 10);

			if (*end || !*optarg || !n || n > UINT32_MAX / 2)
				return cmd_usage_error("bad --owner-ids '%s'", optarg);
			ro.owner_ids = (uint32_t)n;
			break;
		}
		case OPT_LIST: cmd_print_policies(stdout); free(sets); return EXIT_OK;
		case 'q': quiet = 1; break;
		case 'v': verbose++; break;
		case 'h': fputs(usage, stdout); free(sets); return EXIT_OK;
		default: free(sets); return cmd_usage_error("bad option");
		}
	}
	ro.sets = sets;
	cmd_log_setup("replay", verbose);
	if (optind != argc - 1) {
		free(sets);
		return cmd_usage_error("give exactly one store");
	}
	cmd_catch_signals();
	if (cmd_open_store(argv[optind], 0, &st))
		goto out;
	/*
	 * A replay is one transaction that appends every page it writes. Into a store
	 * of its own it is loaded like an import: a rollback journal writes those pages
	 * once, where WAL writes them to the log and again when checkpointing (a fifth
	 * of the replay's time with the alloc stream). WAL comes back at close. The
	 * recording's own store stays in WAL: a second connection reads it meanwhile.
	 */
	if (output && cmd_open_store(output, MMR_STORE_CREATE |
				     (same_file(output, argv[optind]) ? 0 : MMR_STORE_BULK), &out))
		goto out;
	err = cmd_pick_run(st, &run);
	if (err) {
		cmd_fail(err, "run %lld", (long long)run);
		goto out;
	}
	cmd_progress_init(&prog);
	ro.progress = cmd_replay_progress;
	ro.progress_arg = &prog;
	ro.stop = (volatile int *)&cmd_stop;
	err = mmr_replay_run(st, run, out ? out : st, &ro, &res);
	cmd_progress_done(&prog);
	if (err) {
		cmd_fail(err, "replaying run %lld under %s", (long long)run, ro.policy);
		goto out;
	}
	if (!quiet)
		cmd_print_replay(&res, ro.policy);
	if (verbose)
		fprintf(stderr, "mmreplay replay: workload: %llu allocations (%llu failed when "
			"recorded), %llu frees, %llu partial, %llu of pre-trace memory, %llu after a "
			"recorded migration, %llu implicit; dropped %llu reclaim and %llu compaction "
			"frees; skipped %llu frees of model-reclaimed owners; %llu owner ids\n",
			(unsigned long long)res.workload.allocs,
			(unsigned long long)res.workload.allocs_failed,
			(unsigned long long)res.workload.frees,
			(unsigned long long)res.workload.frees_partial,
			(unsigned long long)res.workload.frees_initial,
			(unsigned long long)res.workload.frees_migrated,
			(unsigned long long)res.workload.frees_implicit,
			(unsigned long long)res.workload.dropped_reclaim,
			(unsigned long long)res.workload.dropped_compaction,
			(unsigned long long)res.replay.skipped_reclaimed,
			(unsigned long long)res.workload.owner_ids);
	if (verbose && (res.reader_cpu_s > 0 || res.writer_cpu_s > 0))
		fprintf(stderr, "mmreplay replay: CPU: %.2f s reading the recording, %.2f s "
			"mapping its rows to owners, %.2f s writing the model's events, %.2f s "
			"in the model's thread\n", res.reader_cpu_s, res.mapper_cpu_s,
			res.writer_cpu_s, res.model_cpu_s);
	else if (verbose)
		fprintf(stderr, "mmreplay replay: CPU: %.2f s in one thread\n", res.model_cpu_s);
	if (verbose)
		fprintf(stderr, "mmreplay replay: memory: %.1f MiB page state, %.1f MiB owner "
			"table, %.1f MiB pfn map at its largest, %.1f MiB rings between threads\n",
			(double)res.mem_page_state / 1048576, (double)res.mem_owner_table / 1048576,
			(double)res.workload.pfn_map_bytes / 1048576, (double)res.mem_rings / 1048576);
	ret = EXIT_OK;
out:
	mmr_store_close(out);
	mmr_store_close(st);
	free(sets);
	return ret;
}
