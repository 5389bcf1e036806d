/*
 * tests/fuzz/fuzz-decode.c - libFuzzer target: arbitrary bytes as the data of a
 * ring-buffer record, decoded against real event formats (tests/fuzz/formats).
 * The decoder must stay inside the record whatever the bytes say (fixed fields,
 * __data_loc strings, char arrays, unknown event ids).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ingest-local.h"

static struct tep_handle *tep;
static struct ingest_decoder dec;

static void quiet(enum mmr_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	DIR *dir = opendir(MMR_FUZZ_FORMATS);
	struct dirent *de;

	(void)argc;
	(void)argv;
	mmr_set_log_fn(quiet, NULL, MMR_LOG_ERROR);
	tep_set_loglevel(TEP_LOG_NONE);
	tep = tep_alloc();
	if (!dir || !tep)
		abort();
	while ((de = readdir(dir))) {
		char path[512], system[64], *buf;
		const char *dash = strchr(de->d_name, '-');
		size_t len;

		if (!dash || !strstr(de->d_name, ".format"))
			continue;
		snprintf(system, sizeof(system), "%.*s", (int)(dash - de->d_name), de->d_name);
		snprintf(path, sizeof(path), "%s/%s", MMR_FUZZ_FORMATS, de->d_name);
		if (read_text_file(path, &buf, &len))
			abort();
		if (tep_parse_event(tep, buf, len, system))
			abort();
		free(buf);
	}
	closedir(dir);
	if (decoder_init(&dec, tep))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tep_record rec;
	struct mmr_event ev;
	void *copy;

	if (size > 4096)
		return 0;
	copy = malloc(size ? size : 1);	/* exact size: ASan sees every overread */
	memcpy(copy, data, size);
	memset(&rec, 0, sizeof(rec));
	rec.data = copy;
	rec.size = (int)size;
	rec.ts = 1;
	if (decoder_decode(&dec, &rec, &ev) == 0) {
		/* touch what the decoder handed out */
		volatile size_t n = 0;
		if (ev.str)
			n += strlen(ev.str);
		if (ev.extra)
			n += strlen(ev.extra);
		if (ev.json)
			n += strlen(ev.json);
		(void)n;
	}
	free(copy);
	return 0;
}
