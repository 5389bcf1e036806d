/*
 * cmd/plot.c - `mmreplay plot trace.db -o FILE.svg`: the timelines of runs as SVG.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd-local.h"

static const char usage[] =
	"usage: mmreplay plot [options] trace.db -o FILE.svg\n"
	"\n"
	"Draw the reclaim and compaction timeline of runs as a self-contained SVG: one\n"
	"lane per run with stall load (direct reclaim + compaction, % of time), direct\n"
	"reclaim entries/s, pages reclaimed/s, compaction stalls/s (succeeded, failed),\n"
	"fragmenting fallbacks/s and, where sampled, PSI memory; storms shaded. Time is in\n"
	"seconds from each run's start. Like `mmreplay storms`, it derives runs whose\n"
	"tables are missing or stale and detects (and stores) storms with the options\n"
	"below; the store and the file change together or not at all.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE        the SVG to write (replaced atomically)\n"
	"  -r, --run N              a run to draw (repeatable, one lane each, in order;\n"
	"                           default: every run of the store)\n"
	"  -l, --label TEXT         title of the next lane (repeatable, in --run order;\n"
	"                           default: run N: kind policy)\n"
	"CMD_STORM_OPTS_HELP"
	"  -h, --help               show this help\n";

int cmd_plot(int argc, char **argv)
{
	static const struct option own[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "run", required_argument, NULL, 'r' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
	};
	struct option opts[sizeof(own) / sizeof(own[0]) + CMD_NR_STORM_OPTS + 1];
	struct mmr_storm_opts so;
	struct mmr_store *st = NULL;
	const char *output = NULL;
	const char **labels = NULL;
	int64_t *runs = NULL;
	size_t nr = 0, nr_labels = 0;
	int c, err, ret = EXIT_FAIL;

	cmd_storm_getopt(opts, own, sizeof(own) / sizeof(own[0]));
	mmr_storm_opts_init(&so);
	while ((c = getopt_long(argc, argv, "o:r:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'r':
			if (cmd_add_run(optarg, &runs, &nr))
				goto usage;
			break;
		case 'l': {
			const char **n = realloc(labels, (nr_labels + 1) * sizeof(*n));

			if (!n) {
				cmd_fail(-ENOMEM, "out of memory");
				goto out;
			}
			labels = n;
			labels[nr_labels++] = optarg;
			break;
		}
		case 'h':
			cmd_print_storm_usage(usage);
			ret = EXIT_OK;
			goto out;
		default:
			err = cmd_storm_option(c, optarg, &so);
			if (err > 0)
				cmd_usage_error("bad option");
			if (err)
				goto usage;
		}
	}
	if (optind != argc - 1) {
		cmd_usage_error("give exactly one store");
		goto usage;
	}
	if (!output) {
		cmd_usage_error("give the SVG file with -o");
		goto usage;
	}
	if (nr_labels > (nr ? nr : nr_labels) || (nr_labels && !nr)) {
		cmd_usage_error("give at most one --label per --run");
		goto usage;
	}
	if (cmd_open_store(argv[optind], 0, &st))
		goto out;
	if (cmd_resolve_runs(st, &runs, &nr))
		goto out;
	if (nr_labels < nr) {
		const char **n = realloc(labels, nr * sizeof(*n));

		if (!n) {
			cmd_fail(-ENOMEM, "out of memory");
			goto out;
		}
		labels = n;
		for (size_t i = nr_labels; i < nr; i++)
			labels[i] = NULL;
	}
	/* storms as the options say, and the file: both or neither */
	err = mmr_store_begin(st);
	if (err) {
		cmd_fail(err, "starting a transaction");
		goto out;
	}
	if (cmd_derive_detect_in_txn(st, runs, nr, &so, 0)) {
		mmr_store_rollback(st);
		goto out;
	}
	err = mmr_plot_svg(st, runs, labels, nr, output, &so);
	if (!err)
		err = mmr_store_commit(st);
	if (err) {
		mmr_store_rollback(st);
		cmd_fail(err, "plotting to '%s'", output);
		goto out;
	}
	ret = EXIT_OK;
out:
	mmr_store_close(st);
	free(runs);
	free(labels);
	return ret;
usage:
	free(runs);
	free(labels);
	return EXIT_USAGE;
}
