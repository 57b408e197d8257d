/*
 * slab_list_adapt - a thread's list of a cache adapts to its use: it
 * starts at cpu_limit (16 blocks of kmalloc-4k); a thread that allocates
 * and frees 256 live 4 KiB blocks in rounds holds the whole round on its
 * list after a few rounds (so a round refills nothing); a thread that
 * only frees (a consumer) keeps its list at cpu_limit, and a grown list
 * that then only overflows shrinks back to it; a grown list left alone
 * while the thread's other lists overflow (it frees 32 KiB blocks that
 * other threads allocated) goes back to cpu_limit at an idle check; the lists of one thread grow by at most 4 MiB in all; and
 * malloc_trim's reclaim starts every list of the caller again.
 * (Memcheck mode keeps no lists: native runs only.)
 */
#include "ut.h"

#include <pthread.h>

#define N 256

static void *v[N];
static size_t alloc_size = 4096;

static void run(void *(*fn)(void *), void *arg);
static void alloc_all_elsewhere(void);

static struct kmm_cache *cache_of(size_t size)
{
	return kmalloc_caches[kmalloc_index(size)];
}

static struct kmm_objlist *list_of(struct kmm_cache *s)
{
	return &kmm_current->objs[s->index];
}

static void round_of(size_t size, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		v[i] = kmalloc(size, GFP_KERNEL);
		expect_nonnull(v[i]);
	}
	for (i = 0; i < n; i++)
		kfree(v[i]);
}

/* Rounds of 256 x 4 KiB: the list grows to hold a round. */
static void grows(struct kmm_cache *s)
{
	int r;

	for (r = 0; r < 4; r++)
		round_of(4096, N);
	expect(list_of(s)->limit >= N && list_of(s)->count == N,
	       "%s: after 4 rounds of %d blocks: expected the list to hold "
	       "them all, got limit %u, %u on it (cpu_limit %u)", s->name, N,
	       list_of(s)->limit, list_of(s)->count, s->cpu_limit);
}

static void alloc_all(void)
{
	size_t i;

	for (i = 0; i < N; i++) {
		v[i] = kmalloc(alloc_size, GFP_KERNEL);
		expect_nonnull(v[i]);
	}
}

static void free_all(void)
{
	size_t i;

	for (i = 0; i < N; i++)
		kfree(v[i]);
}

static void *alloc_thread(void *arg)
{
	(void)arg;
	alloc_all();
	return NULL;
}

/* A consumer: frees blocks another thread allocated, and keeps none. */
static void *consumer_thread(void *arg)
{
	struct kmm_cache *s = arg;
	int r;

	for (r = 0; r < 8; r++) {
		alloc_all_elsewhere();
		free_all();
		expect(list_of(s)->limit <= s->cpu_limit, "%s: a thread that "
		       "only frees: expected its limit to stay at %u, got %u "
		       "(round %d)", s->name, s->cpu_limit, list_of(s)->limit, r);
	}
	return NULL;
}

static void alloc_all_elsewhere(void)
{
	run(alloc_thread, NULL);
}

static void run(void *(*fn)(void *), void *arg)
{
	pthread_t th;

	if (pthread_create(&th, NULL, fn, arg) || pthread_join(th, NULL))
		test_error("pthread_create");
}

int main(void)
{
	struct kmm_cache *s = cache_of(4096), *big = cache_of(32768);
	struct kmm_thread *t;
	size_t i, k, most = 0;

	test_init();
	if (!ut_native())
		test_skip("memcheck mode keeps no per-thread lists");
	expect_eq(s->cpu_limit, 16);

	grows(s);

	/* Another thread only frees: its list stays at cpu_limit. */
	run(consumer_thread, s);
	/* Now this thread only frees: its grown list shrinks back. */
	for (i = 0; i < 64; i++) {
		run(alloc_thread, NULL);
		free_all();
	}
	expect(list_of(s)->limit == s->cpu_limit, "%s: a grown list that "
	       "then only overflowed, 64 rounds: expected limit %u, got %u",
	       s->name, s->cpu_limit, list_of(s)->limit);

	/* Grown again, then left alone while this thread works elsewhere. */
	grows(s);
	t = kmm_current;
	/* Two idle checks: 8192 overflows, one every 2 frees of 32 KiB. */
	alloc_size = 32768;
	expect_eq(big->cpu_limit, 4);
	for (i = 0; i < 8192 * 2 / N + 2; i++) {
		alloc_all_elsewhere();
		free_all();
	}
	alloc_size = 4096;
	expect(list_of(s)->limit == s->cpu_limit &&
		       list_of(s)->count <= s->cpu_limit,
	       "%s: idle while the thread's list of %s overflowed %zu times: "
	       "expected limit %u, at most %u on the list, got %u, %u",
	       s->name, big->name, i * N / 2, s->cpu_limit, s->cpu_limit,
	       list_of(s)->limit, list_of(s)->count);

	/* Every class from 1 KiB up, in rounds: at most 4 MiB grown. */
	for (k = 1024; k <= 32768; k += 1024) {
		for (i = 0; i < 4; i++)
			round_of(k, N);
		expect(t->objs_grown <= (4u << 20), "after rounds of %zu B: "
		       "expected the lists grown by at most 4 MiB, got %zu",
		       k, t->objs_grown);
		if (t->objs_grown > most)
			most = t->objs_grown;
	}
	expect(most > (3u << 20), "rounds of every class: expected the lists "
	       "grown by 3 MiB or more, got at most %zu", most);

	kmm_mem_reclaim_all(0);
	expect(t->objs_grown == 0 && list_of(s)->limit <= s->cpu_limit &&
		       list_of(s)->count == 0,
	       "after malloc_trim's reclaim: expected the lists empty at "
	       "their first limits, got %zu bytes grown, %s limit %u, %u on "
	       "it", t->objs_grown, s->name, list_of(s)->limit,
	       list_of(s)->count);

	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
