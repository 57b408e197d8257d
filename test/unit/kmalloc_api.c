/*
 * kmalloc_api - every kmalloc function keeps the kernel's contract, on
 * every route (slab, page run, vmalloc): kmalloc(0) is ZERO_SIZE_PTR and
 * kfree, kfree_sensitive, ksize and krealloc accept it and NULL; kzalloc
 * and kcalloc zero memory that was dirty; kcalloc and kmalloc_array
 * return NULL on overflow, and sizes above PTRDIFF_MAX fail silently;
 * the whole ksize() is usable; kfree_sensitive zeroes the block before
 * freeing it; kmalloc_size_roundup(0) is 0; GFP_ATOMIC and GFP_NOWAIT
 * requests are served when memory is there.
 */
#include "ut.h"

static const size_t route_sizes[] = {
	1, 8, 16, 100, 128, 129, 1000, 4096, 10000, 32768,	/* slab */
	32769, 40000, 65536, 100000, 1 << 20, 4 << 20,		/* pages */
	(4 << 20) + 1, 6 << 20,					/* vmalloc */
};

/* Run with stderr captured: results are checked afterwards. */
static void *huge_results[8];

static void silent_huge(void *arg)
{
	(void)arg;
	huge_results[0] = kmalloc(SIZE_MAX, GFP_KERNEL);
	huge_results[1] = kmalloc((size_t)PTRDIFF_MAX + 1, GFP_KERNEL);
	huge_results[2] = kzalloc(SIZE_MAX / 2 + 1, GFP_KERNEL);
	huge_results[3] = kmalloc_array(SIZE_MAX / 2 + 1, 2, GFP_KERNEL);
	huge_results[4] = kmalloc_array(1UL << 40, 1UL << 40, GFP_KERNEL);
	huge_results[5] = kcalloc(SIZE_MAX / 16 + 1, 16, GFP_KERNEL);
	huge_results[6] = kcalloc(2, SIZE_MAX / 2 + 1, GFP_KERNEL);
	/* Below PTRDIFF_MAX, above the address space: quiet on request. */
	huge_results[7] = kmalloc(1UL << 47, GFP_KERNEL | __GFP_NOWARN);
}

static void test_zero_and_null(void)
{
	char *out;
	void *p;
	int i;

	expect_ptr_eq(kmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	expect_ptr_eq(kzalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	expect_ptr_eq(kcalloc(0, 8, GFP_KERNEL), ZERO_SIZE_PTR);
	expect_ptr_eq(kcalloc(8, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	expect_ptr_eq(kmalloc_array(0, 100, GFP_KERNEL), ZERO_SIZE_PTR);
	expect(ZERO_OR_NULL_PTR(ZERO_SIZE_PTR) && ZERO_OR_NULL_PTR(NULL),
	       "ZERO_OR_NULL_PTR of both");
	kfree(NULL);
	kfree(ZERO_SIZE_PTR);
	kfree_sensitive(NULL);
	kfree_sensitive(ZERO_SIZE_PTR);
	expect_eq(ksize(NULL), 0);
	expect_eq(ksize(ZERO_SIZE_PTR), 0);
	expect_eq(kmalloc_size_roundup(0), 0);

	/* krealloc from NULL and ZERO_SIZE_PTR allocates. */
	p = krealloc(NULL, 100, GFP_KERNEL);
	expect_nonnull(p);
	expect_ge(ksize(p), 100);
	memset(p, 1, 100);
	kfree(p);
	p = krealloc(ZERO_SIZE_PTR, 100, GFP_KERNEL);
	expect(p != NULL && p != ZERO_SIZE_PTR,
	       "krealloc(ZERO_SIZE_PTR, 100): expected a block, got %p", p);
	memset(p, 2, 100);
	/* To size 0: freed, ZERO_SIZE_PTR back. */
	expect_ptr_eq(krealloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	expect_ptr_eq(krealloc(ZERO_SIZE_PTR, 0, GFP_KERNEL), ZERO_SIZE_PTR);

	out = ut_capture_stderr(silent_huge, NULL);
	for (i = 0; i < (int)ARRAY_SIZE(huge_results); i++)
		expect(huge_results[i] == NULL, "impossible size %d: expected "
		       "NULL, got %p", i, huge_results[i]);
	expect(out[0] == '\0', "impossible sizes: expected no message, got "
	       "\"%s\"", out);
	free(out);
}

static void test_zeroing(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(route_sizes); i++) {
		size_t s = route_sizes[i], k;
		void *dirty[4], *z;
		long bad;

		/* Dirty a few blocks of the size, free them, then zero-alloc. */
		for (k = 0; k < 4; k++) {
			dirty[k] = kmalloc(s, GFP_KERNEL);
			expect_nonnull(dirty[k]);
			memset(dirty[k], 0xd7, ksize(dirty[k]));
		}
		for (k = 0; k < 4; k++)
			kfree(dirty[k]);
		for (k = 0; k < 4; k++) {
			z = k % 2 ? kzalloc(s, GFP_KERNEL) :
				    kcalloc(1, s, GFP_KERNEL);
			expect_nonnull(z);
			bad = ut_nonzero(z, s);
			expect(bad < 0, "%s(%zu) at %p: expected zero at offset "
			       "%ld, got 0x%02x", k % 2 ? "kzalloc" : "kcalloc",
			       s, z, bad,
			       bad < 0 ? 0 : ((unsigned char *)z)[bad]);
			dirty[k] = z;
		}
		for (k = 0; k < 4; k++)
			kfree(dirty[k]);
	}
	/* kcalloc of an array. */
	{
		uint64_t *a = kcalloc(1000, sizeof(uint64_t), GFP_KERNEL);
		uint32_t *b = kmalloc_array(1000, sizeof(uint32_t), GFP_KERNEL);

		expect_nonnull(a);
		expect_nonnull(b);
		expect_eq_i(ut_nonzero(a, 8000), -1);
		expect_ge(ksize(a), 8000);
		expect_ge(ksize(b), 4000);
		memset(b, 0xff, 4000);
		kfree(a);
		kfree(b);
	}
}

static void test_usable(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(route_sizes); i++) {
		size_t s = route_sizes[i], n;
		char *p = kmalloc(s, GFP_KERNEL);

		expect_nonnull(p);
		n = ksize(p);
		expect_ge(n, s);
		expect_aligned(p, 16);
		/* All of ksize is the caller's. */
		ut_fill(p, n, s);
		expect_eq_i(ut_check(p, n, s), -1);
		kfree(p);
	}
}

static void test_sensitive(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(route_sizes); i++) {
		size_t s = route_sizes[i];
		unsigned char *p = kmalloc(s, GFP_KERNEL), *q;
		size_t n;

		expect_nonnull(p);
		n = ksize(p);
		memset(p, 0x6b, n);
		kfree_sensitive(p);
		/*
		 * The freed block is not ours to read, but the same size
		 * usually gets the same block back at once.  Its first
		 * word may hold the slab's free pointer.  Under memcheck a
		 * new block is undefined however it reads: skip there.
		 */
		q = kmalloc(s, GFP_KERNEL);
		expect_nonnull(q);
		if (q == p && !UT_ON_VALGRIND()) {
			size_t off = n > 8 ? 8 : 0, k;

			for (k = off; k < n; k++)
				if (q[k] == 0x6b)
					break;
			expect(k == n, "kfree_sensitive(%zu bytes): expected "
			       "the block zeroed, got 0x6b left at offset %zu",
			       s, k);
		}
		kfree(q);
	}
}

static void test_gfp(void)
{
	void *a = kmalloc(200, GFP_ATOMIC);
	void *b = kmalloc(200, GFP_NOWAIT);
	void *c = kmalloc(50000, GFP_ATOMIC);
	void *d = kzalloc(3000, GFP_ATOMIC);

	expect_nonnull(a);
	expect_nonnull(b);
	expect_nonnull(c);
	expect_nonnull(d);
	expect_eq_i(ut_nonzero(d, 3000), -1);
	kfree(a);
	kfree(b);
	kfree(c);
	kfree(d);
}

/* Many blocks of mixed routes live at once: distinct and intact. */
static void test_mixed(void)
{
	enum { N = 600 };
	static void *v[N];
	static size_t sz[N];
	struct ut_rng rng;
	int i;

	ut_rng_init(&rng, 3);
	for (i = 0; i < N; i++) {
		uint64_t r = ut_next(&rng);

		sz[i] = r % 8 == 0 ? 32769 + (r >> 8) % 300000 :
			r % 64 == 1 ? (4 << 20) + 1 + (r >> 8) % (1 << 20) :
				      1 + (r >> 8) % 4096;
		v[i] = kmalloc(sz[i], GFP_KERNEL);
		expect_nonnull(v[i]);
		ut_fill_sparse(v[i], sz[i], (uint64_t)i << 32);
	}
	for (i = 0; i < N; i++) {
		long bad = ut_check_sparse(v[i], sz[i], (uint64_t)i << 32);

		expect(bad < 0, "block %d (%zu bytes) at %p: expected its "
		       "pattern, got a change at offset %ld", i, sz[i], v[i],
		       bad);
		kfree(v[i]);
	}
}

int main(void)
{
	test_init();
	test_zero_and_null();
	test_zeroing();
	test_usable();
	test_sensitive();
	test_gfp();
	test_mixed();
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
