/*
 * slab_thread_exit - a thread may exit with objects still allocated:
 * its slabs go back to the cache, the objects stay valid, another thread
 * frees them later, and the memory is reused.  Over many rounds of a
 * thread allocating N objects and exiting, half of them freed here, a
 * second thread allocating N/2 (adopting the abandoned slabs) and
 * exiting, and everything freed here, the cache's slab count (slabinfo)
 * never exceeds the first round's by more than a slab or two, falls back
 * to at most the empty slabs the cache keeps once all is freed, and
 * the free page count is the same after every round.  The same holds
 * when the objects are freed while their owner is still alive and the
 * owner exits afterwards.  (Under memcheck, freed objects wait in a
 * quarantine: the counts are checked in native runs only.)
 */
#include "ut.h"

#include <pthread.h>

#define OBJ 128

struct job {
	struct kmem_cache *c;
	void **v;
	size_t n;
	uint64_t tag;
	/* Wait for go after allocating (frees happen meanwhile). */
	int wait;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready, go;
};

static void *alloc_and_exit(void *arg)
{
	struct job *j = arg;
	size_t i;

	for (i = 0; i < j->n; i++) {
		j->v[i] = kmem_cache_alloc(j->c, GFP_KERNEL);
		expect_nonnull(j->v[i]);
		ut_fill(j->v[i], OBJ, j->tag + i);
	}
	if (j->wait) {
		pthread_mutex_lock(&j->lock);
		j->ready = 1;
		pthread_cond_broadcast(&j->cond);
		while (!j->go)
			pthread_cond_wait(&j->cond, &j->lock);
		pthread_mutex_unlock(&j->lock);
	}
	return NULL;
}

static void run_thread(struct job *j)
{
	pthread_t t;

	j->wait = 0;
	if (pthread_create(&t, NULL, alloc_and_exit, j))
		test_error("pthread_create");
	pthread_join(t, NULL);
}

static void free_range(struct job *j, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		long bad = ut_check(j->v[i], OBJ, j->tag + i);

		expect(bad < 0, "object %zu at %p of an exited thread: "
		       "expected its pattern, got a change at offset %ld", i,
		       j->v[i], bad);
		kmem_cache_free(j->c, j->v[i]);
	}
}

static unsigned long slabs(void)
{
	struct ut_slabinfo si;

	expect_eq(ut_slabinfo("ut_exit", &si), 0);
	return si.num_slabs;
}

int main(void)
{
	unsigned int rounds = test_quick() ? 8 : 100, r;
	unsigned long first_peak = 0, peak, empty;
	struct ut_slabinfo si;
	struct kmem_cache *c;
	struct job a = { 0 }, b = { 0 };
	size_t free_after_first = 0, n;
	pthread_t t;

	test_init();
	c = kmem_cache_create("ut_exit", OBJ, 0, 0, NULL);
	expect_nonnull(c);
	/* objperslab, from a thread of its own (this one never allocates
	 * from the cache, so it owns none of its slabs). */
	a.c = c;
	a.n = 1;
	a.v = calloc(1, sizeof(void *));
	a.tag = 7;
	run_thread(&a);
	expect_eq(ut_slabinfo("ut_exit", &si), 0);
	free_range(&a, 0, 1);
	free(a.v);
	n = 10 * (size_t)si.objperslab;

	a.v = calloc(n, sizeof(void *));
	b.v = calloc(n, sizeof(void *));
	if (!a.v || !b.v)
		test_error("out of memory");
	a.c = b.c = c;
	for (r = 0; r < rounds; r++) {
		a.n = n;
		a.tag = (uint64_t)r << 32;
		run_thread(&a);
		peak = slabs();
		free_range(&a, 0, n / 2);

		b.n = n / 2;
		b.tag = ((uint64_t)r << 32) | (1U << 31);
		run_thread(&b);
		if (slabs() > peak)
			peak = slabs();
		if (r == 0)
			first_peak = peak;
		expect(!ut_native() || peak <= first_peak + 2 + ut_list_slabs(c),
		       "round %u: expected at most %lu slabs (the first round "
		       "peaked at %lu; a thread's list holds some), got %lu",
		       r, first_peak + 2 + ut_list_slabs(c), first_peak, peak);

		free_range(&a, n / 2, n);
		free_range(&b, 0, n / 2);
		empty = slabs();
		expect(!ut_native() ||
			       empty <= ut_empty_slabs(c) + ut_list_slabs(c),
		       "round %u: every object freed, every owner gone: "
		       "expected at most %lu slabs kept (%lu empty, and those "
		       "of the objects on the freeing thread's list), got %lu",
		       r, ut_empty_slabs(c) + ut_list_slabs(c),
		       ut_empty_slabs(c), empty);
		if (r == 0)
			free_after_first = ut_free_pages();
		else
			/* Give or take the slabs the lists may hold. */
			expect(!ut_native() ||
				       ut_free_pages() + ut_list_slabs(c) *
						       si.pagesperslab >=
					       free_after_first,
			       "round %u: expected about %zu free pages as after "
			       "the first round, got %zu", r, free_after_first,
			       ut_free_pages());
	}

	/* Freed while the owner lives; the owner exits afterwards. */
	a.n = n;
	a.tag = 99;
	a.wait = 1;
	pthread_mutex_init(&a.lock, NULL);
	pthread_cond_init(&a.cond, NULL);
	if (pthread_create(&t, NULL, alloc_and_exit, &a))
		test_error("pthread_create");
	pthread_mutex_lock(&a.lock);
	while (!a.ready)
		pthread_cond_wait(&a.cond, &a.lock);
	pthread_mutex_unlock(&a.lock);
	free_range(&a, 0, n);
	pthread_mutex_lock(&a.lock);
	a.go = 1;
	pthread_cond_broadcast(&a.cond);
	pthread_mutex_unlock(&a.lock);
	pthread_join(t, NULL);
	empty = slabs();
	expect(!ut_native() || empty <= ut_empty_slabs(c) + ut_list_slabs(c),
	       "objects freed before their owner exited: expected at most "
	       "%lu slabs kept, got %lu", ut_empty_slabs(c) + ut_list_slabs(c),
	       empty);
	if (ut_native())
		expect(ut_free_pages() + ut_list_slabs(c) * si.pagesperslab >=
			       free_after_first,
		       "objects freed before their owner exited: expected "
		       "about %zu free pages, got %zu", free_after_first,
		       ut_free_pages());
	expect_eq(kmm_buddy_check(), 0);

	kmem_cache_destroy(c);
	free(a.v);
	free(b.v);
	return 0;
}
