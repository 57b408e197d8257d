/*
 * ops.c - N rounds of one malloc-family operation, for per-operation
 * instruction counts under callgrind (bench/valgrind-compare --ops).
 *
 *   ops pair SIZE N   N rounds of malloc(SIZE)+free
 *   ops batch N       N rounds of 100 malloc(64), then their 100 frees
 *                     (one unit: one pair; 100 units a round)
 *   ops realloc N     N rounds of one buffer grown by realloc in 16 B
 *                     steps from 16 B (realloc(NULL, 16)) to 16 KiB, then
 *                     freed (one unit: one realloc call; 1024 a round, the
 *                     round's free counted in them)
 *   ops calloc N      N rounds of calloc(1, 4096)+free
 *   ops big N         N rounds of malloc(16 MiB)+free, one byte written
 *   ops empty N       N rounds of the calling loop alone: its overhead,
 *                     which every other figure includes
 *   ops units OP      print the units per round of OP
 *
 * Does not link kmm: the allocator comes from LD_PRELOAD.  Startup and
 * first-use costs cancel out when two runs with different N are
 * subtracted: instructions per unit =
 * (Ir(N2) - Ir(N1)) / ((N2 - N1) * units per round).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 100
#define REALLOC_STEP 16
#define REALLOC_MAX (16 << 10)
#define BIG_SIZE (16UL << 20)

/* Keeps the compiler from removing or merging the calls. */
#define KEEP(p) __asm__ __volatile__("" : : "r"(p) : "memory")

static __attribute__((noinline)) void run_empty(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = &i;

		KEEP(p);
	}
}

static __attribute__((noinline)) void run_pair(size_t size, long n)
{
	for (long i = 0; i < n; i++) {
		void *p = malloc(size);

		KEEP(p);
		free(p);
	}
}

static __attribute__((noinline)) void run_batch(long n)
{
	void *p[BATCH];

	for (long i = 0; i < n; i++) {
		for (int j = 0; j < BATCH; j++) {
			p[j] = malloc(64);
			KEEP(p[j]);
		}
		for (int j = 0; j < BATCH; j++)
			free(p[j]);
	}
}

static __attribute__((noinline)) int run_realloc(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = NULL;

		for (size_t s = REALLOC_STEP; s <= REALLOC_MAX;
		     s += REALLOC_STEP) {
			void *q = realloc(p, s);

			if (!q) {
				free(p);
				return 1;
			}
			p = q;
			KEEP(p);
		}
		free(p);
	}
	return 0;
}

static __attribute__((noinline)) int run_calloc(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = calloc(1, 4096);

		if (!p)
			return 1;
		KEEP(p);
		free(p);
	}
	return 0;
}

static __attribute__((noinline)) int run_big(long n)
{
	for (long i = 0; i < n; i++) {
		char *p = malloc(BIG_SIZE);

		if (!p)
			return 1;
		p[0] = 1;
		KEEP(p);
		free(p);
	}
	return 0;
}

static long units(const char *op)
{
	if (strcmp(op, "batch") == 0)
		return BATCH;
	if (strcmp(op, "realloc") == 0)
		return REALLOC_MAX / REALLOC_STEP;
	if (strcmp(op, "pair") == 0 || strcmp(op, "calloc") == 0 ||
	    strcmp(op, "big") == 0 || strcmp(op, "empty") == 0)
		return 1;
	return 0;
}

static int number(const char *s, long *v)
{
	char *end;

	*v = strtol(s, &end, 0);
	return *s && !*end && *v >= 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: ops pair SIZE N | ops batch|realloc|calloc|"
		"big|empty N | ops units OP\n");
	return 2;
}

int main(int argc, char **argv)
{
	long size, n;

	if (argc == 3 && strcmp(argv[1], "units") == 0) {
		if (!units(argv[2]))
			return usage();
		printf("%ld\n", units(argv[2]));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "pair") == 0) {
		if (!number(argv[2], &size) || !number(argv[3], &n))
			return usage();
		run_pair((size_t)size, n);
		return 0;
	}
	if (argc != 3 || !units(argv[1]) || strcmp(argv[1], "pair") == 0 ||
	    !number(argv[2], &n))
		return usage();
	if (strcmp(argv[1], "batch") == 0)
		run_batch(n);
	else if (strcmp(argv[1], "realloc") == 0)
		return run_realloc(n);
	else if (strcmp(argv[1], "calloc") == 0)
		return run_calloc(n);
	else if (strcmp(argv[1], "big") == 0)
		return run_big(n);
	else
		run_empty(n);
	return 0;
}
