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
 * Ordering: the instance uses the "mono" trace clock (CLOCK_MONOTONIC), so the
 * reader knows which timestamps can still arrive. A round reads every CPU until
 * its buffer is empty, then writes the records older than the start of the round
 * (less HOLD_NS) in timestamp order; later ones wait for the next round, when any
 * CPU that could still hold an older record has been read again. The same clock
 * timestamps the vmstat/PSI samples and snapshots, so they line up with events.
 */
#include <errno.h>
#include <fcntl.h>
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
#define IDLE_SLEEP_NS		(10 * 1000 * 1000)
#define STATUS_NS		(500 * 1000 * 1000ull)
#define DEFAULT_BUFFER_KB	16384
#define MAX_SPECS		256

struct rec_page {
	struct rec_page	*next;
	char		data[];		/* one sub-buffer (page) as the kernel wrote it */
};

struct rec_cpu {
	int			cpu;
	int			fd;		/* per_cpu/cpuN/trace_pipe_raw, non-blocking */
	struct kbuffer		*kbuf;
	struct rec_page		*head, *tail;	/* read, not yet parsed */
	struct rec_page		*cur;		/* loaded in kbuf */
	void			*ev;		/* current record of cur, NULL if none */
	unsigned long long	ts;
	uint64_t		missed;		/* events the pages said were lost */
	struct mmr_cpu_stat	stat;
};

struct rec_event {
	char	system[64];
	char	name[128];	/* "" for a whole system */
};

struct mmr_recorder {
	struct tracefs_instance	*inst;
	char			name[64];
	char			*inst_dir;
	int			nr_cpus;
	struct rec_cpu		*cpus;
	size_t			page_size;
	struct rec_page		*free_pages;
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
};

static uint64_t now_mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

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

/* Enables one event (or system) in our instance. Return: 1 enabled, 0 missing. */
static int enable_one(struct mmr_recorder *r, const struct rec_event *e)
{
	char dir[256];

	if (e->name[0]) {
		if (!tracefs_event_file_exists(r->inst, e->system, e->name, "enable"))
			return 0;
		if (tracefs_event_enable(r->inst, e->system, e->name))
			return 0;
		sb_addf(&r->enabled, "%s%s:%s", r->enabled.len ? "," : "", e->system, e->name);
		return 1;
	}
	snprintf(dir, sizeof(dir), "events/%s", e->system);
	if (!tracefs_dir_exists(r->inst, dir) || tracefs_event_enable(r->inst, e->system, NULL))
		return 0;
	sb_addf(&r->enabled, "%s%s", r->enabled.len ? "," : "", e->system);
	return 1;
}

static int enable_events(struct mmr_recorder *r, const struct mmr_record_opts *opts,
			 const char **systems, int *nr_systems)
{
	struct rec_event *ev;
	int nr = 0, on = 0, err = 0;

	ev = calloc(MAX_SPECS, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
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
	*nr_systems = 0;
	for (int i = 0; i < nr; i++) {
		int k;

		if (enable_one(r, &ev[i])) {
			on++;
		} else {
			mmr_warn("event '%s%s%s' is not available on this kernel; recording the rest",
				 ev[i].system, ev[i].name[0] ? ":" : "", ev[i].name);
			sb_addf(&r->missing, "%s%s%s%s", r->missing.len ? "," : "", ev[i].system,
				ev[i].name[0] ? ":" : "", ev[i].name);
			continue;
		}
		for (k = 0; k < *nr_systems; k++)
			if (!strcmp(systems[k], ev[i].system))
				break;
		if (k == *nr_systems && k < 31) {
			systems[k] = strdup(ev[i].system);
			if (!systems[k]) {
				err = -ENOMEM;
				goto out;
			}
			(*nr_systems)++;
		}
	}
	if (!on) {
		mmr_err("none of the requested events exists on this kernel");
		err = -MMR_E_NO_EVENT;
	}
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
	r->nr_cpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (r->nr_cpus <= 0)
		r->nr_cpus = 1;
	r->cpus = calloc((size_t)r->nr_cpus, sizeof(*r->cpus));
	if (!r->cpus)
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
		if (!rc->kbuf)
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
	const char *systems[32] = { 0 };
	struct mmr_recorder *r;
	int nr_systems = 0, err;

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
	r->opts = *opts;
	r->opts.events = NULL;
	r->opts.nr_events = 0;
	if (!r->opts.buffer_kb)
		r->opts.buffer_kb = DEFAULT_BUFFER_KB;
	if (!r->opts.sample_ms)
		r->opts.sample_ms = 1000;
	if (!r->opts.commit_ms)
		r->opts.commit_ms = 1000;
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
	err = enable_events(r, opts, systems, &nr_systems);
	if (err)
		goto fail;
	r->tep = tracefs_local_events_system(NULL, systems);
	if (!r->tep) {
		mmr_err("cannot read the event formats from tracefs");
		err = -MMR_E_TRACEFS;
		goto fail;
	}
	err = decoder_init(&r->dec, r->tep);
	if (err)
		goto fail;
	r->dec_ready = 1;
	err = open_cpus(r);
	if (err)
		goto fail;
	for (int i = 0; i < nr_systems; i++)
		free((char *)systems[i]);
	*out = r;
	return 0;
fail:
	for (int i = 0; i < nr_systems; i++)
		free((char *)systems[i]);
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
	for (int c = 0; r->cpus && c < r->nr_cpus; c++) {
		struct rec_cpu *rc = &r->cpus[c];

		if (rc->fd >= 0)
			close(rc->fd);
		kbuffer_free(rc->kbuf);
		while ((p = rc->head)) {
			rc->head = p->next;
			free(p);
		}
		free(rc->cur);
	}
	free(r->cpus);
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
	sb_release(&r->enabled);
	sb_release(&r->missing);
	free(r);
}

/* -------------------------------------------------------------- reading */

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

/* Reads up to @max pages of one CPU. Return: 1 if more may be waiting, 0 if the
 * buffer is empty, or a negative error. */
static int read_cpu(struct mmr_recorder *r, struct rec_cpu *c, int max)
{
	for (int i = 0; i < max; i++) {
		struct rec_page *p = page_get(r);
		ssize_t n;

		if (!p)
			return -ENOMEM;
		n = read(c->fd, p->data, r->page_size);
		if (n <= 0) {
			int e = errno;

			page_put(r, p);
			if (n < 0 && e == EINTR)
				continue;
			if (n < 0 && e != EAGAIN) {
				mmr_err("reading the ring buffer of CPU %d: %s", c->cpu, strerror(e));
				return -e;
			}
			return 0;
		}
		p->next = NULL;
		if (c->tail)
			c->tail->next = p;
		else
			c->head = p;
		c->tail = p;
	}
	return 1;
}

/* Makes c->ev the CPU's next record, loading queued pages as needed. */
static void cpu_next_page(struct mmr_recorder *r, struct rec_cpu *c)
{
	while (!c->ev) {
		struct rec_page *p = c->head;
		int missed;

		if (c->cur) {
			page_put(r, c->cur);
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

/* Writes, in timestamp order, every parsed record older than @limit. */
static int emit(struct mmr_recorder *r, uint64_t limit)
{
	for (;;) {
		struct rec_cpu *best = NULL;
		struct tep_record rec;
		struct mmr_event ev;
		int ret;

		for (int c = 0; c < r->nr_cpus; c++) {
			struct rec_cpu *rc = &r->cpus[c];

			if (!rc->ev)
				cpu_next_page(r, rc);
			if (rc->ev && (!best || rc->ts < best->ts))
				best = rc;
		}
		if (!best || best->ts >= limit)
			return 0;
		memset(&rec, 0, sizeof(rec));
		rec.ts = best->ts;
		rec.cpu = best->cpu;
		rec.data = best->ev;
		rec.size = kbuffer_event_size(best->kbuf);
		ret = decoder_decode(&r->dec, &rec, &ev);
		best->ev = kbuffer_next_event(best->kbuf, &best->ts);
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
}

/* Reads every CPU once (up to PAGES_PER_ROUND each). Return: 1 if busy, 0, or error. */
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
	/* everything the buffers still hold, then every record in order */
	for (;;) {
		err = read_round(r, PAGES_PER_ROUND);
		if (err <= 0)
			break;
		err = emit(r, r->mono ? now_mono() - HOLD_NS : UINT64_MAX);
		if (err)
			return err;
	}
	if (err < 0)
		return err;
	err = emit(r, UINT64_MAX);
	if (err)
		return err;
	err = mmr_host_snapshot_live(st, r->run_id, "end", r->mono ? now_mono() : r->last_ts);
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
	/* power-cut safety: a commit is on disk when it returns */
	err = mmr_store_exec(st, "PRAGMA synchronous = FULL");
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
		err = mmr_host_snapshot_live(st, r->run_id, "start", now_mono());
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
	t0 = last_commit = last_sample = last_status = last_t = now_mono();
	for (;;) {
		uint64_t round = now_mono(), now;
		int busy;

		busy = read_round(r, PAGES_PER_ROUND);
		if (busy < 0) {
			err = busy;
			goto fail;
		}
		err = emit(r, r->mono ? round - HOLD_NS : UINT64_MAX);
		if (err)
			goto fail;
		now = now_mono();
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
		if (r->opts.status && now - last_status >= STATUS_NS) {
			read_stats(r);
			fill_status(r, t0, now, &last_n, &last_t, &s);
			r->opts.status(&s, r->opts.arg);
			last_status = now;
		}
		if (r->opts.should_stop && r->opts.should_stop(r->opts.arg))
			break;
		if (!busy)
			nanosleep(&(struct timespec){ .tv_nsec = IDLE_SLEEP_NS }, NULL);
	}
	err = record_end(r, st);
	if (err)
		goto fail;
	if (final) {
		last_n = 0;
		last_t = t0;
		fill_status(r, t0, now_mono(), &last_n, &last_t, final);
	}
	mmr_writer_free(r->w);
	r->w = NULL;
	return 0;
fail:
	/* keep what was committed; the run stays incomplete */
	tracefs_trace_off(r->inst);
	mmr_store_rollback(st);
	if (final) {
		read_stats(r);
		last_n = 0;
		last_t = t0 = now_mono();
		fill_status(r, t0, t0, &last_n, &last_t, final);
	}
	mmr_writer_free(r->w);
	r->w = NULL;
	return err;
}
