/*
 * layout - the layout policy memcheck uses (kmm.layout: red zones, the
 * quarantine, every call on the slow paths) works without Valgrind, as
 * KMM_DEBUG=Z will use it: a kmalloc block of any route has at least the
 * red zone after what ksize() may grow it to; malloc_usable_size-style
 * sizes are the sizes asked for and ksize() grows them to the class;
 * power-of-two sizes stay naturally aligned; krealloc keeps the block in
 * its class and moves it otherwise, contents intact; freed blocks do not
 * come back while they wait in the quarantine, and kmem_cache_shrink
 * empties it (the cache then has no active object);
 * kmem_cache_create'd caches get the red zone in their stride.
 */
#include "ut.h"

#define REDZONE 16

/* The bytes kmm holds for the block at p, red zone included. */
static size_t capacity(const void *p)
{
	struct kmm_page *page = __virt_to_page(p);
	size_t n;

	if (!page) {
		/* The registry is NOACCESS under memcheck. */
		UT_VG_QUIET(n = kmm_vmalloc_size(p));
		return n;
	}
	page = compound_head(page);
	if (page->flags & PG_slab)
		return page->slab_cache->object_size;
	return page->nr_pages << PAGE_SHIFT;
}

static void test_sizes(void)
{
	static const size_t sizes[] = {
		1, 16, 100, 112, 1000, 4096, 32752, 32768, 40000,
		(1 << 20) + 1, 5 << 20,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i], r = kmalloc_size_roundup(n);
		unsigned char *p = kmalloc(n, GFP_KERNEL);

		expect_nonnull(p);
		ut_fill(p, n, i);
		expect(capacity(p) >= r + REDZONE,
		       "kmalloc(%zu) = %p: expected at least %zu bytes held "
		       "(class %zu and the red zone), got %zu", n, (void *)p,
		       r + REDZONE, r, capacity(p));
		expect_eq(kmm_usable_size(p), n);
		expect_eq(ksize(p), r);
		expect_eq(kmm_usable_size(p), r);
		expect_eq_i(ut_check(p, n, i), -1);
		if (IS_POWER_OF_2(n) && n <= (PAGE_SIZE << MAX_PAGE_ORDER))
			expect((uintptr_t)p % n == 0,
			       "kmalloc(%zu) = %p: expected natural alignment",
			       n, (void *)p);
		kfree(p);
	}
}

static void test_realloc(void)
{
	unsigned char *p = kmalloc(100, GFP_KERNEL), *q;

	expect_nonnull(p);
	ut_fill(p, 100, 7);
	q = krealloc(p, 110, GFP_KERNEL);
	expect_ptr_eq(q, p);
	expect_eq(kmm_usable_size(q), 110);
	q = krealloc(p, 3000, GFP_KERNEL);
	expect_nonnull(q);
	expect_ptr_ne(q, p);
	expect_eq(kmm_usable_size(q), 3000);
	expect_eq_i(ut_check(q, 100, 7), -1);
	kfree(q);
}

/* Freed blocks wait: none of the next allocations of that size is one. */
static void test_quarantine(void)
{
	void *old[64], *p;
	int i, j;

	for (i = 0; i < 64; i++) {
		old[i] = kmalloc(48, GFP_KERNEL);
		expect_nonnull(old[i]);
	}
	for (i = 0; i < 64; i++)
		kfree(old[i]);
	for (i = 0; i < 256; i++) {
		p = kmalloc(48, GFP_KERNEL);
		expect_nonnull(p);
		for (j = 0; j < 64; j++)
			expect(p != old[j], "kmalloc(48) = %p: expected a block "
			       "other than the %d freed, still in the "
			       "quarantine", p, j);
		kfree(p);
	}
}

static void test_cache(void)
{
	struct kmm_cache *s = kmm_cache_create("ut_layout", 24, 0, 0, NULL);
	struct kmm_slab_stats st;
	void *obj[32];
	int i;

	expect_nonnull(s);
	expect_ge(s->size, 24 + REDZONE);
	for (i = 0; i < 32; i++) {
		obj[i] = kmm_cache_alloc(s, GFP_KERNEL);
		expect_nonnull(obj[i]);
	}
	for (i = 0; i < 32; i++)
		kmm_cache_free(s, obj[i]);
	kmm_lock(&kmm.thread_lock);
	kmm_slab_stats(s, &st);
	kmm_unlock(&kmm.thread_lock);
	expect(st.active_objs >= 32, "cache ut_layout: expected the 32 "
	       "objects freed to wait in the quarantine, got %lu active",
	       st.active_objs);
	kmm_cache_shrink(s);
	kmm_lock(&kmm.thread_lock);
	kmm_slab_stats(s, &st);
	kmm_unlock(&kmm.thread_lock);
	expect_eq(st.active_objs, 0);
	kmm_cache_destroy(s);
}

int main(void)
{
	test_init();
	/* Before this thread's first allocation: it gets no lists. */
	kmm.layout.on = true;
	kmm.layout.quarantine = true;
	kmm.layout.redzone = REDZONE;
	test_sizes();
	test_realloc();
	test_quarantine();
	test_cache();
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
