/*
 * replay/replay-spb.c - storing the superpageblock category samples of a replay
 * (schema 0003, table spb_samples). The model takes the samples (model-spb.c); this
 * file only writes them, so that the model stays free of SQLite.
 */
#include "replay-local.h"

int mmr_spb_store_samples(struct mmr_store *st, int64_t run_id, struct mmr_model *m)
{
	const struct mmr_model_spb_sample *v;
	struct mmr_model_zone_info zi[MMR_MODEL_MAX_ZONES];
	struct mmr_stmt *s;
	size_t n;
	int err;

	if (mmr_model_spb_sample_now(m))
		return 0;	/* no SPB policy: nothing to store */
	err = mmr_model_spb_samples(m, &v, &n);
	if (err)
		return err;
	for (unsigned int i = 0; i < MMR_MODEL_MAX_ZONES; i++)
		if (mmr_model_zone_info(m, i, &zi[i]))
			zi[i].name[0] = 0;
	err = mmr_stmt_prepare(st, "INSERT INTO spb_samples (run_id, ts, zone, clean, tainted, "
			       "empty) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s);
	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		mmr_stmt_bind_int(s, 1, run_id);
		mmr_stmt_bind_int(s, 2, (int64_t)v[i].time);
		mmr_stmt_bind_text(s, 3, v[i].zone < MMR_MODEL_MAX_ZONES ? zi[v[i].zone].name : "");
		mmr_stmt_bind_int(s, 4, v[i].clean);
		mmr_stmt_bind_int(s, 5, v[i].tainted);
		mmr_stmt_bind_int(s, 6, v[i].empty);
		err = mmr_stmt_step(s);
		mmr_stmt_reset(s);
	}
	mmr_stmt_free(s);
	return err < 0 ? err : 0;
}
