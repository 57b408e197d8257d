/*
 * slab_caches - caches come and go cleanly: a process has at most 256
 * caches (the 40 kmalloc caches included), kmem_cache_create returns
 * NULL past that and succeeds again once one is destroyed; a thousand
 * create/destroy cycles leak no memory; and a cache destroyed while an
 * idle thread still has an active slab of it leaves that thread nothing
 * stale: when a new cache takes the freed slot, the thread's objects of
 * the new cache are the new cache's (right size, no overlap, patterns
 * intact), and the old objects never come back.
 */
#include "ut.h"

#include <pthread.h>

#define MAX_USER (KMM_MAX_CACHES - KMALLOC_NR_CACHES)

static struct kmem_cache *all[KMM_MAX_CACHES + 8];

static void test_limit(void)
{
	char name[32];
	size_t n = 0, i;
	size_t free0 = ut_free_pages();

	for (i = 0; i < ARRAY_SIZE(all); i++) {
		snprintf(name, sizeof(name), "ut_lim_%zu", i);
		all[i] = kmem_cache_create(name, 32 + (unsigned)i, 0,
					   0, NULL);
		if (!all[i])
			break;
		n++;
	}
	expect(n <= MAX_USER && n + 8 >= MAX_USER,
	       "caches created before NULL: expected about %d (256 less the "
	       "kmalloc caches), got %zu", MAX_USER, n);
	expect(n < ARRAY_SIZE(all), "expected kmem_cache_create to fail "
	       "after %d caches, got %zu", KMM_MAX_CACHES, n);
	/* One slot freed is one cache more. */
	if (n) {
		kmem_cache_destroy(all[n / 2]);
		all[n / 2] = kmem_cache_create("ut_lim_again", 64, 0, 0, NULL);
		expect_nonnull(all[n / 2]);
		expect_null(kmem_cache_create("ut_lim_over", 64, 0, 0, NULL));
	}
	for (i = 0; i < n; i++) {
		void *o = kmem_cache_alloc(all[i], GFP_KERNEL);

		expect_nonnull(o);
		kmem_cache_free(all[i], o);
	}
	for (i = 0; i < n; i++)
		kmem_cache_destroy(all[i]);
	expect_eq(ut_free_pages(), free0);
}

static void test_cycles(void)
{
	unsigned int i, cycles = test_quick() ? 200 : 1000;
	size_t free0 = ut_free_pages();

	for (i = 0; i < cycles; i++) {
		struct kmem_cache *c = kmem_cache_create("ut_cycle",
							 16 + i % 500, 0, 0,
							 NULL);
		void *o[20];
		int k;

		expect(c != NULL, "cycle %u: expected a cache", i);
		for (k = 0; k < 20; k++)
			expect_nonnull(o[k] = kmem_cache_alloc(c, GFP_KERNEL));
		for (k = 0; k < 20; k++)
			kmem_cache_free(c, o[k]);
		kmem_cache_destroy(c);
	}
	expect(ut_free_pages() == free0, "%u create/destroy cycles: expected "
	       "%zu free pages, got %zu", cycles, free0, ut_free_pages());
}

/* ------------------------------------------------ stale per-thread slots */

struct idler {
	struct kmem_cache *c;
	unsigned int size;
	void *objs[64];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int step, want;
};

static void wait_step(struct idler *t, int step)
{
	pthread_mutex_lock(&t->lock);
	while (t->want < step)
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

static void set_step(struct idler *t, int *field, int step)
{
	pthread_mutex_lock(&t->lock);
	*field = step;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

static void *idler_run(void *arg)
{
	struct idler *t = arg;
	int i;

	/* Step 1: use the first cache, keep its slab active, idle. */
	for (i = 0; i < 64; i++)
		expect_nonnull(t->objs[i] = kmem_cache_alloc(t->c, GFP_KERNEL));
	for (i = 0; i < 64; i++)
		kmem_cache_free(t->c, t->objs[i]);
	set_step(t, &t->step, 1);
	/* Step 2: the cache was destroyed and another made; use that. */
	wait_step(t, 2);
	for (i = 0; i < 64; i++) {
		t->objs[i] = kmem_cache_alloc(t->c, GFP_KERNEL);
		expect_nonnull(t->objs[i]);
		ut_fill(t->objs[i], t->size, (uint64_t)i);
	}
	set_step(t, &t->step, 2);
	wait_step(t, 3);
	return NULL;
}

static void test_stale_slot(void)
{
	struct idler t = { .size = 32 };
	struct kmem_cache *second, *parent_cache;
	struct kmm_page *head;
	pthread_t tid;
	unsigned int old_index;
	int i, j;

	pthread_mutex_init(&t.lock, NULL);
	pthread_cond_init(&t.cond, NULL);
	t.c = kmem_cache_create("ut_stale_first", 32, 0, 0, NULL);
	expect_nonnull(t.c);
	old_index = ((struct kmm_cache *)t.c)->index;
	if (pthread_create(&tid, NULL, idler_run, &t))
		test_error("pthread_create");
	pthread_mutex_lock(&t.lock);
	while (t.step < 1)
		pthread_cond_wait(&t.cond, &t.lock);
	pthread_mutex_unlock(&t.lock);

	kmem_cache_destroy(t.c);
	second = kmem_cache_create("ut_stale_second", 512, 0, 0, NULL);
	expect_nonnull(second);
	if (((struct kmm_cache *)second)->index != old_index)
		printf("slab_caches: the new cache took slot %u, not %u\n",
		       ((struct kmm_cache *)second)->index, old_index);
	t.c = second;
	t.size = 512;
	set_step(&t, &t.want, 2);
	pthread_mutex_lock(&t.lock);
	while (t.step < 2)
		pthread_cond_wait(&t.cond, &t.lock);
	pthread_mutex_unlock(&t.lock);

	/* Every object is the new cache's, and they do not overlap. */
	for (i = 0; i < 64; i++) {
		head = compound_head((struct kmm_page *)virt_to_page(t.objs[i]));
		parent_cache = (struct kmem_cache *)head->slab_cache;
		expect(parent_cache == second,
		       "object %d at %p from a thread that used a destroyed "
		       "cache: expected a slab of ut_stale_second, got one of "
		       "%s", i, t.objs[i],
		       parent_cache ? ((struct kmm_cache *)parent_cache)->name
				    : "(none)");
		for (j = 0; j < i; j++)
			expect((uintptr_t)t.objs[i] + 512 <=
					       (uintptr_t)t.objs[j] ||
				       (uintptr_t)t.objs[j] + 512 <=
					       (uintptr_t)t.objs[i],
			       "objects %d and %d of 512 bytes at %p and %p: "
			       "expected disjoint", i, j, t.objs[i], t.objs[j]);
		expect_eq_i(ut_check(t.objs[i], 512, (uint64_t)i), -1);
	}
	set_step(&t, &t.want, 3);
	pthread_join(tid, NULL);
	for (i = 0; i < 64; i++)
		kmem_cache_free(second, t.objs[i]);
	kmem_cache_destroy(second);
}

int main(void)
{
	test_init();
	test_stale_slot();
	test_cycles();
	test_limit();
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
