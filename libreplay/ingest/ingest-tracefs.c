/*
 * ingest/ingest-tracefs.c - the live recorder: a private tracefs instance, its
 * per-CPU raw ring buffers read a page at a time, pages parsed with kbuffer,
 * records decoded by the decoder that import uses (ingest-decode.c) and written
 * through the store's writer, merged across CPUs in timestamp order.
 *
 * Safety on a production host: only our instance "mmreplay-<pid>" is written
 * (its events, buffer size, clock, tracing_on); the top-level instance and
 * /proc/sys/kernel/ftrace_enabled are never written. The instance is removed by
 * mmr_record_close() and, should this process die first (a crash, SIGKILL), by a
 * watchdog process that waits for our end on a pipe.
 *
 * Two threads: a reader thread drains the per-CPU buffers into a queue of pages in
 * memory, so that a slow commit (fsync) never stalls reading and overruns the ring
 * buffer; the calling thread parses, decodes and writes. Ordering: the instance
 * uses the "mono" trace clock (CLOCK_MONOTONIC). A read that finds a CPU's buffer
 * empty at time t proves that every record that CPU committed before t has been
 * read; the writer stores, in timestamp order, the records older than the least
 * such t over all CPUs (less HOLD_NS) and holds later ones until the reader
 * vouches for them. The same clock timestamps the vmstat/PSI samples and the
 * snapshots, so they line up with the events.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <kbuffer.h>
#include <tracefs.h>
#include "ingest-local.h"

#define HOLD_NS			(2 * 1000 * 1000ull)	/* reserve-to-commit window, generous */
#define PAGES_PER_ROUND		256			/* per CPU, before the others get a turn */
#define IDLE_SLEEP_NS		(10 * 1000 * 1000)	/* writer: longest wait for pages */
#define READ_SLEEP_NS		(20 * 1000 * 1000)	/* reader: pause once caught up */
#define PAGE_SLACK		256	/* a page with less room left than this is full */
#define STALE_HORIZON_NS	(2000 * 1000 * 1000ull)
#define STATUS_NS		(500 * 1000 * 1000ull)
#define DEFAULT_BUFFER_KB	16384
#define MAX_SPECS		256
#define MAX_QUEUED_BYTES	(256u << 20)	/* read but not yet stored; past it the
						 * kernel buffer absorbs, then overruns */

struct rec_page {
	struct rec_page	*next;
	char		data[];		/* one sub-buffer (page) as the kernel wrote it */
};

struct rec_cpu {
	int			cpu;
	int			fd;		/* per_cpu/cpuN/trace_pipe_raw, non-blocking */
	struct kbuffer		*kbuf;
	struct kbuffer		*rkbuf;		/* the reader thread's, to size pages */
	uint64_t		empty_at;	/* reader: all committed before was read */
	struct rec_page		*in_head, *in_tail;	/* read by the reader thread (lock) */
	struct rec_page		*head, *tail;	/* taken over by the writer, not yet parsed */
	struct rec_page		*cur;		/* loaded in kbuf */
	void			*ev;		/* current record of cur, NULL if none */
	int			in_heap;	/* in the writer's heap (has a record) */
	unsigned long long	ts;
	uint64_t		missed;		/* events the pages said were lost */
	struct mmr_cpu_stat	stat;
};

struct rec_event {
	char	system[64];
	char	name[128];	/* "" for a whole system */
	bool	missing;	/* not on this kernel */
};

struct mmr_recorder {
	struct tracefs_instance	*inst;
	char			name[64];
	char			*inst_dir;
	int			nr_cpus;
	struct rec_cpu		*cpus;
	struct rec_cpu		**heap;		/* writer: CPUs with a record, oldest first */
	int			nr_heap;
	size_t			page_size;
	struct rec_page		*free_pages;	/* (lock) */
	unsigned int		nr_queued;	/* pages read, not yet parsed (lock) */
	unsigned int		max_queued;
	/* the reader thread */
	pthread_t		reader;
	int			reader_running;
	pthread_mutex_t		lock;
	pthread_cond_t		cond;		/* pages arrived or the reader ended */
	uint64_t		drained_until;	/* every record older is read (lock) */
	int			reader_stop;	/* 1: drain and end (lock) */
	int			reader_done;	/* (lock) */
	int			reader_err;	/* (lock) */
	uint64_t		reader_stalls;	/* rounds stopped by max_queued (lock) */
	uint64_t		order_breaks;	/* rounds written without a read horizon (lock) */
	struct tep_handle	*tep;
	struct ingest_decoder	dec;
	int			dec_ready;
	int			mono;		/* the trace clock is CLOCK_MONOTONIC */
	struct mmr_record_opts	opts;
	struct strbuf		enabled, missing;	/* event names, for the host facts */
	pid_t			watchdog;
	int			watchdog_fd;
	/* the run being recorded */
	struct mmr_writer	*w;
	int64_t			run_id;
	uint64_t		first_ts, last_ts, n;
	uint64_t		t_off;		/* when tracing was switched off */
};

static void reader_join(struct mmr_recorder *r);

const char *mmr_record_instance(const struct mmr_recorder *r)
{
	return r->name;
}

/* ------------------------------------------------------------- watchdog */

/*
 * A child that outlives us by a moment: it blocks on a pipe whose only writer is
 * this process. EOF means we are gone (or done); it then removes the instance
 * directory, retrying while the kernel still holds our buffer files open. It has
 * its own process group, so a Ctrl-C or a group kill aimed at us spares it.
 */
static void watchdog_start(struct mmr_recorder *r)
{
	int p[2], devnull;
	pid_t pid;

	r->watchdog = -1;
	r->watchdog_fd = -1;
	if (pipe2(p, O_CLOEXEC))
		return;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		mmr_warn("cannot start the instance watchdog: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		char c;

		setpgid(0, 0);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		devnull = open("/dev/null", O_RDWR);
		for (int fd = 0; fd < 3 && devnull >= 0; fd++)
			dup2(devnull, fd);
		for (int fd = 3; fd < 4096; fd++)
			if (fd != p[0])
				close(fd);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		for (int i = 0; i < 100; i++) {
			if (!rmdir(r->inst_dir) || errno == ENOENT)
				_exit(0);
			usleep(50 * 1000);
		}
		_exit(1);
	}
	close(p[0]);
	r->watchdog = pid;
	r->watchdog_fd = p[1];
}

static void watchdog_stop(struct mmr_recorder *r)
{
	if (r->watchdog_fd >= 0)
		close(r->watchdog_fd);
	if (r->watchdog > 0)
		while (waitpid(r->watchdog, NULL, 0) < 0 && errno == EINTR)
			;
	r->watchdog = -1;
	r->watchdog_fd = -1;
}

/* ---------------------------------------------------------- event setup */

static int parse_spec(const char *spec, struct rec_event *e)
{
	const char *sep = strpbrk(spec, ":/");
	enum mmr_event_type t;

	memset(e, 0, sizeof(*e));
	if (sep) {
		if (sep == spec || !sep[1] || (size_t)(sep - spec) >= sizeof(e->system) ||
		    strlen(sep + 1) >= sizeof(e->name) || strpbrk(sep + 1, ":/"))
			return -MMR_E_INVAL;
		memcpy(e->system, spec, (size_t)(sep - spec));
		snprintf(e->name, sizeof(e->name), "%s", sep + 1);
		return 0;
	}
	if (!*spec || strlen(spec) >= sizeof(e->name))
		return -MMR_E_INVAL;
	for (t = 1; t < MMR_EV__COUNT; t++) {
		const struct mmr_event_desc *d = mmr_event_desc(t);

		if (!strcmp(d->name, spec)) {
			snprintf(e->system, sizeof(e->system), "%s", d->system);
			snprintf(e->name, sizeof(e->name), "%s", d->name);
			return 0;
		}
	}
	snprintf(e->system, sizeof(e->system), "%s", spec);	/* a whole system */
	return 0;
}

/* Adds the format of system:name to the recorder's tep. */
static int load_format(struct mmr_recorder *r, const char *system, const char *name)
{
	char *buf;
	int size = 0, err = 0;

	buf = tracefs_event_file_read(NULL, system, name, "format", &size);
	if (!buf || size <= 0) {
		free(buf);
		mmr_warn("cannot read the format of '%s:%s'", system, name);
		return 0;
	}
	if (tep_parse_event(r->tep, buf, (unsigned long)size, system)) {
		mmr_warn("cannot parse the format of '%s:%s'; its records are skipped", system,
			 name);
	}
	free(buf);
	return err;
}

/*
 * Enables one event (or a whole system) in our instance, by writing its enable
 * file there, and loads its format. Return: 1 enabled, 0 missing, or an error.
 */
static int enable_one(struct mmr_recorder *r, const struct rec_event *e)
{
	char path[320];
	char **names;
	int err = 0;

	if (e->name[0]) {
		snprintf(path, sizeof(path), "events/%s/%s/enable", e->system, e->name);
		if (!tracefs_file_exists(r->inst, path) ||
		    tracefs_instance_file_write(r->inst, path, "1") <= 0)
			return 0;
		sb_addf(&r->enabled, "%s%s:%s", r->enabled.len ? "," : "", e->system, e->name);
		err = load_format(r, e->system, e->name);
		return err ? err : 1;
	}
	snprintf(path, sizeof(path), "events/%s/enable", e->system);
	if (!tracefs_file_exists(r->inst, path) ||
	    tracefs_instance_file_write(r->inst, path, "1") <= 0)
		return 0;
	sb_addf(&r->enabled, "%s%s", r->enabled.len ? "," : "", e->system);
	names = tracefs_system_events(NULL, e->system);
	for (int i = 0; names && names[i] && !err; i++)
		err = load_format(r, e->system, names[i]);
	tracefs_list_free(names);
	return err ? err : 1;
}

/* An empty tep for this machine's formats: page header, sizes, byte order. */
static int tep_setup(struct mmr_recorder *r)
{
	char *buf;
	int size = 0;

	r->tep = tep_alloc();
	if (!r->tep)
		return -ENOMEM;
	tep_set_long_size(r->tep, (int)sizeof(long));
	tep_set_page_size(r->tep, getpagesize());
	tep_set_local_bigendian(r->tep, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
				TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_file_bigendian(r->tep, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
			       TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	buf = tracefs_instance_file_read(NULL, "events/header_page", &size);
	if (buf && size > 0)
		tep_parse_header_page(r->tep, buf, (unsigned long)size, (int)sizeof(long));
	free(buf);
	return 0;
}

static int enable_events(struct mmr_recorder *r, const struct mmr_record_opts *opts)
{
	struct rec_event *ev;
	int nr = 0, on = 0, err;

	ev = calloc(MAX_SPECS, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	err = tep_setup(r);
	if (err)
		goto out;
	if (opts->events && opts->nr_events > 0) {
		for (int i = 0; i < opts->nr_events && nr < MAX_SPECS; i++) {
			err = parse_spec(opts->events[i], &ev[nr]);
			if (err) {
				mmr_err("bad event '%s' (system:event, system or event)",
					opts->events[i]);
				goto out;
			}
			nr++;
		}
	} else {
		for (enum mmr_event_type t = 1; t < MMR_EV__COUNT; t++) {
			const struct mmr_event_desc *d = mmr_event_desc(t);

			if (opts->no_alloc_stream && (t == MMR_EV_PAGE_ALLOC || t == MMR_EV_PAGE_FREE))
				continue;
			snprintf(ev[nr].system, sizeof(ev[nr].system), "%s", d->system);
			snprintf(ev[nr].name, sizeof(ev[nr].name), "%s", d->name);
			nr++;
		}
	}
	for (int i = 0; i < nr; i++) {
		int ret = enable_one(r, &ev[i]);

		if (ret < 0) {
			err = ret;
			goto out;
		}
		if (ret) {
			on++;
			continue;
		}
		ev[i].missing = true;
		sb_addf(&r->missing, "%s%s%s%s", r->missing.len ? "," : "", ev[i].system,
			ev[i].name[0] ? ":" : "", ev[i].name);
	}
	if (!on) {
		mmr_err("none of the requested events exists on this kernel (%s)",
			sb_str(&r->missing));
		err = -MMR_E_NO_EVENT;
		goto out;
	}
	for (int i = 0; i < nr; i++)
		if (ev[i].missing)
			mmr_warn("event '%s%s%s' is not available on this kernel; recording the "
				 "rest", ev[i].system, ev[i].name[0] ? ":" : "", ev[i].name);
out:
	free(ev);
	return err;
}

/* --------------------------------------------------------------- open */

static int open_cpus(struct mmr_recorder *r)
{
	long long sub_kb = 0;

	r->page_size = (size_t)getpagesize();
	/* kernels from v6.8 let an instance use larger sub-buffers */
	if (!tracefs_instance_file_read_number(r->inst, "buffer_subbuf_size_kb", &sub_kb) &&
	    sub_kb > 0 && sub_kb <= 1024)
		r->page_size = (size_t)sub_kb * 1024;
	r->max_queued = (unsigned int)(MAX_QUEUED_BYTES / r->page_size);
	r->nr_cpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (r->nr_cpus <= 0)
		r->nr_cpus = 1;
	r->cpus = calloc((size_t)r->nr_cpus, sizeof(*r->cpus));
	r->heap = calloc((size_t)r->nr_cpus, sizeof(*r->heap));
	if (!r->cpus || !r->heap)
		return -ENOMEM;
	for (int c = 0; c < r->nr_cpus; c++) {
		struct rec_cpu *rc = &r->cpus[c];
		char file[64];

		rc->cpu = c;
		rc->fd = -1;
		rc->stat = (struct mmr_cpu_stat){ .cpu = c, .overrun = -1, .commit_overrun = -1,
						  .dropped_events = -1, .read_events = -1 };
		snprintf(file, sizeof(file), "per_cpu/cpu%d/trace_pipe_raw", c);
		if (!tracefs_file_exists(r->inst, file))
			continue;	/* a possible but absent CPU */
		rc->fd = tracefs_instance_file_open(r->inst, file,
						    O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (rc->fd < 0) {
			mmr_err("cannot open '%s' of instance '%s': %s", file, r->name,
				strerror(errno));
			return -errno;
		}
		rc->kbuf = kbuffer_alloc(sizeof(long) == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
					 __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
					 KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
		rc->rkbuf = kbuffer_alloc(sizeof(long) == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
					  __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
					  KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
		if (!rc->kbuf || !rc->rkbuf)
			return -ENOMEM;
	}
	return 0;
}

static int check_tracefs(void)
{
	const char *path = NULL;
	int m;

	if (geteuid() != 0) {
		mmr_err("recording needs root: it creates a tracefs instance and reads "
			"/proc/pagetypeinfo");
		return -EPERM;
	}
	m = tracefs_tracing_dir_is_mounted(false, &path);
	if (m <= 0 || !tracefs_tracing_dir()) {
		mmr_err("tracefs is not mounted; mount it with: mount -t tracefs nodev "
			"/sys/kernel/tracing");
		return -MMR_E_TRACEFS;
	}
	return 0;
}

int mmr_record_open(const struct mmr_record_opts *opts, struct mmr_recorder **out)
{
	static const struct mmr_record_opts defaults = { 0 };
	struct mmr_recorder *r;
	int err;

	if (!opts)
		opts = &defaults;
	err = check_tracefs();
	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->watchdog = -1;
	r->watchdog_fd = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->opts = *opts;
	r->opts.events = NULL;
	r->opts.nr_events = 0;
	if (!r->opts.buffer_kb)
		r->opts.buffer_kb = DEFAULT_BUFFER_KB;
	if (!r->opts.sample_ms)
		r->opts.sample_ms = 1000;
	if (!r->opts.commit_ms)
		r->opts.commit_ms = MMR_RECORD_COMMIT_MS;
	sb_init(&r->enabled);
	sb_init(&r->missing);
	snprintf(r->name, sizeof(r->name), "mmreplay-%d", (int)getpid());
	if (tracefs_instance_exists(r->name)) {
		mmr_err("a tracefs instance '%s' exists already; not touching it", r->name);
		err = -EEXIST;
		goto fail;
	}
	r->inst = tracefs_instance_create(r->name);
	if (!r->inst || !tracefs_instance_is_new(r->inst)) {
		mmr_err("cannot create tracefs instance '%s': %s", r->name, strerror(errno));
		err = errno ? -errno : -MMR_E_TRACEFS;
		if (r->inst && !tracefs_instance_is_new(r->inst)) {
			tracefs_instance_free(r->inst);
			r->inst = NULL;
		}
		goto fail;
	}
	r->inst_dir = tracefs_instance_get_dir(r->inst);
	if (!r->inst_dir) {
		err = -ENOMEM;
		goto fail;
	}
	watchdog_start(r);
	/* a new instance records at once: off until the start snapshot is taken */
	if (tracefs_trace_off(r->inst) ||
	    tracefs_instance_set_buffer_size(r->inst, r->opts.buffer_kb, -1) < 0) {
		mmr_err("cannot set up tracefs instance '%s' (buffer of %u KiB per CPU)", r->name,
			r->opts.buffer_kb);
		err = -MMR_E_TRACEFS;
		goto fail;
	}
	r->mono = tracefs_instance_file_write(r->inst, "trace_clock", "mono") > 0;
	if (!r->mono)
		mmr_warn("no 'mono' trace clock: events of different CPUs may be stored slightly "
			 "out of order");
	err = enable_events(r, opts);
	if (err)
		goto fail;
	err = decoder_init(&r->dec, r->tep);
	if (err)
		goto fail;
	r->dec_ready = 1;
	err = open_cpus(r);
	if (err)
		goto fail;
	*out = r;
	return 0;
fail:
	mmr_record_close(r);
	return err;
}

void mmr_record_close(struct mmr_recorder *r)
{
	struct rec_page *p;

	if (!r)
		return;
	if (r->inst)
		tracefs_trace_off(r->inst);
	reader_join(r);
	for (int c = 0; r->cpus && c < r->nr_cpus; c++) {
		struct rec_cpu *rc = &r->cpus[c];

		if (rc->fd >= 0)
			close(rc->fd);
		kbuffer_free(rc->kbuf);
		kbuffer_free(rc->rkbuf);
		while ((p = rc->head)) {
			rc->head = p->next;
			free(p);
		}
		while ((p = rc->in_head)) {
			rc->in_head = p->next;
			free(p);
		}
		free(rc->cur);
	}
	free(r->cpus);
	free(r->heap);
	if (r->inst) {
		/* removing the instance disables its events and frees its buffers */
		if (tracefs_instance_destroy(r->inst))
			mmr_warn("could not remove tracefs instance '%s': %s", r->name,
				 strerror(errno));
		tracefs_instance_free(r->inst);
	}
	watchdog_stop(r);
	while ((p = r->free_pages)) {
		r->free_pages = p->next;
		free(p);
	}
	if (r->dec_ready)
		decoder_release(&r->dec);
	if (r->tep)
		tep_free(r->tep);
	free(r->inst_dir);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	sb_release(&r->enabled);
	sb_release(&r->missing);
	free(r);
}

/* -------------------------------------------------------------- reading */

/* The page pool; callers hold r->lock. */
static struct rec_page *page_get(struct mmr_recorder *r)
{
	struct rec_page *p = r->free_pages;

	if (p) {
		r->free_pages = p->next;
		return p;
	}
	return malloc(sizeof(*p) + r->page_size);
}

static void page_put(struct mmr_recorder *r, struct rec_page *p)
{
	p->next = r->free_pages;
	r->free_pages = p;
}

/*
 * Reader thread: reads up to @max pages of one CPU into its in-queue. Only a read
 * that finds the buffer empty proves that every record committed before it began
 * has been read (c->empty_at). A page the writer had not filled (the kernel then
 * copies out what is committed) usually means we are close: one more read is made,
 * and if it brings another partial page the CPU waits for the next round rather
 * than fetching a few records per call. (A partial page alone proves nothing: it
 * may be the rest of a page read in part before, with full pages behind it.)
 * Return: 1 if the CPU may hold more, 0 if it waits for the next round, or an error.
 */
static int read_cpu(struct mmr_recorder *r, struct rec_cpu *c, int max)
{
	struct rec_page *p = NULL;
	int ret = 1, partials = 0;

	for (int i = 0; i < max; i++) {
		uint64_t t = ingest_mono_ns();
		ssize_t n;
		int size;

		if (!p) {
			pthread_mutex_lock(&r->lock);
			p = page_get(r);
			pthread_mutex_unlock(&r->lock);
			if (!p)
				return -ENOMEM;
		}
		n = read(c->fd, p->data, r->page_size);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN) {
				ret = -errno;
				mmr_err("reading the ring buffer of CPU %d: %s", c->cpu,
					strerror(errno));
			} else {
				c->empty_at = t;
				ret = 0;
			}
			break;
		}
		size = kbuffer_load_subbuffer(c->rkbuf, p->data) < 0 ? 0 :
		       kbuffer_subbuffer_size(c->rkbuf);
		p->next = NULL;
		pthread_mutex_lock(&r->lock);
		if (c->in_tail)
			c->in_tail->next = p;
		else
			c->in_head = p;
		c->in_tail = p;
		r->nr_queued++;
		pthread_mutex_unlock(&r->lock);
		p = NULL;
		/* room for another record left: the writer was still on this page */
		if ((size_t)size + PAGE_SLACK < r->page_size - (size_t)kbuffer_start_of_data(c->rkbuf)) {
			if (++partials == 2) {
				ret = 0;
				break;
			}
		} else {
			partials = 0;
		}
	}
	if (p) {
		pthread_mutex_lock(&r->lock);
		page_put(r, p);
		pthread_mutex_unlock(&r->lock);
	}
	return ret;
}

/* Reads every CPU once. Return: 1 if a CPU may hold more, 0 if all caught up, or error. */
static int read_round(struct mmr_recorder *r, int max)
{
	int busy = 0;

	for (int c = 0; c < r->nr_cpus; c++) {
		int ret;

		if (r->cpus[c].fd < 0)
			continue;
		ret = read_cpu(r, &r->cpus[c], max);
		if (ret < 0)
			return ret;
		busy |= ret;
	}
	return busy;
}

/* Every record older than this has been read from every CPU. */
static uint64_t read_horizon(struct mmr_recorder *r)
{
	uint64_t h = UINT64_MAX;

	if (!r->mono)
		return UINT64_MAX;
	for (int c = 0; c < r->nr_cpus; c++)
		if (r->cpus[c].fd >= 0 && r->cpus[c].empty_at < h)
			h = r->cpus[c].empty_at;
	return h > HOLD_NS ? h - HOLD_NS : 0;
}

static void *reader_main(void *arg)
{
	struct mmr_recorder *r = arg;
	int stop = 0, err = 0;

	for (;;) {
		int busy, full;

		pthread_mutex_lock(&r->lock);
		stop = r->reader_stop;
		/* at the end everything is read: the writer is draining the queue */
		full = !stop && r->nr_queued >= r->max_queued;
		if (full)
			r->reader_stalls++;
		pthread_mutex_unlock(&r->lock);
		/* the writer is far behind: leave the data in the kernel buffer */
		busy = full ? 0 : read_round(r, PAGES_PER_ROUND);
		if (busy < 0) {
			err = busy;
			break;
		}
		pthread_mutex_lock(&r->lock);
		r->drained_until = read_horizon(r);
		pthread_cond_signal(&r->cond);
		pthread_mutex_unlock(&r->lock);
		if (stop && (!busy || full))
			break;	/* tracing was off before this round: all is read */
		if (!busy)
			nanosleep(&(struct timespec){ .tv_nsec = READ_SLEEP_NS }, NULL);
	}
	pthread_mutex_lock(&r->lock);
	r->reader_err = err;
	r->reader_done = 1;
	if (!err)
		r->drained_until = UINT64_MAX;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/*
 * Writer: waits up to @wait_ns for pages, takes over what the reader queued.
 * Return: the limit below which records are final.
 */
static uint64_t take_pages(struct mmr_recorder *r, uint64_t wait_ns)
{
	uint64_t limit;

	pthread_mutex_lock(&r->lock);
	if (wait_ns && !r->reader_done) {
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += (long)wait_ns;
		t.tv_sec += t.tv_nsec / 1000000000;
		t.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&r->cond, &r->lock, &t);
	}
	for (int c = 0; c < r->nr_cpus; c++) {
		struct rec_cpu *rc = &r->cpus[c];

		if (!rc->in_head)
			continue;
		if (rc->tail)
			rc->tail->next = rc->in_head;
		else
			rc->head = rc->in_head;
		rc->tail = rc->in_tail;
		rc->in_head = rc->in_tail = NULL;
	}
	limit = r->drained_until;
	/*
	 * A CPU that has not been found empty for a long time (a relentless writer),
	 * or a queue near its cap: order is given up rather than memory or events.
	 */
	if (limit != UINT64_MAX && r->nr_queued &&
	    (r->nr_queued > r->max_queued / 2 || ingest_mono_ns() > limit + STALE_HORIZON_NS)) {
		limit = UINT64_MAX;
		r->order_breaks++;
	}
	pthread_mutex_unlock(&r->lock);
	return limit;
}

/* Makes c->ev the CPU's next record, loading queued pages as needed. */
static void cpu_next_page(struct mmr_recorder *r, struct rec_cpu *c)
{
	while (!c->ev) {
		struct rec_page *p = c->head;
		int missed;

		if (c->cur) {
			pthread_mutex_lock(&r->lock);
			page_put(r, c->cur);
			r->nr_queued--;
			pthread_mutex_unlock(&r->lock);
			c->cur = NULL;
		}
		if (!p)
			return;
		c->head = p->next;
		if (!c->head)
			c->tail = NULL;
		c->cur = p;
		if (kbuffer_load_subbuffer(c->kbuf, p->data) < 0)
			continue;
		missed = kbuffer_missed_events(c->kbuf);
		if (missed)
			c->missed += missed > 0 ? (uint64_t)missed : 1;
		c->ev = kbuffer_read_event(c->kbuf, &c->ts);
	}
}

/*
 * The CPUs with a current record, as a binary min-heap on its timestamp, so that
 * picking the oldest record costs log(CPUs), not CPUs. A CPU whose queue ran dry
 * leaves the heap; heap_refill() brings it back when pages have arrived.
 */
static void heap_down(struct mmr_recorder *r, int i)
{
	struct rec_cpu **h = r->heap;

	for (;;) {
		int l = 2 * i + 1, m = i;

		if (l < r->nr_heap && h[l]->ts < h[m]->ts)
			m = l;
		if (l + 1 < r->nr_heap && h[l + 1]->ts < h[m]->ts)
			m = l + 1;
		if (m == i)
			return;
		struct rec_cpu *t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_up(struct mmr_recorder *r, int i)
{
	struct rec_cpu **h = r->heap;

	while (i > 0 && h[(i - 1) / 2]->ts > h[i]->ts) {
		struct rec_cpu *t = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static void heap_refill(struct mmr_recorder *r)
{
	for (int c = 0; c < r->nr_cpus; c++) {
		struct rec_cpu *rc = &r->cpus[c];

		if (rc->in_heap)
			continue;
		cpu_next_page(r, rc);
		if (!rc->ev)
			continue;
		rc->in_heap = 1;
		r->heap[r->nr_heap++] = rc;
		heap_up(r, r->nr_heap - 1);
	}
}

/* Writes, in timestamp order, every parsed record older than @limit. */
static int emit(struct mmr_recorder *r, uint64_t limit)
{
	heap_refill(r);
	while (r->nr_heap) {
		struct rec_cpu *best = r->heap[0];
		struct tep_record rec;
		struct mmr_event ev;
		int ret;

		if (best->ts >= limit)
			return 0;
		memset(&rec, 0, sizeof(rec));
		rec.ts = best->ts;
		rec.cpu = best->cpu;
		rec.data = best->ev;
		rec.size = kbuffer_event_size(best->kbuf);
		ret = decoder_decode(&r->dec, &rec, &ev);
		best->ev = kbuffer_next_event(best->kbuf, &best->ts);
		if (!best->ev)
			cpu_next_page(r, best);
		if (best->ev) {
			heap_down(r, 0);
		} else {
			best->in_heap = 0;
			r->heap[0] = r->heap[--r->nr_heap];
			heap_down(r, 0);
		}
		if (ret < 0)
			return ret;
		if (ret > 0)
			continue;
		ret = mmr_writer_add(r->w, &ev);
		if (ret)
			return ret;
		if (!r->n)
			r->first_ts = ev.ts;
		r->last_ts = ev.ts;
		r->n++;
	}
	return 0;
}

/* Reads the instance's per-CPU counters (per_cpu/cpuN/stats). */
static void read_stats(struct mmr_recorder *r)
{
	for (int c = 0; c < r->nr_cpus; c++) {
		struct mmr_cpu_stat *cs = &r->cpus[c].stat;
		char file[64], *text;

		if (r->cpus[c].fd < 0)
			continue;
		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", c);
		text = tracefs_instance_file_read(r->inst, file, NULL);
		if (!text)
			continue;
		for (char *line = text; line && *line; ) {
			char *nl = strchr(line, '\n');
			long long v;

			if (nl)
				*nl = '\0';
			if (sscanf(line, "overrun: %lld", &v) == 1)
				cs->overrun = v;
			else if (sscanf(line, "commit overrun: %lld", &v) == 1)
				cs->commit_overrun = v;
			else if (sscanf(line, "dropped events: %lld", &v) == 1)
				cs->dropped_events = v;
			else if (sscanf(line, "read events: %lld", &v) == 1)
				cs->read_events = v;
			line = nl ? nl + 1 : NULL;
		}
		free(text);
		/*
		 * A page's missed-events count reports the same losses as the counters
		 * (overwritten or dropped events); only what they do not cover is "lost".
		 */
		int64_t counted = (cs->overrun > 0 ? cs->overrun : 0) +
				  (cs->dropped_events > 0 ? cs->dropped_events : 0);
		cs->lost_events = (int64_t)r->cpus[c].missed > counted ?
				  (int64_t)r->cpus[c].missed - counted : 0;
	}
}

static uint64_t total_lost(const struct mmr_recorder *r)
{
	uint64_t lost = 0;

	for (int c = 0; c < r->nr_cpus; c++) {
		const struct mmr_cpu_stat *cs = &r->cpus[c].stat;

		lost += (uint64_t)cs->lost_events;
		lost += cs->overrun > 0 ? (uint64_t)cs->overrun : 0;
		lost += cs->dropped_events > 0 ? (uint64_t)cs->dropped_events : 0;
	}
	return lost;
}

static int reader_start(struct mmr_recorder *r)
{
	int err;

	r->reader_stop = r->reader_done = r->reader_err = 0;
	/* nothing older than now can arrive: tracing was off until now */
	r->drained_until = r->mono ? ingest_mono_ns() - HOLD_NS : UINT64_MAX;
	for (int c = 0; c < r->nr_cpus; c++)
		r->cpus[c].empty_at = ingest_mono_ns();
	err = pthread_create(&r->reader, NULL, reader_main, r);
	if (err) {
		mmr_err("cannot start the reader thread: %s", strerror(err));
		return -err;
	}
	r->reader_running = 1;
	return 0;
}

/* Tells the reader to read what is left (tracing is off by now) and end. */
static void reader_stop(struct mmr_recorder *r)
{
	pthread_mutex_lock(&r->lock);
	r->reader_stop = 1;
	pthread_mutex_unlock(&r->lock);
}

static void reader_join(struct mmr_recorder *r)
{
	if (!r->reader_running)
		return;
	reader_stop(r);
	pthread_join(r->reader, NULL);
	r->reader_running = 0;
}

/* ------------------------------------------------------------ recording */

static int save_facts(struct mmr_recorder *r, struct mmr_store *st)
{
	char num[32];
	int err;

	err = mmr_host_facts_live(st, r->run_id);
	if (err)
		return err;
	const struct { const char *k, *v; } facts[] = {
		{ "recorder", "mmreplay record" },
		{ "tracefs_instance", r->name },
		{ "trace_clock", r->mono ? "mono" : "local" },
		{ "events_enabled", sb_str(&r->enabled) },
		{ "events_missing", r->missing.len ? sb_str(&r->missing) : NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(facts) && !err; i++)
		if (facts[i].v)
			err = mmr_store_run_fact(st, r->run_id, facts[i].k, facts[i].v);
	snprintf(num, sizeof(num), "%u", r->opts.buffer_kb);
	if (!err)
		err = mmr_store_run_fact(st, r->run_id, "buffer_kb", num);
	return err;
}

/* Commits what was recorded so far; the run stays incomplete until the end. */
static int checkpoint(struct mmr_recorder *r, struct mmr_store *st)
{
	int err = mmr_store_run_finish(st, r->run_id, r->first_ts, r->last_ts, r->n, false);

	if (!err)
		err = mmr_store_commit(st);
	if (!err)
		err = mmr_store_begin(st);
	return err;
}

static void fill_status(struct mmr_recorder *r, uint64_t t0, uint64_t now, uint64_t *last_n,
			uint64_t *last_t, struct mmr_record_status *s)
{
	double dt = (double)(now - *last_t) / 1e9;

	s->elapsed_s = (double)(now - t0) / 1e9;
	s->events = r->n;
	s->events_per_s = dt > 0 ? (double)(r->n - *last_n) / dt : 0;
	s->lost = total_lost(r);
	s->direct_reclaims = mmr_writer_count(r->w, MMR_EV_DIRECT_RECLAIM_BEGIN);
	s->undecodable = r->dec.nr_bad;
	*last_n = r->n;
	*last_t = now;
}

static int record_end(struct mmr_recorder *r, struct mmr_store *st)
{
	char num[32];
	int err;

	tracefs_trace_off(r->inst);
	r->t_off = ingest_mono_ns();
	/* the host as it was when tracing stopped, before the drain takes its time */
	err = mmr_host_snapshot_live(st, r->run_id, "end", r->mono ? r->t_off : r->last_ts);
	if (err)
		return err;
	/* everything the buffers still hold, then every record in order */
	reader_stop(r);
	for (;;) {
		uint64_t limit = take_pages(r, IDLE_SLEEP_NS);
		int done;

		err = emit(r, limit);
		if (err)
			return err;
		pthread_mutex_lock(&r->lock);
		done = r->reader_done;
		err = r->reader_err;
		pthread_mutex_unlock(&r->lock);
		if (err)
			return err;
		if (done)
			break;
	}
	reader_join(r);
	take_pages(r, 0);
	err = emit(r, UINT64_MAX);
	if (err)
		return err;
	read_stats(r);
	for (int c = 0; c < r->nr_cpus && !err; c++)
		if (r->cpus[c].fd >= 0)
			err = mmr_store_cpu_stat(st, r->run_id, &r->cpus[c].stat);
	if (err)
		return err;
	tracefs_load_cmdlines(NULL, r->tep);
	err = decoder_save_gfp_flags(&r->dec, st, r->run_id);
	if (!err)
		err = decoder_save_tasks(&r->dec, st, r->run_id);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)r->dec.nr_bad);
	if (!err)
		err = mmr_store_run_fact(st, r->run_id, "undecodable_records", num);
	/* writes made without knowing every CPU was read that far (see take_pages()) */
	snprintf(num, sizeof(num), "%llu", (unsigned long long)r->order_breaks);
	if (!err && r->order_breaks)
		err = mmr_store_run_fact(st, r->run_id, "unordered_writes", num);
	if (!err)
		err = mmr_store_build_indexes(st);	/* as import does: sample lookups */
	if (!err)
		err = mmr_store_run_finish(st, r->run_id, r->first_ts, r->last_ts, r->n, true);
	if (!err)
		err = mmr_store_commit(st);
	return err;
}

int mmr_record_run(struct mmr_recorder *r, struct mmr_store *st, int64_t *run_id,
		   struct mmr_record_status *final)
{
	struct mmr_run_info info = { .kind = "record", .source = "tracefs" };
	uint64_t t0, last_commit, last_sample, last_status, last_n = 0, last_t;
	struct mmr_record_status s = { 0 };
	struct utsname u;
	int err;

	*run_id = 0;
	if (!uname(&u)) {
		info.host = u.nodename;
		info.kernel_release = u.release;
	}
	info.clock = r->mono ? "mono" : "local";
	info.nr_cpus = r->nr_cpus;
	err = mmr_store_exec(st, MMR_RECORD_STORE_PRAGMAS);
	if (!err)
		err = mmr_store_begin(st);
	if (err)
		return err;
	err = mmr_store_run_add(st, &info, &r->run_id);
	if (!err)
		err = mmr_writer_new(st, r->run_id, &r->w);
	if (!err)
		err = save_facts(r, st);
	if (!err)
		err = mmr_host_snapshot_live(st, r->run_id, "start", ingest_mono_ns());
	if (!err)
		err = checkpoint(r, st);
	if (err)
		goto fail;
	*run_id = r->run_id;

	if (tracefs_trace_on(r->inst)) {
		mmr_err("cannot switch tracing on in instance '%s'", r->name);
		err = -MMR_E_TRACEFS;
		goto fail;
	}
	t0 = last_commit = last_sample = last_status = last_t = ingest_mono_ns();
	err = reader_start(r);
	if (err)
		goto fail;
	for (;;) {
		uint64_t limit = take_pages(r, IDLE_SLEEP_NS), now;

		err = emit(r, limit);
		if (err)
			goto fail;
		pthread_mutex_lock(&r->lock);
		err = r->reader_err;
		pthread_mutex_unlock(&r->lock);
		if (err)
			goto fail;
		now = ingest_mono_ns();
		if (now - last_sample >= (uint64_t)r->opts.sample_ms * 1000000ull) {
			err = mmr_host_sample_live(st, r->run_id, now);
			if (err)
				goto fail;
			last_sample = now;
		}
		if (now - last_commit >= (uint64_t)r->opts.commit_ms * 1000000ull) {
			err = checkpoint(r, st);
			if (err)
				goto fail;
			last_commit = now;
		}
		if (now - last_status >= STATUS_NS) {
			pthread_mutex_lock(&r->lock);
			mmr_debug("queued %u pages, drained until %.3f s ago, %llu stalls, %llu "
				  "unordered writes, %llu events", r->nr_queued,
				  r->drained_until > now ? 0 : (double)(now - r->drained_until) / 1e9,
				  (unsigned long long)r->reader_stalls,
				  (unsigned long long)r->order_breaks, (unsigned long long)r->n);
			pthread_mutex_unlock(&r->lock);
			if (r->opts.status) {
				read_stats(r);
				fill_status(r, t0, now, &last_n, &last_t, &s);
				r->opts.status(&s, r->opts.arg);
			}
			last_status = now;
		}
		if (r->opts.should_stop && r->opts.should_stop(r->opts.arg))
			break;
	}
	err = record_end(r, st);
	if (err)
		goto fail;
	if (final) {
		last_n = 0;
		last_t = t0;
		fill_status(r, t0, r->t_off, &last_n, &last_t, final);
	}
	mmr_writer_free(r->w);
	r->w = NULL;
	return 0;
fail:
	/* keep what was committed; the run stays incomplete */
	tracefs_trace_off(r->inst);
	reader_join(r);
	mmr_store_rollback(st);
	if (final) {
		read_stats(r);
		last_n = 0;
		last_t = t0 = ingest_mono_ns();
		fill_status(r, t0, t0, &last_n, &last_t, final);
	}
	mmr_writer_free(r->w);
	r->w = NULL;
	return err;
}
