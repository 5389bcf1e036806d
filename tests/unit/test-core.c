/*
 * tests/unit/test-core.c - error text, the event catalog and the string helpers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "core-local.h"

static void test_strerror_covers_both_kinds(void **state)
{
	/* mmr_strerror() accepts errno and MMR_E_* codes, signed either way, never NULL */
	(void)state;
	assert_string_equal(mmr_strerror(-MMR_E_FORMAT), "trace data is malformed");
	assert_string_equal(mmr_strerror(MMR_E_FORMAT), "trace data is malformed");
	assert_string_equal(mmr_strerror(-ENOENT), strerror(ENOENT));
	assert_non_null(mmr_strerror(MMR_E__END + 5));
	assert_non_null(mmr_strerror(-MMR_E__START));
}

static void test_catalog_is_consistent(void **state)
{
	/* every typed event has a descriptor whose lookups round-trip */
	(void)state;
	for (int t = MMR_EV_GENERIC + 1; t < MMR_EV__COUNT; t++) {
		const struct mmr_event_desc *d = mmr_event_desc((enum mmr_event_type)t);

		assert_non_null(d);
		assert_int_equal(d->type, t);
		assert_true(d->nr_fields > 0 && d->nr_fields <= MMR_EVENT_MAX_FIELDS);
		assert_int_equal(mmr_event_lookup(d->system, d->name), t);
		for (unsigned int i = 0; i < d->nr_fields; i++)
			assert_int_equal(mmr_event_field((enum mmr_event_type)t, d->kfields[i]),
					 (int)i);
	}
	assert_null(mmr_event_desc(MMR_EV_GENERIC));
	assert_int_equal(mmr_event_lookup("kmem", "kmalloc"), MMR_EV_GENERIC);
	assert_int_equal(mmr_event_lookup("vmscan", "mm_page_alloc"), MMR_EV_GENERIC);
}

static void test_oom_pid_fields_are_renamed(void **state)
{
	/* kernel fields named pid must not collide with the common pid column */
	const struct mmr_event_desc *d = mmr_event_desc(MMR_EV_MARK_VICTIM);

	(void)state;
	assert_string_equal(d->kfields[0], "pid");
	assert_string_equal(d->columns[0], "victim_pid");
	assert_int_equal(d->str_field, 1);
	for (int t = MMR_EV_GENERIC + 1; t < MMR_EV__COUNT; t++) {
		d = mmr_event_desc((enum mmr_event_type)t);
		for (unsigned int i = 0; i < d->nr_fields; i++)
			assert_true(strcmp(d->columns[i], "pid") && strcmp(d->columns[i], "ts") &&
				    strcmp(d->columns[i], "cpu") && strcmp(d->columns[i], "run_id"));
	}
}

static void test_json_string_escapes(void **state)
{
	/* quotes, backslashes and control bytes come out as valid JSON */
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	sb_add_json_str(&sb, "a\"b\\c\n\x01", 7);
	assert_string_equal(sb_str(&sb), "\"a\\\"b\\\\c\\u000a\\u0001\"");
	sb_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_covers_both_kinds),
		cmocka_unit_test(test_catalog_is_consistent),
		cmocka_unit_test(test_oom_pid_fields_are_renamed),
		cmocka_unit_test(test_json_string_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
