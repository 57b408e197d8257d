/*
 * kpair.c - N hot pairs of kmm's kernel-style API, for instruction counts
 * under callgrind (bench/valgrind-compare --pairs), to set beside pair.c.
 *
 *   kpair kmalloc SIZE N    kmalloc(SIZE, GFP_KERNEL)+kfree
 *   kpair cache SIZE N      kmem_cache_alloc+kmem_cache_free on a cache
 *                           of objects of SIZE bytes
 *
 * Linked with kmm's core library (malloc stays glibc's).  Cache creation
 * and first use cancel out when two runs with different N are subtracted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm.h>

static __attribute__((noinline)) void run_kmalloc(size_t size, long n)
{
	for (long i = 0; i < n; i++) {
		void *p = kmalloc(size, GFP_KERNEL);

		__asm__ __volatile__("" : : "r"(p) : "memory");
		kfree(p);
	}
}

static __attribute__((noinline)) void run_cache(struct kmem_cache *s, long n)
{
	for (long i = 0; i < n; i++) {
		void *p = kmem_cache_alloc(s, GFP_KERNEL);

		__asm__ __volatile__("" : : "r"(p) : "memory");
		kmem_cache_free(s, p);
	}
}

int main(int argc, char **argv)
{
	char *end;
	long size, n;

	if (argc != 4) {
		fprintf(stderr, "usage: kpair kmalloc|cache SIZE N\n");
		return 2;
	}
	size = strtol(argv[2], &end, 0);
	if (*end || size <= 0)
		return 2;
	n = strtol(argv[3], &end, 0);
	if (*end || n < 0)
		return 2;
	if (strcmp(argv[1], "kmalloc") == 0) {
		run_kmalloc((size_t)size, n);
	} else if (strcmp(argv[1], "cache") == 0) {
		struct kmem_cache *s = kmem_cache_create("kpair", size, 0, 0,
							 NULL);

		if (!s) {
			fprintf(stderr, "kpair: kmem_cache_create failed\n");
			return 1;
		}
		run_cache(s, n);
		kmem_cache_destroy(s);
	} else {
		fprintf(stderr, "kpair: unknown mode %s\n", argv[1]);
		return 2;
	}
	return 0;
}
