/*
 * cmd/cmd-util.c - helpers shared by the subcommands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cmd-local.h"

static const char *cmd_name = "mmreplay";
static char held_error[1024];
static int verbosity;
volatile sig_atomic_t cmd_stop;

static void cmd_log(enum mmr_log_level level, const char *msg, void *arg)
{
	(void)arg;
	if (level == MMR_LOG_ERROR) {
		/* keep the first: it names the cause, later ones the consequences */
		if (!held_error[0])
			snprintf(held_error, sizeof(held_error), "%s", msg);
		if (verbosity > 0)
			fprintf(stderr, "mmreplay %s: error: %s\n", cmd_name, msg);
		return;
	}
	fprintf(stderr, "mmreplay %s: %s%s\n", cmd_name,
		level == MMR_LOG_WARN ? "warning: " : "", msg);
}

void cmd_log_setup(const char *cmd, int verbose)
{
	cmd_name = cmd;
	verbosity = verbose;
	mmr_set_log_fn(cmd_log, NULL, verbose > 1 ? MMR_LOG_DEBUG :
		       verbose ? MMR_LOG_INFO : MMR_LOG_WARN);
}

int cmd_fail(int err, const char *what, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, what);
	vsnprintf(buf, sizeof(buf), what, ap);
	va_end(ap);
	if (held_error[0] && err != -MMR_E_INTR)
		fprintf(stderr, "mmreplay %s: %s\n", cmd_name, held_error);
	else
		fprintf(stderr, "mmreplay %s: %s: %s\n", cmd_name, buf, mmr_strerror(err));
	held_error[0] = '\0';
	return EXIT_FAIL;
}

int cmd_usage_error(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mmreplay %s: %s\nTry 'mmreplay %s --help'.\n", cmd_name, buf, cmd_name);
	return EXIT_USAGE;
}

int cmd_fail_usage(void)
{
	char buf[sizeof(held_error)];

	snprintf(buf, sizeof(buf), "%s", held_error[0] ? held_error : "bad arguments");
	held_error[0] = '\0';
	return cmd_usage_error("%s", buf);
}

static void on_signal(int sig)
{
	(void)sig;
	cmd_stop = 1;
}

void cmd_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

uint64_t cmd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void cmd_progress_init(struct cmd_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->enabled = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO);
	p->start_ns = cmd_now_ns();
}

int cmd_progress_due(struct cmd_progress *p)
{
	uint64_t now;

	if (!p->enabled)
		return 0;
	now = cmd_now_ns();
	if (now - p->last_ns < 100000000ull)
		return 0;
	p->last_ns = now;
	return 1;
}

void cmd_progress_line(struct cmd_progress *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->enabled)
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	p->shown = 1;
}

void cmd_progress_done(struct cmd_progress *p)
{
	if (p->enabled && p->shown)
		fputs("\r\033[K", stderr);
	p->shown = 0;
}

int cmd_open_store(const char *path, unsigned int flags, struct mmr_store **st)
{
	int err = mmr_store_open(path, flags, st);

	if (err)
		return cmd_fail(err, "cannot open '%s'", path);
	return 0;
}

enum mmr_format cmd_default_format(void)
{
	return isatty(STDOUT_FILENO) ? MMR_FMT_TABLE : MMR_FMT_CSV;
}

int cmd_parse_format(const char *arg, enum mmr_format *fmt)
{
	if (mmr_format_parse(arg, fmt))
		return cmd_usage_error("unknown format '%s' (table, csv or json)", arg);
	return 0;
}

void cmd_print_policies(FILE *out)
{
	static const struct { const char *name, *what; } p[] = {
		{ "vanilla", "vm.defrag_mode=0" },
		{ "defrag_mode", "vm.defrag_mode=1 before the reclaim-storm fix series" },
		{ "defrag_mode_fix", "vm.defrag_mode=1 with the four patches of the fix series" },
		{ "spb", "superpageblock RFC v1 without patch 43 (defrag only on bucket changes)" },
		{ "spb_p43", "superpageblock RFC v1 with patch 43's allocator-path defrag triggers" },
	};
	struct mmr_model_config probe;

	/* only what this build's model knows */
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		mmr_model_config_init(&probe);
		if (!mmr_model_config_preset(&probe, p[i].name))
			fprintf(out, "%-16s %s\n", p[i].name, p[i].what);
	}
}

void cmd_replay_progress(uint64_t done, uint64_t total, void *arg)
{
	struct cmd_progress *p = arg;

	if (cmd_progress_due(p))
		cmd_progress_line(p, "replaying: %llu of %llu events (%.0f%%)",
				  (unsigned long long)done, (unsigned long long)total,
				  total ? 100.0 * (double)done / (double)total : 0);
}

int cmd_push_arg(const char ***v, int *n, const char *s)
{
	const char **grown = realloc(*v, (size_t)(*n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	*v = grown;
	(*v)[(*n)++] = s;
	return 0;
}
