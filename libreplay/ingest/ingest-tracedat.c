/*
 * ingest/ingest-tracedat.c - reading trace-cmd trace.dat files (versions 6 and 7,
 * compressed or not) through libtracecmd. Every buffer of the file (the top-level
 * one and any instance buffers, e.g. from `trace-cmd extract -B`) is read, merged
 * in timestamp order, into one run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <trace-cmd.h>
#include "ingest-local.h"

/*
 * Exported by libtracecmd (1.3) but declared only in its private header; the
 * strings point into the handle and live as long as it.
 */
const char *tracecmd_get_uname(struct tracecmd_input *handle);
const char *tracecmd_get_version(struct tracecmd_input *handle);
const char *tracecmd_get_trace_clock(struct tracecmd_input *handle);
const char *tracecmd_get_cpustats(struct tracecmd_input *handle);
int tracecmd_page_size(struct tracecmd_input *handle);

#define TRACEDAT_MAGIC "\027\010\104tracing"

struct mmr_ingest {
	char			*path;
	int			file_version;
	struct tracecmd_input	**handles;	/* [0] is the file, then instance buffers */
	int			nr_handles;
	struct tep_handle	*tep;
	struct ingest_decoder	dec;
	char			uname_copy[256];
	const char		*host, *release, *machine;
	char			clock[64];
	int			nr_cpus;
	struct mmr_cpu_stat	*cpu_stats;	/* [nr_cpus] */
	uint64_t		lost;
	/* iteration */
	mmr_event_fn		fn;
	void			*arg;
	int			stop_value;
	int			error;
	uint64_t		nr_events;
	uint64_t		last_ts;
};

/*
 * Checks the file header before libtracecmd sees it, to tell "not a trace.dat"
 * and "a version we do not read" apart from other damage.
 */
static int tracedat_check_header(const char *path, int *version)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if ((size_t)n < sizeof(TRACEDAT_MAGIC) || memcmp(buf, TRACEDAT_MAGIC,
							 sizeof(TRACEDAT_MAGIC) - 1)) {
		mmr_err("'%s' is not a trace-cmd trace.dat file", path);
		return -MMR_E_FORMAT;
	}
	const char *v = buf + sizeof(TRACEDAT_MAGIC) - 1;
	char *end;
	long ver = strtol(v, &end, 10);

	if (end == v || *end != '\0') {
		mmr_err("'%s': damaged trace.dat header", path);
		return -MMR_E_FORMAT;
	}
	if (ver != 6 && ver != 7) {
		mmr_err("'%s': trace.dat version %ld is not supported (6 and 7 are)", path, ver);
		return -MMR_E_VERSION;
	}
	*version = (int)ver;
	return 0;
}

/* Parses "CPU: n ... overrun: n ... dropped events: n" blocks of the CPUSTAT option. */
static void tracedat_parse_cpustats(struct mmr_ingest *in, const char *text)
{
	int cpu = -1;

	for (const char *line = text; line && *line; ) {
		const char *nl = strchr(line, '\n');
		long long v;

		if (sscanf(line, "CPU: %d", &cpu) == 1) {
			/* per buffer blocks repeat CPU numbers: counters add up */
		} else if (cpu >= 0 && cpu < in->nr_cpus) {
			struct mmr_cpu_stat *cs = &in->cpu_stats[cpu];

			if (sscanf(line, "overrun: %lld", &v) == 1)
				cs->overrun = (cs->overrun < 0 ? 0 : cs->overrun) + v;
			else if (sscanf(line, "commit overrun: %lld", &v) == 1)
				cs->commit_overrun = (cs->commit_overrun < 0 ? 0 :
						      cs->commit_overrun) + v;
			else if (sscanf(line, "dropped events: %lld", &v) == 1)
				cs->dropped_events = (cs->dropped_events < 0 ? 0 :
						      cs->dropped_events) + v;
			else if (sscanf(line, "read events: %lld", &v) == 1)
				cs->read_events = (cs->read_events < 0 ? 0 : cs->read_events) + v;
		}
		if (!strncmp(line, "Buffer:", 7))
			cpu = -1;
		line = nl ? nl + 1 : NULL;
	}
}

static void tracedat_parse_uname(struct mmr_ingest *in, const char *uname)
{
	char *save, *word[4] = { 0 };
	int n = 0;

	if (!uname)
		return;
	snprintf(in->uname_copy, sizeof(in->uname_copy), "%s", uname);
	for (char *w = strtok_r(in->uname_copy, " ", &save); w && n < 4;
	     w = strtok_r(NULL, " ", &save))
		word[n++] = w;
	/* "sysname nodename release machine" as trace-cmd writes it */
	in->host = word[1];
	in->release = word[2];
	in->machine = word[3];
}

/* The clock option lists every clock with the one in use in brackets. */
static void tracedat_parse_clock(struct mmr_ingest *in, const char *clocks)
{
	const char *a = clocks ? strchr(clocks, '[') : NULL;
	const char *b = a ? strchr(a, ']') : NULL;

	if (a && b && b - a - 1 < (long)sizeof(in->clock)) {
		memcpy(in->clock, a + 1, (size_t)(b - a - 1));
		in->clock[b - a - 1] = '\0';
	} else if (clocks && *clocks && !strchr(clocks, ' ')) {
		snprintf(in->clock, sizeof(in->clock), "%s", clocks);
	} else {
		snprintf(in->clock, sizeof(in->clock), "local");
	}
}

int mmr_ingest_open_file(const char *path, struct mmr_ingest **out)
{
	struct mmr_ingest *in;
	int err, nbuf;

	err = tracedat_check_header(path, &(int){ 0 });
	if (err) {
		if (err == -ENOENT || err == -EACCES || err == -EISDIR)
			mmr_err("cannot open '%s': %s", path, mmr_strerror(err));
		return err;
	}
	in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->path = strdup(path);
	if (!in->path) {
		err = -ENOMEM;
		goto fail;
	}
	tracedat_check_header(path, &in->file_version);

	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	/* Plugins would only change printing; we decode raw fields. */
	struct tracecmd_input *h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS |
						 TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!h) {
		mmr_err("'%s': damaged or truncated trace.dat (libtracecmd cannot open it)", path);
		err = -MMR_E_FORMAT;
		goto fail;
	}
	nbuf = tracecmd_buffer_instances(h);
	in->handles = calloc((size_t)nbuf + 1, sizeof(*in->handles));
	if (!in->handles) {
		tracecmd_close(h);
		err = -ENOMEM;
		goto fail;
	}
	in->handles[in->nr_handles++] = h;
	for (int i = 0; i < nbuf; i++) {
		struct tracecmd_input *b = tracecmd_buffer_instance_handle(h, i);

		if (!b) {
			mmr_err("'%s': cannot read buffer '%s'", path,
				tracecmd_buffer_instance_name(h, i));
			err = -MMR_E_FORMAT;
			goto fail;
		}
		in->handles[in->nr_handles++] = b;
	}
	in->tep = tracecmd_get_tep(h);
	if (!in->tep) {
		err = -MMR_E_FORMAT;
		goto fail;
	}
	err = decoder_init(&in->dec, in->tep);
	if (err)
		goto fail;
	in->nr_cpus = tep_get_cpus(in->tep);
	for (int i = 1; i < in->nr_handles; i++) {
		struct tep_handle *t = tracecmd_get_tep(in->handles[i]);
		if (t && tep_get_cpus(t) > in->nr_cpus)
			in->nr_cpus = tep_get_cpus(t);
	}
	if (in->nr_cpus <= 0 || in->nr_cpus > 65536) {
		mmr_err("'%s': implausible CPU count %d", path, in->nr_cpus);
		err = -MMR_E_FORMAT;
		goto fail;
	}
	in->cpu_stats = calloc((size_t)in->nr_cpus, sizeof(*in->cpu_stats));
	if (!in->cpu_stats) {
		err = -ENOMEM;
		goto fail;
	}
	for (int c = 0; c < in->nr_cpus; c++) {
		struct mmr_cpu_stat *cs = &in->cpu_stats[c];

		cs->cpu = c;
		cs->overrun = cs->commit_overrun = cs->dropped_events = cs->read_events = -1;
	}
	tracedat_parse_cpustats(in, tracecmd_get_cpustats(h));
	tracedat_parse_uname(in, tracecmd_get_uname(h));
	tracedat_parse_clock(in, tracecmd_get_trace_clock(h));
	*out = in;
	return 0;
fail:
	mmr_ingest_close(in);
	return err;
}

void mmr_ingest_close(struct mmr_ingest *in)
{
	if (!in)
		return;
	if (in->tep)
		decoder_release(&in->dec);
	/* instance handles first: they reference the file handle */
	for (int i = in->nr_handles - 1; i >= 0; i--)
		tracecmd_close(in->handles[i]);
	free(in->handles);
	free(in->cpu_stats);
	free(in->path);
	free(in);
}

static int tracedat_record(struct tracecmd_input *handle, struct tep_record *rec, int cpu,
			   void *data)
{
	struct mmr_ingest *in = data;
	struct mmr_event ev;
	int ret;

	(void)handle;
	if (rec->missed_events && cpu >= 0 && cpu < in->nr_cpus) {
		/* -1: the buffer says "some", without a number */
		uint64_t n = rec->missed_events > 0 ? (uint64_t)rec->missed_events : 1;
		in->cpu_stats[cpu].lost_events += (int64_t)n;
		in->lost += n;
	}
	ret = decoder_decode(&in->dec, rec, &ev);
	if (ret < 0) {
		in->error = ret;
		return 1;
	}
	if (ret > 0)
		return 0;
	ev.cpu = cpu;
	in->nr_events++;
	in->last_ts = rec->ts;
	ret = in->fn(&ev, in->arg);
	if (ret) {
		in->stop_value = ret;
		return 1;
	}
	return 0;
}

int mmr_ingest_run(struct mmr_ingest *in, mmr_event_fn fn, void *arg)
{
	int ret;

	in->fn = fn;
	in->arg = arg;
	in->stop_value = 0;
	in->error = 0;
	ret = tracecmd_iterate_events_multi(in->handles, in->nr_handles, tracedat_record, in);
	if (in->error)
		return in->error;
	if (in->stop_value)
		return in->stop_value;
	if (ret < 0) {
		mmr_err("'%s': reading events failed", in->path);
		return -MMR_E_FORMAT;
	}
	if (in->dec.nr_bad)
		mmr_warn("'%s': %llu records could not be decoded and were skipped", in->path,
			 (unsigned long long)in->dec.nr_bad);
	return 0;
}

void mmr_ingest_run_info(struct mmr_ingest *in, struct mmr_run_info *info)
{
	memset(info, 0, sizeof(*info));
	info->kind = "import";
	info->source = in->path;
	info->host = in->host;
	info->kernel_release = in->release;
	info->clock = in->clock;
	info->nr_cpus = in->nr_cpus;
}

uint64_t mmr_ingest_lost(const struct mmr_ingest *in)
{
	return in->lost;
}

int mmr_ingest_save(struct mmr_ingest *in, struct mmr_store *st, int64_t run_id)
{
	struct tracecmd_input *h = in->handles[0];
	char num[32];
	int err;

	const struct { const char *key; const char *value; } facts[] = {
		{ "uname", tracecmd_get_uname(h) },
		{ "machine", in->machine },
		{ "trace_cmd_version", tracecmd_get_version(h) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(facts); i++) {
		if (!facts[i].value)
			continue;
		err = mmr_store_run_fact(st, run_id, facts[i].key, facts[i].value);
		if (err)
			return err;
	}
	snprintf(num, sizeof(num), "%d", in->file_version);
	err = mmr_store_run_fact(st, run_id, "trace_dat_version", num);
	if (!err) {
		snprintf(num, sizeof(num), "%d", tracecmd_page_size(h));
		err = mmr_store_run_fact(st, run_id, "page_size", num);
	}
	if (!err) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)in->dec.nr_bad);
		err = mmr_store_run_fact(st, run_id, "undecodable_records", num);
	}
	if (err)
		return err;
	for (int c = 0; c < in->nr_cpus; c++) {
		err = mmr_store_cpu_stat(st, run_id, &in->cpu_stats[c]);
		if (err)
			return err;
	}
	err = decoder_save_gfp_flags(&in->dec, st, run_id);
	if (!err)
		err = decoder_save_tasks(&in->dec, st, run_id);
	return err;
}
