/*
 * slab_empty_keep - a cache that cycles through a working set keeps the
 * empty slabs of its recent peak instead of discarding and remaking them
 * every round: rounds of 2048 live 1 KiB blocks (kmalloc-1k) and of 512
 * live 4 KiB blocks (kmalloc-4k), twice what a thread's list may hold,
 * make no new slab and discard none once the first rounds are done (the
 * cache's alloc_slab and free_slab counters).  What is kept is bounded:
 * by a quarter of KMM_RETAIN in bytes (a round of 4 MiB keeps at most
 * 2 MiB), and by the recent peak (after two windows of a much smaller
 * working set, in short-lived threads, most of a big round's slabs are
 * gone).  malloc_trim's work (kmm_mem_reclaim_all) frees every empty
 * slab.  (Under memcheck every free waits in a quarantine: checked in
 * native runs only.)
 */
#include "ut.h"

#include <pthread.h>

#define ROUNDS_1K 50
#define ROUNDS_4K 400

static void *v[4096];
static __thread void *tv[1000];

static struct kmm_cache *cache_of(size_t size)
{
	return kmalloc_caches[kmalloc_index(size)];
}

static unsigned long made(struct kmm_cache *s)
{
	return atomic_load(&s->alloc_slab);
}

static unsigned long discarded(struct kmm_cache *s)
{
	return atomic_load(&s->free_slab);
}

static void round_in(void **v, size_t size, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		v[i] = kmalloc(size, GFP_KERNEL);
		expect_nonnull(v[i]);
		*(size_t *)v[i] = i;
	}
	for (i = 0; i < n; i++) {
		expect_eq(*(size_t *)v[i], i);
		kfree(v[i]);
	}
}

static void round_of(size_t size, size_t n)
{
	round_in(v, size, n);
}

/* A round of n 1 KiB blocks in a thread of its own. */
static void *thread_round(void *arg)
{
	round_in(tv, 1024, (size_t)(uintptr_t)arg);
	return NULL;
}

static void round_in_thread(size_t n)
{
	pthread_t th;

	if (pthread_create(&th, NULL, thread_round, (void *)(uintptr_t)n) ||
	    pthread_join(th, NULL))
		test_error("pthread_create");
}

/* Rounds of n blocks of size: after two, no slab is made or discarded. */
static void rounds(size_t size, size_t n, unsigned int nr)
{
	struct kmm_cache *s = cache_of(size);
	unsigned long m0, d0;
	unsigned int r;

	round_of(size, n);
	round_of(size, n);
	m0 = made(s);
	d0 = discarded(s);
	for (r = 0; r < nr; r++)
		round_of(size, n);
	expect(made(s) - m0 == 0 && discarded(s) - d0 == 0,
	       "%s: %u rounds of %zu live blocks: expected no slab made or "
	       "discarded after the first two, got %lu made, %lu discarded",
	       s->name, nr, n, made(s) - m0, discarded(s) - d0);
}

static unsigned long slabs_of(struct kmm_cache *s)
{
	return (unsigned long)atomic_load(&s->nr_slabs);
}

/* kmm_mem_reclaim_all frees every empty slab and this thread's list. */
static void trim(struct kmm_cache *s)
{
	kmm_mem_reclaim_all(0);
	expect(slabs_of(s) == 0, "%s: after malloc_trim's reclaim: expected "
	       "no slab, got %lu", s->name, slabs_of(s));
}

int main(int argc, char **argv)
{
	static const char *const env[] = { "KMM_RETAIN=8M", NULL };
	struct kmm_cache *s;
	unsigned long peak, cap, i;

	ut_reexec_with_env(argv, env);
	test_init();
	if (!ut_native())
		test_skip("memcheck mode's quarantine holds every freed block");

	s = cache_of(1024);
	expect(2048 >= 2 * s->cpu_max, "%s: expected a list of at most 1024 "
	       "blocks, got %u", s->name, s->cpu_max);
	rounds(1024, 2048, ROUNDS_1K);
	expect(slabs_of(s) >= 2048 / s->objects, "%s: expected the slabs of "
	       "2048 blocks kept, got %lu", s->name, slabs_of(s));
	trim(s);

	expect(512 >= 2 * cache_of(4096)->cpu_max, "kmalloc-4k: expected a "
	       "list of at most 256 blocks, got %u", cache_of(4096)->cpu_max);
	rounds(4096, 512, ROUNDS_4K);
	trim(cache_of(4096));

	/* A round of 4 MiB keeps at most a quarter of KMM_RETAIN. */
	round_of(1024, 4096);
	cap = (kmm.opt.dirty_max / 4) >> (PAGE_SHIFT + s->order);
	expect(s->nr_empty <= cap, "%s: after a round of 4 MiB: expected at "
	       "most %lu empty slabs (2 MiB), got %lu", s->name, cap,
	       s->nr_empty);
	trim(s);

	/*
	 * A big round, then a long run of small ones, each in a thread of its
	 * own (whose list starts small and goes back at its exit): two
	 * windows later the cache keeps about the small rounds' peak.
	 */
	round_in_thread(1000);
	peak = slabs_of(s);
	for (i = 0; i < 1000; i++)
		round_in_thread(100);
	expect(ut_empty_slabs(s) < peak / 4, "%s: after 1000 rounds of 100 "
	       "blocks: expected fewer than %lu empty slabs allowed, got %lu",
	       s->name, peak / 4, ut_empty_slabs(s));
	expect(slabs_of(s) < peak / 2, "%s: after 1000 rounds of 100 blocks: "
	       "expected fewer than %lu slabs (the big round had %lu), got %lu",
	       s->name, peak / 2, peak, slabs_of(s));
	trim(s);
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
