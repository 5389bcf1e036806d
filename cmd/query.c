/*
 * cmd/query.c - `mmreplay query trace.db "SQL"`: one statement, read-only.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd-local.h"

static const char usage[] =
	"usage: mmreplay query [options] trace.db \"SQL\"\n"
	"       mmreplay query [options] trace.db - < file.sql\n"
	"\n"
	"Run one SQL statement on a store opened read-only and print the result.\n"
	"Field names are the kernel's; quote \"order\", an SQL keyword.\n"
	"\n"
	"options:\n"
	"  -f, --format FMT    table, csv or json (default: table on a terminal, csv otherwise)\n"
	"  -h, --help          show this help\n";

static int read_stdin(char **out)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -12;
	for (;;) {
		if (len + 1 >= cap) {
			char *n = realloc(buf, cap * 2);
			if (!n) {
				free(buf);
				return -12;
			}
			buf = n;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, stdin);
		len += got;
		if (got == 0)
			break;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	enum mmr_format fmt = cmd_default_format();
	struct mmr_store *st;
	struct mmr_table *t;
	char *sql = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cmd_parse_format(optarg, &fmt))
				return EXIT_USAGE;
			break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cmd_usage_error("bad option");
		}
	}
	if (argc - optind != 2)
		return cmd_usage_error("give a store and one SQL statement");
	if (!strcmp(argv[optind + 1], "-")) {
		if (read_stdin(&sql))
			return cmd_fail(-12, "reading SQL from stdin");
	}
	if (cmd_open_store(argv[optind], MMR_STORE_READONLY, &st)) {
		free(sql);
		return EXIT_FAIL;
	}
	err = mmr_table_new(stdout, fmt, &t);
	if (!err) {
		err = mmr_store_query(st, sql ? sql : argv[optind + 1], mmr_table_row_fn, t);
		int ferr = mmr_table_finish(t);
		if (!err)
			err = ferr;
		mmr_table_free(t);
	}
	mmr_store_close(st);
	free(sql);
	if (err)
		return cmd_fail(err, "query failed");
	return EXIT_OK;
}
