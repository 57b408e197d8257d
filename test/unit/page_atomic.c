/*
 * page_atomic - requests that may not grow the heap fail rather than
 * grow it: once GFP_KERNEL has filled the existing zones and made a new
 * one, GFP_NOWAIT and GFP_ATOMIC allocations of every order are served
 * from the zones that exist and eventually return NULL, and no zone is
 * added; GFP_ATOMIC still gets pages after GFP_NOWAIT has failed (the
 * reserve kept for it, as the kernel's min watermark); GFP_KERNEL then
 * grows the heap again.  Blocks are not touched, so this is cheap.
 */
#include "ut.h"

#define MAX_HELD 8192

static unsigned long held[MAX_HELD];
static unsigned int held_order[MAX_HELD];
static size_t nheld;

static void hold(unsigned long a, unsigned int order)
{
	if (nheld == MAX_HELD)
		test_error("more than %d blocks held", MAX_HELD);
	held[nheld] = a;
	held_order[nheld++] = order;
}

/* Allocates with gfp, largest orders first, until every order fails. */
static size_t exhaust(gfp_t gfp, size_t limit)
{
	size_t pages = 0, n = 0;
	int o;

	for (o = MAX_PAGE_ORDER; o >= 0; o--) {
		unsigned long a;

		while (n < limit &&
		       (a = __get_free_pages(gfp | __GFP_NOWARN, (unsigned)o))) {
			hold(a, (unsigned)o);
			pages += 1UL << o;
			n++;
		}
	}
	expect(n < limit, "gfp 0x%x: expected failure within %zu "
		   "allocations, got none", gfp, limit);
	return pages;
}

int main(void)
{
	struct kmm_page_stats st;
	size_t zones0, zones1, bound, i, nowait_pages, atomic_pages;
	unsigned long a;

	test_init();
	a = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
	expect_nonnull((void *)a);
	hold(a, MAX_PAGE_ORDER);
	kmm_page_stats(&st);
	zones0 = st.zones;
	bound = 2 * st.spanned_pages / zones0 / MAX_ORDER_NR_PAGES + 16;

	/* Fill the zones there are until GFP_KERNEL adds one. */
	for (i = 0; i < bound && ut_zones() == zones0; i++) {
		a = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
		expect_nonnull((void *)a);
		hold(a, MAX_PAGE_ORDER);
	}
	zones1 = ut_zones();
	expect(zones1 == zones0 + 1, "a new zone after %zu max-order blocks: "
	       "expected %zu zones, got %zu", i, zones0 + 1, zones1);

	/* No growth without __GFP_DIRECT_RECLAIM. */
	nowait_pages = exhaust(GFP_NOWAIT, MAX_HELD / 2);
	expect(ut_zones() == zones1,
		   "after GFP_NOWAIT failed: expected %zu zones, got %zu",
		   zones1, ut_zones());
	expect_gt(nowait_pages, 0);	/* the new zone had room */

	atomic_pages = exhaust(GFP_ATOMIC, MAX_HELD / 2);
	expect(ut_zones() == zones1,
		   "after GFP_ATOMIC failed: expected %zu zones, got %zu",
		   zones1, ut_zones());
	/* alloc_pages(3): 1/256 of each zone, at least 64 pages. */
	expect(atomic_pages >= 64,
		   "GFP_ATOMIC after GFP_NOWAIT failed: expected at least 64 "
		   "pages from the atomic reserve, got %zu", atomic_pages);
	expect_null((void *)__get_free_pages(GFP_ATOMIC | __GFP_NOWARN, 0));
	expect_null((void *)__get_free_pages(GFP_NOWAIT | __GFP_NOWARN, 0));
	expect_null(alloc_pages(GFP_ATOMIC | __GFP_NOWARN, MAX_PAGE_ORDER));
	expect_eq(ut_zones(), zones1);
	expect_eq(kmm_buddy_check(), 0);

	/* GFP_KERNEL may grow. */
	a = __get_free_pages(GFP_KERNEL, 0);
	expect_nonnull((void *)a);
	if (a)
		hold(a, 0);
	expect_eq(ut_zones(), zones1 + 1);

	/* Touch the last small blocks: they are real memory. */
	for (i = nheld; i-- > 0 && held_order[i] == 0;)
		*(volatile long *)held[i] = (long)i;
	for (i = 0; i < nheld; i++)
		free_pages(held[i], held_order[i]);
	kmm_drain_local_pages();
	expect_eq(kmm_buddy_check(), 0);

	/* Freed memory serves GFP_ATOMIC again. */
	a = __get_free_pages(GFP_ATOMIC, 3);
	expect_nonnull((void *)a);
	if (a)
		free_pages(a, 3);
	return 0;
}
