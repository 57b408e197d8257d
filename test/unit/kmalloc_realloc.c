/*
 * kmalloc_realloc - krealloc keeps contents across every route: a block
 * walked through sizes from 1 byte up through the slab classes, page runs
 * and vmalloc areas (up to 20 MiB) and back down keeps its bytes up to
 * the smaller size at every step; it stays in place when it grows within
 * ksize(), shrinks within its class or run down to half of it, or shrinks
 * to half or less as a page run above 16 KiB (giving the tail's pages
 * back); with __GFP_ZERO
 * the bytes past the old ksize() read as zero, and past a smaller size
 * the block was shrunk to (with __GFP_ZERO on every call, the kernel's
 * rule, no stale byte shows again); a krealloc that fails returns NULL
 * and leaves the block as it was; a vmalloc block becomes
 * a page run when it shrinks below half its size and 4 MiB, and a page
 * run growing past 4 MiB a vmalloc block.  (Under memcheck a page run
 * that shrinks moves: that case is checked natively only.)
 */
#include "ut.h"

/* Byte off of a pattern that depends on the position only. */
static inline unsigned char pat(uint64_t tag, size_t off)
{
	return (unsigned char)(ut_pattern_word(tag, off / 8) >> (8 * (off % 8)));
}

/*
 * A block of up to FULL_MAX bytes is patterned whole; a larger one on the
 * first and last 64 bytes of every page and on its last 64 bytes, which
 * keeps multi-megabyte walks cheap under Valgrind.
 */
#define FULL_MAX (256UL << 10)

/* Runs body for each patterned range [a, b) of a block of len bytes,
 * cut at limit. */
#define FOR_EACH_RANGE(len, limit, a, b, body)                              \
	do {                                                                \
		size_t ps_, lim_ = (limit) < (len) ? (limit) : (len);       \
		if ((len) <= FULL_MAX) {                                    \
			a = 0;                                              \
			b = lim_;                                           \
			body;                                               \
			break;                                              \
		}                                                           \
		for (ps_ = 0; ps_ < lim_; ps_ += PAGE_SIZE) {               \
			a = ps_;                                            \
			b = MIN(ps_ + 64, lim_);                            \
			body;                                               \
			a = ps_ + PAGE_SIZE - 64;                           \
			b = MIN(ps_ + PAGE_SIZE, lim_);                     \
			if (a < b) {                                        \
				body;                                       \
			}                                                   \
		}                                                           \
		a = (len) - 64;                                             \
		b = lim_;                                                   \
		if (a < b) {                                                \
			body;                                               \
		}                                                           \
	} while (0)

static void fill(unsigned char *p, size_t len, uint64_t tag)
{
	size_t a, b, off;

	FOR_EACH_RANGE(len, len, a, b, {
		for (off = a; off < b; off++)
			p[off] = pat(tag, off);
	});
}

/*
 * First offset below limit, among those a block of filled_len bytes had
 * patterned, that lost its pattern; or -1.
 */
static long check(const unsigned char *p, size_t limit, size_t filled_len,
		  uint64_t tag)
{
	size_t a, b, off;

	FOR_EACH_RANGE(filled_len, limit, a, b, {
		for (off = a; off < b; off++)
			if (p[off] != pat(tag, off))
				return (long)off;
	});
	return -1;
}

static void test_walk(void)
{
	static const size_t sizes[] = {
		1, 16, 17, 100, 1000, 4096, 20000, 32768,	/* slab */
		32769, 100000, 1 << 20, 4 << 20,		/* pages */
		(4 << 20) + 1, 9 << 20, 20 << 20,		/* vmalloc */
		9 << 20, 5 << 20,				/* shrink */
		(1 << 20) + 5, 40000, 30000, 500, 24, 1,	/* back */
		3 << 20, 6 << 20, 2000, 7 << 20, 64,		/* jumps */
	};
	const uint64_t tag = 0x5eed;
	unsigned char *p;
	size_t i, cur;

	p = kmalloc(sizes[0], GFP_KERNEL);
	expect_nonnull(p);
	cur = sizes[0];
	fill(p, cur, tag);
	for (i = 1; i < ARRAY_SIZE(sizes); i++) {
		size_t next = sizes[i], keep = cur < next ? cur : next;
		unsigned char *q = krealloc(p, next, GFP_KERNEL);
		long bad;

		expect(q != NULL, "krealloc %zu -> %zu: expected a block, got "
		       "NULL", cur, next);
		expect_ge(ksize(q), next);
		bad = check(q, keep, cur, tag);
		expect(bad < 0, "krealloc %zu -> %zu (%p -> %p): expected the "
		       "first %zu bytes kept, got a change at offset %ld", cur,
		       next, (void *)p, (void *)q, keep, bad);
		/* Patterned again as a block of the new size. */
		fill(q, next, tag);
		p = q;
		cur = next;
	}
	kfree(p);
}

static void test_in_place(void)
{
	unsigned char *p, *q;
	size_t n, free0, free1;

	/* Growing within ksize. */
	p = kmalloc(100, GFP_KERNEL);
	expect_nonnull(p);
	n = ksize(p);
	fill(p, 100, 1);
	q = krealloc(p, n, GFP_KERNEL);
	expect_ptr_eq(q, p);
	expect_eq_i(check(q, 100, 100, 1), -1);

	/* Shrinking within the class, down to half of it. */
	kfree(q);
	p = kmalloc(1000, GFP_KERNEL);
	expect_nonnull(p);
	n = ksize(p);
	fill(p, 1000, 2);
	q = krealloc(p, n / 2 + 1, GFP_KERNEL);
	expect_ptr_eq(q, p);
	expect_eq_i(check(q, n / 2 + 1, 1000, 2), -1);
	kfree(q);

	/* A page run shrinking to half or less, above 16 KiB, stays and
	 * gives pages back; above half it keeps them as capacity (not in
	 * memcheck mode, which moves it). */
	if (!ut_native())
		return;
	p = kmalloc(100000, GFP_KERNEL);
	expect_nonnull(p);
	fill(p, 100000, 3);
	free0 = ut_free_pages();
	q = krealloc(p, 60000, GFP_KERNEL);
	free1 = ut_free_pages();
	expect_ptr_eq(q, p);
	expect_eq(ksize(q), 25 * PAGE_SIZE);
	expect_eq(free1 - free0, 0);
	q = krealloc(p, 40000, GFP_KERNEL);
	free1 = ut_free_pages();
	expect_ptr_eq(q, p);
	expect_eq(ksize(q), 10 * PAGE_SIZE);
	expect(free1 - free0 == 25 - 10, "krealloc 100000 -> 40000: expected "
	       "%d pages given back, got %zd", 25 - 10,
	       (ssize_t)(free1 - free0));
	expect_eq_i(check(q, 40000, 100000, 3), -1);
	kfree(q);
}

static void test_zero_tail(void)
{
	static const size_t steps[][2] = {
		{ 100, 3000 },		/* slab -> slab */
		{ 1000, 50000 },	/* slab -> pages */
		{ 50000, 200000 },	/* pages -> pages */
		{ 200000, 5 << 20 },	/* pages -> vmalloc */
		{ 5 << 20, 9 << 20 },	/* vmalloc -> vmalloc */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		size_t from = steps[i][0], to = steps[i][1], old;
		unsigned char *p = kzalloc(from, GFP_KERNEL), *q;
		long bad;

		expect_nonnull(p);
		old = ksize(p);
		memset(p, 0xc3, old);
		q = krealloc(p, to, GFP_KERNEL | __GFP_ZERO);
		expect_nonnull(q);
		expect_bytes(q, 0xc3, old);
		bad = ut_nonzero(q + old, to - old);
		expect(bad < 0, "krealloc %zu -> %zu with __GFP_ZERO: expected "
		       "zero past the old %zu bytes, got non-zero at offset %zu",
		       from, to, old, old + (size_t)bad);
		kfree(q);
	}
}

/*
 * __GFP_ZERO on every call for a block (the kernel's rule for krealloc)
 * means no stale byte ever shows: shrinking in place clears the spare
 * bytes, as the kernel's __do_krealloc does, so growing again reads
 * zero past the smaller size.  A slab object (100 -> 60 -> 100 in
 * kmalloc-112) and a page run (100000 -> 60000 -> 100000).
 */
static void test_zero_shrink_grow(void)
{
	static const size_t cases[][2] = { { 100, 60 }, { 100000, 60000 } };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t big = cases[i][0], small = cases[i][1];
		unsigned char *p = kzalloc(big, GFP_KERNEL), *q;
		long bad;

		expect_nonnull(p);
		memset(p, 0xaa, big);
		p = krealloc(p, small, GFP_KERNEL | __GFP_ZERO);
		expect_nonnull(p);
		expect_bytes(p, 0xaa, small);
		q = krealloc(p, big, GFP_KERNEL | __GFP_ZERO);
		expect_nonnull(q);
		expect_bytes(q, 0xaa, small);
		bad = ut_nonzero(q + small, big - small);
		expect(bad < 0, "krealloc %zu -> %zu -> %zu, all with "
		       "__GFP_ZERO: expected zero past %zu, got 0x%02x at "
		       "offset %zu", big, small, big, small,
		       bad < 0 ? 0 : q[small + (size_t)bad],
		       small + (size_t)bad);
		kfree(q);
	}
}

/*
 * Routes after krealloc, as kmalloc(3) states them: a vmalloc block stays
 * one while it keeps at least half its size or stays above the
 * threshold, and becomes a page run when it shrinks below both; a page
 * run that grows past 4 MiB becomes a vmalloc block.
 */
static void test_routes(void)
{
	unsigned char *p = kmalloc(8 << 20, GFP_KERNEL);

	expect(p != NULL && is_vmalloc_addr(p), "kmalloc(8 MiB): expected a "
	       "vmalloc block");
	fill(p, 8 << 20, 12);
	p = krealloc(p, 6 << 20, GFP_KERNEL);
	expect(p != NULL && is_vmalloc_addr(p), "krealloc 8 MiB -> 6 MiB: "
	       "expected a vmalloc block still");
	expect_eq_i(check(p, 6 << 20, 8 << 20, 12), -1);
	p = krealloc(p, 3 << 20, GFP_KERNEL);
	expect(p != NULL && !is_vmalloc_addr(p) && virt_to_page(p) != NULL,
	       "krealloc 6 MiB -> 3 MiB: expected a page run");
	expect_eq_i(check(p, 3 << 20, 8 << 20, 12), -1);
	fill(p, 3 << 20, 13);
	p = krealloc(p, 5 << 20, GFP_KERNEL);
	expect(p != NULL && is_vmalloc_addr(p), "krealloc 3 MiB -> 5 MiB: "
	       "expected a vmalloc block");
	expect_eq_i(check(p, 3 << 20, 3 << 20, 13), -1);
	kfree(p);
}

static void test_failure(void)
{
	unsigned char *p = kmalloc(3000, GFP_KERNEL);
	unsigned char *big = kmalloc(200000, GFP_KERNEL);

	expect_nonnull(p);
	expect_nonnull(big);
	fill(p, 3000, 9);
	fill(big, 200000, 10);
	expect_null(krealloc(p, SIZE_MAX, GFP_KERNEL));
	expect_null(krealloc(p, (size_t)PTRDIFF_MAX + 1, GFP_KERNEL));
	expect_null(krealloc(big, 1UL << 47, GFP_KERNEL | __GFP_NOWARN));
	expect_eq_i(check(p, 3000, 3000, 9), -1);
	expect_eq_i(check(big, 200000, 200000, 10), -1);
	expect_ge(ksize(p), 3000);
	kfree(p);
	kfree(big);
}

int main(void)
{
	test_init();
	test_walk();
	test_in_place();
	test_zero_tail();
	test_routes();
	test_failure();
	test_zero_shrink_grow();
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
