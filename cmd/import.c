/*
 * cmd/import.c - `mmreplay import FILE.dat... -o trace.db`
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "cmd-local.h"

static const char usage[] =
	"usage: mmreplay import [options] FILE.dat... -o trace.db\n"
	"\n"
	"Load trace-cmd trace.dat files (versions 6 and 7, compressed or not) into a\n"
	"store, one run per file. Appends to an existing store. Either every file is\n"
	"imported or, on any error, the store is left exactly as it was.\n"
	"\n"
	"Host snapshots (zoneinfo, pagetypeinfo, buddyinfo, vmstat, PSI, vm sysctls,\n"
	"taken at the start and end of the trace, as scripts/record-sample.sh writes\n"
	"them) are loaded from FILE.host/ next to FILE.dat when that directory exists.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE   the store to create or append to (required)\n"
	"      --host-dir DIR  host snapshots of the (single) trace.dat in DIR/{start,end}/\n"
	"      --no-host       do not load host snapshots\n"
	"  -q, --quiet         print nothing on success\n"
	"  -v, --verbose       more detail on stderr\n"
	"  -h, --help          show this help\n";

struct progress_ctx {
	struct cmd_progress	p;
	const char		*file;
};

static void on_progress(uint64_t done, uint64_t total, void *arg)
{
	struct progress_ctx *c = arg;
	double secs = (double)(cmd_now_ns() - c->p.start_ns) / 1e9;

	(void)total;
	if (cmd_progress_due(&c->p))
		cmd_progress_line(&c->p, "importing %s: %llu events, %.0f events/s", c->file,
				  (unsigned long long)done, secs > 0 ? (double)done / secs : 0);
}

static int print_summary(struct mmr_store *st, int64_t run_id, const char *path)
{
	char sql[512];
	int64_t typed = 0, generic = 0, lost = 0;
	int err;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM generic_events WHERE run_id = %lld",
		 (long long)run_id);
	err = mmr_store_query_int(st, sql, &generic);
	if (!err) {
		snprintf(sql, sizeof(sql), "SELECT coalesce(sum(lost_events), 0) + "
			 "coalesce(sum(max(overrun, 0)), 0) FROM run_cpu_stats WHERE run_id = %lld",
			 (long long)run_id);
		err = mmr_store_query_int(st, sql, &lost);
	}
	if (!err) {
		snprintf(sql, sizeof(sql), "SELECT nr_events FROM runs WHERE run_id = %lld",
			 (long long)run_id);
		err = mmr_store_query_int(st, sql, &typed);
	}
	if (err)
		return err;
	printf("run %lld: %s: %lld events (%lld without a typed table)%s\n", (long long)run_id,
	       path, (long long)typed, (long long)generic, lost ? "" : ", nothing lost");
	if (lost)
		printf("run %lld: WARNING: the trace lost %lld events in the ring buffer; "
		       "counts are lower bounds\n", (long long)run_id, (long long)lost);
	return 0;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "host-dir", required_argument, NULL, 'H' },
		{ "no-host", no_argument, NULL, 'N' },
		{ 0 }
	};
	const char *output = NULL, *host_dir = NULL;
	int no_host = 0;
	int quiet = 0, verbose = 0, c, err, failed, nr;
	struct progress_ctx pc;
	struct mmr_import_opts io = { 0 };
	struct mmr_store *st;
	int64_t *ids;

	while ((c = getopt_long(argc, argv, "o:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'q': quiet = 1; break;
		case 'v': verbose++; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		case 'H': host_dir = optarg; break;
		case 'N': no_host = 1; break;
		default: return cmd_usage_error("bad option");
		}
	}
	cmd_log_setup("import", verbose);
	if (!output)
		return cmd_usage_error("an output store is required (-o trace.db)");
	nr = argc - optind;
	if (nr <= 0)
		return cmd_usage_error("no trace.dat file given");
	if (host_dir && nr != 1)
		return cmd_usage_error("--host-dir goes with exactly one trace.dat");
	if (host_dir && no_host)
		return cmd_usage_error("--host-dir and --no-host exclude each other");

	cmd_catch_signals();
	if (cmd_open_store(output, MMR_STORE_CREATE | MMR_STORE_BULK, &st))
		return EXIT_FAIL;
	ids = calloc((size_t)nr, sizeof(*ids));
	if (!ids) {
		mmr_store_close(st);
		return cmd_fail(-12, "out of memory");
	}
	cmd_progress_init(&pc.p);
	pc.file = argv[optind];
	io.progress = on_progress;
	io.progress_arg = &pc;
	io.stop = (volatile int *)&cmd_stop;
	io.host_dir = host_dir;
	io.no_host = no_host;
	err = mmr_import_files(st, (const char *const *)&argv[optind], nr, &io, ids, &failed);
	cmd_progress_done(&pc.p);
	if (err) {
		mmr_store_close(st);
		free(ids);
		if (err == -MMR_E_INTR)
			return cmd_fail(err, "import stopped; '%s' is unchanged", output);
		return cmd_fail(err, "'%s'", failed >= 0 ? argv[optind + failed] : output);
	}
	if (verbose) {
		struct rusage ru;

		if (!getrusage(RUSAGE_SELF, &ru))
			fprintf(stderr, "mmreplay import: the importer peaked at %ld MiB resident\n",
				ru.ru_maxrss / 1024);
	}
	for (int i = 0; !quiet && i < nr; i++) {
		err = print_summary(st, ids[i], argv[optind + i]);
		if (err)
			break;
	}
	mmr_store_close(st);
	free(ids);
	return err ? cmd_fail(err, "reading back '%s'", output) : EXIT_OK;
}
