/*
 * retain.c - workloads where what an allocator keeps, and for how long,
 * decides its time and its footprint.  One workload per process; the
 * driver (retain-compare) runs it with no preload (glibc) and under each
 * allocator in LD_PRELOAD and reads the time, the CPU time and the minor
 * page faults from wait4(); the program prints the RSS it measured.
 *
 *   retain large [ROUNDS]    a dozen live blocks of 4 to 16 MiB, one
 *                            replaced at a time at random, each written
 *                            through: the page faults of fresh memory
 *   retain churn [ROUNDS]    short-lived threads, four at a time: each
 *                            builds a working set of mixed sizes (16 B to
 *                            64 KiB), frees the half the previous thread
 *                            handed it and hands half of its own on,
 *                            grows a table by realloc in 800 KB steps to
 *                            8 MB, frees the rest and exits
 *   retain idle [MIB]        MIB (512) MiB of objects of 16 B to 256 B,
 *                            all freed; RSS 3 s later, after one call
 *                            (a 1 MiB malloc and its free), then after
 *                            malloc_trim(0)
 *   retain perthread [N]     N (256) threads each allocate, fill and free
 *                            one object of every size from 16 B to 32 KiB
 *                            (kmm's 40 classes), then wait: RSS with all
 *                            of them alive
 *
 * Prints "rss=BYTES" (and for idle "rss_idle=BYTES rss_trim=BYTES"),
 * from /proc/self/statm.  Does not link kmm.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

static size_t rss_bytes(void)
{
	unsigned long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fprintf(stderr, "retain: out of memory for %zu bytes\n", n);
		exit(1);
	}
	return p;
}

/* Writes one byte per page, as a program filling the block would fault. */
static void touch(char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 4096)
		p[i] = (char)i;
	p[n - 1] = 1;
}

/* ------------------------------------------------------------- large */

#define LARGE_LIVE 12

static int large(long rounds)
{
	struct kb_rng r;
	char *live[LARGE_LIVE];
	size_t size[LARGE_LIVE];

	kb_rng_seed(&r, 1);
	for (int i = 0; i < LARGE_LIVE; i++) {
		size[i] = kb_rng_range(&r, 4 << 20, 16 << 20);
		live[i] = xmalloc(size[i]);
		touch(live[i], size[i]);
	}
	for (long k = 0; k < rounds; k++) {
		int i = (int)kb_rng_below(&r, LARGE_LIVE);

		free(live[i]);
		size[i] = kb_rng_range(&r, 4 << 20, 16 << 20);
		live[i] = xmalloc(size[i]);
		touch(live[i], size[i]);
	}
	printf("rss=%zu\n", rss_bytes());
	for (int i = 0; i < LARGE_LIVE; i++)
		free(live[i]);
	return 0;
}

/* ------------------------------------------------------------- churn */

#define CHURN_THREADS 4
#define CHURN_SET 4000
#define CHURN_TABLE_STEP 800000
#define CHURN_TABLE_MAX 8000000

struct handoff {
	pthread_mutex_t lock;
	void **objs;
	size_t n;
};

struct churn_arg {
	struct handoff *in, *out;
	uint64_t seed;
};

static void *churn_thread(void *arg)
{
	struct churn_arg *a = arg;
	struct kb_rng r;
	void **set = xmalloc(CHURN_SET * sizeof(*set));
	char *table = NULL;
	size_t n = 0;

	kb_rng_seed(&r, a->seed);
	for (int i = 0; i < CHURN_SET; i++) {
		size_t s = kb_rng_logsize(&r, 16, 64 << 10);

		set[i] = xmalloc(s);
		memset(set[i], i, s < 64 ? s : 64);
	}
	/* What the previous thread handed on is freed here. */
	pthread_mutex_lock(&a->in->lock);
	for (size_t i = 0; i < a->in->n; i++)
		free(a->in->objs[i]);
	free(a->in->objs);
	a->in->objs = NULL;
	a->in->n = 0;
	pthread_mutex_unlock(&a->in->lock);
	for (size_t s = CHURN_TABLE_STEP; s <= CHURN_TABLE_MAX;
	     s += CHURN_TABLE_STEP) {
		table = realloc(table, s);
		if (!table)
			exit(1);
		touch(table + (s - CHURN_TABLE_STEP), CHURN_TABLE_STEP);
		n = s;
	}
	(void)n;
	free(table);
	/* Half goes on to the next thread, the rest is freed here. */
	pthread_mutex_lock(&a->out->lock);
	a->out->objs = realloc(a->out->objs,
			       (a->out->n + CHURN_SET / 2) * sizeof(void *));
	if (!a->out->objs)
		exit(1);
	for (int i = 0; i < CHURN_SET / 2; i++)
		a->out->objs[a->out->n++] = set[2 * i];
	pthread_mutex_unlock(&a->out->lock);
	for (int i = 0; i < CHURN_SET / 2; i++)
		free(set[2 * i + 1]);
	free(set);
	return NULL;
}

static int churn(long rounds)
{
	struct handoff h[CHURN_THREADS];
	struct churn_arg a[CHURN_THREADS];
	pthread_t t[CHURN_THREADS];
	size_t peak = 0;

	for (int i = 0; i < CHURN_THREADS; i++) {
		pthread_mutex_init(&h[i].lock, NULL);
		h[i].objs = NULL;
		h[i].n = 0;
	}
	for (long k = 0; k < rounds; k++) {
		for (int i = 0; i < CHURN_THREADS; i++) {
			/* Thread i frees what thread i - 1 of the last
			 * round handed on, and hands on to slot i. */
			a[i].in = &h[(i + CHURN_THREADS - 1) % CHURN_THREADS];
			a[i].out = &h[i];
			a[i].seed = (uint64_t)(k * CHURN_THREADS + i + 1);
		}
		/* Each output slot is emptied by its reader first. */
		for (int i = 0; i < CHURN_THREADS; i++)
			if (pthread_create(&t[i], NULL, churn_thread, &a[i]))
				return 1;
		for (int i = 0; i < CHURN_THREADS; i++)
			pthread_join(t[i], NULL);
		if (rss_bytes() > peak)
			peak = rss_bytes();
	}
	for (int i = 0; i < CHURN_THREADS; i++) {
		for (size_t j = 0; j < h[i].n; j++)
			free(h[i].objs[j]);
		free(h[i].objs);
	}
	printf("rss=%zu\n", peak);
	return 0;
}

/* -------------------------------------------------------------- idle */

static int idle(long mib)
{
	size_t want = (size_t)mib << 20, got = 0, n = 0, cap = 1 << 20;
	void **objs = xmalloc(cap * sizeof(*objs));
	struct kb_rng r;
	size_t after, trimmed;

	kb_rng_seed(&r, 3);
	while (got < want) {
		size_t s = kb_rng_range(&r, 16, 256);

		if (n == cap) {
			cap *= 2;
			objs = realloc(objs, cap * sizeof(*objs));
			if (!objs)
				return 1;
		}
		objs[n] = xmalloc(s);
		memset(objs[n], 1, s);
		got += s;
		n++;
	}
	for (size_t i = 0; i < n; i++)
		free(objs[i]);
	free(objs);
	sleep(3);
	/* One call after the pause: a slow path of every allocator. */
	free(xmalloc(1 << 20));
	after = rss_bytes();
	malloc_trim(0);
	trimmed = rss_bytes();
	printf("rss=%zu rss_idle=%zu rss_trim=%zu\n", after, after, trimmed);
	return 0;
}

/* --------------------------------------------------------- perthread */

static const unsigned int class_sizes[] = {
	16,    32,    48,    64,    80,    96,    112,   128,
	160,   192,   224,   256,   320,   384,   448,   512,
	640,   768,   896,   1024,  1280,  1536,  1792,  2048,
	2560,  3072,  3584,  4096,  5120,  6144,  7168,  8192,
	10240, 12288, 14336, 16384, 20480, 24576, 28672, 32768,
};

static pthread_barrier_t pt_ready, pt_done;

static void *perthread_thread(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < sizeof(class_sizes) / sizeof(class_sizes[0]);
	     i++) {
		char *p = xmalloc(class_sizes[i]);

		memset(p, 1, class_sizes[i]);
		free(p);
	}
	pthread_barrier_wait(&pt_ready);
	pthread_barrier_wait(&pt_done);
	return NULL;
}

static int perthread(long n)
{
	pthread_t *t = xmalloc((size_t)n * sizeof(*t));
	pthread_attr_t attr;
	size_t rss;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	pthread_barrier_init(&pt_ready, NULL, (unsigned int)n + 1);
	pthread_barrier_init(&pt_done, NULL, (unsigned int)n + 1);
	for (long i = 0; i < n; i++)
		if (pthread_create(&t[i], &attr, perthread_thread, NULL))
			return 1;
	pthread_barrier_wait(&pt_ready);
	rss = rss_bytes();
	pthread_barrier_wait(&pt_done);
	for (long i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
	printf("rss=%zu\n", rss);
	return 0;
}

int main(int argc, char **argv)
{
	long arg = argc > 2 ? atol(argv[2]) : 0;

	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "large"))
		return large(arg ? arg : 400);
	if (!strcmp(argv[1], "churn"))
		return churn(arg ? arg : 20);
	if (!strcmp(argv[1], "idle"))
		return idle(arg ? arg : 512);
	if (!strcmp(argv[1], "perthread"))
		return perthread(arg ? arg : 256);
usage:
	fprintf(stderr, "usage: retain large|churn|idle|perthread [N]\n");
	return 2;
}
