/*
 * threads.c - many threads allocate, reallocate and free across every
 * route (16 bytes to 8 MiB), free and resize each other's blocks, and exit
 * with live memory that other threads resize and free later; no block is
 * ever lost, shared or corrupted.
 *
 * Phase 1: THREADS threads each run random operations on their own blocks
 * and trade blocks through a shared mailbox, so a good share of the frees
 * are cross-thread.  Phase 2: waves of threads allocate blocks and exit
 * without freeing them; the next wave frees them while allocating its own.
 * Every block carries a pattern checked at free and after realloc.
 *
 * threads.sh runs it on glibc, preloaded and linked with -lkmm.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define THREADS 8
#define MAILBOX 512
#define OWN 128
#define EDGE 256

struct blk {
	unsigned char *p;
	size_t n;
	uint64_t tag;
};

static _Atomic(struct blk *) mailbox[MAILBOX];
static atomic_long frees_remote;

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Mostly small, some pages, a few vmalloc-sized blocks up to 8 MiB. */
static size_t pick_size(uint64_t *s)
{
	unsigned r = next(s) % 1000;

	if (r < 600)
		return 1 + next(s) % 256;
	if (r < 850)
		return 257 + next(s) % 32768;
	if (r < 960)
		return 32769 + next(s) % (1 << 20);
	if (r < 995)
		return (1 << 20) + next(s) % (3 << 20);
	return (4 << 20) + next(s) % (4 << 20);
}

static unsigned char pat(uint64_t tag, size_t i)
{
	return (unsigned char)((tag >> (i % 7)) + i * 13);
}

/* The pattern covers the first and last EDGE bytes of a block. */
static void stamp(struct blk *b, size_t from)
{
	size_t i, lo = b->n < EDGE ? b->n : EDGE;

	for (i = from; i < lo; i++)
		b->p[i] = pat(b->tag, i);
	for (i = b->n > EDGE ? b->n - EDGE : lo; i < b->n; i++)
		if (i >= from)
			b->p[i] = pat(b->tag, i);
}

static void check(const struct blk *b, size_t upto, const char *when)
{
	size_t i, lo = upto < EDGE ? upto : EDGE;

	for (i = 0; i < lo; i++)
		if (b->p[i] != pat(b->tag, i))
			test_fail("%s: block %p of %zu bytes, byte %zu: expected %#x, got %#x",
				  when, (void *)b->p, b->n, i, pat(b->tag, i),
				  b->p[i]);
	if (upto == b->n)
		for (i = b->n > EDGE ? b->n - EDGE : lo; i < b->n; i++)
			if (b->p[i] != pat(b->tag, i))
				test_fail("%s: block %p of %zu bytes, byte %zu: expected %#x, got %#x",
					  when, (void *)b->p, b->n, i,
					  pat(b->tag, i), b->p[i]);
}

static struct blk *blk_new(uint64_t *s)
{
	struct blk *b = malloc(sizeof(*b));

	expect_nonnull(b);
	b->n = pick_size(s);
	b->tag = next(s);
	switch (next(s) % 4) {
	case 0:
		b->p = calloc(1, b->n);
		expect_nonnull(b->p);
		expect_bytes(b->p, 0, b->n < 4096 ? b->n : 4096);
		break;
	case 1:
		if (posix_memalign((void **)&b->p, 64, b->n))
			test_fail("posix_memalign(64, %zu) failed", b->n);
		expect_aligned(b->p, 64);
		break;
	default:
		b->p = malloc(b->n);
		expect_nonnull(b->p);
	}
	expect_aligned(b->p, 16);
	stamp(b, 0);
	return b;
}

static void blk_free(struct blk *b, const char *when)
{
	check(b, b->n, when);
	free(b->p);
	free(b);
}

static void blk_realloc(struct blk *b, uint64_t *s)
{
	size_t n = pick_size(s), keep = n < b->n ? n : b->n;
	unsigned char *q;
	struct blk old = *b;

	q = realloc(b->p, n);
	expect_nonnull(q);
	b->p = q;
	old.p = q;
	check(&old, keep > EDGE ? EDGE : keep, "after realloc");
	b->n = n;
	stamp(b, 0);
}

struct worker_arg {
	uint64_t seed;
	unsigned long ops;
};

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct blk *own[OWN] = { 0 };
	uint64_t s = wa->seed;
	unsigned long i;
	unsigned k;

	for (i = 0; i < wa->ops; i++) {
		unsigned slot = next(&s) % OWN, r = next(&s) % 100;

		if (!own[slot]) {
			own[slot] = blk_new(&s);
		} else if (r < 10) {
			blk_realloc(own[slot], &s);
		} else if (r < 35) {
			/* Trade: what comes back was most likely another's. */
			struct blk *got = atomic_exchange(
				&mailbox[next(&s) % MAILBOX], own[slot]);

			own[slot] = NULL;
			if (got) {
				atomic_fetch_add(&frees_remote, 1);
				/* Some are first resized by their new owner. */
				if (next(&s) % 3 == 0)
					blk_realloc(got, &s);
				blk_free(got, "cross-thread free");
			}
		} else {
			blk_free(own[slot], "free by owner");
			own[slot] = NULL;
		}
	}
	for (k = 0; k < OWN; k++)
		if (own[k])
			blk_free(own[k], "free at end");
	return NULL;
}

/* Phase 2: a wave frees the blocks of the previous, dead, wave. */
struct wave_arg {
	uint64_t seed;
	struct blk **inherit;
	unsigned nr_inherit;
	struct blk **made;
	unsigned nr_made;
};

static void *wave_thread(void *arg)
{
	struct wave_arg *a = arg;
	uint64_t s = a->seed;
	unsigned i;

	for (i = 0; i < a->nr_made; i++) {
		a->made[i] = blk_new(&s);
		if (i < a->nr_inherit && a->inherit[i]) {
			if (i % 4 == 0)
				blk_realloc(a->inherit[i], &s);
			blk_free(a->inherit[i], "free of a dead thread's block");
			a->inherit[i] = NULL;
		}
	}
	/* Exit with every block of a->made still live. */
	return NULL;
}

int main(void)
{
	unsigned long ops = test_scale(200000, 15000);
	unsigned waves = (unsigned)test_scale(40, 6), per = 200;
	struct worker_arg wa[THREADS];
	struct wave_arg va[4];
	struct blk **prev[4] = { 0 }, **cur[4];
	pthread_t th[THREADS];
	unsigned i, w;
	long left = 0;

	test_init();
	for (i = 0; i < THREADS; i++) {
		wa[i].seed = test_seed + i * 1000003;
		wa[i].ops = ops;
		if (pthread_create(&th[i], NULL, worker, &wa[i]))
			test_error("pthread_create failed");
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < MAILBOX; i++) {
		struct blk *b = atomic_exchange(&mailbox[i], NULL);

		if (b) {
			left++;
			blk_free(b, "free by main of a mailbox block");
		}
	}
	expect(atomic_load(&frees_remote) > 0,
	       "some cross-thread frees, got none");

	for (w = 0; w < waves; w++) {
		for (i = 0; i < 4; i++) {
			cur[i] = calloc(per, sizeof(*cur[i]));
			expect_nonnull(cur[i]);
			va[i].seed = test_seed ^ (w * 4 + i + 1) * 7919;
			va[i].inherit = prev[(i + 1) % 4];
			va[i].nr_inherit = prev[(i + 1) % 4] ? per : 0;
			va[i].made = cur[i];
			va[i].nr_made = per;
		}
		for (i = 0; i < 4; i++)
			if (pthread_create(&th[i], NULL, wave_thread, &va[i]))
				test_error("pthread_create failed");
		for (i = 0; i < 4; i++)
			pthread_join(th[i], NULL);
		for (i = 0; i < 4; i++) {
			free(prev[i]);
			prev[i] = cur[i];
		}
	}
	for (i = 0; i < 4; i++) {
		unsigned k;

		for (k = 0; k < per; k++)
			blk_free(prev[i][k], "free by main of a dead thread's block");
		free(prev[i]);
	}
	printf("threads: %ld cross-thread frees, %ld left in the mailbox, %u waves\n",
	       atomic_load(&frees_remote), left, waves);
	return 0;
}
