/*
 * slab_api - object caches keep their contract: kmem_cache_create
 * rejects a NULL name, size 0, sizes above 128 KiB and alignments that
 * are not powers of two up to PAGE_SIZE; objects are distinct, never
 * overlap, are aligned to at least 8 bytes, to the align argument, and
 * to 64 bytes with SLAB_HWCACHE_ALIGN for objects larger than half a
 * cache line; kmem_cache_size() is the size given; zalloc zeroes dirty
 * objects; alloc_bulk gives nr distinct objects and free_bulk takes them
 * back; freeing NULL and destroying NULL do nothing; the name is copied
 * (its first 47 bytes show in slabinfo); kmem_cache_shrink()
 * returns 0 and, once every object is free, leaves the cache without
 * slabs; a destroyed cache leaves slabinfo.
 */
#include "ut.h"

struct obj {
	void *p;
	uint64_t tag;
};

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a;
	uintptr_t y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

/* n objects of size bytes: sorted, no two closer than size. */
static void check_disjoint(void **v, size_t n, size_t size, const char *what)
{
	void **s = malloc(n * sizeof(*s));
	size_t i;

	if (!s)
		test_error("out of memory");
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_ptr);
	for (i = 1; i < n; i++)
		expect((uintptr_t)s[i] - (uintptr_t)s[i - 1] >= size,
		       "%s: objects %p and %p of %zu bytes: expected disjoint, "
		       "got %zu bytes apart", what, s[i - 1], s[i], size,
		       (size_t)((uintptr_t)s[i] - (uintptr_t)s[i - 1]));
	free(s);
}

static void test_create_args(void)
{
	struct kmem_cache *c;

	expect_null(kmem_cache_create(NULL, 64, 0, 0, NULL));
	expect_null(kmem_cache_create("ut_zero", 0, 0, 0, NULL));
	expect_null(kmem_cache_create("ut_huge", (128 << 10) + 1, 0, 0, NULL));
	expect_null(kmem_cache_create("ut_align3", 64, 3, 0, NULL));
	expect_null(kmem_cache_create("ut_align48", 64, 48, 0, NULL));
	expect_null(kmem_cache_create("ut_align8k", 64, 8192, 0, NULL));

	/* The largest size and the largest alignment are accepted. */
	c = kmem_cache_create("ut_max", 128 << 10, 0, 0, NULL);
	expect_nonnull(c);
	if (c) {
		void *o = kmem_cache_alloc(c, GFP_KERNEL);

		expect_nonnull(o);
		memset(o, 0x11, 128 << 10);
		kmem_cache_free(c, o);
		kmem_cache_destroy(c);
	}
	c = kmem_cache_create("ut_page_align", 100, PAGE_SIZE, 0, NULL);
	expect_nonnull(c);
	if (c) {
		void *o[5];
		int i;

		for (i = 0; i < 5; i++) {
			o[i] = kmem_cache_alloc(c, GFP_KERNEL);
			expect_nonnull(o[i]);
			expect_aligned(o[i], PAGE_SIZE);
		}
		for (i = 0; i < 5; i++)
			kmem_cache_free(c, o[i]);
		kmem_cache_destroy(c);
	}

	/* NULL is ignored. */
	kmem_cache_destroy(NULL);

	/* The name is copied: its first 47 bytes. */
	{
		char name[80], want[48];
		struct ut_slabinfo si;

		memset(name, 'n', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		memcpy(name, "ut_long_", 8);
		memcpy(want, name, 47);
		want[47] = '\0';
		c = kmem_cache_create(name, 64, 0, 0, NULL);
		expect_nonnull(c);
		memset(name, 'x', sizeof(name) - 1);	/* the caller's copy */
		expect(ut_slabinfo(want, &si) == 0, "slabinfo: expected the "
		       "cache under the first 47 bytes of its name, \"%s\"",
		       want);
		kmem_cache_destroy(c);
		expect(ut_slabinfo(want, &si) == -1, "slabinfo: expected the "
		       "destroyed cache gone");
	}
}

/* Alloc n objects of a cache, check layout and patterns, free them. */
static void exercise(const char *name, unsigned int size, unsigned int align,
		     slab_flags_t flags, size_t want_align, size_t n)
{
	struct kmem_cache *c = kmem_cache_create(name, size, align, flags,
						 NULL);
	void **v = malloc(n * sizeof(*v));
	size_t i;

	if (!v)
		test_error("out of memory");
	expect(c != NULL, "kmem_cache_create(\"%s\", %u, %u, %#x)", name, size,
	       align, flags);
	expect_eq(kmem_cache_size(c), size);
	for (i = 0; i < n; i++) {
		v[i] = kmem_cache_alloc(c, GFP_KERNEL);
		expect(v[i] != NULL, "%s: object %zu of %zu", name, i, n);
		expect((uintptr_t)v[i] % want_align == 0,
		       "%s: object %p: expected alignment %zu, got offset %zu",
		       name, v[i], want_align,
		       (size_t)((uintptr_t)v[i] % want_align));
		expect_nonnull(virt_to_page(v[i]));
		ut_fill(v[i], size, (uint64_t)(uintptr_t)v[i]);
	}
	check_disjoint(v, n, size, name);
	for (i = 0; i < n; i++) {
		long bad = ut_check(v[i], size, (uint64_t)(uintptr_t)v[i]);

		expect(bad < 0, "%s: object %p: expected its pattern, got a "
		       "change at offset %ld", name, v[i], bad);
		/* Every other one now, the rest in reverse below. */
		if (i % 2)
			kmem_cache_free(c, v[i]);
	}
	for (i = n; i-- > 0;)
		if (i % 2 == 0)
			kmem_cache_free(c, v[i]);
	kmem_cache_free(c, NULL);
	expect_eq(kmem_cache_shrink(c), 0);
	kmem_cache_destroy(c);
	free(v);
}

static void test_alignment(void)
{
	exercise("ut_8", 8, 0, 0, 8, 3000);
	exercise("ut_24", 24, 0, 0, 8, 3000);
	exercise("ut_100", 100, 0, 0, 8, 2000);
	exercise("ut_100_hw", 100, 0, SLAB_HWCACHE_ALIGN, 64, 2000);
	exercise("ut_33_hw", 33, 0, SLAB_HWCACHE_ALIGN, 64, 2000);
	exercise("ut_200_hw", 200, 0, SLAB_HWCACHE_ALIGN, 64, 1000);
	exercise("ut_24_hw", 24, 0, SLAB_HWCACHE_ALIGN, 8, 1000);
	exercise("ut_40_a128", 40, 128, 0, 128, 1000);
	exercise("ut_40_a256", 40, 256, 0, 256, 500);
	exercise("ut_3000_a1k", 3000, 1024, 0, 1024, 300);
	exercise("ut_12_a16", 12, 16, 0, 16, 2000);
	exercise("ut_5000", 5000, 0, 0, 8, 300);
	exercise("ut_70000", 70000, 0, 0, 8, 40);
	/* Debug and accounting flags are accepted. */
	exercise("ut_flags", 48, 0,
		 SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_ACCOUNT |
			 SLAB_RECLAIM_ACCOUNT, 8, 500);
}

static void test_zalloc(void)
{
	struct kmem_cache *c = kmem_cache_create("ut_zalloc", 200, 0, 0,
						 NULL);
	void *v[300];
	int i;

	expect_nonnull(c);
	for (i = 0; i < 300; i++) {
		v[i] = kmem_cache_alloc(c, GFP_KERNEL);
		expect_nonnull(v[i]);
		memset(v[i], 0xab, 200);
	}
	for (i = 0; i < 300; i++)
		kmem_cache_free(c, v[i]);
	for (i = 0; i < 300; i++) {
		long bad;

		v[i] = i % 2 ? kmem_cache_zalloc(c, GFP_KERNEL) :
			       kmem_cache_alloc(c, GFP_KERNEL | __GFP_ZERO);
		expect_nonnull(v[i]);
		bad = ut_nonzero(v[i], 200);
		expect(bad < 0, "zalloc object %d at %p: expected zero at "
		       "offset %ld", i, v[i], bad);
	}
	for (i = 0; i < 300; i++)
		kmem_cache_free(c, v[i]);
	kmem_cache_destroy(c);
}

static void test_bulk(void)
{
	struct kmem_cache *c = kmem_cache_create("ut_bulk", 96, 0, 0, NULL);
	size_t n = 5000, i;
	void **v = calloc(n, sizeof(*v));
	int r;

	expect_nonnull(c);
	if (!v)
		test_error("out of memory");
	r = kmem_cache_alloc_bulk(c, GFP_KERNEL, n, v);
	expect_eq_i(r, (intmax_t)n);
	for (i = 0; i < n; i++) {
		expect_nonnull(v[i]);
		ut_fill(v[i], 96, i);
	}
	check_disjoint(v, n, 96, "ut_bulk");
	for (i = 0; i < n; i++)
		expect_eq_i(ut_check(v[i], 96, i), -1);
	kmem_cache_free_bulk(c, n / 2, v);
	kmem_cache_free_bulk(c, n - n / 2, v + n / 2);

	/* Small bulks, mixed with single calls. */
	for (i = 0; i < 100; i++) {
		void *w[7];
		void *one = kmem_cache_alloc(c, GFP_KERNEL);

		expect_eq_i(kmem_cache_alloc_bulk(c, GFP_KERNEL, 7, w), 7);
		expect_nonnull(one);
		memset(one, 1, 96);
		kmem_cache_free_bulk(c, 7, w);
		kmem_cache_free(c, one);
	}
	free(v);
	kmem_cache_destroy(c);
}

static void test_shrink(void)
{
	struct kmem_cache *c = kmem_cache_create("ut_shrink", 256, 0, 0, NULL);
	struct ut_slabinfo si;
	size_t n = 20000, i;
	void **v = calloc(n, sizeof(*v));
	unsigned long peak;
	size_t free0, free1;

	expect_nonnull(c);
	if (!v)
		test_error("out of memory");
	free0 = ut_free_pages();
	for (i = 0; i < n; i++) {
		v[i] = kmem_cache_alloc(c, GFP_KERNEL);
		expect_nonnull(v[i]);
		*(uint64_t *)v[i] = i;
	}
	expect_eq(ut_slabinfo("ut_shrink", &si), 0);
	peak = si.num_slabs;
	expect_ge(si.num_objs, n);
	expect_ge(si.active_objs, n);
	expect_ge(peak * si.objperslab, n);
	expect(peak * si.pagesperslab <= free0 - ut_free_pages(),
	       "%lu slabs of %u pages: expected them taken from the page "
	       "allocator, got %zu pages taken", peak, si.pagesperslab,
	       free0 - ut_free_pages());

	for (i = 0; i < n; i++) {
		expect_eq(*(uint64_t *)v[i], i);
		kmem_cache_free(c, v[i]);
	}
	/* Freed objects wait in memcheck mode's quarantine: the counts
	 * below are those of the native layout. */
	expect_eq(ut_slabinfo("ut_shrink", &si), 0);
	/*
	 * Empty slabs beyond those the cache keeps went back on their own;
	 * the objects this thread keeps on its list (at most cpu_limit) hold
	 * the others.
	 */
	expect(!ut_native() ||
		       si.num_slabs <= ut_empty_slabs(c) + ut_list_slabs(c),
	       "all %zu objects freed: expected at most %lu slabs (%lu "
	       "empty, and those of the objects on this thread's list), got "
	       "%lu of %lu", n, ut_empty_slabs(c) + ut_list_slabs(c),
	       ut_empty_slabs(c), si.num_slabs, peak);
	expect(!ut_native() || si.num_slabs < peak / 2,
	       "all %zu objects freed: expected most of the %lu slabs back "
	       "in the page allocator, got %lu kept", n, peak, si.num_slabs);
	expect_eq(kmem_cache_shrink(c), 0);
	expect_eq(ut_slabinfo("ut_shrink", &si), 0);
	expect(!ut_native() || (si.num_slabs == 0 && si.active_objs == 0),
	       "after kmem_cache_shrink of an unused cache: expected 0 slabs "
	       "and 0 objects, got %lu and %lu", si.num_slabs, si.active_objs);
	free1 = ut_free_pages();
	expect(!ut_native() || free1 == free0, "after kmem_cache_shrink: "
	       "expected %zu free pages, got %zu", free0, free1);

	/* Still usable after shrinking. */
	v[0] = kmem_cache_alloc(c, GFP_KERNEL);
	expect_nonnull(v[0]);
	kmem_cache_free(c, v[0]);
	kmem_cache_destroy(c);
	expect(ut_slabinfo("ut_shrink", &si) == -1,
	       "slabinfo after kmem_cache_destroy: expected no ut_shrink line");
	if (ut_native())
		expect_eq(ut_free_pages(), free0);
	free(v);
}

/* Many caches at once, objects of each interleaved. */
static void test_many_caches(void)
{
	struct kmem_cache *c[32];
	void *v[32][40];
	char name[32];
	int i, k;

	for (i = 0; i < 32; i++) {
		snprintf(name, sizeof(name), "ut_many_%d", i);
		c[i] = kmem_cache_create(name, 8 + 24 * (unsigned)i, 0, 0, NULL);
		expect_nonnull(c[i]);
	}
	for (k = 0; k < 40; k++)
		for (i = 0; i < 32; i++) {
			v[i][k] = kmem_cache_alloc(c[i], GFP_KERNEL);
			expect_nonnull(v[i][k]);
			ut_fill(v[i][k], 8 + 24 * (size_t)i, (uint64_t)(i * 100 + k));
		}
	for (k = 0; k < 40; k++)
		for (i = 0; i < 32; i++) {
			expect_eq_i(ut_check(v[i][k], 8 + 24 * (size_t)i,
					     (uint64_t)(i * 100 + k)), -1);
			kmem_cache_free(c[i], v[i][k]);
		}
	for (i = 0; i < 32; i++)
		kmem_cache_destroy(c[i]);
}

int main(void)
{
	test_init();
	test_alignment();
	test_zalloc();
	test_bulk();
	test_shrink();
	test_many_caches();
	test_create_args();
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
