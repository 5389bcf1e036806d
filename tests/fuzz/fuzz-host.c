/*
 * tests/fuzz/fuzz-host.c - libFuzzer target: arbitrary bytes as a host snapshot
 * file (zoneinfo, pagetypeinfo, buddyinfo, vmstat, PSI, sysctl listing). Every
 * parser must stay inside the bytes given and hand out only sane values.
 */
#include <stdlib.h>
#include <string.h>
#include "ingest-local.h"

static int on_zone(const struct mmr_host_zone *z, void *arg)
{
	(void)arg;
	if (z->node < 0 || z->zone_idx < 0 || !z->zone[0] ||
	    strnlen(z->zone, sizeof(z->zone)) == sizeof(z->zone))
		abort();
	return 0;
}

static int on_free_area(const struct mmr_host_free_area *fa, void *arg)
{
	(void)arg;
	if (fa->order < 0 || fa->order >= 32 || fa->nr_free < 0 || !fa->zone[0] ||
	    !fa->migratetype[0])
		abort();
	return 0;
}

static int on_blocks(const struct mmr_host_blocks *b, void *arg)
{
	(void)arg;
	if (b->nr_blocks < 0 || !b->migratetype[0])
		abort();
	return 0;
}

static int on_pair(const char *name, const char *value, void *arg)
{
	(void)arg;
	if (!name[0] || strlen(value) > 1024)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mmr_host_parse_ops ops = { .zone = on_zone, .free_area = on_free_area,
		.blocks = on_blocks, .pair = on_pair };
	/* an exact-size copy, so that any read past the end is caught */
	char *buf = malloc(size ? size : 1);
	struct mmr_host_psi psi;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	mmr_host_parse_zoneinfo(buf, size, &ops);
	mmr_host_parse_pagetypeinfo(buf, size, &ops);
	mmr_host_parse_buddyinfo(buf, size, &ops);
	mmr_host_parse_vmstat(buf, size, &ops);
	mmr_host_parse_sysctl(buf, size, &ops);
	if (!mmr_host_parse_psi(buf, size, &psi) && psi.some_avg10 > 100)
		abort();
	free(buf);
	return 0;
}
