/* SPDX-License-Identifier: MIT */
/*
 * mmr/spb.h - superpageblock (SPB) policies of the allocator model: category counts
 * over model time and where a replay stores them. Included by mmr.h after
 * mmr/model.h; do not include it on its own.
 *
 * The policies themselves are presets ("spb", "spb_p43") and "spb.*" parameters of
 * mmr_model_config_set(); their counters are in mmr_model_metrics() under "spb.*"
 * (only when the policy is on). libreplay/model/README.md, "Superpageblocks",
 * documents both.
 */
#ifndef MMR_SPB_H
#define MMR_SPB_H

/*
 * struct mmr_model_spb_sample - SPB category counts of one zone at a model time.
 * A sample is taken when a zone's counts change, at most every spb.sample_ns of
 * model time per model, plus one for every zone when the model is built or
 * populated and by mmr_model_spb_sample_now().
 */
struct mmr_model_spb_sample {
	uint64_t	time;		/* model ns */
	uint32_t	zone;		/* index into cfg.zones */
	uint32_t	clean;
	uint32_t	tainted;
	uint32_t	empty;
};

/**
 * mmr_model_spb_samples() - The samples taken so far, oldest first.
 * @out: Borrowed until the next call into @m or mmr_model_free().
 * Return: 0, or -MMR_E_INVAL when the model does not run an SPB policy.
 */
MMR_API int mmr_model_spb_samples(const struct mmr_model *m,
				  const struct mmr_model_spb_sample **out, size_t *nr);
/* Takes a sample of every zone now (call it at the end of a replay). */
MMR_API int mmr_model_spb_sample_now(struct mmr_model *m);

/**
 * mmr_spb_store_samples() - Write @m's samples (after a final
 * mmr_model_spb_sample_now()) into table spb_samples (schema 0003) for @run_id,
 * in the caller's transaction. A model without an SPB policy writes nothing.
 * Return: 0 or a negative error code.
 */
MMR_API int mmr_spb_store_samples(struct mmr_store *st, int64_t run_id, struct mmr_model *m);

#endif /* MMR_SPB_H */
