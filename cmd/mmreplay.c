/*
 * cmd/mmreplay.c - the mmreplay command: finds the subcommand and runs it.
 */
#include <stdio.h>
#include <string.h>
#include "cmd-local.h"

static int cmd_help(int argc, char **argv);

static const struct cmd {
	const char	*name;
	int		(*fn)(int argc, char **argv);	/* returns the exit status */
	const char	*summary;			/* one line for `mmreplay help` */
} cmds[] = {
	{ "record", cmd_record, "record mm tracepoints from this host into a store" },
	{ "import", cmd_import, "load trace-cmd trace.dat files into a store" },
	{ "info",   cmd_info,   "show the runs of a store: span, events, losses, host" },
	{ "query",  cmd_query,  "run SQL on a store (read-only)" },
	{ "replay", cmd_replay, "drive the allocator model with a recorded run under a policy" },
	{ "synth",  cmd_synth,  "write a synthetic recorded-style run" },
	{ "compare", cmd_compare, "replay a run under several policies and compare them side by side" },
	{ "storms", cmd_storms, "find reclaim and compaction storms; derive their tables" },
	{ "plot",   cmd_plot,   "draw runs' reclaim/compaction timelines as SVG, storms shaded" },
	{ "help",   cmd_help,   "list the subcommands" },
};

static void print_commands(FILE *out)
{
	fprintf(out, "usage: mmreplay <command> [options] [args]\n\n"
		"Record Linux memory-management tracepoints, find reclaim and compaction\n"
		"storms, and replay allocation streams through a page allocator model.\n\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(out, "\n'mmreplay <command> --help' describes a command.\n");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print_commands(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_commands(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc, argv);
	if (!strcmp(argv[1], "--version")) {
		printf("mmreplay %s (schema %d)\n", MMR_VERSION, mmr_store_latest_version());
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[1], cmds[i].name)) {
			cmd_log_setup(cmds[i].name, 0);
			return cmds[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "mmreplay: '%s' is not a command. See 'mmreplay help'.\n", argv[1]);
	return EXIT_USAGE;
}
