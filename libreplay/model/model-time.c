/*
 * model/model-time.c - the deterministic schedule of the background agents.
 * Model time is cut into agents.quantum_ns slices. In each slice kswapd, then
 * kcompactd, earn their CPU share of the slice (permille of its length) while awake
 * and spend it step by step at the cost constants; a step that overspends leaves a
 * debt for the next slices. Sleeping agents earn nothing and wake only through the
 * kernel's wakeup paths or their timers (kswapd's 100 ms short sleep, kcompactd's
 * 500 ms proactive tick). Events of the agents carry the slice's end time.
 * MMR_AGENTS_COMPLETE runs both to completion at every advance instead.
 * Under the SPB policy the per-SPB defrag worker is a third agent, after kcompactd in
 * each slice, earning spb.defrag_permille while it has queued work.
 */
#include "model-local.h"

/* Minimum charge for a step, so bookkeeping steps cannot loop for free (ns). */
#define STEP_OVERHEAD_NS	50
/* Bound on steps per advance in MMR_AGENTS_COMPLETE mode. */
#define COMPLETE_MAX_STEPS	10000000

static int64_t step_cost(struct mmr_model *m, struct mmr_model_work *w, bool (*step)(struct mmr_model *),
			 bool *did)
{
	uint64_t before = model_work_cost(m, w);
	uint64_t after;

	*did = step(m);
	after = model_work_cost(m, w);
	return (int64_t)(after - before) + STEP_OVERHEAD_NS;
}

static bool agents_idle(const struct mmr_model *m)
{
	return m->ks.state != KS_RUN && m->kc.state == KC_SLEEP && !spb_defrag_pending(m);
}

/* The next timer of a sleeping agent, or UINT64_MAX. */
static uint64_t next_timer(const struct mmr_model *m)
{
	uint64_t t = UINT64_MAX;

	if (m->ks.state == KS_SHORT_SLEEP)
		t = m->ks.wake_at;
	if (m->kc.state == KC_SLEEP && m->kc.next_tick < t)
		t = m->kc.next_tick;
	return t;
}

static void run_complete(struct mmr_model *m)
{
	unsigned long steps = 0;
	bool did;

	do {
		did = false;
		while (m->ks.state == KS_RUN && steps++ < COMPLETE_MAX_STEPS)
			did |= kswapd_step(m);
		while (m->kc.state != KC_SLEEP && steps++ < COMPLETE_MAX_STEPS)
			did |= kcompactd_step(m);
		while (spb_defrag_pending(m) && steps++ < COMPLETE_MAX_STEPS)
			did |= spb_defrag_step(m);
		did |= kswapd_step(m);		/* timers */
		did |= kcompactd_step(m);
	} while (did && steps < COMPLETE_MAX_STEPS && !agents_idle(m));
}

void model_advance_to(struct mmr_model *m, uint64_t t)
{
	const struct mmr_model_agents *ag = &m->cfg.agents;

	if (t <= m->now)
		return;
	if (m->in_agents || ag->mode == MMR_AGENTS_OFF) {
		if (!m->in_agents)
			m->now = t;
		return;
	}
	m->in_agents = true;
	if (ag->mode == MMR_AGENTS_COMPLETE) {
		while (m->now < t) {
			uint64_t next = next_timer(m);

			run_complete(m);
			next = next_timer(m);
			m->now = next > t ? t : next;
		}
		run_complete(m);
		m->in_agents = false;
		return;
	}
	while (m->now < t) {
		uint64_t end, dt;
		bool did;

		if (agents_idle(m)) {
			uint64_t next = next_timer(m);

			if (next > t) {
				m->now = t;
				break;
			}
			if (next > m->now)
				m->now = next;
			kswapd_step(m);
			kcompactd_step(m);
			continue;
		}
		end = m->now + ag->quantum_ns < t ? m->now + ag->quantum_ns : t;
		dt = end - m->now;
		m->now = end;
		if (m->ks.state == KS_RUN) {
			m->ks.budget += (int64_t)(dt * ag->kswapd_permille / 1000);
			while (m->ks.budget > 0 && m->ks.state == KS_RUN)
				m->ks.budget -= step_cost(m, &m->ks.work, kswapd_step, &did);
		} else {
			kswapd_step(m);
		}
		if (m->kc.state != KC_SLEEP) {
			m->kc.budget += (int64_t)(dt * ag->kcompactd_permille / 1000);
			while (m->kc.budget > 0 && m->kc.state != KC_SLEEP)
				m->kc.budget -= step_cost(m, &m->kc.work, kcompactd_step, &did);
		} else {
			kcompactd_step(m);
		}
		if (spb_defrag_pending(m)) {	/* the SPB defrag worker (policy spb) */
			m->spbw->budget += (int64_t)(dt * m->cfg.spb.defrag_permille / 1000);
			while (m->spbw->budget > 0 && spb_defrag_pending(m))
				m->spbw->budget -= step_cost(m, &m->spbw->work, spb_defrag_step,
							     &did);
		}
	}
	m->in_agents = false;
}

int mmr_model_advance(struct mmr_model *m, uint64_t now)
{
	int ret;

	model_advance_to(m, now);
	ret = m->event_ret;
	m->event_ret = 0;
	return ret;
}
