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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
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
int tracecmd_cpus(struct tracecmd_input *handle);
struct tep_record *tracecmd_read_cpu_last(struct tracecmd_input *handle, int cpu);
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
	/* iteration, in the reader process and its segment processes */
	struct tracedat_shared	*sh;
	struct wire_out		*out;
	int			error;
};

/* MSG_U64 keys from the reader process */
enum { KEY_CPU_LOST = 1, KEY_BAD, KEY_PIDS, KEY_MAXRSS };

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

#define TRACEDAT_OPEN_FLAGS (TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS)

/*
 * libtracecmd 1.3 crashes (in tracecmd_close(), on the error path of
 * tracecmd_buffer_instance_handle()) when the section of an instance buffer is
 * damaged. Opening takes milliseconds, so we first do it in a child process, and a crash
 * there becomes a clean error here. Return: 0 if the child opened everything.
 */
static int tracedat_probe_open(const char *path)
{
	int status, devnull;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 0;	/* cannot probe: let the real open take its chances */
	if (pid == 0) {
		struct tracecmd_input *h;

		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0 && !getenv("MMR_PROBE_DEBUG"))
			dup2(devnull, STDERR_FILENO);
		h = tracecmd_open(path, TRACEDAT_OPEN_FLAGS);
		if (!h)
			_exit(2);
		for (int i = -1; i < tracecmd_buffer_instances(h); i++) {
			struct tracecmd_input *b = i < 0 ? h : tracecmd_buffer_instance_handle(h, i);

			if (!b)
				_exit(2);
			if (b != h)
				tracecmd_close(b);
		}
		tracecmd_close(h);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	mmr_err("'%s': damaged trace.dat (libtracecmd %s while opening it)", path,
		WIFSIGNALED(status) || WEXITSTATUS(status) != 2 ? "crashed" : "failed");
	return -MMR_E_FORMAT;
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
	if (in->file_version == 6) {
		err = tracedat_check_v6(path);
		if (err)
			goto fail;
	}

	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	err = tracedat_probe_open(path);
	if (err)
		goto fail;
	/* Plugins would only change printing; we decode raw fields. */
	struct tracecmd_input *h = tracecmd_open(path, TRACEDAT_OPEN_FLAGS);
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

/*
 * Reading in segments.
 *
 * libtracecmd 1.3, as Debian builds it, decompresses a compressed (v7) file one
 * chunk at a time into memory and never frees a chunk before the handle is
 * closed: the range test in its chunk release is inverted, and the mode that
 * decompresses into a temporary file instead is chosen at build time, not at run
 * time. Read in one go, a compressed trace costs as much memory as its
 * decompressed ring-buffer pages.
 *
 * So the reader process reads in segments. It reads a short first one itself
 * (a small trace needs nothing more), then forks one segment process after
 * another from that state, each ready before its turn. A segment puts every CPU stream where the previous
 * one stopped (tracecmd_set_cursor(), checked against the offset and timestamp
 * noted then), merges the streams by time as tracecmd_iterate_events_multi()
 * does, and exits after a number of ring-buffer pages; its chunks go with it.
 * Positions, counters and totals live in memory shared with the reader process.
 * Uncompressed files take the same path: read in one go, the file pages the
 * library maps stayed resident too (258 MiB for a 7.3M-event v7 file, 20 MiB in
 * segments).
 *
 * A segment's first chunk of each stream (10 pages, as trace-cmd writes them) is
 * decompressed again by the next segment, so a segment covers 128 pages a stream:
 * under 8% of the decompression is repeated. Between 8 and 64 MiB of pages.
 */
#define SEGMENT_PAGES_PER_STREAM	128
#define SEGMENT_PAGES_MIN		2048
#define SEGMENT_PAGES_MAX		16384

/* Exported by libtracecmd 1.3, declared only in its private header. */
struct tep_record *tracecmd_peek_data(struct tracecmd_input *handle, int cpu);
int tracecmd_set_cursor(struct tracecmd_input *handle, int cpu, unsigned long long offset);

/* One CPU of one buffer. */
struct tracedat_stream {
	int		handle;		/* index in in->handles */
	int		cpu;		/* that handle's CPU slot */
	int		started;	/* a segment has peeked at it */
	int		done;		/* it has no more records */
	uint64_t	next_off;	/* started && !done: the next record to read */
	uint64_t	next_ts;
};

/* Shared between the reader process and its segment processes. */
struct tracedat_shared {
	int			finished;	/* every stream is done */
	int			nr_streams;
	uint64_t		nr_bad;		/* records that did not decode */
	struct tracedat_stream	*streams;	/* [nr_streams] */
	uint64_t		*seen;		/* [nr_handles * nr_cpus]: records read */
	uint64_t		*seen_ts;	/* ... and the timestamp of the last one */
	int64_t			*lost;		/* [nr_cpus]: events the ring buffer dropped */
};

static struct tracedat_shared *tracedat_shared_new(struct mmr_ingest *in)
{
	size_t nr_streams = 0, nr_slots = (size_t)in->nr_handles * (size_t)in->nr_cpus;
	struct tracedat_shared *sh;
	size_t size;
	char *p;

	for (int h = 0; h < in->nr_handles; h++) {
		int n = tracecmd_cpus(in->handles[h]);

		if (n > 0)
			nr_streams += (size_t)n;
	}
	size = sizeof(*sh) + nr_streams * sizeof(*sh->streams) +
	       2 * nr_slots * sizeof(uint64_t) + (size_t)in->nr_cpus * sizeof(int64_t);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	sh = (struct tracedat_shared *)p;	/* the mapping is zeroed; it lives until _exit() */
	p += sizeof(*sh);
	sh->streams = (struct tracedat_stream *)p;
	p += nr_streams * sizeof(*sh->streams);
	sh->seen = (uint64_t *)p;
	p += nr_slots * sizeof(uint64_t);
	sh->seen_ts = (uint64_t *)p;
	p += nr_slots * sizeof(uint64_t);
	sh->lost = (int64_t *)p;
	for (int h = 0; h < in->nr_handles; h++) {
		for (int c = 0; c < tracecmd_cpus(in->handles[h]); c++) {
			struct tracedat_stream *s = &sh->streams[sh->nr_streams++];

			s->handle = h;
			s->cpu = c;
		}
	}
	return sh;
}

/* One record, in a segment process: count it, decode it, send it. */
static int tracedat_record(struct mmr_ingest *in, int h, struct tep_record *rec)
{
	struct tracedat_shared *sh = in->sh;
	struct mmr_event ev;
	int ret, cpu = rec->cpu;

	/* the record's own cpu is the real CPU number */
	if (cpu >= 0 && cpu < in->nr_cpus) {
		sh->seen_ts[h * in->nr_cpus + cpu] = rec->ts;
		sh->seen[h * in->nr_cpus + cpu]++;
		if (rec->missed_events) {
			/* -1: the buffer says "some", without a number */
			uint64_t n = rec->missed_events > 0 ? (uint64_t)rec->missed_events : 1;
			sh->lost[cpu] += (int64_t)n;
		}
	}
	ret = decoder_decode(&in->dec, rec, &ev);
	if (ret < 0) {
		in->error = ret;
		return 1;
	}
	if (ret > 0)
		return 0;
	if (wire_put_event(in->out, &ev)) {
		in->error = -EPIPE;
		return 1;
	}
	return 0;
}

/* Sends the pids the decoder has seen; the importer adds them to its own set. */
static void tracedat_put_pids(struct mmr_ingest *in)
{
	uint64_t v[8];
	int n = 0;

	if (in->dec.pids.has_zero)
		v[n++] = 0;
	for (unsigned int i = 0; i < in->dec.pids.cap; i++) {
		if (!in->dec.pids.slot[i])
			continue;
		v[n++] = (uint64_t)in->dec.pids.slot[i];
		if (n == (int)ARRAY_SIZE(v)) {
			wire_put_u64(in->out, KEY_PIDS, v, n);
			n = 0;
		}
	}
	if (n)
		wire_put_u64(in->out, KEY_PIDS, v, n);
}

/*
 * One segment: reads about @budget pages from where the last segment stopped.
 * Return: 0 (sh->finished tells whether anything is left), 3 after an error it
 * reported, 4 when the importer went away; the exit status of a segment process.
 */
static int tracedat_segment(struct mmr_ingest *in, uint64_t budget)
{
	struct tracedat_shared *sh = in->sh;
	uint64_t *page, pages = 0, bad = in->dec.nr_bad;
	struct tep_record **next;
	int ret = 0;

	next = calloc((size_t)sh->nr_streams + 1, sizeof(*next));
	page = calloc((size_t)sh->nr_streams + 1, sizeof(*page));
	if (!next || !page) {
		mmr_err("'%s': out of memory", in->path);
		ret = 3;
		goto out;
	}
	for (int i = 0; i < sh->nr_streams; i++) {
		struct tracedat_stream *s = &sh->streams[i];
		struct tracecmd_input *h = in->handles[s->handle];

		if (s->done)
			continue;
		if (s->started && tracecmd_set_cursor(h, s->cpu, s->next_off) < 0)
			next[i] = NULL;
		else
			next[i] = tracecmd_peek_data(h, s->cpu);
		if (s->started && (!next[i] || next[i]->offset != s->next_off ||
				   next[i]->ts != s->next_ts)) {
			mmr_err("'%s': the reader lost its place in buffer %d, CPU %d", in->path,
				s->handle, s->cpu);
			ret = 3;
			goto out;
		}
		s->started = 1;
		if (!next[i]) {
			s->done = 1;
			continue;
		}
		s->next_off = next[i]->offset;
		s->next_ts = next[i]->ts;
		page[i] = UINT64_MAX;
	}
	for (;;) {
		struct tracedat_stream *s;
		struct tracecmd_input *h;
		struct tep_record *rec;
		int best = -1, stop;
		uint64_t pg;

		/* the earliest record; the first stream wins a tie, as in libtracecmd */
		for (int i = 0; i < sh->nr_streams; i++) {
			if (next[i] && (best < 0 || next[i]->ts < next[best]->ts))
				best = i;
		}
		if (best < 0) {
			sh->finished = 1;
			break;
		}
		s = &sh->streams[best];
		h = in->handles[s->handle];
		rec = tracecmd_read_data(h, s->cpu);
		next[best] = tracecmd_peek_data(h, s->cpu);
		stop = tracedat_record(in, s->handle, rec);
		pg = rec->offset / (uint64_t)tracecmd_page_size(h);
		tracecmd_free_record(rec);
		if (stop) {
			ret = in->error == -EPIPE ? 4 : 3;
			goto out;
		}
		if (next[best]) {
			s->next_off = next[best]->offset;
			s->next_ts = next[best]->ts;
		} else {
			s->done = 1;
		}
		if (pg != page[best]) {
			page[best] = pg;
			if (++pages >= budget)
				break;
		}
	}
	sh->nr_bad += in->dec.nr_bad - bad;
	tracedat_put_pids(in);
out:
	free(next);
	free(page);
	if (wire_flush(in->out))
		ret = 4;
	return ret;
}

/*
 * libtracecmd stops reading a CPU quietly when a compressed chunk is damaged.
 * Every CPU stream must have been read up to its last record; anything less means
 * events were lost in the file, not in the ring buffer.
 */
static int tracedat_check_complete(struct mmr_ingest *in)
{
	struct tracedat_shared *sh = in->sh;

	for (int h = 0; h < in->nr_handles; h++) {
		for (int c = 0; c < in->nr_cpus; c++) {
			size_t i = (size_t)(h * in->nr_cpus + c);
			struct tep_record *last;
			uint64_t lts;

			/*
			 * Only streams that delivered records: libtracecmd does not check
			 * the CPU number, and a buffer without data (the empty top-level
			 * buffer of an instance-only file) has no per-CPU state to read.
			 * A stream that delivered nothing is covered by the count check.
			 */
			if (!sh->seen[i])
				continue;
			last = tracecmd_read_cpu_last(in->handles[h], c);
			if (!last)
				continue;
			lts = last->ts;
			tracecmd_free_record(last);
			if (sh->seen_ts[i] >= lts)
				continue;
			mmr_err("'%s': damaged trace.dat: CPU %d data stops at %.6f s but the file "
				"has records up to %.6f s", in->path, c, (double)sh->seen_ts[i] / 1e9,
				(double)lts / 1e9);
			return -MMR_E_FORMAT;
		}
	}
	/*
	 * A damaged chunk in the middle is skipped without a word. The recorder
	 * stored how many events it read from each CPU's ring buffer (CPUSTAT "read
	 * events"); the file must hold at least that many.
	 */
	for (int c = 0; c < in->nr_cpus; c++) {
		uint64_t got = 0;
		int64_t want = in->cpu_stats[c].read_events;

		for (int h = 0; h < in->nr_handles; h++)
			got += sh->seen[h * in->nr_cpus + c];
		if (want >= 0 && got < (uint64_t)want) {
			mmr_err("'%s': damaged trace.dat: CPU %d holds %llu events but %lld were "
				"recorded", in->path, c, (unsigned long long)got, (long long)want);
			return -MMR_E_FORMAT;
		}
	}
	return 0;
}

/* In the reader process, libreplay's log lines travel to the importer. */
static void tracedat_child_log(enum mmr_log_level level, const char *msg, void *arg)
{
	wire_put_log(arg, (int)level, msg);
}

/* Pages a segment reads; MMR_READER_SEGMENT_PAGES overrides it (for tests). */
static uint64_t tracedat_segment_pages(int nr_streams)
{
	uint64_t n = (uint64_t)nr_streams * SEGMENT_PAGES_PER_STREAM;
	const char *e = getenv("MMR_READER_SEGMENT_PAGES");
	unsigned long long v;
	char *end;

	if (e && *e) {
		v = strtoull(e, &end, 10);
		if (!*end && v)
			return (uint64_t)v;
	}
	return n < SEGMENT_PAGES_MIN ? SEGMENT_PAGES_MIN :
	       n > SEGMENT_PAGES_MAX ? SEGMENT_PAGES_MAX : n;
}

/*
 * Forks a segment process that waits for the baton (a byte on @baton[0]), reads
 * one segment and passes the baton on. Return: its pid; on failure we exit.
 */
static pid_t tracedat_fork_segment(struct mmr_ingest *in, uint64_t budget, const int baton[2])
{
	pid_t parent = getpid(), pid;
	char b;
	int ret;

	pid = fork();
	if (pid < 0) {
		mmr_err("'%s': cannot start a reader segment: %s", in->path,
			mmr_strerror(-errno));
		_exit(wire_flush(in->out) ? 4 : 3);
	}
	if (pid > 0)
		return pid;
	/* the importer kills the reader process when it stops early, and so us */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(4);
	while ((ret = (int)read(baton[0], &b, 1)) < 0 && errno == EINTR)
		;
	if (ret != 1)
		_exit(4);
	ret = tracedat_segment(in, budget);
	if (!ret && write(baton[1], "", 1) != 1)
		ret = 3;
	_exit(ret);
}

/* The reader process: runs the segments, checks, sends the totals; never returns. */
static void __attribute__((noreturn)) tracedat_child(struct mmr_ingest *in, int fd)
{
	static struct wire_out out;
	struct tracedat_shared *sh;
	uint64_t budget;
	int devnull, status, ret;
	uint64_t v[2];

	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0)
		dup2(devnull, STDERR_FILENO);	/* the libraries' own chatter */
	wire_out_init(&out, fd);
	in->out = &out;
	mmr_set_log_fn(tracedat_child_log, &out, MMR_LOG_WARN);

	sh = in->sh = tracedat_shared_new(in);
	if (!sh) {
		mmr_err("'%s': cannot map the reader's shared state: %s", in->path,
			mmr_strerror(-errno));
		_exit(wire_flush(&out) ? 4 : 3);
	}
	budget = tracedat_segment_pages(sh->nr_streams);
	/*
	 * A quarter segment here first: a small trace is read without another
	 * process. Its chunks stay in this process (and in every segment forked
	 * from it), so it is kept short.
	 */
	ret = tracedat_segment(in, (budget + 3) / 4);
	if (ret)
		_exit(ret);
	if (!sh->finished) {
		int baton[2];
		pid_t cur, next;

		if (pipe2(baton, O_CLOEXEC)) {
			mmr_err("'%s': cannot start the reader segments: %s", in->path,
				mmr_strerror(-errno));
			_exit(wire_flush(&out) ? 4 : 3);
		}
		/*
		 * The next segment process is forked while the current one reads,
		 * and waits for the baton: the current one passes it when its
		 * last event is in the pipe. Its exit and our fork are off the
		 * importer's path.
		 */
		if (write(baton[1], "", 1) != 1)
			_exit(3);
		cur = tracedat_fork_segment(in, budget, baton);
		while (cur > 0) {
			next = sh->finished ? 0 : tracedat_fork_segment(in, budget, baton);
			while (waitpid(cur, &status, 0) < 0) {
				if (errno != EINTR)
					_exit(3);
			}
			/* on our exit, a segment still waiting is killed (PDEATHSIG) */
			if (WIFSIGNALED(status)) {
				mmr_err("'%s': damaged trace.dat (the reader crashed with signal "
					"%d)", in->path, WTERMSIG(status));
				_exit(wire_flush(&out) ? 4 : 3);
			}
			if (WEXITSTATUS(status))
				_exit(WEXITSTATUS(status));
			cur = next;
		}
	}
	if (tracedat_check_complete(in)) {
		wire_flush(&out);
		_exit(3);
	}
	for (int c = 0; c < in->nr_cpus; c++) {
		v[0] = (uint64_t)c;
		v[1] = (uint64_t)sh->lost[c];
		wire_put_u64(&out, KEY_CPU_LOST, v, 2);
	}
	v[0] = sh->nr_bad;
	wire_put_u64(&out, KEY_BAD, v, 1);
	/* the peak of this process or of its largest segment */
	struct rusage self_ru, seg_ru;
	if (!getrusage(RUSAGE_SELF, &self_ru) && !getrusage(RUSAGE_CHILDREN, &seg_ru)) {
		v[0] = (uint64_t)(self_ru.ru_maxrss > seg_ru.ru_maxrss ? self_ru.ru_maxrss :
				  seg_ru.ru_maxrss);
		wire_put_u64(&out, KEY_MAXRSS, v, 1);
	}
	wire_put_end(&out);
	_exit(wire_flush(&out) ? 4 : 0);
}

/* Applies a counter message from the reader process. */
static void tracedat_apply(struct mmr_ingest *in, const struct wire_msg *m)
{
	if (m->key == KEY_CPU_LOST && m->nval == 2 && m->u64[0] < (uint64_t)in->nr_cpus) {
		in->cpu_stats[m->u64[0]].lost_events = (int64_t)m->u64[1];
		in->lost += m->u64[1];
	} else if (m->key == KEY_BAD && m->nval == 1) {
		in->dec.nr_bad = m->u64[0];
	} else if (m->key == KEY_MAXRSS && m->nval == 1) {
		mmr_info("'%s': the reader process peaked at %llu MiB resident", in->path,
			 (unsigned long long)(m->u64[0] / 1024));
	} else if (m->key == KEY_PIDS) {
		for (int i = 0; i < m->nval; i++)
			pid_set_add(&in->dec.pids, (int)m->u64[i]);
	}
}

/*
 * Reading happens in a child process: libtracecmd and libtraceevent trust the
 * file, and a damaged ring-buffer page can crash them (see
 * ingest-tracedat-check.c). The child decodes and streams events over a pipe;
 * a crash there is an error here. It also lets decoding and the consumer (SQLite
 * inserts, for an import) run on two CPUs at once.
 */
int mmr_ingest_run(struct mmr_ingest *in, mmr_event_fn fn, void *arg)
{
	struct wire_in r;
	struct wire_msg *m;
	int fds[2], status, ret = 0, ended = 0;
	pid_t pid;

	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC)) {
		free(m);
		return -errno;
	}
	fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);	/* best effort */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		free(m);
		return ret;
	}
	if (pid == 0) {
		close(fds[0]);
		tracedat_child(in, fds[1]);
	}
	close(fds[1]);
	ret = wire_in_init(&r, fds[0]);
	while (!ret) {
		int got = wire_next(&r, m);

		if (got <= 0) {
			ret = got;
			break;
		}
		if (m->kind == MSG_EVENT) {
			ret = fn(&m->ev, arg);
		} else if (m->kind == MSG_LOG) {
			mmr_log((enum mmr_log_level)m->level, "%s", m->text);
		} else if (m->kind == MSG_U64) {
			tracedat_apply(in, m);
		} else if (m->kind == MSG_END) {
			ended = 1;
			break;
		}
	}
	wire_in_release(&r);
	free(m);
	close(fds[0]);
	if (ret || !ended)
		kill(pid, SIGKILL);	/* stopped early, or already gone */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret)
		return ret;	/* the consumer's value or our own error */
	if (!ended) {
		if (WIFSIGNALED(status))
			mmr_err("'%s': damaged trace.dat (the reader crashed with signal %d)",
				in->path, WTERMSIG(status));
		else if (WEXITSTATUS(status) != 3)	/* 3: it already said why */
			mmr_err("'%s': the reader failed (status %d)", in->path,
				WEXITSTATUS(status));
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
