/*
 * bench/model-bench.c - fast-path throughput and memory of the page allocator model on
 * a 64 GiB zone, next to a reference loop (malloc/free of 4 KiB) run the same way.
 * Uses only mmr.h. Prints one "key: value" line per figure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "mmr.h"

#define ZONE_PAGES	(16ull << 20)	/* 64 GiB of 4 KiB pages */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Order-0 alloc+free pairs per second through the model's fast path (PCP). */
static double model_pairs(struct mmr_model *m, uint64_t gfp, enum mmr_model_class class,
			  uint64_t n)
{
	struct mmr_model_req req = { .order = 0, .gfp = gfp, .class = class, .pid = 1 };
	struct mmr_model_result res;
	double t0, t1;

	t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		req.owner = (uint32_t)(i & 63);
		if (mmr_model_alloc(m, &req, &res) || res.pfn < 0) {
			fprintf(stderr, "model-bench: allocation failed\n");
			exit(1);
		}
		mmr_model_free_owner(m, req.owner, 0, 1);
	}
	t1 = now_s();
	return (double)n / (t1 - t0);
}

static double malloc_pairs(uint64_t n)
{
	volatile uintptr_t sink = 0;
	double t0, t1;

	t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		void *p = malloc(4096);

		sink += (uintptr_t)p;
		free(p);
	}
	t1 = now_s();
	(void)sink;
	return (double)n / (t1 - t0);
}

#define REPS	7

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, REPS, sizeof(*v), cmp_double);
	return v[REPS / 2];
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000000ull;
	double unmov_v[REPS], file_v[REPS], ref_v[REPS], unmov, file, ref;
	struct mmr_model_config cfg;
	struct mmr_model_memory mem;
	struct mmr_model *m;

	mmr_model_config_init(&cfg);
	cfg.nr_zones = 1;
	cfg.zones[0] = (struct mmr_model_zone_config){ .zone_idx = MMR_ZONE_NORMAL,
		.start_pfn = 1ull << 20, .spanned_pages = ZONE_PAGES };
	if (mmr_model_new(&cfg, &m)) {
		fprintf(stderr, "model-bench: cannot build the model\n");
		return 1;
	}
	mmr_model_memory(m, &mem);
	/* interleaved repetitions, medians: the host's speed drifts between runs */
	for (int r = 0; r < REPS; r++) {
		unmov_v[r] = model_pairs(m, MMR_GFP_KERNEL, MMR_CLASS_UNRECLAIMABLE, n / REPS);
		file_v[r] = model_pairs(m, MMR_GFP_HIGHUSER_MOVABLE, MMR_CLASS_FILE, n / REPS);
		ref_v[r] = malloc_pairs(n / REPS);
	}
	unmov = median(unmov_v);
	file = median(file_v);
	ref = median(ref_v);
	printf("zone_pages: %llu\n", (unsigned long long)mem.nr_pages);
	printf("page_state_bytes_per_page: %.3f\n", (double)mem.pages / (double)mem.nr_pages);
	printf("pageblock_bytes_per_page: %.4f\n", (double)mem.pageblocks / (double)mem.nr_pages);
	printf("total_bytes_per_page: %.3f\n",
	       (double)(mem.pages + mem.pageblocks + mem.owners) / (double)mem.nr_pages);
	printf("owner_table_bytes_per_owner_slot: 12\n");
	printf("pairs: %llu per figure, %d interleaved repetitions, medians\n",
	       (unsigned long long)n, REPS);
	printf("model_pairs_per_s_unmovable: %.0f\n", unmov);
	printf("model_pairs_per_s_file_lru: %.0f\n", file);
	printf("reference_malloc_free_4k_pairs_per_s: %.0f\n", ref);
	printf("ratio_model_unmovable_to_reference: %.2f\n", unmov / ref);
	printf("ratio_model_file_lru_to_reference: %.2f\n", file / ref);
	mmr_model_free(m);
	return 0;
}
