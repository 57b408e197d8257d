/*
 * page_zone - zones grow on demand, and struct page lookups are exact:
 * allocating max-order blocks past the first zone adds a second one;
 * virt_to_page() and page_address() are inverse for every page of a block
 * (any address inside a page gives that page, and consecutive pages have
 * consecutive struct pages in mem_map[]); virt_to_page() of NULL, a stack
 * address, a malloc'd address, a zone's own header and mem_map, and a
 * non-canonical address is NULL, and page_address(NULL) is NULL; a
 * block of every order 0..MAX_PAGE_ORDER is aligned to its size and
 * blocks never overlap.
 */
#include "ut.h"

#define MAX_BLOCKS 4096

static unsigned long blocks[MAX_BLOCKS];

/* Every page of the block at addr maps to its struct page and back. */
static void check_round_trips(unsigned long addr, unsigned int order)
{
	struct page *head = virt_to_page((void *)addr);
	unsigned long i, n = 1UL << order;

	expect_nonnull(head);
	expect_ptr_eq(page_address(head), (void *)addr);
	for (i = 0; i < n; i++) {
		char *va = (char *)addr + i * PAGE_SIZE;
		struct page *pg = virt_to_page(va);
		struct page *mid = virt_to_page(va + 1234);
		struct page *last = virt_to_page(va + PAGE_SIZE - 1);

		expect_nonnull(pg);
		expect_ptr_eq(page_address(pg), va);
		expect_ptr_eq(mid, pg);
		expect_ptr_eq(last, pg);
		expect_eq((struct kmm_page *)pg - (struct kmm_page *)head, i);
	}
}

static void test_zone_growth(void)
{
	struct kmm_page_stats st;
	size_t zones0, zones, bound, n = 0, i, free0;
	unsigned long first_new = 0;

	/* The first call creates the first zone. */
	blocks[n] = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
	expect_nonnull((void *)blocks[n]);
	n++;
	kmm_page_stats(&st);
	zones0 = st.zones;
	expect_ge(zones0, 1);
	/* Twice the pages of the zones so far, in max-order blocks. */
	bound = 2 * st.spanned_pages / zones0 / MAX_ORDER_NR_PAGES + 16;
	if (bound > MAX_BLOCKS)
		bound = MAX_BLOCKS;

	for (zones = zones0; zones == zones0 && n < bound; n++) {
		blocks[n] = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
		expect_nonnull((void *)blocks[n]);
		zones = ut_zones();
		if (zones != zones0)
			first_new = blocks[n];
	}
	expect(zones == zones0 + 1,
		   "after %zu max-order blocks: expected %zu zones, got %zu",
		   n, zones0 + 1, zones);

	/* Aligned, distinct (sorted by a scan: n is a few hundred). */
	for (i = 0; i < n; i++) {
		size_t j;

		expect_eq(blocks[i] % (PAGE_SIZE << MAX_PAGE_ORDER), 0);
		for (j = i + 1; j < n; j++)
			expect(blocks[i] != blocks[j],
				   "blocks %zu and %zu: expected distinct, "
				   "got both 0x%lx", i, j, blocks[i]);
	}

	/* Round trips in the first and in the new zone. */
	check_round_trips(blocks[0], MAX_PAGE_ORDER);
	if (first_new) {
		check_round_trips(first_new, MAX_PAGE_ORDER);
		/* A zone is aligned to its size: the new block's zone
		 * differs from the first block's. */
		expect_ne(blocks[0] >> ZONE_SHIFT, first_new >> ZONE_SHIFT);
	}
	/* Touch one byte of each of a few blocks: they are real memory. */
	for (i = 0; i < n; i += 37) {
		*(volatile char *)blocks[i] = 1;
		*(volatile char *)(blocks[i] +
				   (PAGE_SIZE << MAX_PAGE_ORDER) - 1) = 2;
	}

	free0 = ut_free_pages();
	for (i = 0; i < n; i++)
		free_pages(blocks[i], MAX_PAGE_ORDER);
	expect_eq(ut_free_pages(), free0 + n * MAX_ORDER_NR_PAGES);
	expect_eq(kmm_buddy_check(), 0);
}

static void test_not_ours(void)
{
	int on_stack = 0;
	void *heap = malloc(100);
	void *big = malloc(1 << 20);
	void *anon = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	expect_null(virt_to_page(NULL));
	expect_null(virt_to_page((void *)1));
	expect_null(virt_to_page(&on_stack));
	expect_null(virt_to_page(heap));
	expect_null(virt_to_page(big));
	expect_null(virt_to_page(&blocks[0]));		/* .bss */
	expect_null(virt_to_page((void *)test_not_ours));	/* .text */
	if (anon != MAP_FAILED)
		expect_null(virt_to_page(anon));
	expect_null(page_address(NULL));
	/* A zone's own metadata (header, mem_map) is no page's memory. */
	if (blocks[0]) {
		const void *mm = virt_to_page((void *)blocks[0]);

		expect_null(virt_to_page(mm));
		expect_null(virt_to_page((void *)ALIGN_DOWN(blocks[0],
							     ZONE_SIZE)));
	}
	/* Non-canonical and kernel-half addresses: never touched. */
	expect_null(virt_to_page((void *)0x0000800000000000UL));
	expect_null(virt_to_page((void *)0xffff800000001000UL));
	expect_null(virt_to_page((void *)-1L));
	free(heap);
	free(big);
	if (anon != MAP_FAILED)
		munmap(anon, 1 << 16);
}

#define PER_ORDER 6

static void test_alignment(void)
{
	unsigned long p[NR_PAGE_ORDERS][PER_ORDER];
	unsigned int o, k, o2, k2;
	size_t free0 = ut_free_pages();

	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		for (k = 0; k < PER_ORDER; k++) {
			struct page *pg = alloc_pages(GFP_KERNEL, o);
			unsigned long a;

			expect_nonnull(pg);
			a = (unsigned long)page_address(pg);
			p[o][k] = a;
			expect(a % (PAGE_SIZE << o) == 0,
				   "order %u block 0x%lx: expected alignment "
				   "0x%lx, got offset 0x%lx", o, a,
				   PAGE_SIZE << o, a % (PAGE_SIZE << o));
			expect_ptr_eq(virt_to_page((void *)a), pg);
			expect_eq((struct kmm_page *)virt_to_page(
					  (void *)(a + (PAGE_SIZE << o) - 1)) -
					  (struct kmm_page *)pg,
				  (1UL << o) - 1);
			((volatile char *)a)[0] = (char)o;
			((volatile char *)a)[(PAGE_SIZE << o) - 1] = (char)k;
		}
	}
	/* No two blocks overlap. */
	for (o = 0; o <= MAX_PAGE_ORDER; o++)
		for (k = 0; k < PER_ORDER; k++)
			for (o2 = 0; o2 <= MAX_PAGE_ORDER; o2++)
				for (k2 = 0; k2 < PER_ORDER; k2++) {
					unsigned long a = p[o][k], b = p[o2][k2];

					if (o == o2 && k == k2)
						continue;
					expect(a + (PAGE_SIZE << o) <= b ||
						       b + (PAGE_SIZE << o2) <= a,
						   "blocks 0x%lx (order %u) and "
						   "0x%lx (order %u): expected "
						   "disjoint, got overlap",
						   a, o, b, o2);
				}
	for (o = 0; o <= MAX_PAGE_ORDER; o++)
		for (k = 0; k < PER_ORDER; k++) {
			expect_eq(((volatile char *)p[o][k])[0], (char)o);
			__free_pages(virt_to_page((void *)p[o][k]), o);
		}
	expect_eq(ut_free_pages(), free0);
	expect_eq(kmm_buddy_check(), 0);
}

int main(void)
{
	test_init();
	test_zone_growth();
	test_not_ours();
	test_alignment();
	return 0;
}
