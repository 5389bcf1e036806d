/*
 * tests/fuzz/fuzz-import.c - libFuzzer target: arbitrary bytes as a trace.dat file,
 * through the whole reading path (header check, open probe, reader process, pipe
 * protocol). Whatever the file, the result is events or an error, never a crash
 * of this process. Slow per input (it forks): run it for a bounded time.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "mmr.h"

static void quiet(enum mmr_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static int count(const struct mmr_event *ev, void *arg)
{
	(*(unsigned long *)arg) += ev->type;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_ingest *in;
	unsigned long n = 0;
	char path[64];
	int fd;

	mmr_set_log_fn(quiet, NULL, MMR_LOG_ERROR);
	fd = memfd_create("fuzz-import", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (!mmr_ingest_open_file(path, &in)) {
		mmr_ingest_run(in, count, &n);
		mmr_ingest_close(in);
	}
	close(fd);
	return 0;
}
