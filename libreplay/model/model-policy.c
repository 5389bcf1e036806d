/*
 * model/model-policy.c - the policy presets, setting any parameter by name, and the
 * JSON description of every effective parameter stored with a replay run. One table
 * drives all three, so a parameter cannot be settable but undescribed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <strings.h>
#include "model-local.h"

enum ptype { P_BOOL, P_UINT, P_U64, P_INT, P_MODE };

struct param {
	const char	*key;
	enum ptype	type;
	size_t		off;
	int		inferred;	/* not visible in any source: a documented guess
					 * (1; 2 for the SPB policy's, listed apart) */
};

#define CFG(f)		offsetof(struct mmr_model_config, f)
#define POL(f)		{ #f, P_BOOL, CFG(policy.f), false }
#define SYS(f, t)	{ "sysctl." #f, t, CFG(sysctl.f), false }
#define COST(f)		{ "cost." #f, P_U64, CFG(costs.f), false }
#define AG(f, t)	{ "agents." #f, t, CFG(agents.f), false }
#define SPB(f, t, inf)	{ "spb." #f, t, CFG(spb.f), inf }

static const struct param params[] = {
	POL(defrag_mode),
	POL(p2_source_gates),
	POL(p4_capture_request_order),
	POL(p4_promote_compact),
	POL(p4_promote_reclaim),
	{ "retry_promoted_order", P_BOOL, CFG(policy.retry_promoted_order), 1 },
	POL(atomic_nofrag_drop),
	POL(pcp),
	POL(highatomic),
	POL(swap),
	POL(thp),
	POL(spb),
	POL(spb_p43),
	SPB(pageblocks, P_UINT, false),
	SPB(min_spbs, P_UINT, false),
	SPB(no_scale, P_BOOL, false),
	SPB(nr_buckets, P_UINT, 2),
	SPB(reserve_min, P_UINT, false),
	SPB(reserve_div, P_UINT, false),
	SPB(reserve_hard, P_BOOL, 2),
	SPB(pass1_whole_first, P_BOOL, false),
	SPB(pass2b_threshold, P_BOOL, false),
	SPB(pass3_clean, P_BOOL, 2),
	SPB(defrag_start_blocks, P_UINT, false),
	SPB(defrag_start_pb, P_UINT, false),
	SPB(defrag_stop_blocks, P_UINT, false),
	SPB(defrag_stop_pb, P_UINT, false),
	SPB(progress_blocks, P_UINT, 2),
	SPB(cooldown_ns, P_U64, false),
	SPB(defrag_permille, P_UINT, 2),
	SPB(sample_ns, P_U64, false),
	SYS(min_free_kbytes, P_U64),
	SYS(watermark_scale_factor, P_UINT),
	SYS(watermark_boost_factor, P_UINT),
	SYS(boost_off, P_BOOL),
	SYS(compaction_proactiveness, P_UINT),
	SYS(proactive_off, P_BOOL),
	SYS(extfrag_threshold, P_UINT),
	SYS(swappiness, P_UINT),
	SYS(pcp_cpus, P_UINT),
	SYS(pcp_batch, P_UINT),
	SYS(pcp_high, P_UINT),
	SYS(migrate_fail_permille, P_UINT),
	SYS(reclaim_rotate_permille, P_UINT),
	SYS(retry_cap, P_UINT),
	COST(slowpath_ns),
	COST(freelist_ns),
	COST(retry_ns),
	COST(reclaim_call_ns),
	COST(reclaim_scan_ns),
	COST(reclaim_file_ns),
	COST(reclaim_anon_ns),
	COST(reclaim_slab_ns),
	COST(compact_call_ns),
	COST(compact_scan_ns),
	COST(compact_isolate_ns),
	COST(migrate_ns),
	COST(drain_ns),
	AG(mode, P_MODE),
	AG(kswapd_permille, P_UINT),
	AG(kcompactd_permille, P_UINT),
	AG(quantum_ns, P_U64),
	AG(during_stall, P_BOOL),
	{ "nid", P_INT, CFG(nid), false },
	{ "cpu", P_INT, CFG(cpu), false },
	{ "kswapd_pid", P_INT, CFG(kswapd_pid), false },
	{ "kcompactd_pid", P_INT, CFG(kcompactd_pid), false },
	{ "seed", P_U64, CFG(seed), false },
};

static const char *const mode_names[] = { "budget", "complete", "off" };

struct preset {
	const char		*name;
	struct mmr_model_policy	switches;	/* only the fix-series and SPB fields matter */
};

static const struct preset presets[] = {
	{ "vanilla", { 0 } },
	{ "defrag_mode", { .defrag_mode = true } },
	{ "defrag_mode_fix", { .defrag_mode = true, .p2_source_gates = true,
			       .p4_capture_request_order = true, .p4_promote_compact = true,
			       .p4_promote_reclaim = true } },
	{ "spb", { .spb = true } },
	{ "spb_p43", { .spb = true, .spb_p43 = true } },
};

static void apply_preset(struct mmr_model_policy *p, const struct mmr_model_policy *s)
{
	p->defrag_mode = s->defrag_mode;
	p->p2_source_gates = s->p2_source_gates;
	p->p4_capture_request_order = s->p4_capture_request_order;
	p->p4_promote_compact = s->p4_promote_compact;
	p->p4_promote_reclaim = s->p4_promote_reclaim;
	p->retry_promoted_order = false;
	p->spb = s->spb;
	p->spb_p43 = s->spb_p43;
}

static bool same_switches(const struct mmr_model_policy *p, const struct mmr_model_policy *s)
{
	return p->defrag_mode == s->defrag_mode && p->p2_source_gates == s->p2_source_gates &&
	       p->p4_capture_request_order == s->p4_capture_request_order &&
	       p->p4_promote_compact == s->p4_promote_compact &&
	       p->p4_promote_reclaim == s->p4_promote_reclaim && !p->retry_promoted_order &&
	       p->spb == s->spb && p->spb_p43 == s->spb_p43;
}

int mmr_model_config_preset(struct mmr_model_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(presets); i++) {
		if (!strcmp(presets[i].name, name)) {
			apply_preset(&cfg->policy, &presets[i].switches);
			return 0;
		}
	}
	mmr_err("unknown policy '%s'", name);
	return -MMR_E_POLICY;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "true", "on", "yes" };
	static const char *const no[] = { "0", "false", "off", "no" };

	for (unsigned int i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -MMR_E_INVAL;
}

static int parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (!*v || *v == '-')
		return -MMR_E_INVAL;
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || *end || x > max)
		return -MMR_E_INVAL;
	*out = x;
	return 0;
}

int mmr_model_config_set(struct mmr_model_config *cfg, const char *key, const char *value)
{
	char *base = (char *)cfg;
	uint64_t u;
	bool b;
	int err = -MMR_E_INVAL;

	if (!strcmp(key, "preset"))
		return mmr_model_config_preset(cfg, value);
	for (unsigned int i = 0; i < ARRAY_SIZE(params); i++) {
		const struct param *p = &params[i];

		if (strcmp(p->key, key))
			continue;
		switch (p->type) {
		case P_BOOL:
			err = parse_bool(value, &b);
			if (!err)
				*(bool *)(base + p->off) = b;
			break;
		case P_UINT:
			err = parse_u64(value, UINT32_MAX, &u);
			if (!err)
				*(unsigned int *)(base + p->off) = (unsigned int)u;
			break;
		case P_U64:
			err = parse_u64(value, UINT64_MAX, &u);
			if (!err)
				*(uint64_t *)(base + p->off) = u;
			break;
		case P_INT: {
			char *end;
			long x = strtol(value, &end, 0);

			if (*value && !*end && x >= INT32_MIN && x <= INT32_MAX) {
				*(int32_t *)(base + p->off) = (int32_t)x;
				err = 0;
			}
			break;
		}
		case P_MODE:
			for (unsigned int j = 0; j < ARRAY_SIZE(mode_names); j++) {
				if (!strcmp(value, mode_names[j])) {
					cfg->agents.mode = (enum mmr_model_agent_mode)j;
					err = 0;
				}
			}
			break;
		}
		if (err)
			mmr_err("bad value '%s' for '%s'", value, key);
		return err;
	}
	mmr_err("unknown model parameter '%s'", key);
	return -MMR_E_POLICY;
}

static void param_json(const struct mmr_model_config *cfg, const struct param *p,
		       struct strbuf *sb)
{
	const char *base = (const char *)cfg;

	sb_add_json_str(sb, p->key, strlen(p->key));
	sb_adds(sb, ":");
	switch (p->type) {
	case P_BOOL:
		sb_adds(sb, *(const bool *)(base + p->off) ? "true" : "false");
		break;
	case P_UINT:
		sb_addf(sb, "%u", *(const unsigned int *)(base + p->off));
		break;
	case P_U64:
		sb_addf(sb, "%llu", (unsigned long long)*(const uint64_t *)(base + p->off));
		break;
	case P_INT:
		sb_addf(sb, "%d", *(const int32_t *)(base + p->off));
		break;
	case P_MODE:
		sb_addf(sb, "\"%s\"", mode_names[cfg->agents.mode]);
		break;
	}
}

/* "preset": the preset whose switches match, "params": every table entry. */
void model_policy_json(const struct mmr_model_config *cfg, struct strbuf *sb)
{
	const char *name = "custom";

	for (unsigned int i = 0; i < ARRAY_SIZE(presets); i++)
		if (same_switches(&cfg->policy, &presets[i].switches))
			name = presets[i].name;
	sb_addf(sb, "\"preset\":\"%s\",\"params\":{", name);
	for (unsigned int i = 0; i < ARRAY_SIZE(params); i++) {
		if (i)
			sb_adds(sb, ",");
		param_json(cfg, &params[i], sb);
	}
	sb_adds(sb, "},\"inferred\":[");
	for (unsigned int i = 0, n = 0; i < ARRAY_SIZE(params); i++) {
		if (params[i].inferred != 1)
			continue;
		sb_addf(sb, "%s\"%s\"", n++ ? "," : "", params[i].key);
	}
	sb_adds(sb, "],\"spb_inferred\":[");
	for (unsigned int i = 0, n = 0; i < ARRAY_SIZE(params); i++) {
		if (params[i].inferred != 2)
			continue;
		sb_addf(sb, "%s\"%s\"", n++ ? "," : "", params[i].key);
	}
	sb_adds(sb, "]");
}

int mmr_model_params_json(const struct mmr_model *m, char **out)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_addf(&sb, "{\"kernel\":\"%s\",", MODEL_KERNEL);
	model_policy_json(&m->cfg, &sb);
	sb_addf(&sb, ",\"schedule\":\"%s\",\"min_free_kbytes\":%llu,\"mobility_grouping\":%s,"
		"\"zones\":[", mode_names[m->cfg.agents.mode],
		(unsigned long long)m->min_free_kbytes, m->mobility_disabled ? "false" : "true");
	for (unsigned int i = 0; i < m->nr_zones; i++) {
		const struct model_zone *z = &m->zones[i];

		sb_addf(&sb, "%s{\"name\":", i ? "," : "");
		sb_add_json_str(&sb, z->name, strlen(z->name));
		sb_addf(&sb, ",\"zone_idx\":%d,\"start_pfn\":%llu,\"spanned\":%u,\"managed\":%llu,"
			"\"wmark_min\":%llu,\"wmark_low\":%llu,\"wmark_high\":%llu,"
			"\"lowmem_reserve\":[%llu,%llu,%llu,%llu],\"pcp_batch\":%u,\"pcp_high\":%u}",
			z->idx, (unsigned long long)z->start_pfn, z->nr_pages,
			(unsigned long long)z->managed, (unsigned long long)z->wmark[0],
			(unsigned long long)z->wmark[1], (unsigned long long)z->wmark[2],
			(unsigned long long)z->lowmem_reserve[0],
			(unsigned long long)z->lowmem_reserve[1],
			(unsigned long long)z->lowmem_reserve[2],
			(unsigned long long)z->lowmem_reserve[3], z->pcp_batch, z->pcp_high);
	}
	sb_adds(&sb, "]}");
	if (sb_failed(&sb)) {
		sb_release(&sb);
		return -ENOMEM;
	}
	*out = sb.buf;
	return 0;
}
