/*
 * page_zero - zeroed allocations never return stale data, and exact
 * allocations cost exactly their pages: after blocks of every order are
 * dirtied and freed, __GFP_ZERO blocks and get_zeroed_page() read as
 * zero; alloc_pages_exact(33 KiB) takes 9 pages from the free count
 * (the tail of its 16-page block goes back), is page aligned, and
 * free_pages_exact() gives all 9 back; the same for other sizes.
 */
#include "ut.h"

#define NDIRTY 64

static void test_zero_orders(void)
{
	unsigned int o, k;

	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		size_t len = PAGE_SIZE << o;
		unsigned long p[4];

		for (k = 0; k < 4; k++) {
			p[k] = __get_free_pages(GFP_KERNEL, o);
			expect_nonnull((void *)p[k]);
			memset((void *)p[k], 0xa5, len);
		}
		for (k = 0; k < 4; k++)
			free_pages(p[k], o);
		for (k = 0; k < 4; k++) {
			long bad;

			p[k] = __get_free_pages(GFP_KERNEL | __GFP_ZERO, o);
			expect_nonnull((void *)p[k]);
			bad = ut_nonzero((void *)p[k], len);
			expect(bad < 0,
				   "__GFP_ZERO order %u block 0x%lx: expected "
				   "0 at offset %ld, got 0x%02x", o, p[k], bad,
				   bad < 0 ? 0 :
				   ((unsigned char *)p[k])[bad]);
			memset((void *)p[k], 0x3c, len);
		}
		for (k = 0; k < 4; k++)
			free_pages(p[k], o);
	}
	/* alloc_pages() with __GFP_ZERO, through struct page. */
	for (o = 0; o <= 4; o++) {
		struct page *pg = alloc_pages(GFP_KERNEL | __GFP_ZERO, o);

		expect_nonnull(pg);
		expect_eq(ut_nonzero(page_address(pg), PAGE_SIZE << o), -1);
		__free_pages(pg, o);
	}
}

static void test_zeroed_page(void)
{
	unsigned long p[NDIRTY];
	int i;

	for (i = 0; i < NDIRTY; i++) {
		p[i] = __get_free_page(GFP_KERNEL);
		expect_nonnull((void *)p[i]);
		memset((void *)p[i], 0xff, PAGE_SIZE);
	}
	for (i = NDIRTY - 1; i >= 0; i--)
		free_page(p[i]);
	for (i = 0; i < NDIRTY; i++) {
		p[i] = get_zeroed_page(GFP_KERNEL);
		expect_nonnull((void *)p[i]);
		expect_eq(p[i] % PAGE_SIZE, 0);
		expect_eq(ut_nonzero((void *)p[i], PAGE_SIZE), -1);
	}
	for (i = 0; i < NDIRTY; i++)
		free_page(p[i]);
}

static void test_exact(size_t size, size_t want_pages)
{
	size_t free0, free1;
	char *p;

	free0 = ut_free_pages();
	p = alloc_pages_exact(size, GFP_KERNEL);
	expect_nonnull(p);
	free1 = ut_free_pages();
	expect(free0 - free1 == want_pages,
		   "alloc_pages_exact(%zu): expected %zu pages taken, got %zu",
		   size, want_pages, free0 - free1);
	expect_eq((uintptr_t)p % PAGE_SIZE, 0);
	expect_nonnull(virt_to_page(p));
	expect_nonnull(virt_to_page(p + size - 1));
	memset(p, 0x77, size);
	expect_eq(kmm_buddy_check(), 0);
	free_pages_exact(p, size);
	expect(ut_free_pages() == free0,
		   "free_pages_exact(%zu): expected %zu free pages, got %zu",
		   size, free0, ut_free_pages());

	/* Zeroed, after the dirtying above. */
	p = alloc_pages_exact(size, GFP_KERNEL | __GFP_ZERO);
	expect_nonnull(p);
	expect_eq(ut_nonzero(p, size), -1);
	free_pages_exact(p, size);
	expect_eq(ut_free_pages(), free0);
}

/* Two exact runs carved one after the other do not overlap. */
static void test_exact_pairs(void)
{
	char *a = alloc_pages_exact(33 * 1024, GFP_KERNEL);
	char *b = alloc_pages_exact(33 * 1024, GFP_KERNEL);
	char *c = alloc_pages_exact(5 * PAGE_SIZE, GFP_KERNEL);

	expect(a && b && c, "three allocations: expected pointers, got %p %p "
	       "%p", (void *)a, (void *)b, (void *)c);
	memset(a, 1, 33 * 1024);
	memset(b, 2, 33 * 1024);
	memset(c, 3, 5 * PAGE_SIZE);
	expect_eq(a[33 * 1024 - 1], 1);
	expect_eq(b[0], 2);
	expect_eq(b[33 * 1024 - 1], 2);
	expect_eq(c[0], 3);
	free_pages_exact(b, 33 * 1024);
	free_pages_exact(a, 33 * 1024);
	free_pages_exact(c, 5 * PAGE_SIZE);
	expect_eq(kmm_buddy_check(), 0);
}

int main(void)
{
	test_init();
	test_zero_orders();
	test_zeroed_page();
	test_exact(33 * 1024, 9);
	test_exact(1, 1);
	test_exact(PAGE_SIZE, 1);
	test_exact(PAGE_SIZE + 1, 2);
	test_exact(3 * PAGE_SIZE, 3);
	test_exact(100 * 1024, 25);
	test_exact(1000 * PAGE_SIZE, 1000);
	test_exact(4UL << 20, 1024);
	test_exact_pairs();
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
