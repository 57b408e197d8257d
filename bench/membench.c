/*
 * membench.c - memory footprint of the malloc family under one workload.
 *
 * Peak RSS never goes down within a process, so bench/compare runs each
 * workload in a process of its own (--benchmark_filter=^NAME$), once per
 * allocator, with the allocator in LD_PRELOAD; like malloc_bench, this
 * binary does not link kmm.  Each workload runs exactly once (a fixed
 * iteration count of 1) and reports counters, in bytes:
 *
 *   peak_rss       VmHWM at the end: the process's peak resident memory
 *   rss_base       VmRSS before the workload (the benchmark library and
 *                  the program itself)
 *   rss_after      VmRSS once the workload has freed most of its memory
 *   live_after     bytes still allocated at that point
 *   req_peak       peak of the bytes requested and not yet freed
 *   overhead       (peak_rss - rss_base) / req_peak: resident bytes per
 *                  byte requested, at the peak
 *
 * Workloads (the argument is the peak of live memory in MiB):
 *
 *   mem/frag/M       sizes from 16 B to 1 MiB (mostly small), random
 *                    lifetimes: fill to M, then replace random objects
 *                    while the size mix drifts from small to large, so
 *                    memory freed by small objects must serve large ones;
 *                    then free all but a random 10%
 *   mem/free_most/M  allocate M in objects of 16 B to 4 KiB, then free a
 *                    random 90% of them: what does the allocator give
 *                    back when a tenth of each page stays in use?
 *   mem/obj64/N      N Mi objects of 64 bytes live at once (overhead
 *                    only; rss_after is measured after freeing all)
 *
 * Every page of every object is written, so RSS counts what the
 * allocator hands out, not only what it maps.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "shim.h"

/* A field of /proc/self/status, in bytes, or 0. */
static size_t status_bytes(const char *field)
{
	char line[256];
	size_t len = strlen(field), kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			kib = strtoull(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kib * 1024;
}

struct obj {
	char *p;
	size_t size;
};

struct tally {
	size_t live, peak;
};

static char *obj_alloc(struct obj *o, size_t size, struct tally *t)
{
	o->p = malloc(size);
	o->size = size;
	if (!o->p)
		return NULL;
	for (size_t off = 0; off < size; off += 4096)
		o->p[off] = 1;
	o->p[size - 1] = 1;
	t->live += size;
	if (t->live > t->peak)
		t->peak = t->live;
	return o->p;
}

static void obj_free(struct obj *o, struct tally *t)
{
	if (!o->p)
		return;
	free(o->p);
	t->live -= o->size;
	o->p = NULL;
}

static void report(struct kb_state *st, size_t base, size_t rss_after,
		   const struct tally *t)
{
	size_t peak = status_bytes("VmHWM");

	kb_counter(st, "peak_rss", (double)peak, KB_COUNTER_PLAIN);
	kb_counter(st, "rss_base", (double)base, KB_COUNTER_PLAIN);
	kb_counter(st, "rss_after", (double)rss_after, KB_COUNTER_PLAIN);
	kb_counter(st, "live_after", (double)t->live, KB_COUNTER_PLAIN);
	kb_counter(st, "req_peak", (double)t->peak, KB_COUNTER_PLAIN);
	kb_counter(st, "overhead",
		   t->peak ? (double)(peak - base) / (double)t->peak : 0,
		   KB_COUNTER_PLAIN);
}

/*
 * Size mix of mem/frag; @drift in [0, 8] moves weight from small to
 * large requests as the run goes on.
 */
static size_t frag_size(struct kb_rng *r, unsigned int drift)
{
	unsigned int band = (unsigned int)kb_rng_below(r, 100);

	if (band < 70 - 5 * drift)
		return kb_rng_logsize(r, 16, 256);
	if (band < 92 - 4 * drift)
		return kb_rng_logsize(r, 257, 4096);
	if (band < 99)
		return kb_rng_logsize(r, 4097, 65536);
	return kb_rng_logsize(r, 65537, 1 << 20);
}

static void bm_frag(struct kb_state *st, void *udata)
{
	size_t target = (size_t)kb_arg(st, 0) << 20;
	size_t base = status_bytes("VmRSS"), rss_after = 0;
	size_t cap = 1 << 16, n = 0;
	struct obj *objs = calloc(cap, sizeof(*objs));
	struct tally t = { 0, 0 };
	struct kb_rng rng;

	kb_rng_seed(&rng, 42);
	while (kb_keep_running_batch(st, 1)) {
		/* Fill. */
		while (t.live < target) {
			if (n == cap) {
				cap *= 2;
				objs = realloc(objs, cap * sizeof(*objs));
			}
			if (!obj_alloc(&objs[n++], frag_size(&rng, 0), &t))
				goto oom;
		}
		/* Replace random objects while the mix drifts; keep the
		 * live total near the target. */
		for (unsigned int drift = 0; drift <= 8; drift++)
			for (size_t i = 0; i < n / 2; i++) {
				struct obj *o = &objs[kb_rng_below(&rng, n)];
				size_t size = frag_size(&rng, drift);

				int over = t.live + size > target + (target >> 4);

				if (o->p && (over || kb_rng_below(&rng, 2)))
					obj_free(o, &t);
				if (!o->p && t.live + size <= target +
				    (target >> 4) && !obj_alloc(o, size, &t))
					goto oom;
			}
		/* Free all but a random tenth. */
		for (size_t i = 0; i < n; i++)
			if (kb_rng_below(&rng, 10))
				obj_free(&objs[i], &t);
		rss_after = status_bytes("VmRSS");
		report(st, base, rss_after, &t);
		for (size_t i = 0; i < n; i++)
			obj_free(&objs[i], &t);
		n = 0;
	}
	free(objs);
	return;
oom:
	kb_skip_with_error(st, "out of memory");
	free(objs);
}

static void bm_free_most(struct kb_state *st, void *udata)
{
	size_t target = (size_t)kb_arg(st, 0) << 20;
	size_t base = status_bytes("VmRSS"), rss_after = 0;
	/* Mean size is about 1.4 KiB. */
	size_t cap = target / 512 + 1024, n = 0;
	struct obj *objs = malloc(cap * sizeof(*objs));
	struct tally t = { 0, 0 };
	struct kb_rng rng;

	kb_rng_seed(&rng, 7);
	while (kb_keep_running_batch(st, 1)) {
		while (t.live < target && n < cap)
			if (!obj_alloc(&objs[n++],
				       kb_rng_logsize(&rng, 16, 4096), &t)) {
				kb_skip_with_error(st, "out of memory");
				break;
			}
		for (size_t i = 0; i < n; i++)
			if (kb_rng_below(&rng, 10))
				obj_free(&objs[i], &t);
		rss_after = status_bytes("VmRSS");
		report(st, base, rss_after, &t);
		for (size_t i = 0; i < n; i++)
			obj_free(&objs[i], &t);
		n = 0;
	}
	free(objs);
}

/*
 * mem/obj64/N: N Mi objects of 64 bytes, all live at once; overhead is
 * what the allocator needs beside them (headers, metadata, slack), the
 * figure of issue-style targets such as "metadata under 2% for a
 * million 64-byte objects".
 */
static void bm_obj64(struct kb_state *st, void *udata)
{
	size_t n = (size_t)kb_arg(st, 0) << 20;
	size_t base = status_bytes("VmRSS"), rss_after = 0;
	void **objs = malloc(n * sizeof(*objs));
	struct tally t = { 0, 0 };
	size_t table;

	if (!objs) {
		kb_skip_with_error(st, "out of memory");
		return;
	}
	/*
	 * The pointer table is the benchmark's, not the allocator's: fault
	 * it in before the baseline (with a nonzero byte, or the compiler
	 * makes malloc+memset a calloc, which need not touch the pages).
	 */
	memset(objs, 0xa5, n * sizeof(*objs));
	table = status_bytes("VmRSS") - base;
	while (kb_keep_running_batch(st, 1)) {
		for (size_t i = 0; i < n; i++) {
			objs[i] = malloc(64);
			if (!objs[i]) {
				kb_skip_with_error(st, "out of memory");
				n = i;
				break;
			}
			*(volatile char *)objs[i] = 1;
		}
		t.live = t.peak = n * 64;
		report(st, base + table, status_bytes("VmRSS"), &t);
		for (size_t i = 0; i < n; i++)
			free(objs[i]);
		t.live = 0;
		rss_after = status_bytes("VmRSS");
		kb_counter(st, "rss_after", (double)rss_after,
			   KB_COUNTER_PLAIN);
		kb_counter(st, "live_after", 0, KB_COUNTER_PLAIN);
	}
	free(objs);
}

int main(int argc, char **argv)
{
	struct kb_bench *b;

	/* The small sizes are for bench/compare --quick and smoke runs. */
	b = kb_register("mem/frag", bm_frag, NULL);
	kb_add_arg(kb_add_arg(b, 32), 256);
	kb_unit_ms(kb_use_real_time(kb_iterations_fixed(b, 1)));
	b = kb_register("mem/free_most", bm_free_most, NULL);
	kb_add_arg(kb_add_arg(b, 128), 1024);
	kb_unit_ms(kb_use_real_time(kb_iterations_fixed(b, 1)));
	b = kb_register("mem/obj64", bm_obj64, NULL);
	kb_add_arg(b, 1);
	kb_unit_ms(kb_use_real_time(kb_iterations_fixed(b, 1)));
	return kb_run(argc, argv);
}
