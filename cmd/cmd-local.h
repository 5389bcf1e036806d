/*
 * cmd/cmd-local.h - the subcommands and the helpers they share: one-line errors,
 * progress on a terminal, and Ctrl-C handling.
 */
#ifndef MMR_CMD_LOCAL_H
#define MMR_CMD_LOCAL_H

#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include "mmr.h"

int cmd_import(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_compare(int argc, char **argv);
/* cmd/record.c */
int cmd_record(int argc, char **argv);

/* storms and plot (cmd/storms.c, cmd/plot.c) */
int cmd_storms(int argc, char **argv);
int cmd_plot(int argc, char **argv);
enum { CMD_OPT_BUCKET = 300, CMD_OPT_STALL_PCT, CMD_OPT_ENTRIES, CMD_OPT_MERGE_GAP,
       CMD_OPT_MIN_LEN, CMD_OPT_MIN_ENTRIES, CMD_OPT_TOP, CMD_OPT_PB_ORDER, CMD_OPT__LAST };
struct option;
#define CMD_NR_STORM_OPTS (CMD_OPT__LAST - CMD_OPT_BUCKET)	/* the threshold options */
/* Fills @opts for getopt_long: @own, the threshold options, the zero terminator. */
void cmd_storm_getopt(struct option *opts, const struct option *own, size_t nr_own);
extern const char cmd_storm_opts_help[];
/* Prints @text with "CMD_STORM_OPTS_HELP" replaced by the threshold options' help. */
void cmd_print_storm_usage(const char *text);
/* Applies threshold option @c. Return: 0, 1 if @c is not one, -1 after a usage error. */
int cmd_storm_option(int c, const char *arg, struct mmr_storm_opts *o);
/* Appends run number @arg (usage error printed on a bad one). Return: 0 or -1. */
int cmd_add_run(const char *arg, int64_t **runs, size_t *nr);
/* Checks the runs given, or lists every run of @st when none. Return: 0 or EXIT_FAIL. */
int cmd_resolve_runs(struct mmr_store *st, int64_t **runs, size_t *nr);
/* Derives (when stale or @force) and detects each run. Return: 0 or EXIT_FAIL. */
int cmd_derive_detect(struct mmr_store *st, const int64_t *runs, size_t nr,
		      const struct mmr_storm_opts *o, int force);
/* The same inside the caller's transaction. Return: 0 or EXIT_FAIL. */
int cmd_derive_detect_in_txn(struct mmr_store *st, const int64_t *runs, size_t nr,
			     const struct mmr_storm_opts *o, int force);

/* The run to work on: @run if > 0 and present, else the first non-replay run. */
int cmd_pick_run(struct mmr_store *st, int64_t *run);
void cmd_print_replay(const struct mmr_replay_result *r, const char *policy);
void cmd_print_policies(FILE *out);
/* Progress of a replay (mmr_replay_opts.progress; arg: a struct cmd_progress). */
void cmd_replay_progress(uint64_t done, uint64_t total, void *arg);
/* Appends @s to the growing array *@v of *@n strings. Return: 0 or -ENOMEM. */
int cmd_push_arg(const char ***v, int *n, const char *s);

/* Exit statuses of every subcommand. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/*
 * Routes libreplay's log to stderr under the subcommand's name. Error messages are
 * held back instead and printed by cmd_fail() as the one line of the failure.
 */
void cmd_log_setup(const char *cmd, int verbose);

/* Prints "mmreplay <cmd>: <detail>" (the library's own message, or @what and
 * mmr_strerror(@err)) and returns EXIT_FAIL. */
int cmd_fail(int err, const char *what, ...) __attribute__((format(printf, 2, 3)));

/* The library's held-back error as a usage error (exit 2), e.g. a bad parameter found
 * by a check before any work. */
int cmd_fail_usage(void);

/* Prints "mmreplay <cmd>: <message>" and a hint to --help; returns EXIT_USAGE. */
int cmd_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Set by SIGINT/SIGTERM after cmd_catch_signals(). */
extern volatile sig_atomic_t cmd_stop;
void cmd_catch_signals(void);

/* A one-line status on stderr, only when stderr is a terminal; rate-limited. */
struct cmd_progress {
	int		enabled;
	uint64_t	last_ns;
	uint64_t	start_ns;
	int		shown;
};
void cmd_progress_init(struct cmd_progress *p);
/* Returns 1 when a line should be drawn now (at most 10 per second). */
int cmd_progress_due(struct cmd_progress *p);
void cmd_progress_line(struct cmd_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cmd_progress_done(struct cmd_progress *p);
uint64_t cmd_now_ns(void);

/* Opens a store, reporting failure as a one-line error. */
int cmd_open_store(const char *path, unsigned int flags, struct mmr_store **st);

/* Parses a --format argument; table is the default on a terminal, csv otherwise. */
int cmd_parse_format(const char *arg, enum mmr_format *fmt);
enum mmr_format cmd_default_format(void);

#endif
