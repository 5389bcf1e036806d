/*
 * cmd/record.c - `mmreplay record -o trace.db [options] [-- COMMAND ARGS...]`
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cmd-local.h"

static const char usage[] =
	"usage: mmreplay record -o trace.db [options] [-- COMMAND ARGS...]\n"
	"\n"
	"Record this host's memory-management tracepoints into a store (a new run).\n"
	"Uses a private tracefs instance (mmreplay-<pid>), removed on every exit; the\n"
	"top-level tracing state and /proc/sys/kernel/ftrace_enabled are not touched.\n"
	"Stores host facts, every /proc/sys/vm setting, zoneinfo/pagetypeinfo/buddyinfo\n"
	"snapshots at start and end, and periodic /proc/vmstat and PSI samples. Commits\n"
	"at least once a second: a crash loses at most the last second. Stops at the end\n"
	"of --duration, when COMMAND exits, or on SIGINT/SIGTERM. Needs root.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE      the store to create or append to (required)\n"
	"  -d, --duration SECS    stop after SECS seconds\n"
	"  -e, --events LIST      events instead of the default set, comma-separated:\n"
	"                         system:event, system, or an event name\n"
	"      --no-alloc-stream  leave out kmem:mm_page_alloc and kmem:mm_page_free\n"
	"                         (replay needs them; the rest is cheap to record)\n"
	"      --buffer-kb N      ring buffer per CPU, KiB (default 16384)\n"
	"      --sample-ms N      vmstat/PSI sample period (default 1000)\n"
	"      --bpf              collect with the BPF collector (libbpf CO-RE, one ring\n"
	"                         buffer) instead of tracefs: the same rows, plus the\n"
	"                         cgroup of every stalled request; clock mono\n"
	"      --bpf-min-order N  with --bpf: drop page events below order N in the kernel\n"
	"      --bpf-sample N     with --bpf: keep 1 page block in N of the alloc/free\n"
	"                         stream (stored on the run as alloc_sample_rate)\n"
	"      --bpf-unmovable    with --bpf: drop movable allocations in the kernel\n"
	"                         (with --bpf, --buffer-kb sizes the one shared ring)\n"
	"  -q, --quiet            print nothing but errors and loss warnings\n"
	"  -v, --verbose          more detail on stderr\n"
	"  -h, --help             show this help\n";

struct record_ctx {
	struct cmd_progress	p;
	uint64_t		deadline;	/* ns, 0 for none */
	char			**argv;		/* COMMAND, NULL for none */
	pid_t			child;
	int			child_status;
	int			child_exited;
	int			started;
	int			spawn_error;
};

static int should_stop(void *arg)
{
	struct record_ctx *c = arg;
	int status;

	if (cmd_stop)
		return 1;	/* before the command is started, too */
	if (!c->started) {
		/* tracing is on from the first call: start the command now */
		c->started = 1;
		c->deadline = c->deadline ? cmd_now_ns() + c->deadline : 0;
		if (c->argv) {
			fflush(NULL);
			c->child = fork();
			if (c->child < 0) {
				c->spawn_error = errno;
				return 1;
			}
			if (c->child == 0) {
				execvp(c->argv[0], c->argv);
				fprintf(stderr, "mmreplay record: cannot run '%s': %s\n", c->argv[0],
					strerror(errno));
				_exit(127);
			}
		}
	}
	if (cmd_stop)
		return 1;
	if (c->deadline && cmd_now_ns() >= c->deadline)
		return 1;
	if (c->child > 0 && waitpid(c->child, &status, WNOHANG) == c->child) {
		c->child = 0;
		c->child_status = status;
		c->child_exited = 1;
		return 1;
	}
	return 0;
}

static void on_status(const struct mmr_record_status *s, void *arg)
{
	struct record_ctx *c = arg;

	cmd_progress_line(&c->p, "recording %.0f s: %llu events, %.0f events/s, lost %llu%s, "
			  "direct reclaims %llu", s->elapsed_s, (unsigned long long)s->events,
			  s->events_per_s, (unsigned long long)s->lost, s->lost ? " (!)" : "",
			  (unsigned long long)s->direct_reclaims);
}

static int parse_uint(const char *arg, const char *what, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || v == 0 || v > max || arg[0] == '-')
		return cmd_usage_error("bad %s '%s'", what, arg);
	*out = (unsigned int)v;
	return 0;
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "events", required_argument, NULL, 'e' },
		{ "no-alloc-stream", no_argument, NULL, 'A' },
		{ "buffer-kb", required_argument, NULL, 'B' },
		{ "sample-ms", required_argument, NULL, 'S' },
		{ "bpf", no_argument, NULL, 'b' },
		{ "bpf-min-order", required_argument, NULL, 'M' },
		{ "bpf-sample", required_argument, NULL, 'P' },
		{ "bpf-unmovable", no_argument, NULL, 'U' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct mmr_record_opts ro = { 0 };
	struct mmr_record_status s = { 0 };
	struct record_ctx ctx = { 0 };
	const char *output = NULL;
	char *events[256];
	unsigned int secs = 0;
	int quiet = 0, verbose = 0, nr_events = 0, c, err, ret = EXIT_FAIL;
	struct mmr_recorder *rec = NULL;
	struct mmr_bpf_opts bo = { 0 };
	struct mmr_bpf *bpf = NULL;
	int use_bpf = 0, bpf_filters = 0;
	struct mmr_store *st = NULL;
	int64_t run = 0;

	while ((c = getopt_long(argc, argv, "+o:d:e:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'd':
			if (parse_uint(optarg, "duration", 86400 * 365, &secs))
				goto usage;
			break;
		case 'e':
			for (char *save, *t = strtok_r(optarg, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				if (nr_events == (int)(sizeof(events) / sizeof(events[0]))) {
					ret = cmd_usage_error("too many events");
					goto out;
				}
				events[nr_events++] = t;
			}
			break;
		case 'A': ro.no_alloc_stream = true; break;
		case 'B':
			if (parse_uint(optarg, "--buffer-kb", 4u << 20, &ro.buffer_kb))
				goto usage;
			break;
		case 'S':
			if (parse_uint(optarg, "--sample-ms", 3600000, &ro.sample_ms))
				goto usage;
			break;
		case 'b': use_bpf = 1; break;
		case 'M':
			if (parse_uint(optarg, "--bpf-min-order", 64, &bo.min_order))
				goto usage;
			bpf_filters = 1;
			break;
		case 'P':
			if (parse_uint(optarg, "--bpf-sample", 1u << 20, &bo.sample_rate))
				goto usage;
			bpf_filters = 1;
			break;
		case 'U': bo.unmovable_only = true; bpf_filters = 1; break;
		case 'q': quiet = 1; break;
		case 'v': verbose++; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cmd_usage_error("bad option");
		}
	}
	cmd_log_setup("record", verbose);
	if (!output)
		return cmd_usage_error("an output store is required (-o trace.db)");
	if (nr_events && ro.no_alloc_stream)
		return cmd_usage_error("--no-alloc-stream applies to the default events, not -e");
	if (bpf_filters && !use_bpf)
		return cmd_usage_error("--bpf-min-order, --bpf-sample and --bpf-unmovable need --bpf");
	if (use_bpf && nr_events)
		return cmd_usage_error("--events does not apply to --bpf (it collects a fixed set)");
	if (optind < argc)
		ctx.argv = &argv[optind];
	ro.events = (const char *const *)events;
	ro.nr_events = nr_events;
	ro.should_stop = should_stop;
	ro.status = quiet ? NULL : on_status;
	ro.arg = &ctx;
	ctx.deadline = (uint64_t)secs * 1000000000ull;

	cmd_catch_signals();
	if (use_bpf) {
		const char *why;

		if (mmr_bpf_available(&why)) {
			fprintf(stderr, "mmreplay record: --bpf is not available: %s\n", why);
			return EXIT_FAIL;
		}
		bo.no_alloc_stream = ro.no_alloc_stream;
		/* one ring for all CPUs: the next power of two of --buffer-kb */
		for (bo.ringbuf_bytes = ro.buffer_kb ? 4096 : 0;
		     bo.ringbuf_bytes && bo.ringbuf_bytes < (size_t)ro.buffer_kb * 1024;)
			bo.ringbuf_bytes *= 2;
		bo.sample_ms = ro.sample_ms;
		bo.should_stop = should_stop;
		bo.status = ro.status;
		bo.arg = &ctx;
		err = mmr_bpf_open(&bo, &bpf);
	} else {
		err = mmr_record_open(&ro, &rec);
	}
	if (err)
		return cmd_fail(err, "cannot start recording");
	if (cmd_open_store(output, MMR_STORE_CREATE, &st))
		goto out;
	cmd_progress_init(&ctx.p);
	if (use_bpf)
		err = mmr_bpf_run(bpf, st, &run, &s);
	else
		err = mmr_record_run(rec, st, &run, &s);
	cmd_progress_done(&ctx.p);
	if (ctx.child > 0 && !quiet)	/* stopped by --duration or a signal */
		fprintf(stderr, "mmreplay record: '%s' (pid %d) is still running\n", ctx.argv[0],
			(int)ctx.child);
	if (ctx.spawn_error) {
		fprintf(stderr, "mmreplay record: cannot start '%s': %s\n", ctx.argv[0],
			strerror(ctx.spawn_error));
	}
	if (s.lost)
		fprintf(stderr, "mmreplay record: WARNING: run %lld lost %llu events in the ring "
			"buffer: counts and rates are lower bounds; use a larger --buffer-kb or "
			"--no-alloc-stream%s\n", (long long)run, (unsigned long long)s.lost,
			use_bpf ? " or the --bpf filters" : "");
	if (err == -MMR_E_FULL) {
		fprintf(stderr, "mmreplay record: disk full writing '%s': recording stopped; run "
			"%lld keeps what was committed and is marked incomplete\n", output,
			(long long)run);
		goto out;
	}
	if (err) {
		if (run > 0)
			cmd_fail(err, "recording stopped; run %lld keeps what was committed before "
				 "and is marked incomplete", (long long)run);
		else
			cmd_fail(err, "recording failed");
		goto out;
	}
	if (!quiet) {
		printf("run %lld: recorded %.1f s, %llu events (%.0f events/s)%s\n",
		       (long long)run, s.elapsed_s, (unsigned long long)s.events,
		       s.elapsed_s > 0 ? (double)s.events / s.elapsed_s : 0,
		       s.lost ? "" : ", nothing lost");
		if (s.undecodable)
			printf("run %lld: %llu records could not be decoded\n", (long long)run,
			       (unsigned long long)s.undecodable);
		if (ctx.child_exited && WIFEXITED(ctx.child_status))
			printf("run %lld: '%s' exited with status %d\n", (long long)run,
			       ctx.argv[0], WEXITSTATUS(ctx.child_status));
		else if (ctx.child_exited && WIFSIGNALED(ctx.child_status))
			printf("run %lld: '%s' was killed by signal %d\n", (long long)run,
			       ctx.argv[0], WTERMSIG(ctx.child_status));
	}
	if (verbose) {
		struct rusage ru;

		if (!getrusage(RUSAGE_SELF, &ru))
			fprintf(stderr, "mmreplay record: recorder CPU %.2f s user %.2f s system, "
				"%ld MiB peak resident\n", (double)ru.ru_utime.tv_sec +
				(double)ru.ru_utime.tv_usec / 1e6, (double)ru.ru_stime.tv_sec +
				(double)ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss / 1024);
	}
	ret = ctx.spawn_error ? EXIT_FAIL : EXIT_OK;
out:
	mmr_bpf_close(bpf);
	mmr_record_close(rec);
	mmr_store_close(st);
	return ret;
usage:
	return EXIT_USAGE;
}
