/*
 * page_dma32 - GFP_DMA32 blocks lie wholly below 4 GiB, for every order
 * tried, zeroed ones included, and round-trip through virt_to_page; they
 * show in buddyinfo under "Node 0, zone    DMA32" once freed; kmalloc
 * with GFP_DMA32 gives page runs below 4 GiB for any size up to 4 MiB
 * and fails above.  Skips (77) where the system gives no memory below
 * 4 GiB.
 */
#include "ut.h"

#define FOUR_GIB (1ULL << 32)
#define N 8

int main(void)
{
	static const unsigned int orders[] = { 0, 1, 3, 5, 9, MAX_PAGE_ORDER };
	static const size_t ksizes[] = { 1, 64, 3000, 40000, 4 << 20 };
	unsigned long p[ARRAY_SIZE(orders)][N];
	struct page *first;
	unsigned int i, k;
	char *info;

	test_init();
	first = alloc_pages(GFP_KERNEL | GFP_DMA32 | __GFP_NOWARN, 0);
	if (!first)
		test_skip("no memory below 4 GiB on this system");
	__free_pages(first, 0);

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		unsigned int o = orders[i];
		size_t len = PAGE_SIZE << o;

		for (k = 0; k < N; k++) {
			gfp_t gfp = GFP_KERNEL | GFP_DMA32;

			if (k & 1)
				gfp |= __GFP_ZERO;
			p[i][k] = __get_free_pages(gfp, o);
			expect_nonnull((void *)p[i][k]);
			expect(p[i][k] + len <= FOUR_GIB,
				   "GFP_DMA32 order %u: expected a block "
				   "ending below 0x100000000, got 0x%lx-0x%lx",
				   o, p[i][k], p[i][k] + len);
			expect_eq(p[i][k] % len, 0);
			if (k & 1)
				expect_eq(ut_nonzero((void *)p[i][k], len), -1);
			expect_ptr_eq(page_address(virt_to_page(
					      (void *)(p[i][k] + len - 1))),
				      (void *)(p[i][k] + len - PAGE_SIZE));
			memset((void *)p[i][k], 0xd3, len);
		}
	}
	expect_eq(kmm_buddy_check(), 0);
	for (i = 0; i < ARRAY_SIZE(orders); i++)
		for (k = 0; k < N; k++)
			free_pages(p[i][k], orders[i]);
	kmm_drain_local_pages();
	expect_eq(kmm_buddy_check(), 0);

	/* A plain GFP_KERNEL request still works beside DMA32 zones. */
	first = alloc_pages(GFP_KERNEL, 2);
	expect_nonnull(first);
	__free_pages(first, 2);

	/* kmalloc with GFP_DMA32: a page run below 4 GiB, whatever the size;
	 * above 4 MiB it fails (vmalloc does not serve the zone). */
	for (i = 0; i < ARRAY_SIZE(ksizes); i++) {
		unsigned char *kp = kmalloc(ksizes[i], GFP_KERNEL | GFP_DMA32);

		expect(kp != NULL, "kmalloc(%zu, GFP_DMA32): expected a block",
		       ksizes[i]);
		expect((uintptr_t)kp + ksizes[i] <= FOUR_GIB &&
			       (uintptr_t)kp % PAGE_SIZE == 0,
		       "kmalloc(%zu, GFP_DMA32) = %p: expected a page run below "
		       "4 GiB", ksizes[i], (void *)kp);
		expect_ge(ksize(kp), ksizes[i]);
		memset(kp, 0x21, ksizes[i]);
		kfree(kp);
	}
	expect_null(kmalloc((5 << 20), GFP_KERNEL | GFP_DMA32 | __GFP_NOWARN));

	info = ut_dump("buddyinfo");
	expect_nonnull(info);
	expect(strstr(info, "Node 0, zone    DMA32") != NULL,
		   "buddyinfo: expected a line \"Node 0, zone    DMA32\", "
		   "got:\n%s", info);
	free(info);
	return 0;
}
