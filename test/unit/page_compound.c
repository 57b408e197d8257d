/*
 * page_compound - blocks of order > 0 are compound pages with one
 * reference count: a fresh block has count 1 on its head and on every
 * tail; get_page()/put_page() on any page of the block move that count;
 * the put_page() that drops it to zero frees the whole block (the free
 * page count and the buddy lists are back where they were), and the
 * buddy invariants hold throughout.  Orders above MAX_PAGE_ORDER and
 * exact sizes of 0 or above 4 MiB give NULL; freeing 0 or NULL is a
 * no-op.
 */
#include "ut.h"

static void check_counts(struct page *head, unsigned int order, int want)
{
	unsigned long i, n = 1UL << order;
	char *base = page_address(head);

	expect_eq(page_count(head), want);
	/* Every tail reports the head's count, as the kernel's page_count. */
	for (i = 1; i < n; i += (n > 64 ? n / 16 + 1 : 1))
		expect(page_count(virt_to_page(base + i * PAGE_SIZE)) ==
				   want,
			   "order %u tail %lu: expected count %d, got %d",
			   order, i, want,
			   page_count(virt_to_page(base + i * PAGE_SIZE)));
	if (n > 1)
		expect_eq(page_count(virt_to_page(base + (n - 1) * PAGE_SIZE)),
			  want);
}

static void test_order(unsigned int order)
{
	unsigned long before[NR_PAGE_ORDERS], after[NR_PAGE_ORDERS];
	unsigned long n = 1UL << order, i;
	struct page *head, *tail, *last;
	size_t free0, free1;
	char *base;

	/* Warm up: the block we test is then one the lists already hold. */
	head = alloc_pages(GFP_KERNEL, order);
	expect_nonnull(head);
	__free_pages(head, order);

	free0 = ut_free_pages();
	kmm_buddy_counts(ZONE_NORMAL, before);

	head = alloc_pages(GFP_KERNEL, order);
	expect_nonnull(head);
	base = page_address(head);
	memset(base, 0x5a, n * PAGE_SIZE);
	free1 = ut_free_pages();
	expect_eq(free0 - free1, n);

	tail = virt_to_page(base + (n / 2) * PAGE_SIZE);
	last = virt_to_page(base + (n - 1) * PAGE_SIZE);
	check_counts(head, order, 1);

	get_page(tail);			/* 2 */
	check_counts(head, order, 2);
	get_page(head);			/* 3 */
	get_page(last);			/* 4 */
	check_counts(head, order, 4);
	put_page(head);			/* 3 */
	put_page(last);			/* 2 */
	check_counts(head, order, 2);
	put_page(tail);			/* 1 */
	check_counts(head, order, 1);
	expect_eq(ut_free_pages(), free1);	/* not freed yet */
	expect_eq(kmm_buddy_check(), 0);
	for (i = 0; i < n * PAGE_SIZE; i += 997)
		expect_eq(base[i], 0x5a);

	/* The last reference, dropped through a tail page when there is
	 * one, frees the whole block. */
	put_page(n > 1 ? last : head);
	expect(ut_free_pages() == free0,
		   "order %u after the last put_page: expected %zu free "
		   "pages, got %zu", order, free0, ut_free_pages());
	kmm_buddy_counts(ZONE_NORMAL, after);
	for (i = 0; i < NR_PAGE_ORDERS; i++)
		expect(after[i] == before[i],
			   "order %u block freed by put_page: free blocks of "
			   "order %lu: expected %lu, got %lu",
			   order, i, before[i], after[i]);
	expect_eq(kmm_buddy_check(), 0);

	/* The freed block can be had again. */
	head = alloc_pages(GFP_KERNEL, order);
	expect_nonnull(head);
	expect_eq(page_count(head), 1);
	__free_pages(head, order);
}

/* The address-based and single-page forms share the same accounting. */
static void test_forms(void)
{
	size_t free0 = ut_free_pages();
	unsigned long a = __get_free_page(GFP_KERNEL);
	unsigned long b = __get_free_pages(GFP_KERNEL, 2);
	struct page *c = alloc_page(GFP_KERNEL);

	expect(a && b && c, "three allocations: expected pointers, got %p %p "
	       "%p", (void *)a, (void *)b, (void *)c);
	expect_eq(a % PAGE_SIZE, 0);
	expect_eq(b % (4 * PAGE_SIZE), 0);
	expect_eq(page_count(virt_to_page((void *)a)), 1);
	expect_eq(page_count(c), 1);
	expect_eq(free0 - ut_free_pages(), 1 + 4 + 1);
	free_page(a);
	free_pages(b, 2);
	__free_page(c);
	expect_eq(ut_free_pages(), free0);

	/* get_page on a single page keeps it past __free_pages' put. */
	c = alloc_page(GFP_KERNEL);
	expect_nonnull(c);
	get_page(c);
	__free_page(c);
	expect_eq(page_count(c), 1);
	expect_eq(free0 - ut_free_pages(), 1);
	put_page(c);
	expect_eq(ut_free_pages(), free0);
	expect_eq(kmm_buddy_check(), 0);
}

/* Requests that cannot be served fail cleanly; NULL frees do nothing. */
static void test_edges(void)
{
	size_t free0 = ut_free_pages();

	expect_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_PAGE_ORDER + 1));
	expect_eq(__get_free_pages(GFP_KERNEL | __GFP_NOWARN, 20), 0);
	expect_null(alloc_pages_exact(0, GFP_KERNEL));
	expect_null(alloc_pages_exact((PAGE_SIZE << MAX_PAGE_ORDER) + 1,
				      GFP_KERNEL | __GFP_NOWARN));
	free_pages(0, 3);
	free_page(0);
	free_pages_exact(NULL, 12345);
	expect_eq(ut_free_pages(), free0);
	expect_eq(kmm_buddy_check(), 0);
}

int main(void)
{
	unsigned int o;

	test_init();
	for (o = 0; o <= MAX_PAGE_ORDER; o++)
		test_order(o);
	test_forms();
	test_edges();
	return 0;
}
