/*
 * samples/count-events.c - counts the events of a trace.dat per type, using only
 * the public API: mmr_ingest_open_file() and mmr_ingest_run().
 *
 *   count-events FILE.dat
 */
#include <stdio.h>
#include "mmr.h"

static int count(const struct mmr_event *ev, void *arg)
{
	unsigned long long *n = arg;

	n[ev->type]++;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long n[MMR_EV__COUNT] = { 0 };
	struct mmr_ingest *in;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: count-events FILE.dat\n");
		return 2;
	}
	err = mmr_ingest_open_file(argv[1], &in);
	if (!err)
		err = mmr_ingest_run(in, count, n);
	mmr_ingest_close(in);
	if (err) {
		fprintf(stderr, "count-events: %s: %s\n", argv[1], mmr_strerror(err));
		return 1;
	}
	for (int t = 0; t < MMR_EV__COUNT; t++) {
		const struct mmr_event_desc *d = mmr_event_desc((enum mmr_event_type)t);

		if (n[t])
			printf("%-40s %llu\n", d ? d->name : "(generic)", n[t]);
	}
	return 0;
}
