/*
 * tests/fuzz/fuzz-v6check.c - libFuzzer target: the v6 trace.dat layout check on
 * arbitrary files. It walks lengths and offsets taken from the file and must never
 * read outside it or loop without end.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "ingest-local.h"

static void quiet(enum mmr_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd;

	mmr_set_log_fn(quiet, NULL, MMR_LOG_ERROR);
	fd = memfd_create("fuzz-v6", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	tracedat_check_v6(path);
	close(fd);
	return 0;
}
