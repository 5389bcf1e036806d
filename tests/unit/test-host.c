/*
 * tests/unit/test-host.c - the host file parsers (zoneinfo, pagetypeinfo, buddyinfo,
 * vmstat, PSI, sysctl listings) on real text of a v6.18 host, on damaged text, and
 * the rows they leave in a store.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "ingest-local.h"

/* /proc/zoneinfo of a 2-CPU VM, shortened: one zone with pagesets, two unpopulated */
static const char zoneinfo[] =
	"Node 0, zone    DMA32\n"
	"  pages free     187622\n"
	"        boost    0\n"
	"        min      2115\n"
	"        low      2887\n"
	"        high     3659\n"
	"        promo    4431\n"
	"        spanned  1044480\n"
	"        present  782336\n"
	"        managed  782336\n"
	"        cma      0\n"
	"        protection: (0, 0, 1664, 1664, 1664)\n"
	"      nr_free_pages 187622\n"
	"  pagesets\n"
	"    cpu: 0\n"
	"              count:    1024\n"
	"              high:     6785\n"
	"              batch:    63\n"
	"  vm stats threshold: 24\n"
	"  node_unreclaimable:  0\n"
	"  start_pfn:           4096\n"
	"Node 0, zone   Normal\n"
	"  per-node stats\n"
	"      nr_inactive_anon 1565\n"
	"      nr_mapped    3192\n"
	"  pages free     234768\n"
	"        boost    12\n"
	"        min      5984\n"
	"        low      7480\n"
	"        high     8976\n"
	"        promo    10472\n"
	"        spanned  5505024\n"
	"        present  5505024\n"
	"        managed  425984\n"
	"        cma      0\n"
	"        protection: (0, 0, 0, 0, 0)\n"
	"  pagesets\n"
	"    cpu: 1\n"
	"              count:    20451\n"
	"              high:     20635\n"
	"  start_pfn:           1048576\n"
	"Node 0, zone  Movable\n"
	"  pages free     0\n"
	"        min      32\n"
	"        low      32\n"
	"        high     32\n"
	"        spanned  0\n"
	"        present  0\n"
	"        managed  0\n"
	"        protection: (0, 0, 0, 0, 0)\n"
	"Node 1, zone   Normal\n"
	"  pages free     10\n"
	"        min      1\n";

static const char pagetypeinfo[] =
	"Page block order: 9\n"
	"Pages per block:  512\n"
	"\n"
	"Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 \n"
	"Node    0, zone      DMA, type    Unmovable      0      0      0      0      0      0      0      0      1      0      0 \n"
	"Node    0, zone      DMA, type      Movable      0      0      0      0      0      0      0      0      0      1      3 \n"
	"Node    0, zone   Normal, type    Unmovable    394    241    222    183     78     29     10      6      2      0      0 \n"
	"Node    0, zone   Normal, type      Movable >100000  11413   4567   1236    721    314      8     14     20      9    122 \n"
	"Node    0, zone   Normal, type  Reclaimable      1      0      0      0      4      2      3      2      2      0      0 \n"
	"\n"
	"Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
	"Node 0, zone      DMA            1            7            0            0            0 \n"
	"Node 0, zone   Normal           42          756           34            0            0 \n"
	"Number of mixed blocks    Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
	"Node 0, zone   Normal            5            9            1            0            0 \n";

static const char buddyinfo[] =
	"Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n"
	"Node 0, zone    DMA32      0      4      2      2      1      2      0      3      3      1    753 \n"
	"Node 0, zone   Normal  17287  11654   4789   1419    803    345     21     22     24      9    122 \n";

struct collect {
	struct mmr_host_zone		zones[8];
	int				nr_zones;
	struct mmr_host_free_area	fa[128];
	int				nr_fa;
	struct mmr_host_blocks		b[32];
	int				nr_b;
	char				pairs[16][2][64];
	int				nr_pairs;
};

static int c_zone(const struct mmr_host_zone *z, void *arg)
{
	struct collect *c = arg;

	if (c->nr_zones < 8)
		c->zones[c->nr_zones++] = *z;
	return 0;
}

static int c_fa(const struct mmr_host_free_area *fa, void *arg)
{
	struct collect *c = arg;

	if (c->nr_fa < 128)
		c->fa[c->nr_fa++] = *fa;
	return 0;
}

static int c_blocks(const struct mmr_host_blocks *b, void *arg)
{
	struct collect *c = arg;

	if (c->nr_b < 32)
		c->b[c->nr_b++] = *b;
	return 0;
}

static int c_pair(const char *name, const char *value, void *arg)
{
	struct collect *c = arg;

	if (c->nr_pairs < 16) {
		snprintf(c->pairs[c->nr_pairs][0], 64, "%s", name);
		snprintf(c->pairs[c->nr_pairs][1], 64, "%s", value);
		c->nr_pairs++;
	}
	return 0;
}

static struct mmr_host_parse_ops collect_ops(struct collect *c)
{
	memset(c, 0, sizeof(*c));
	return (struct mmr_host_parse_ops){ .zone = c_zone, .free_area = c_fa,
		.blocks = c_blocks, .pair = c_pair, .arg = c };
}

static const struct mmr_host_free_area *find_fa(const struct collect *c, const char *zone,
						const char *mt, int order)
{
	for (int i = 0; i < c->nr_fa; i++)
		if (!strcmp(c->fa[i].zone, zone) && !strcmp(c->fa[i].migratetype, mt) &&
		    c->fa[i].order == order)
			return &c->fa[i];
	return NULL;
}

static void test_zoneinfo_real(void **state)
{
	/* every zone of the text, with its watermarks, sizes, start pfn and kernel index;
	 * the pageset "high:" counts are not taken for the high watermark */
	struct collect c;
	struct mmr_host_parse_ops ops = collect_ops(&c);

	(void)state;
	assert_int_equal(mmr_host_parse_zoneinfo(zoneinfo, strlen(zoneinfo), &ops), 0);
	assert_int_equal(c.nr_zones, 4);
	assert_string_equal(c.zones[0].zone, "DMA32");
	assert_int_equal(c.zones[0].zone_idx, 0);
	assert_int_equal(c.zones[0].free, 187622);
	assert_int_equal(c.zones[0].high, 3659);
	assert_int_equal(c.zones[0].start_pfn, 4096);
	assert_string_equal(c.zones[1].zone, "Normal");
	assert_int_equal(c.zones[1].zone_idx, 1);
	assert_int_equal(c.zones[1].min, 5984);
	assert_int_equal(c.zones[1].low, 7480);
	assert_int_equal(c.zones[1].high, 8976);
	assert_int_equal(c.zones[1].boost, 12);
	assert_int_equal(c.zones[1].managed, 425984);
	assert_int_equal(c.zones[1].spanned, 5505024);
	assert_int_equal(c.zones[1].start_pfn, 1048576);
	assert_int_equal(c.zones[2].managed, 0);
	assert_int_equal(c.zones[2].start_pfn, -1);
	assert_int_equal(c.zones[2].boost, -1);
	/* a new node restarts the zone index */
	assert_int_equal(c.zones[3].node, 1);
	assert_int_equal(c.zones[3].zone_idx, 0);
	assert_int_equal(c.zones[3].managed, -1);
}

static void test_pagetypeinfo_real(void **state)
{
	/* free counts per type and order, blocks per type, pageblock order; a capped count
	 * reads as its cap, and the "mixed blocks" table is not taken for block counts */
	struct collect c;
	struct mmr_host_parse_ops ops = collect_ops(&c);
	const struct mmr_host_free_area *fa;

	(void)state;
	assert_int_equal(mmr_host_parse_pagetypeinfo(pagetypeinfo, strlen(pagetypeinfo), &ops), 0);
	assert_int_equal(c.nr_fa, 5 * 11);
	fa = find_fa(&c, "Normal", "Movable", 10);
	assert_non_null(fa);
	assert_int_equal(fa->nr_free, 122);
	fa = find_fa(&c, "Normal", "Movable", 0);
	assert_non_null(fa);
	assert_int_equal(fa->nr_free, 100000);
	fa = find_fa(&c, "DMA", "Unmovable", 8);
	assert_non_null(fa);
	assert_int_equal(fa->nr_free, 1);
	assert_int_equal(c.nr_b, 10);
	assert_string_equal(c.b[6].migratetype, "Movable");
	assert_string_equal(c.b[6].zone, "Normal");
	assert_int_equal(c.b[6].nr_blocks, 756);
	assert_int_equal(c.nr_pairs, 2);
	assert_string_equal(c.pairs[0][0], "pageblock_order");
	assert_string_equal(c.pairs[0][1], "9");
	assert_string_equal(c.pairs[1][1], "512");
}

static void test_buddyinfo_real(void **state)
{
	/* buddyinfo: type "all", order = column */
	struct collect c;
	struct mmr_host_parse_ops ops = collect_ops(&c);
	const struct mmr_host_free_area *fa;

	(void)state;
	assert_int_equal(mmr_host_parse_buddyinfo(buddyinfo, strlen(buddyinfo), &ops), 0);
	assert_int_equal(c.nr_fa, 33);
	fa = find_fa(&c, "Normal", "all", 0);
	assert_non_null(fa);
	assert_int_equal(fa->nr_free, 17287);
	fa = find_fa(&c, "DMA32", "all", 10);
	assert_non_null(fa);
	assert_int_equal(fa->nr_free, 753);
}

static void test_psi_vmstat_sysctl(void **state)
{
	/* PSI lines, vmstat pairs and "name = value" listings with multi-word values */
	static const char psi[] = "some avg10=0.18 avg60=0.03 avg300=0.00 total=219420\n"
				  "full avg10=0.12 avg60=bad avg300=0.00 total=165551\n";
	static const char vmstat[] = "nr_free_pages 62378\nbad line here\nnr_x -5\nnr_y 9x\n";
	static const char sysctl[] = "defrag_mode = 0 \ncompact_memory = \n"
				     "lowmem_reserve_ratio = 256\t256 32 0 0\nnot a setting\n";
	struct mmr_host_psi p;
	struct collect c;
	struct mmr_host_parse_ops ops = collect_ops(&c);

	(void)state;
	assert_int_equal(mmr_host_parse_psi(psi, strlen(psi), &p), 0);
	assert_true(p.some_avg10 > 0.17 && p.some_avg10 < 0.19);
	assert_int_equal(p.some_total, 219420);
	assert_true(p.full_avg60 < 0);	/* unreadable: absent */
	assert_int_equal(p.full_total, 165551);
	assert_int_equal(mmr_host_parse_psi("x\n", 2, &p), -MMR_E_FORMAT);

	assert_int_equal(mmr_host_parse_vmstat(vmstat, strlen(vmstat), &ops), 0);
	assert_int_equal(c.nr_pairs, 2);
	assert_string_equal(c.pairs[1][0], "nr_x");

	ops = collect_ops(&c);
	assert_int_equal(mmr_host_parse_sysctl(sysctl, strlen(sysctl), &ops), 0);
	assert_int_equal(c.nr_pairs, 3);
	assert_string_equal(c.pairs[0][1], "0");
	assert_string_equal(c.pairs[1][1], "");
	assert_string_equal(c.pairs[2][1], "256 256 32 0 0");
}

static void test_damaged_text(void **state)
{
	/* every prefix of the real texts, and lines with overflowing, negative or
	 * oversized fields, parse without reading outside the text or taking bad values */
	static const char bad[] =
		"Node 99999999999999999999, zone DMA\n"
		"Node 0, zone ThisZoneNameIsFarTooLongForTheBuffer\n"
		"Node 0, zone Normal\n"
		"        min      -5\n"
		"        low      99999999999999999999999\n"
		"        high\n"
		"Free pages count per migrate type at order 0 1 2 99\n"
		"Node 0, zone Normal, type Movable 1 2 3 4 5 6\n"
		"Node 0, zone Normal, type\n"
		"Number of blocks type\n"
		"Node 0, zone Normal 1 2 3\n";
	const char *texts[] = { zoneinfo, pagetypeinfo, buddyinfo, bad };
	struct collect c;
	struct mmr_host_parse_ops ops;
	struct mmr_host_psi p;

	(void)state;
	for (size_t t = 0; t < 4; t++) {
		size_t n = strlen(texts[t]);

		for (size_t len = 0; len <= n; len++) {
			/* a heap copy of exactly @len bytes: ASan sees any overread */
			char *buf = malloc(len ? len : 1);

			memcpy(buf, texts[t], len);
			ops = collect_ops(&c);
			assert_int_equal(mmr_host_parse_zoneinfo(buf, len, &ops), 0);
			assert_int_equal(mmr_host_parse_pagetypeinfo(buf, len, &ops), 0);
			assert_int_equal(mmr_host_parse_buddyinfo(buf, len, &ops), 0);
			assert_int_equal(mmr_host_parse_vmstat(buf, len, &ops), 0);
			assert_int_equal(mmr_host_parse_sysctl(buf, len, &ops), 0);
			mmr_host_parse_psi(buf, len, &p);
			free(buf);
		}
	}
	ops = collect_ops(&c);
	mmr_host_parse_zoneinfo(bad, strlen(bad), &ops);
	assert_int_equal(c.nr_zones, 1);	/* only "Normal" */
	assert_int_equal(c.zones[0].min, -1);
	assert_int_equal(c.zones[0].low, -1);
	assert_int_equal(c.zones[0].high, -1);
	ops = collect_ops(&c);
	mmr_host_parse_pagetypeinfo(bad, strlen(bad), &ops);
	/* the order header stops at 99: three orders, then the row stops there */
	assert_int_equal(c.nr_fa, 3);
	assert_int_equal(c.nr_b, 0);
}

static void test_store_rows(void **state)
{
	/* a start and end snapshot land in the tables; a sysctl changed by the end is
	 * kept as its own fact, an unchanged one is not duplicated */
	char path[] = "/tmp/mmr-test-host.XXXXXX", p2[64];
	struct mmr_run_info info = { .kind = "record", .source = "test" };
	struct mmr_store *st;
	int64_t run, n;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(mmr_store_open(path, MMR_STORE_CREATE, &st), 0);
	assert_int_equal(mmr_store_begin(st), 0);
	assert_int_equal(mmr_store_run_add(st, &info, &run), 0);
	assert_int_equal(mmr_host_store_text(st, run, "start", 100, MMR_HOST_ZONEINFO, zoneinfo,
					     strlen(zoneinfo)), 0);
	assert_int_equal(mmr_host_store_text(st, run, "start", 100, MMR_HOST_PAGETYPEINFO,
					     pagetypeinfo, strlen(pagetypeinfo)), 0);
	assert_int_equal(mmr_host_store_text(st, run, "start", 100, MMR_HOST_SYSCTL_VM,
					     "a = 1\nb = 2\n", 12), 0);
	assert_int_equal(mmr_host_store_text(st, run, "end", 200, MMR_HOST_SYSCTL_VM,
					     "a = 1\nb = 3\n", 12), 0);
	assert_int_equal(mmr_host_store_text(st, run, "end", 200, MMR_HOST_VMSTAT,
					     "x 1\ny 2\n", 8), 0);
	assert_int_equal(mmr_store_commit(st), 0);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM zone_snapshots WHERE "
					     "phase = 'start' AND managed > 0 AND min < low AND "
					     "low < high", &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(mmr_store_query_int(st, "SELECT nr_blocks FROM pageblock_snapshots "
					     "WHERE zone = 'Normal' AND migratetype = 'Movable'",
					     &n), 0);
	assert_int_equal(n, 756);
	assert_int_equal(mmr_store_query_int(st, "SELECT value FROM host_facts WHERE key = "
					     "'sysctl.vm.b.end'", &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM host_facts WHERE key "
					     "LIKE 'sysctl.vm.a%'", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM vmstat_samples WHERE "
					     "ts = 200", &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM snapshots", &n), 0);
	assert_int_equal(n, 5);
	mmr_store_close(st);
	unlink(path);
	snprintf(p2, sizeof(p2), "%s-wal", path);
	unlink(p2);
	snprintf(p2, sizeof(p2), "%s-shm", path);
	unlink(p2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zoneinfo_real),
		cmocka_unit_test(test_pagetypeinfo_real),
		cmocka_unit_test(test_buddyinfo_real),
		cmocka_unit_test(test_psi_vmstat_sysctl),
		cmocka_unit_test(test_damaged_text),
		cmocka_unit_test(test_store_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
