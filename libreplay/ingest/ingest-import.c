/*
 * ingest/ingest-import.c - `mmreplay import`: trace.dat files into runs, atomically.
 *
 * All files of one call land in a single transaction: a damaged file, a full
 * disk or an interrupt rolls everything back, so the database is exactly as it
 * was before the call. Secondary indexes are built after the bulk load.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ingest-local.h"

struct import_ctx {
	struct mmr_writer		*w;
	const struct mmr_import_opts	*opts;
	uint64_t			first_ts, last_ts, n;
	int				error;
};

static int import_event(const struct mmr_event *ev, void *arg)
{
	struct import_ctx *c = arg;
	int err;

	if (!c->n)
		c->first_ts = ev->ts;
	c->last_ts = ev->ts;
	c->n++;
	err = mmr_writer_add(c->w, ev);
	if (err) {
		c->error = err;
		return 1;
	}
	if ((c->n & 0xffff) == 0 && c->opts) {
		if (c->opts->stop && *c->opts->stop) {
			c->error = -MMR_E_INTR;
			return 1;
		}
		if (c->opts->progress)
			c->opts->progress(c->n, 0, c->opts->progress_arg);
	}
	return 0;
}

/*
 * The host snapshots of @path: opts->host_dir, or FILE.host/ beside FILE.dat when
 * it exists. Return: 0 and a new string (NULL for none) in *@out.
 */
static int import_host_dir(const char *path, const struct mmr_import_opts *opts, char **out)
{
	size_t n = strlen(path);
	struct stat sb;
	char *dir;

	*out = NULL;
	if (opts && opts->no_host)
		return 0;
	if (opts && opts->host_dir) {
		*out = strdup(opts->host_dir);
		return *out ? 0 : -ENOMEM;
	}
	if (n > 4 && !strcmp(path + n - 4, ".dat"))
		n -= 4;
	if (asprintf(&dir, "%.*s.host", (int)n, path) < 0)
		return -ENOMEM;
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
		free(dir);
		return 0;
	}
	*out = dir;
	return 0;
}

static int import_one(struct mmr_store *st, const char *path, const struct mmr_import_opts *opts,
		      int64_t *run_id)
{
	struct import_ctx c = { .opts = opts };
	struct mmr_ingest *in = NULL;
	struct mmr_run_info info;
	char *host_dir = NULL;
	int err;

	err = import_host_dir(path, opts, &host_dir);
	if (err)
		return err;
	err = mmr_ingest_open_file(path, &in);
	if (err) {
		free(host_dir);
		return err;
	}
	mmr_ingest_run_info(in, &info);
	err = mmr_store_run_add(st, &info, run_id);
	if (err)
		goto out;
	err = mmr_writer_new(st, *run_id, &c.w);
	if (err)
		goto out;
	err = mmr_ingest_run(in, import_event, &c);
	if (err > 0)
		err = c.error;
	if (err)
		goto out;
	err = mmr_ingest_save(in, st, *run_id);
	if (err)
		goto out;
	if (host_dir) {
		err = mmr_host_load_dir(st, *run_id, host_dir, c.first_ts, c.last_ts);
		if (err)
			goto out;
	}
	err = mmr_store_run_finish(st, *run_id, c.first_ts, c.last_ts, c.n, true);
out:
	free(host_dir);
	mmr_writer_free(c.w);
	mmr_ingest_close(in);
	return err;
}

int mmr_import_files(struct mmr_store *st, const char *const *paths, int nr_files,
		     const struct mmr_import_opts *opts, int64_t *run_ids, int *failed)
{
	int err;

	if (failed)
		*failed = -1;
	if (opts && opts->host_dir && !opts->no_host && nr_files > 1) {
		mmr_err("a host directory can be given for one trace.dat only");
		return -MMR_E_INVAL;
	}
	err = mmr_store_begin(st);
	if (err)
		return err;
	for (int i = 0; i < nr_files; i++) {
		int64_t id = 0;

		err = import_one(st, paths[i], opts, &id);
		if (err) {
			if (failed)
				*failed = i;
			goto fail;
		}
		if (run_ids)
			run_ids[i] = id;
	}
	err = mmr_store_build_indexes(st);
	if (err)
		goto fail;
	err = mmr_store_commit(st);
	if (err)
		goto fail;
	return 0;
fail:
	mmr_store_rollback(st);
	return err;
}
