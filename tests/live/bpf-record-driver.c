/*
 * tests/live/bpf-record-driver.c - a tiny driver of mmr_bpf_record() for the live BPF
 * tests (tests/live/t08NN-*.sh) and scripts/bench-bpf.sh, until `mmreplay record
 * --bpf` exists. Not installed.
 *
 *   bpf-record-driver --check                      exit 77 and say why when BPF cannot run
 *   bpf-record-driver -o DB [-d SECONDS] [--min-order N] [--sample N] [--unmovable]
 *                     [--ringbuf BYTES] [--ready FILE]
 *
 * Records until SIGINT/SIGTERM or the duration; prints "run N events N dropped N
 * filtered N stalls N" on stdout; exits 0, 1 (failed) or 2 (usage). --ready FILE is
 * created after the first commit, when the programs are attached and writing.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mmr.h"

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct ready {
	const char	*path;
	int		done;
};

static void status(const struct mmr_bpf_stats *s, void *arg)
{
	struct ready *r = arg;
	FILE *f;

	(void)s;
	if (r->done || !r->path)
		return;
	f = fopen(r->path, "w");
	if (f)
		fclose(f);
	r->done = 1;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "min-order", required_argument, NULL, 'm' },
		{ "sample", required_argument, NULL, 's' },
		{ "unmovable", no_argument, NULL, 'u' },
		{ "ringbuf", required_argument, NULL, 'r' },
		{ "ready", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	struct mmr_bpf_opts o = { 0 };
	struct mmr_bpf_stats st;
	struct ready ready = { 0 };
	struct sigaction sa;
	struct mmr_store *db;
	const char *out = NULL, *why;
	int64_t run = 0;
	int c, err;

	while ((c = getopt_long(argc, argv, "o:d:", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (mmr_bpf_available(&why)) {
				printf("%s\n", why);
				return 77;
			}
			return 0;
		case 'o': out = optarg; break;
		case 'd': o.duration_ns = (uint64_t)(strtod(optarg, NULL) * 1e9); break;
		case 'm': o.min_order = (unsigned int)atoi(optarg); break;
		case 's': o.sample_rate = (unsigned int)atoi(optarg); break;
		case 'u': o.unmovable_only = true; break;
		case 'r': o.ringbuf_bytes = strtoull(optarg, NULL, 0); break;
		case 'R': ready.path = optarg; break;
		default:
			fprintf(stderr, "bpf-record-driver: bad usage\n");
			return 2;
		}
	}
	if (!out) {
		fprintf(stderr, "bpf-record-driver: -o DB is required\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: the poll must return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	o.stop = &stop;
	o.status = status;
	o.status_arg = &ready;

	err = mmr_store_open(out, MMR_STORE_CREATE, &db);
	if (err) {
		fprintf(stderr, "bpf-record-driver: cannot open '%s': %s\n", out, mmr_strerror(err));
		return 1;
	}
	err = mmr_bpf_record(db, &o, &run, &st);
	mmr_store_close(db);
	if (err) {
		fprintf(stderr, "bpf-record-driver: recording failed: %s\n", mmr_strerror(err));
		return 1;
	}
	printf("run %" PRId64 " events %" PRIu64 " dropped %" PRIu64 " filtered %" PRIu64
	       " stalls %" PRIu64 "\n", run, st.events, st.dropped, st.filtered, st.stalls);
	return 0;
}
