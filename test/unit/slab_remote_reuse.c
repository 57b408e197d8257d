/*
 * slab_remote_reuse - memory freed remotely is reused even when its
 * owner stays idle: thread A allocates N objects (about 20 slabs) and
 * then blocks, alive; another thread frees them all; the cache then
 * holds at most A's active slab and the empty slabs it keeps (no more
 * than it recently had in use); a third thread allocating N
 * objects again ends with no more slabs than A had, plus one: the
 * number of slabs does not double.  Checked for a user cache and for a
 * kmalloc cache, through slabinfo.  (Under memcheck, freed objects wait
 * in a quarantine: the counts are checked in native runs only.)
 */
#include "ut.h"

#include <pthread.h>

struct owner {
	struct kmem_cache *c;	/* NULL: kmalloc(size) */
	unsigned int size;
	size_t n;
	void **v;
	uint64_t tag;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready, go, idle;
};

static void *owner_run(void *arg)
{
	struct owner *o = arg;
	size_t i;

	for (i = 0; i < o->n; i++) {
		o->v[i] = o->c ? kmem_cache_alloc(o->c, GFP_KERNEL) :
				 kmalloc(o->size, GFP_KERNEL);
		expect_nonnull(o->v[i]);
		ut_fill(o->v[i], o->size, o->tag + i);
	}
	pthread_mutex_lock(&o->lock);
	o->ready = 1;
	pthread_cond_broadcast(&o->cond);
	while (o->idle && !o->go)
		pthread_cond_wait(&o->cond, &o->lock);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

static void owner_start(struct owner *o, pthread_t *tid)
{
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	o->ready = o->go = 0;
	if (pthread_create(tid, NULL, owner_run, o))
		test_error("pthread_create");
	pthread_mutex_lock(&o->lock);
	while (!o->ready)
		pthread_cond_wait(&o->cond, &o->lock);
	pthread_mutex_unlock(&o->lock);
}

static void owner_release(struct owner *o, pthread_t tid)
{
	pthread_mutex_lock(&o->lock);
	o->go = 1;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
	pthread_join(tid, NULL);
}

static void free_all(struct owner *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		long bad = ut_check(o->v[i], o->size, o->tag + i);

		expect(bad < 0, "object %zu at %p: expected its pattern, got a "
		       "change at offset %ld", i, o->v[i], bad);
		if (o->c)
			kmem_cache_free(o->c, o->v[i]);
		else
			kfree(o->v[i]);
	}
}

static unsigned long slabs(const char *name)
{
	struct ut_slabinfo si;

	expect(ut_slabinfo(name, &si) == 0, "slabinfo: expected a line for "
	       "%s", name);
	return si.num_slabs;
}

static void run(const char *name, struct kmem_cache *c, unsigned int size)
{
	struct owner a = { .c = c, .size = size, .tag = 1 << 20, .idle = 1 };
	struct owner b = { .c = c, .size = size, .tag = 2 << 20, .idle = 0 };
	struct ut_slabinfo si;
	unsigned long base, after_a, after_free, after_c;
	void *probe;
	pthread_t ta, tc;
	unsigned long list;
	void *s;

	/* How many objects make about 20 slabs. */
	probe = c ? kmem_cache_alloc(c, GFP_KERNEL) : kmalloc(size, GFP_KERNEL);
	expect_nonnull(probe);
	expect_eq(ut_slabinfo(name, &si), 0);
	if (c)
		kmem_cache_free(c, probe);
	else
		kfree(probe);
	a.n = b.n = 20 * (size_t)si.objperslab;
	a.v = calloc(a.n, sizeof(void *));
	b.v = calloc(b.n, sizeof(void *));
	if (!a.v || !b.v)
		test_error("out of memory");
	base = slabs(name);

	owner_start(&a, &ta);
	after_a = slabs(name);
	/* (Memcheck mode's red zones move kmalloc blocks up a class.) */
	if (ut_native())
		expect_ge(after_a, base + 19);

	/* Freed here while A idles. */
	free_all(&a);
	after_free = slabs(name);
	/* Empty slabs are kept; the freeing thread's list holds some. */
	s = c ? (void *)c : (void *)kmalloc_caches[kmalloc_index(size)];
	list = ut_list_slabs(s);
	expect(!ut_native() || after_free <= base + ut_empty_slabs(s) + list,
	       "%s: %zu objects of an idle thread freed by another: expected "
	       "at most %lu slabs (%lu empty, and those of the freeing "
	       "thread's list), got %lu (%lu before)", name, a.n,
	       base + ut_empty_slabs(s) + list, ut_empty_slabs(s), after_free,
	       after_a);

	/* A third thread allocates as much again. */
	owner_start(&b, &tc);
	after_c = slabs(name);
	/* Less what the freeing thread keeps on its list. */
	expect(!ut_native() || after_c <= after_a + 1 + list,
	       "%s: a second thread allocating %zu objects after the first's "
	       "were freed: expected at most %lu slabs, got %lu (%lu after the "
	       "first)", name, b.n, after_a + 1 + list, after_c, after_a);
	if (ut_native())
		expect_lt(after_c, 2 * (after_a - base) + base);
	pthread_join(tc, NULL);
	free_all(&b);
	owner_release(&a, ta);
	expect_eq(kmm_buddy_check(), 0);
	free(a.v);
	free(b.v);
}

int main(void)
{
	struct kmem_cache *c;

	test_init();
	c = kmem_cache_create("ut_reuse", 200, 0, 0, NULL);
	expect_nonnull(c);
	run("ut_reuse", c, 200);
	kmem_cache_destroy(c);
	run("kmalloc-384", NULL, 384);
	return 0;
}
