/*
 * limit.c - KMM_MEMORY_LIMIT turns exhaustion into ENOMEM, never a crash,
 * and memory freed is available again.
 *
 * Property checked, with the limit given as argv[1] in MiB (limit.sh sets
 * KMM_MEMORY_LIMIT to it; this is a kmm feature, so the program runs on
 * kmm only): one request above the limit fails with ENOMEM; 1 MiB blocks,
 * then 64-byte objects, then 6 MiB vmalloc-sized blocks can be had until
 * the limit and not far beyond what it allows, then fail with ENOMEM;
 * a failed realloc keeps its block; a failing operator new is not
 * exercised here (see cxx.cc).  After everything is freed the same amount
 * can be allocated again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define MIB ((size_t)1 << 20)

static void *blk[1 << 21];

/* Allocate blocks of n bytes until failure; returns how many. */
static size_t fill_up(size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < max; i++) {
		errno = 0;
		blk[i] = malloc(n);
		if (!blk[i]) {
			expect_errno(ENOMEM);
			return i;
		}
		memset(blk[i], (int)(i & 0xff), n < 4096 ? n : 4096);
	}
	test_fail("malloc(%zu) x %zu expected to fail under the limit, never did",
		  n, max);
}

static void free_all(size_t count, size_t n)
{
	size_t i;

	for (i = 0; i < count; i++) {
		unsigned char *p = blk[i];

		if (p[0] != (unsigned char)(i & 0xff) ||
		    p[(n < 4096 ? n : 4096) - 1] != (unsigned char)(i & 0xff))
			test_fail("block %zu of %zu bytes changed under the limit",
				  i, n);
		free(p);
	}
}

int main(int argc, char **argv)
{
	size_t limit_mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
	size_t limit, n1, n1again, nsmall, nbig;
	char *p, *q;

	test_init();
	if (!limit_mib)
		test_error("usage: limit MIB (with KMM_MEMORY_LIMIT=MIB M)");
	limit = limit_mib * MIB;

	errno = 0;
	p = malloc(limit + MIB);
	expect(p == NULL, "malloc(limit + 1 MiB) to fail, got %p", (void *)p);
	expect_errno(ENOMEM);

	n1 = fill_up(MIB, limit / MIB + 16);
	/* Slabs and per-thread pages also count: most, not all, of it. */
	expect(n1 * MIB <= limit && n1 * MIB >= limit / 2,
	       "1 MiB blocks under a %zu MiB limit: between %zu and %zu, got %zu",
	       limit_mib, limit_mib / 2, limit_mib, n1);
	/* Exhausted: a small request fails too, or finds a cached page. */
	errno = 0;
	q = calloc(1, 2 * MIB);
	expect(q == NULL, "calloc(2 MiB) at the limit to fail, got %p", (void *)q);
	expect_errno(ENOMEM);
	free_all(n1, MIB);

	n1again = fill_up(MIB, limit / MIB + 16);
	expect(n1again + 2 >= n1,
	       "after freeing, 1 MiB blocks again: about %zu, got %zu", n1,
	       n1again);
	free_all(n1again, MIB);

	nsmall = fill_up(64, sizeof(blk) / sizeof(blk[0]));
	expect(nsmall * 64 <= limit && nsmall * 64 >= limit / 2,
	       "64-byte objects under a %zu MiB limit: %zu to %zu, got %zu",
	       limit_mib, limit / 2 / 64, limit / 64, nsmall);
	free_all(nsmall, 64);

	nbig = fill_up(6 * MIB, limit / MIB);
	expect(nbig * 6 * MIB <= limit && (nbig + 2) * 6 * MIB >= limit / 2,
	       "6 MiB blocks under a %zu MiB limit: up to %zu, got %zu",
	       limit_mib, limit / (6 * MIB), nbig);
	free_all(nbig, 6 * MIB);

	/* A realloc past the limit fails and keeps the block. */
	p = malloc(100);
	expect_nonnull(p);
	memset(p, 0x5c, 100);
	errno = 0;
	q = realloc(p, limit);
	expect(q == NULL, "realloc(p, limit) to fail, got %p", (void *)q);
	expect_errno(ENOMEM);
	expect_bytes(p, 0x5c, 100);
	free(p);

	n1again = fill_up(MIB, limit / MIB + 16);
	expect(n1again + 2 >= n1,
	       "at the end, 1 MiB blocks again: about %zu, got %zu", n1,
	       n1again);
	free_all(n1again, MIB);
	printf("limit: %zu MiB: %zu x 1 MiB, %zu x 64 B, %zu x 6 MiB\n",
	       limit_mib, n1, nsmall, nbig);
	return 0;
}
