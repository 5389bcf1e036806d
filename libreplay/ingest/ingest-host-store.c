/*
 * ingest/ingest-host-store.c - host snapshots into a run: the raw text into
 * `snapshots`, the parsed rows (ingest-host.c) into zone_snapshots,
 * free_area_snapshots, pageblock_snapshots, vmstat_samples, psi_samples and
 * host_facts. The same code serves a host directory next to an imported
 * trace.dat and the live recorder reading this host's /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "ingest-local.h"

static const char *const host_sources[MMR_HOST__COUNT] = {
	[MMR_HOST_ZONEINFO]	= "/proc/zoneinfo",
	[MMR_HOST_PAGETYPEINFO]	= "/proc/pagetypeinfo",
	[MMR_HOST_BUDDYINFO]	= "/proc/buddyinfo",
	[MMR_HOST_VMSTAT]	= "/proc/vmstat",
	[MMR_HOST_PSI]		= "/proc/pressure/memory",
	[MMR_HOST_SYSCTL_VM]	= "/proc/sys/vm",
	[MMR_HOST_UNAME]	= "uname",
};

const char *mmr_host_file_source(enum mmr_host_file f)
{
	return (unsigned int)f < MMR_HOST__COUNT ? host_sources[f] : "unknown";
}

struct host_ctx {
	struct mmr_store	*st;
	int64_t			run_id;
	const char		*phase;
	uint64_t		ts;
	struct mmr_stmt		*s;
	struct mmr_stmt		*get;	/* sysctl at end: the start value */
};

static void bind_opt(struct mmr_stmt *s, int idx, int64_t v)
{
	if (v < 0)
		mmr_stmt_bind_null(s, idx);
	else
		mmr_stmt_bind_int(s, idx, v);
}

static int step_reset(struct mmr_stmt *s)
{
	int rc = mmr_stmt_step(s);

	mmr_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

static int on_zone(const struct mmr_host_zone *z, void *arg)
{
	struct host_ctx *c = arg;

	mmr_stmt_bind_int(c->s, 1, c->run_id);
	mmr_stmt_bind_text(c->s, 2, c->phase);
	mmr_stmt_bind_int(c->s, 3, z->node);
	mmr_stmt_bind_text(c->s, 4, z->zone);
	mmr_stmt_bind_int(c->s, 5, z->zone_idx);
	bind_opt(c->s, 6, z->spanned);
	bind_opt(c->s, 7, z->present);
	bind_opt(c->s, 8, z->managed);
	bind_opt(c->s, 9, z->free);
	bind_opt(c->s, 10, z->min);
	bind_opt(c->s, 11, z->low);
	bind_opt(c->s, 12, z->high);
	bind_opt(c->s, 13, z->boost);
	bind_opt(c->s, 14, z->start_pfn);
	return step_reset(c->s);
}

static int on_free_area(const struct mmr_host_free_area *fa, void *arg)
{
	struct host_ctx *c = arg;

	mmr_stmt_bind_int(c->s, 1, c->run_id);
	mmr_stmt_bind_text(c->s, 2, c->phase);
	mmr_stmt_bind_int(c->s, 3, fa->node);
	mmr_stmt_bind_text(c->s, 4, fa->zone);
	mmr_stmt_bind_text(c->s, 5, fa->migratetype);
	mmr_stmt_bind_int(c->s, 6, fa->order);
	mmr_stmt_bind_int(c->s, 7, fa->nr_free);
	return step_reset(c->s);
}

/* pagetypeinfo needs two statements: free areas in c->s, blocks in c->get */
static int on_blocks(const struct mmr_host_blocks *b, void *arg)
{
	struct host_ctx *c = arg;

	mmr_stmt_bind_int(c->get, 1, c->run_id);
	mmr_stmt_bind_text(c->get, 2, c->phase);
	mmr_stmt_bind_int(c->get, 3, b->node);
	mmr_stmt_bind_text(c->get, 4, b->zone);
	mmr_stmt_bind_text(c->get, 5, b->migratetype);
	mmr_stmt_bind_int(c->get, 6, b->nr_blocks);
	return step_reset(c->get);
}

static int on_pageblock_fact(const char *name, const char *value, void *arg)
{
	struct host_ctx *c = arg;

	if (strcmp(c->phase, "start"))
		return 0;
	return mmr_store_run_fact(c->st, c->run_id, name, value);
}

static int on_vmstat(const char *name, const char *value, void *arg)
{
	struct host_ctx *c = arg;

	mmr_stmt_bind_int(c->s, 1, c->run_id);
	mmr_stmt_bind_int(c->s, 2, (int64_t)c->ts);
	mmr_stmt_bind_text(c->s, 3, name);
	mmr_stmt_bind_int(c->s, 4, strtoll(value, NULL, 10));	/* checked by the parser */
	return step_reset(c->s);
}

static int on_sysctl(const char *name, const char *value, void *arg)
{
	struct host_ctx *c = arg;
	char key[96];
	int rc, same;

	snprintf(key, sizeof(key), "sysctl.vm.%s", name);
	if (!strcmp(c->phase, "start"))
		return mmr_store_run_fact(c->st, c->run_id, key, value);
	/* at the end: keep a setting that changed during the run */
	mmr_stmt_bind_int(c->get, 1, c->run_id);
	mmr_stmt_bind_text(c->get, 2, key);
	rc = mmr_stmt_step(c->get);
	if (rc < 0) {
		mmr_stmt_reset(c->get);
		return rc;
	}
	same = rc == 1 && mmr_stmt_text(c->get, 0) && !strcmp(mmr_stmt_text(c->get, 0), value);
	mmr_stmt_reset(c->get);
	if (same)
		return 0;
	snprintf(key, sizeof(key), "sysctl.vm.%s.%s", name, c->phase);
	return mmr_store_run_fact(c->st, c->run_id, key, value);
}

static int store_psi(struct host_ctx *c, const char *text, size_t len)
{
	struct mmr_host_psi p;
	struct mmr_stmt *s;
	int err;

	if (mmr_host_parse_psi(text, len, &p))
		return 0;	/* nothing usable; the raw text is kept */
	err = mmr_stmt_prepare(c->st, "INSERT INTO psi_samples (run_id, ts, some_avg10, "
			       "some_avg60, some_avg300, some_total, full_avg10, full_avg60, "
			       "full_avg300, full_total) VALUES (?,?,?,?,?,?,?,?,?,?)", &s);
	if (err)
		return err;
	const double avg[] = { p.some_avg10, p.some_avg60, p.some_avg300, 0,
			       p.full_avg10, p.full_avg60, p.full_avg300 };
	mmr_stmt_bind_int(s, 1, c->run_id);
	mmr_stmt_bind_int(s, 2, (int64_t)c->ts);
	for (int i = 0; i < 7; i++) {
		if (i == 3)
			continue;
		if (avg[i] < 0)
			mmr_stmt_bind_null(s, 3 + i);
		else
			mmr_stmt_bind_double(s, 3 + i, avg[i]);
	}
	bind_opt(s, 6, p.some_total);
	bind_opt(s, 10, p.full_total);
	err = step_reset(s);
	mmr_stmt_free(s);
	return err;
}

/* Parsed rows only (no raw text); vmstat and PSI rows are samples at c->ts. */
static int store_parsed(struct host_ctx *c, enum mmr_host_file f, const char *text, size_t len)
{
	struct mmr_host_parse_ops ops = { .arg = c };
	const char *sql = NULL, *sql2 = NULL;
	int err;

	switch (f) {
	case MMR_HOST_ZONEINFO:
		sql = "INSERT OR REPLACE INTO zone_snapshots (run_id, phase, node, zone, zone_idx, "
		      "spanned, present, managed, free, min, low, high, boost, start_pfn) "
		      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
		ops.zone = on_zone;
		break;
	case MMR_HOST_PAGETYPEINFO:
		sql2 = "INSERT OR REPLACE INTO pageblock_snapshots (run_id, phase, node, zone, "
		       "migratetype, nr_blocks) VALUES (?,?,?,?,?,?)";
		ops.blocks = on_blocks;
		ops.pair = on_pageblock_fact;
		/* free areas as in buddyinfo */
		__attribute__((fallthrough));
	case MMR_HOST_BUDDYINFO:
		sql = "INSERT OR REPLACE INTO free_area_snapshots (run_id, phase, node, zone, "
		      "migratetype, \"order\", nr_free) VALUES (?,?,?,?,?,?,?)";
		ops.free_area = on_free_area;
		break;
	case MMR_HOST_VMSTAT:
		sql = "INSERT INTO vmstat_samples (run_id, ts, name, value) VALUES (?,?,?,?)";
		ops.pair = on_vmstat;
		break;
	case MMR_HOST_SYSCTL_VM:
		if (strcmp(c->phase, "start"))
			sql2 = "SELECT value FROM host_facts WHERE run_id = ? AND key = ?";
		ops.pair = on_sysctl;
		break;
	case MMR_HOST_PSI:
		return store_psi(c, text, len);
	case MMR_HOST_UNAME: {
		char *u = strndup(text, len);

		if (!u)
			return -ENOMEM;
		u[strcspn(u, "\n")] = '\0';
		err = !strcmp(c->phase, "start") && *u ?
		      mmr_store_run_fact(c->st, c->run_id, "uname", u) : 0;
		free(u);
		return err;
	}
	default:
		return -MMR_E_INVAL;
	}
	c->s = c->get = NULL;
	err = sql ? mmr_stmt_prepare(c->st, sql, &c->s) : 0;
	if (!err && sql2)
		err = mmr_stmt_prepare(c->st, sql2, &c->get);
	if (!err) {
		switch (f) {
		case MMR_HOST_ZONEINFO:
			err = mmr_host_parse_zoneinfo(text, len, &ops);
			break;
		case MMR_HOST_PAGETYPEINFO:
			err = mmr_host_parse_pagetypeinfo(text, len, &ops);
			break;
		case MMR_HOST_BUDDYINFO:
			err = mmr_host_parse_buddyinfo(text, len, &ops);
			break;
		case MMR_HOST_VMSTAT:
			err = mmr_host_parse_vmstat(text, len, &ops);
			break;
		default:
			err = mmr_host_parse_sysctl(text, len, &ops);
			break;
		}
	}
	mmr_stmt_free(c->s);
	mmr_stmt_free(c->get);
	c->s = c->get = NULL;
	return err;
}

int mmr_host_store_text(struct mmr_store *st, int64_t run_id, const char *phase, uint64_t ts,
			enum mmr_host_file f, const char *text, size_t len)
{
	struct host_ctx c = { .st = st, .run_id = run_id, .phase = phase, .ts = ts };
	char *copy;
	int err;

	if ((unsigned int)f >= MMR_HOST__COUNT || !phase)
		return -MMR_E_INVAL;
	copy = strndup(text ? text : "", len);	/* NUL-terminated for the text column */
	if (!copy)
		return -ENOMEM;
	err = mmr_store_snapshot(st, run_id, ts, phase, host_sources[f], copy);
	free(copy);
	if (!err)
		err = store_parsed(&c, f, text ? text : "", text ? len : 0);
	return err;
}

/* ------------------------------------------------------ host directory */

static const struct { const char *file; enum mmr_host_file f; } host_dir_files[] = {
	{ "uname", MMR_HOST_UNAME },
	{ "sysctl-vm", MMR_HOST_SYSCTL_VM },
	{ "zoneinfo", MMR_HOST_ZONEINFO },
	{ "pagetypeinfo", MMR_HOST_PAGETYPEINFO },
	{ "buddyinfo", MMR_HOST_BUDDYINFO },
	{ "vmstat", MMR_HOST_VMSTAT },
	{ "pressure-memory", MMR_HOST_PSI },
};

#define HOST_FILE_MAX (16u << 20)	/* far above any real /proc file */

int mmr_host_load_dir(struct mmr_store *st, int64_t run_id, const char *dir, uint64_t start_ts,
		      uint64_t end_ts)
{
	static const char *const phases[] = { "start", "end" };
	int found = 0, err;

	for (int p = 0; p < 2; p++) {
		char path[4096];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", dir, phases[p]);
		if (stat(path, &sb) || !S_ISDIR(sb.st_mode))
			continue;
		found = 1;
		for (size_t i = 0; i < ARRAY_SIZE(host_dir_files); i++) {
			char *text;
			size_t len;

			snprintf(path, sizeof(path), "%s/%s/%s", dir, phases[p],
				 host_dir_files[i].file);
			if (stat(path, &sb)) {
				if (errno == ENOENT)
					continue;
			} else if (!S_ISREG(sb.st_mode) || sb.st_size > (off_t)HOST_FILE_MAX) {
				mmr_err("'%s' is not a host snapshot file", path);
				return -MMR_E_FORMAT;
			}
			err = read_text_file(path, &text, &len);
			if (err) {
				mmr_err("cannot read '%s': %s", path, mmr_strerror(err));
				return err;
			}
			err = mmr_host_store_text(st, run_id, phases[p], p ? end_ts : start_ts,
						  host_dir_files[i].f, text, len);
			free(text);
			if (err)
				return err;
		}
	}
	if (!found) {
		mmr_err("'%s' holds no start/ or end/ snapshot directory", dir);
		return -ENOENT;
	}
	return 0;
}

/* ------------------------------------------------------------ live host */

/* Reads /proc/sys/vm/ into "name = value" lines. Actions are left out: reading
 * stat_refresh makes every CPU fold its counters. */
static int read_sysctl_vm(struct strbuf *sb)
{
	static const char *const skip[] = { "compact_memory", "drop_caches", "stat_refresh" };
	struct dirent **names;
	int n;

	n = scandir("/proc/sys/vm", &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char path[512], *text;
		size_t len, k;
		int skipped = name[0] == '.';

		for (k = 0; k < ARRAY_SIZE(skip); k++)
			skipped |= !strcmp(name, skip[k]);
		snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
		if (!skipped && !read_text_file(path, &text, &len)) {
			for (k = 0; k < len; k++)
				if (text[k] == '\n' || text[k] == '\t')
					text[k] = ' ';
			sb_addf(sb, "%s = %s\n", name, text);
			free(text);
		}
		free(names[i]);
	}
	free(names);
	return sb_failed(sb) ? -ENOMEM : 0;
}

static int store_live_file(struct mmr_store *st, int64_t run_id, const char *phase, uint64_t ts,
			   enum mmr_host_file f)
{
	char *text;
	size_t len;
	int err;

	err = read_text_file(host_sources[f], &text, &len);
	if (err) {
		mmr_debug("cannot read '%s': %s", host_sources[f], mmr_strerror(err));
		return 0;
	}
	err = mmr_host_store_text(st, run_id, phase, ts, f, text, len);
	free(text);
	return err;
}

int mmr_host_snapshot_live(struct mmr_store *st, int64_t run_id, const char *phase, uint64_t ts)
{
	static const enum mmr_host_file files[] = { MMR_HOST_ZONEINFO, MMR_HOST_PAGETYPEINFO,
		MMR_HOST_BUDDYINFO, MMR_HOST_VMSTAT, MMR_HOST_PSI };
	struct strbuf sb;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		err = store_live_file(st, run_id, phase, ts, files[i]);
		if (err)
			return err;
	}
	sb_init(&sb);
	err = read_sysctl_vm(&sb);
	if (!err)
		err = mmr_host_store_text(st, run_id, phase, ts, MMR_HOST_SYSCTL_VM, sb_str(&sb),
					  sb.len);
	else if (err != -ENOMEM)
		err = 0;	/* no /proc/sys/vm: nothing to keep */
	sb_release(&sb);
	return err;
}

int mmr_host_sample_live(struct mmr_store *st, int64_t run_id, uint64_t ts)
{
	struct host_ctx c = { .st = st, .run_id = run_id, .phase = "sample", .ts = ts };
	static const enum mmr_host_file files[] = { MMR_HOST_VMSTAT, MMR_HOST_PSI };
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(files) && !err; i++) {
		char *text;
		size_t len;

		if (read_text_file(host_sources[files[i]], &text, &len))
			continue;
		err = store_parsed(&c, files[i], text, len);
		free(text);
	}
	return err;
}

int mmr_host_facts_live(struct mmr_store *st, int64_t run_id)
{
	struct utsname u;
	char num[32], *full = NULL;
	int err = 0;

	if (!uname(&u)) {
		if (asprintf(&full, "%s %s %s %s %s", u.sysname, u.nodename, u.release, u.version,
			     u.machine) < 0)
			return -ENOMEM;
		const struct { const char *k, *v; } facts[] = {
			{ "uname", full }, { "machine", u.machine }, { "sysname", u.sysname },
			{ "kernel_version", u.version },
		};
		for (size_t i = 0; i < ARRAY_SIZE(facts) && !err; i++)
			err = mmr_store_run_fact(st, run_id, facts[i].k, facts[i].v);
		free(full);
	}
	const struct { const char *k; long v; } nums[] = {
		{ "page_size", sysconf(_SC_PAGESIZE) },
		{ "nr_cpus_configured", sysconf(_SC_NPROCESSORS_CONF) },
		{ "nr_cpus_online", sysconf(_SC_NPROCESSORS_ONLN) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(nums) && !err; i++) {
		snprintf(num, sizeof(num), "%ld", nums[i].v);
		err = mmr_store_run_fact(st, run_id, nums[i].k, num);
	}
	return err;
}
