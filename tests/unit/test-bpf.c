/*
 * tests/unit/test-bpf.c - the BPF collector's wire format against the event catalog:
 * every event the program sends has a typed table, fits a record, and keeps its
 * string out of the values it uses. Runs whether or not the build has BPF.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>
#include "core-local.h"
#include "bpf/mmtrace.h"

static const char *const names[MMT__COUNT][2] = {
#define MMT_NAME(id, sys, name) [MMT_##id] = { #sys, #name },
	MMT_EVENT_LIST(MMT_NAME)
#undef MMT_NAME
};

static void test_every_event_has_a_table(void **state)
{
	/* each wire type maps to a catalog entry, so its rows land in a typed table */
	(void)state;
	for (int i = 1; i < MMT__COUNT; i++) {
		enum mmr_event_type t = mmr_event_lookup(names[i][0], names[i][1]);

		assert_int_not_equal(t, MMR_EV_GENERIC);
		assert_non_null(mmr_event_desc(t));
	}
}

static void test_fields_fit_the_record(void **state)
{
	/* the values and, for events with a string, the comm slots do not overlap */
	(void)state;
	for (int i = 1; i < MMT__COUNT; i++) {
		const struct mmr_event_desc *d =
			mmr_event_desc(mmr_event_lookup(names[i][0], names[i][1]));

		assert_true(d->nr_fields <= MMT_MAX_VALS);
		assert_true(d->nr_fields <= MMR_EVENT_MAX_FIELDS);
		if (d->str_field >= 0)
			assert_true(d->nr_fields <= MMT_COMM_SLOT);
	}
}

static void test_record_layout(void **state)
{
	/* fixed size, 8-byte values after a 24-byte header: what both sides assume */
	(void)state;
	assert_int_equal(sizeof(struct mmt_rec), 24 + 8 * MMT_MAX_VALS);
	assert_int_equal(offsetof(struct mmt_rec, val), 24);
	assert_int_equal(MMT_COMM_LEN, 2 * sizeof(__s64));
}

static void test_unavailable_reason(void **state)
{
	/* mmr_bpf_available() always explains a refusal */
	const char *why = NULL;
	int err;

	(void)state;
	err = mmr_bpf_available(&why);
	if (err)
		assert_non_null(why);
	else
		assert_null(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_event_has_a_table),
		cmocka_unit_test(test_fields_fit_the_record),
		cmocka_unit_test(test_record_layout),
		cmocka_unit_test(test_unavailable_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
