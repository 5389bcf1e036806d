/*
 * ingest/ingest-bpf.c - the BPF collector's userspace: loads bpf/mmtrace.bpf.c through
 * its generated skeleton, turns ring-buffer records into struct mmr_event and writes
 * them with the store writer (the same rows as the tracefs recorder), and keeps what
 * only BPF gives: the cgroup id of each stalled request (table event_cgroups), their
 * paths (table cgroups), per-CPU drop counts (run_cpu_stats) and the sample rate.
 *
 * Built only with MMR_HAVE_BPF (CMake option MMR_BPF); otherwise every entry point
 * returns -MMR_E_UNSUPP and mmr_bpf_available() says why.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <tracefs.h>
#include "ingest-local.h"

#ifndef MMR_HAVE_BPF

#ifndef MMR_BPF_UNAVAILABLE
#define MMR_BPF_UNAVAILABLE "this mmreplay was built without BPF support"
#endif

int mmr_bpf_available(const char **why)
{
	if (why)
		*why = MMR_BPF_UNAVAILABLE;
	return -MMR_E_UNSUPP;
}

int mmr_bpf_open(const struct mmr_bpf_opts *opts, struct mmr_bpf **out)
{
	(void)opts;
	(void)out;
	mmr_err("%s", MMR_BPF_UNAVAILABLE);
	return -MMR_E_UNSUPP;
}

int mmr_bpf_run(struct mmr_bpf *b, struct mmr_store *st, int64_t *run_id,
		struct mmr_record_status *final)
{
	(void)b;
	(void)st;
	(void)final;
	*run_id = 0;
	return -MMR_E_UNSUPP;
}

void mmr_bpf_close(struct mmr_bpf *b)
{
	(void)b;
}

#else /* MMR_HAVE_BPF */

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf/mmtrace.h"
#include "mmtrace.skel.h"

#define NSEC_PER_SEC	1000000000ull

static const char *const mmt_names[MMT__COUNT][2] = {
#define MMT_NAME(id, sys, name) [MMT_##id] = { #sys, #name },
	MMT_EVENT_LIST(MMT_NAME)
#undef MMT_NAME
};

struct cgroup_ent {
	uint64_t	id;
	char		*path;		/* relative to the cgroup2 mount; NULL until found */
};

/* Counters of a session; all cumulative. */
struct bpf_counts {
	uint64_t	events;		/* event rows written */
	uint64_t	dropped;	/* records lost to a full ring buffer (all CPUs) */
	uint64_t	filtered;	/* page events left out by the filters and sampling */
	uint64_t	stalls;		/* events stored with a cgroup id */
	uint64_t	missed;		/* program runs the kernel skipped (recursion) */
	uint64_t	first_ts;	/* first and last event time, ns on MMR_BPF_CLOCK */
	uint64_t	last_ts;
};

struct mmr_bpf {
	struct mmr_bpf_opts	opts;
	struct mmtrace		*skel;
	struct ring_buffer	*rb;
	enum mmr_event_type	map[MMT__COUNT];

	struct mmr_store	*st;		/* set by mmr_bpf_run() */
	bool			writing;	/* records go to the run (else dropped) */
	uint64_t		missed_base;	/* recursion misses before the run */
	unsigned int		budget;		/* records the current drain may still take */
	int64_t			run_id;
	struct mmr_writer	*w;
	struct mmr_stmt		*cg_ins;
	int			err;		/* sticky: first failure inside the callback */
	bool			used;		/* mmr_bpf_run() was called */
	uint64_t		seq;		/* the writer's seq of the next event */

	struct bpf_counts	stats;
	int			nr_cpus;	/* possible CPUs */
	uint64_t		*read;		/* records read, per CPU */
	uint64_t		bad;		/* records too short or of an unknown type */

	struct cgroup_ent	*cg;
	size_t			nr_cg, cap_cg;
	uint64_t		last_cg_id;
	uint64_t		last_walk_ns;
};

/* Effective capabilities from /proc/self/status: CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON. */
static bool can_load_bpf(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long caps = 0;

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return (caps >> 21 & 1) || ((caps >> 38 & 1) && (caps >> 39 & 1));
}

int mmr_bpf_available(const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		*why = "the kernel has no BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF)";
		return -ENOENT;
	}
	if (!can_load_bpf()) {
		*why = "loading BPF programs needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)";
		return -EPERM;
	}
	*why = NULL;
	return 0;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[4096];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (level == LIBBPF_WARN)
		mmr_warn("libbpf: %s", buf);
	else
		mmr_debug("libbpf: %s", buf);
	return 0;
}

/* The tracefs system of the tracepoint @name we collect, or NULL. */
static const char *tracepoint_system(const char *name)
{
	for (int i = 1; i < MMT__COUNT; i++)
		if (!strcmp(mmt_names[i][1], name))
			return mmt_names[i][0];
	return NULL;
}

/*
 * Leaves out programs whose tracepoint this kernel does not have. Where tracefs is
 * mounted its events/ directory answers (a tp_btf program's tracepoint is one of
 * ours, so its system is known); otherwise the vmlinux BTF does, loaded only then:
 * reading and parsing it again (libbpf loads its own copy) and searching it once per
 * program took more CPU than the check is worth.
 */
static void skip_missing_tracepoints(struct mmtrace *skel)
{
	const char *events = "/sys/kernel/tracing/events";
	bool have_events = access(events, F_OK) == 0;
	struct bpf_program *prog;
	struct btf *vmlinux = NULL;
	bool btf_tried = false;
	char name[128], path[256];

	bpf_object__for_each_program(prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		const char *sys;
		bool have = true;

		if (!strncmp(sec, "tp_btf/", 7)) {
			sys = tracepoint_system(sec + 7);
			if (have_events && sys) {
				snprintf(path, sizeof(path), "%s/%s/%s", events, sys, sec + 7);
				have = access(path, F_OK) == 0;
			} else {
				if (!btf_tried) {
					vmlinux = btf__load_vmlinux_btf();
					btf_tried = true;
				}
				snprintf(name, sizeof(name), "btf_trace_%s", sec + 7);
				have = !vmlinux ||
				       btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0;
			}
		} else if (!strncmp(sec, "tracepoint/", 11)) {
			snprintf(path, sizeof(path), "%s/%s", events, sec + 11);
			if (have_events)
				have = access(path, F_OK) == 0;
		}
		if (!have) {
			mmr_info("bpf: this kernel has no tracepoint '%s'; not collected", sec);
			bpf_program__set_autoload(prog, false);
		}
	}
	btf__free(vmlinux);
}

static int on_record(void *ctx, void *data, size_t size);

int mmr_bpf_open(const struct mmr_bpf_opts *opts, struct mmr_bpf **out)
{
	const struct mmr_bpf_opts none = { 0 };
	struct mmr_bpf *b;
	size_t rb_bytes;
	long page = sysconf(_SC_PAGESIZE);
	const char *why;
	int err;

	err = mmr_bpf_available(&why);
	if (err) {
		mmr_err("%s", why);
		return err;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->opts = opts ? *opts : none;
	if (!b->opts.sample_rate)
		b->opts.sample_rate = 1;
	if (!b->opts.sample_ms)
		b->opts.sample_ms = 1000;
	if (!b->opts.commit_ms)
		b->opts.commit_ms = MMR_RECORD_COMMIT_MS;
	rb_bytes = b->opts.ringbuf_bytes ? b->opts.ringbuf_bytes : 16u << 20;
	if (rb_bytes < (size_t)page || (rb_bytes & (rb_bytes - 1))) {
		mmr_err("ring buffer size %zu is not a power of two of at least a page", rb_bytes);
		err = -MMR_E_INVAL;
		goto fail;
	}
	b->opts.ringbuf_bytes = rb_bytes;
	for (int i = 1; i < MMT__COUNT; i++) {
		b->map[i] = mmr_event_lookup(mmt_names[i][0], mmt_names[i][1]);
		assert(b->map[i] != MMR_EV_GENERIC);
	}
	b->nr_cpus = libbpf_num_possible_cpus();
	if (b->nr_cpus <= 0) {
		err = b->nr_cpus ? b->nr_cpus : -EINVAL;
		goto fail;
	}
	b->read = calloc((size_t)b->nr_cpus, sizeof(*b->read));
	if (!b->read) {
		err = -ENOMEM;
		goto fail;
	}

	libbpf_set_print(libbpf_log);
	b->skel = mmtrace__open();
	if (!b->skel) {
		err = -errno;
		mmr_err("cannot open the BPF program: %s", strerror(errno));
		goto fail;
	}
	b->skel->rodata->min_order = b->opts.min_order;
	b->skel->rodata->sample_rate = b->opts.sample_rate;
	b->skel->rodata->unmovable_only = b->opts.unmovable_only;
	b->skel->rodata->page_shift = (unsigned int)__builtin_ctzl((unsigned long)page);
	b->skel->rodata->wakeup_bytes = rb_bytes / 4;
	err = bpf_map__set_max_entries(b->skel->maps.mmt_rb, (__u32)rb_bytes);
	if (err)
		goto fail;
	skip_missing_tracepoints(b->skel);
	if (b->opts.no_alloc_stream) {
		bpf_program__set_autoload(b->skel->progs.mmr_page_alloc, false);
		bpf_program__set_autoload(b->skel->progs.mmr_page_free, false);
	}
	err = mmtrace__load(b->skel);
	if (err) {
		mmr_err("cannot load the BPF program: %s", strerror(-err));
		goto fail;
	}
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.mmt_rb), on_record, b, NULL);
	if (!b->rb) {
		err = -errno;
		mmr_err("cannot map the BPF ring buffer: %s", strerror(errno));
		goto fail;
	}
	err = mmtrace__attach(b->skel);
	if (err) {
		mmr_err("cannot attach the BPF program: %s", strerror(-err));
		goto fail;
	}
	*out = b;
	return 0;
fail:
	mmr_bpf_close(b);
	return err;
}

/*
 * The gfp flag names of this kernel, from the print formats in tracefs (when mounted).
 * Only the formats decoder_save_gfp_flags() looks at are parsed: a full local event
 * set (tracefs_local_events_system()) also reads and parses /proc/kallsyms and
 * saved_cmdlines, megabytes of text the kernel formats on every read, for nothing
 * this needs.
 */
static int save_gfp_flags(struct mmr_store *st, int64_t run_id)
{
	static const char *const formats[][2] = {
		{ "kmem", "mm_page_alloc" },
		{ "vmscan", "mm_vmscan_direct_reclaim_begin" },
		{ "compaction", "mm_compaction_try_to_compact_pages" },
		{ "kmem", "kmalloc" },
	};
	struct ingest_decoder dec;
	struct tep_handle *tep = tep_alloc();
	int err, parsed = 0;

	if (!tep)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		int size = 0;
		char *text = tracefs_event_file_read(NULL, formats[i][0], formats[i][1],
						     "format", &size);

		if (text && size > 0 &&
		    tep_parse_event(tep, text, (unsigned long)size, formats[i][0]) == 0)
			parsed++;
		free(text);
	}
	if (!parsed) {
		mmr_debug("bpf: no tracefs event formats; gfp flag names not stored");
		tep_free(tep);
		return 0;
	}
	err = decoder_init(&dec, tep);
	if (!err) {
		err = decoder_save_gfp_flags(&dec, st, run_id);
		decoder_release(&dec);
	}
	tep_free(tep);
	return err;
}

/* The run's rows besides events, stored at its start. */
static int save_facts(struct mmr_bpf *b)
{
	struct mmr_stmt *s = NULL;
	char v[32];
	int err;

	err = mmr_host_facts_live(b->st, b->run_id);
	if (!err)
		err = mmr_store_run_fact(b->st, b->run_id, "recorder", "mmreplay record --bpf");
	if (!err)
		err = mmr_store_run_fact(b->st, b->run_id, "trace_clock", MMR_BPF_CLOCK);
	snprintf(v, sizeof(v), "%u", b->opts.min_order);
	err = err ? err : mmr_store_run_fact(b->st, b->run_id, "bpf.min_order", v);
	snprintf(v, sizeof(v), "%u", b->opts.sample_rate);
	err = err ? err : mmr_store_run_fact(b->st, b->run_id, "bpf.sample_rate", v);
	err = err ? err : mmr_store_run_fact(b->st, b->run_id, "bpf.unmovable_only",
					     b->opts.unmovable_only ? "1" : "0");
	err = err ? err : mmr_store_run_fact(b->st, b->run_id, "bpf.alloc_stream",
					     b->opts.no_alloc_stream ? "0" : "1");
	snprintf(v, sizeof(v), "%zu", b->opts.ringbuf_bytes);
	err = err ? err : mmr_store_run_fact(b->st, b->run_id, "bpf.ringbuf_bytes", v);
	snprintf(v, sizeof(v), "%u.%u", libbpf_major_version(), libbpf_minor_version());
	err = err ? err : mmr_store_run_fact(b->st, b->run_id, "bpf.libbpf_version", v);
	if (!err)
		err = save_gfp_flags(b->st, b->run_id);
	if (!err)
		err = mmr_stmt_prepare(b->st, "UPDATE runs SET alloc_sample_rate = ? "
				       "WHERE run_id = ?", &s);
	if (!err) {
		mmr_stmt_bind_int(s, 1, b->opts.sample_rate);
		mmr_stmt_bind_int(s, 2, b->run_id);
		err = mmr_stmt_step(s);
		err = err < 0 ? err : 0;
	}
	mmr_stmt_free(s);
	return err;
}

/* ----------------------------------------------------------- cgroup paths */

static struct mmr_bpf *walk_ctx;	/* nftw() has no argument; one walk at a time */
static size_t walk_root_len;

static int walk_fn(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag != FTW_D)
		return 0;
	for (size_t i = 0; i < walk_ctx->nr_cg; i++) {
		struct cgroup_ent *c = &walk_ctx->cg[i];

		if (c->id != (uint64_t)sb->st_ino || c->path)
			continue;
		c->path = strdup(path[walk_root_len] ? path + walk_root_len : "/");
	}
	return 0;
}

/* The cgroup v2 mount point, from /proc/self/mountinfo; NULL if there is none. */
static char *cgroup2_mount(void)
{
	char line[4096], mnt[2048], *sep;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *found = NULL;

	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		/* id parent maj:min root mountpoint opts... - fstype source superopts */
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %2047s", mnt) == 1)
			found = strdup(mnt);
	}
	fclose(f);
	return found;
}

/*
 * Finds the paths of the cgroup ids seen so far: on cgroup v2 the id is the inode
 * number of the cgroup's directory. A cgroup removed before the walk stays unnamed.
 */
static void resolve_cgroups(struct mmr_bpf *b)
{
	char *root = cgroup2_mount();

	b->last_walk_ns = ingest_mono_ns();
	if (!root)
		return;
	walk_ctx = b;
	walk_root_len = strlen(root);
	nftw(root, walk_fn, 16, FTW_PHYS | FTW_MOUNT);
	walk_ctx = NULL;
	free(root);
}

static void note_cgroup(struct mmr_bpf *b, uint64_t id)
{
	struct cgroup_ent *c;

	if (id == b->last_cg_id)
		return;
	b->last_cg_id = id;
	for (size_t i = 0; i < b->nr_cg; i++)
		if (b->cg[i].id == id)
			return;
	if (b->nr_cg == b->cap_cg) {
		size_t cap = b->cap_cg ? 2 * b->cap_cg : 16;

		c = realloc(b->cg, cap * sizeof(*c));
		if (!c)
			return;		/* the id stays in event_cgroups, unnamed */
		b->cg = c;
		b->cap_cg = cap;
	}
	b->cg[b->nr_cg++] = (struct cgroup_ent){ .id = id };
	/* name it now, while it exists; at most one walk a second */
	if (ingest_mono_ns() - b->last_walk_ns >= NSEC_PER_SEC)
		resolve_cgroups(b);
}

/* ---------------------------------------------------------------- records */

/* The record's comm slots as a C string in @comm (MMT_COMM_LEN + 1 bytes). */
static char *rec_comm(const struct mmt_rec *r, char *comm)
{
	memcpy(comm, &r->val[MMT_COMM_SLOT], MMT_COMM_LEN);
	comm[MMT_COMM_LEN] = '\0';
	return comm;
}

static int write_record(struct mmr_bpf *b, const struct mmt_rec *r)
{
	const struct mmr_event_desc *d;
	struct mmr_event ev;
	char comm[MMT_COMM_LEN + 1];
	int err;

	if (r->type == MMT_TASK)
		return mmr_store_task(b->st, b->run_id, (int)r->pid, rec_comm(r, comm));
	if (r->type >= MMT__COUNT) {
		b->bad++;
		return 0;
	}
	d = mmr_event_desc(b->map[r->type]);
	ev.ts = r->ts;
	ev.cpu = r->cpu;
	ev.pid = (int32_t)r->pid;
	ev.type = d->type;
	ev.missing = 0;
	memcpy(ev.val, r->val, d->nr_fields * sizeof(ev.val[0]));
	ev.str = NULL;
	if (d->str_field >= 0) {
		ev.val[d->str_field] = 0;
		ev.str = rec_comm(r, comm);
	}
	ev.extra = ev.system = ev.name = ev.json = NULL;
	err = mmr_writer_add(b->w, &ev);
	if (err)
		return err;
	if (r->flags & MMT_F_CGROUP) {
		mmr_stmt_bind_int(b->cg_ins, 1, b->run_id);
		mmr_stmt_bind_int(b->cg_ins, 2, (int64_t)b->seq);
		mmr_stmt_bind_int(b->cg_ins, 3, (int64_t)r->cgroup_id);
		err = mmr_stmt_step(b->cg_ins);
		mmr_stmt_reset(b->cg_ins);
		if (err < 0)
			return err;
		note_cgroup(b, r->cgroup_id);
		b->stats.stalls++;
	}
	b->seq++;
	b->stats.events++;
	if (!b->stats.first_ts || r->ts < b->stats.first_ts)
		b->stats.first_ts = r->ts;
	if (r->ts > b->stats.last_ts)
		b->stats.last_ts = r->ts;
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct mmr_bpf *b = ctx;
	struct mmt_rec r;	/* aligned copy: ring-buffer data is only 8-byte aligned */
	int err;

	if (!b->writing)
		goto next;
	if (size < sizeof(r)) {
		b->bad++;
		goto next;
	}
	memcpy(&r, data, sizeof(r));
	if (r.cpu < b->nr_cpus)
		b->read[r.cpu]++;
	err = write_record(b, &r);
	if (err) {
		b->err = err;
		return err;	/* stops ring_buffer__poll() */
	}
next:
	/* libbpf drains while the producer keeps up: give the loop back in time */
	return --b->budget ? 0 : -EAGAIN;
}

/*
 * The program wakes us only when the ring is a quarter full, so the wait is a sleep
 * of at most MMR_BPF_DRAIN_MS: the ring is drained that often even when quiet.
 */
#define MMR_BPF_DRAIN_MS	50

/*
 * Records one poll handles at most (some 50 ms of work): a producer faster than the
 * reader would otherwise keep libbpf's drain loop going, and the stop request, the
 * commits and the samples would wait. The records left are taken at the next poll
 * (or lost to a full ring, and counted).
 */
#define MMR_BPF_BATCH		65536

/* Waits up to @timeout_ms if @wait, then takes at most a batch. Return: records taken. */
static int bpf_drain(struct mmr_bpf *b, int timeout_ms, bool wait)
{
	int n;

	b->budget = MMR_BPF_BATCH;
	n = wait ? ring_buffer__poll(b->rb, timeout_ms) : ring_buffer__consume(b->rb);
	if (b->err)
		return b->err;
	if (n == -EAGAIN)
		return MMR_BPF_BATCH;
	return n;
}

static int bpf_poll(struct mmr_bpf *b, int timeout_ms)
{
	int n;

	if (b->err)
		return b->err;
	n = bpf_drain(b, timeout_ms < MMR_BPF_DRAIN_MS ? timeout_ms : MMR_BPF_DRAIN_MS, true);
	if (n >= 0 && n < MMR_BPF_BATCH)
		n = bpf_drain(b, 0, false);	/* what came without a wakeup */
	return n;
}

static void read_counters(struct mmr_bpf *b, uint64_t *dropped, uint64_t *filtered,
			  uint64_t *per_cpu_dropped)
{
	uint64_t *vals = calloc((size_t)b->nr_cpus, sizeof(*vals));
	int fd = bpf_map__fd(b->skel->maps.mmt_counters);

	*dropped = *filtered = 0;
	if (!vals)
		return;
	for (__u32 key = 0; key < MMT_CNT__COUNT; key++) {
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (int cpu = 0; cpu < b->nr_cpus; cpu++) {
			if (key == MMT_CNT_DROPPED) {
				*dropped += vals[cpu];
				if (per_cpu_dropped)
					per_cpu_dropped[cpu] = vals[cpu];
			} else {
				*filtered += vals[cpu];
			}
		}
	}
	free(vals);
}

/*
 * Tracepoint hits the kernel did not run our program for: a BPF program does not
 * run nested in another on the same CPU (an interrupt that frees a page while a
 * program runs, for instance), and the kernel counts each such miss per program.
 * Those events are lost without a ring-buffer drop.
 */
static uint64_t recursion_misses(struct mmr_bpf *b)
{
	struct bpf_program *prog;
	uint64_t sum = 0;

	bpf_object__for_each_program(prog, b->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			sum += info.recursion_misses;
	}
	return sum;
}

/* Zeroes the kernel's counters: drops before the run are not the run's. */
static void reset_counters(struct mmr_bpf *b)
{
	uint64_t *zero = calloc((size_t)b->nr_cpus, sizeof(*zero));
	int fd = bpf_map__fd(b->skel->maps.mmt_counters);

	if (!zero)
		return;
	for (__u32 key = 0; key < MMT_CNT__COUNT; key++)
		bpf_map_update_elem(fd, &key, zero, BPF_ANY);
	free(zero);
}

static int bpf_finish(struct mmr_bpf *b)
{
	struct mmr_stmt *s = NULL;
	char num[32];
	uint64_t *drops;
	int err;

	/* nothing new arrives once detached; then take what is in the ring */
	mmtrace__detach(b->skel);
	do
		err = bpf_drain(b, 0, false);
	while (err == MMR_BPF_BATCH);
	if (err < 0)
		return err;
	err = mmr_writer_flush(b->w);
	if (err)
		return err;

	drops = calloc((size_t)b->nr_cpus, sizeof(*drops));
	if (!drops)
		return -ENOMEM;
	read_counters(b, &b->stats.dropped, &b->stats.filtered, drops);
	for (int cpu = 0; cpu < b->nr_cpus && !err; cpu++) {
		struct mmr_cpu_stat cs = {
			.cpu = cpu, .lost_events = (int64_t)drops[cpu], .overrun = -1,
			.commit_overrun = -1, .dropped_events = -1,
			.read_events = (int64_t)b->read[cpu],
		};

		if (!drops[cpu] && !b->read[cpu] && cpu >= (int)sysconf(_SC_NPROCESSORS_CONF))
			continue;
		err = mmr_store_cpu_stat(b->st, b->run_id, &cs);
	}
	free(drops);
	if (err)
		return err;

	b->stats.missed = recursion_misses(b) - b->missed_base;
	snprintf(num, sizeof(num), "%" PRIu64, b->stats.missed);
	err = mmr_store_run_fact(b->st, b->run_id, "bpf.recursion_misses", num);
	if (!err)
		err = mmr_store_run_metric(b->st, b->run_id, "bpf.recursion_misses",
					   (double)b->stats.missed);
	if (!err)
		err = mmr_store_run_metric(b->st, b->run_id, "bpf.filtered_events",
					   (double)b->stats.filtered);
	if (err)
		return err;

	resolve_cgroups(b);
	err = mmr_stmt_prepare(b->st, "INSERT OR REPLACE INTO cgroups (run_id, cgroup_id, path) "
			       "VALUES (?, ?, ?)", &s);
	for (size_t i = 0; i < b->nr_cg && !err; i++) {
		mmr_stmt_bind_int(s, 1, b->run_id);
		mmr_stmt_bind_int(s, 2, (int64_t)b->cg[i].id);
		mmr_stmt_bind_text(s, 3, b->cg[i].path);
		err = mmr_stmt_step(s);
		mmr_stmt_reset(s);
		err = err < 0 ? err : 0;
	}
	mmr_stmt_free(s);
	if (err)
		return err;
	if (b->bad)
		mmr_warn("bpf: %" PRIu64 " records were malformed and skipped", b->bad);
	return mmr_host_snapshot_live(b->st, b->run_id, "end", ingest_mono_ns());
}

void mmr_bpf_close(struct mmr_bpf *b)
{
	if (!b)
		return;
	/* links first: after this nothing of ours is attached to the kernel */
	if (b->skel)
		mmtrace__detach(b->skel);
	ring_buffer__free(b->rb);
	mmtrace__destroy(b->skel);
	mmr_writer_free(b->w);
	mmr_stmt_free(b->cg_ins);
	for (size_t i = 0; i < b->nr_cg; i++)
		free(b->cg[i].path);
	free(b->cg);
	free(b->read);
	free(b);
}

/* ---------------------------------------------------------------- recording */

#define STATUS_NS	(500 * 1000000ull)

static void fill_status(struct mmr_bpf *b, uint64_t t0, uint64_t now, uint64_t *last_n,
			uint64_t *last_t, struct mmr_record_status *s)
{
	double dt = (double)(now - *last_t) / 1e9;

	read_counters(b, &b->stats.dropped, &b->stats.filtered, NULL);
	b->stats.missed = recursion_misses(b) - b->missed_base;
	s->elapsed_s = (double)(now - t0) / 1e9;
	s->events = b->stats.events;
	s->events_per_s = dt > 0 ? (double)(b->stats.events - *last_n) / dt : 0;
	s->lost = b->stats.dropped + b->stats.missed;
	s->direct_reclaims = b->w ? mmr_writer_count(b->w, MMR_EV_DIRECT_RECLAIM_BEGIN) : 0;
	s->undecodable = b->bad;
	*last_n = b->stats.events;
	*last_t = now;
}

/* Commits what the last period wrote, the run still marked incomplete. */
static int checkpoint(struct mmr_bpf *b)
{
	int err = mmr_store_run_finish(b->st, b->run_id, b->stats.first_ts, b->stats.last_ts,
				       b->stats.events, false);

	if (!err)
		err = mmr_store_commit(b->st);
	if (!err)
		err = mmr_store_begin(b->st);
	return err;
}

int mmr_bpf_run(struct mmr_bpf *b, struct mmr_store *st, int64_t *run_id,
		struct mmr_record_status *final)
{
	struct mmr_run_info info = { .kind = "record", .source = "bpf", .clock = MMR_BPF_CLOCK };
	uint64_t t0, last_commit, last_sample, last_status, last_n = 0, last_t;
	struct mmr_record_status s = { 0 };
	struct utsname u;
	int err;

	*run_id = 0;
	if (b->used)
		return -MMR_E_INVAL;
	b->used = true;
	if (!uname(&u)) {
		info.host = u.nodename;
		info.kernel_release = u.release;
	}
	info.nr_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	err = mmr_store_exec(st, MMR_RECORD_STORE_PRAGMAS);
	if (!err)
		err = mmr_store_begin(st);
	if (err)
		return err;
	b->st = st;
	err = mmr_store_run_add(st, &info, &b->run_id);
	if (!err)
		err = mmr_writer_new(st, b->run_id, &b->w);
	if (!err)
		err = mmr_stmt_prepare(st, "INSERT INTO event_cgroups (run_id, seq, cgroup_id) "
				       "VALUES (?, ?, ?)", &b->cg_ins);
	if (!err)
		err = save_facts(b);
	if (!err)
		err = mmr_host_snapshot_live(st, b->run_id, "start", ingest_mono_ns());
	if (!err)
		err = checkpoint(b);
	if (err)
		goto fail;
	*run_id = b->run_id;

	/* the run starts now: what the ring holds from before is not part of it */
	b->writing = false;
	for (int i = 0; i < 8 && bpf_drain(b, 0, false) == MMR_BPF_BATCH; i++)
		;	/* a full ring is some 120k records a 16 MiB */
	memset(b->read, 0, (size_t)b->nr_cpus * sizeof(*b->read));
	reset_counters(b);
	b->missed_base = recursion_misses(b);
	b->writing = true;

	t0 = last_commit = last_sample = last_status = last_t = ingest_mono_ns();
	for (;;) {
		uint64_t now;
		int n = bpf_poll(b, MMR_BPF_DRAIN_MS);

		if (n < 0 && n != -EINTR) {
			err = n;
			goto fail;
		}
		now = ingest_mono_ns();
		if (now - last_sample >= (uint64_t)b->opts.sample_ms * 1000000ull) {
			err = mmr_host_sample_live(st, b->run_id, now);
			if (err)
				goto fail;
			last_sample = now;
		}
		if (now - last_commit >= (uint64_t)b->opts.commit_ms * 1000000ull) {
			err = checkpoint(b);
			if (err)
				goto fail;
			last_commit = now;
		}
		if (b->opts.status && now - last_status >= STATUS_NS) {
			fill_status(b, t0, now, &last_n, &last_t, &s);
			b->opts.status(&s, b->opts.arg);
			last_status = now;
		}
		if (b->opts.should_stop && b->opts.should_stop(b->opts.arg))
			break;
	}
	err = bpf_finish(b);
	if (!err)
		err = mmr_store_run_finish(st, b->run_id, b->stats.first_ts, b->stats.last_ts,
					   b->stats.events, true);
	if (!err)
		err = mmr_store_commit(st);
	if (err)
		goto fail;
	if (final) {
		last_n = 0;
		last_t = t0;
		fill_status(b, t0, ingest_mono_ns(), &last_n, &last_t, final);
	}
	return 0;
fail:
	/* keep what was committed; the run stays incomplete */
	mmtrace__detach(b->skel);
	b->writing = false;
	mmr_store_rollback(st);
	if (final) {
		last_n = 0;
		last_t = t0 = ingest_mono_ns();
		fill_status(b, t0, t0, &last_n, &last_t, final);
	}
	return err;
}

#endif /* MMR_HAVE_BPF */
