/*
 * limit_idle.c - under KMM_MEMORY_LIMIT, what idle threads keep free does
 * not starve the thread that works.
 *
 * Property checked, with the limit given as argv[1] in MiB (limit_idle.sh
 * sets KMM_MEMORY_LIMIT to it): 32 threads each allocate and free a mix
 * of sizes (16 bytes to 2 MiB, 64 blocks live at a time) and then wait,
 * idle, on a condition variable; the main thread then gets at least 90%
 * of the limit in 1 MiB blocks, and again in 64 KiB blocks once those
 * are freed.  Each thread keeps its page lists, page runs and object
 * lists, several MiB, which must not count against the main thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#define MIB ((size_t)1 << 20)
#define NR_THREADS 32
#define LIVE 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready, done;
static void *blk[1 << 16];

static void *worker(void *arg)
{
	uint64_t s = ((uintptr_t)arg + 1) * 0x9e3779b97f4a7c15ull ^ test_seed;
	void *p[LIVE];
	int round, i;

	for (round = 0; round < 4; round++) {
		for (i = 0; i < LIVE; i++) {
			size_t n;

			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			n = (size_t)16 << (s % 17);
			n += (s >> 20) % n;
			p[i] = malloc(n);
			if (!p[i])
				test_fail("thread %lu: malloc(%zu) failed "
					  "below the limit",
					  (unsigned long)(uintptr_t)arg, n);
			memset(p[i], i, n < 4096 ? n : 4096);
		}
		for (i = 0; i < LIVE; i++)
			free(p[i]);
	}
	pthread_mutex_lock(&lock);
	ready++;
	pthread_cond_broadcast(&cond);
	while (!done)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Blocks of n bytes until malloc fails with ENOMEM; returns how many. */
static size_t fill_up(size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(blk) / sizeof(blk[0]); i++) {
		errno = 0;
		blk[i] = malloc(n);
		if (!blk[i]) {
			expect_errno(ENOMEM);
			return i;
		}
		memset(blk[i], 1, n < 4096 ? n : 4096);
	}
	test_fail("malloc(%zu) never failed under the limit", n);
}

int main(int argc, char **argv)
{
	size_t limit_mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
	size_t limit, got, i;
	pthread_t th[NR_THREADS];
	long t;

	test_init();
	if (!limit_mib)
		test_error("usage: limit_idle MIB (with KMM_MEMORY_LIMIT=MIB M)");
	limit = limit_mib * MIB;
	alarm(120);
	for (t = 0; t < NR_THREADS; t++)
		if (pthread_create(&th[t], NULL, worker, (void *)t))
			test_error("pthread_create");
	pthread_mutex_lock(&lock);
	while (ready < NR_THREADS)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);

	got = fill_up(MIB);
	expect(got * MIB >= limit / 10 * 9 && got * MIB <= limit,
	       "1 MiB blocks beside %d idle threads under a %zu MiB limit: "
	       "expected %zu to %zu, got %zu", NR_THREADS, limit_mib,
	       limit_mib / 10 * 9, limit_mib, got);
	printf("limit_idle: %zu MiB: %zu x 1 MiB", limit_mib, got);
	for (i = 0; i < got; i++)
		free(blk[i]);

	got = fill_up(64 << 10);
	expect(got * (64 << 10) >= limit / 10 * 9 &&
		       got * (64 << 10) <= limit,
	       "64 KiB blocks beside %d idle threads under a %zu MiB limit: "
	       "expected %zu to %zu, got %zu", NR_THREADS, limit_mib,
	       limit / 10 * 9 / (64 << 10), limit / (64 << 10), got);
	printf(", %zu x 64 KiB\n", got);
	for (i = 0; i < got; i++)
		free(blk[i]);

	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (t = 0; t < NR_THREADS; t++)
		pthread_join(th[t], NULL);
	return 0;
}
