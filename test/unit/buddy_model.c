/*
 * buddy_model - the buddy allocator agrees with a reference model over
 * thousands of random allocations and frees of random orders: every
 * block is aligned to its size, overlaps no live block, keeps the
 * pattern written into it until it is freed; the pages in use (spanned
 * - reserved - free) always equal the model's live pages plus a constant;
 * kmm_buddy_check() passes at intervals; and once everything is freed
 * and the thread's page lists drained, the free lists of orders below
 * MAX_PAGE_ORDER hold exactly the blocks they held at the start and the
 * free page count is back: the zones are fully coalesced.
 */
#include "ut.h"

#define MAX_LIVE 400

struct block {
	unsigned long addr;
	unsigned int order;
	uint64_t tag;
};

static struct block live[MAX_LIVE];
static size_t nlive, live_pages;
static struct ut_rng rng;
static unsigned long step;

/* Orders weighted towards small ones, as real use is. */
static unsigned int random_order(void)
{
	uint64_t r = ut_next(&rng);
	unsigned int o = (unsigned int)__builtin_ctzll(r | (1ULL << 40));

	if (o > MAX_PAGE_ORDER || (r >> 60) == 0)
		o = (unsigned int)((r >> 44) % NR_PAGE_ORDERS);
	return o;
}

static size_t pages_in_use(void)
{
	struct kmm_page_stats st;

	kmm_page_stats(&st);
	return st.spanned_pages - st.reserved_pages - st.free_pages;
}

static void do_alloc(void)
{
	unsigned int o = random_order();
	gfp_t gfp = GFP_KERNEL;
	struct block *b;
	unsigned long a;
	size_t i, len = PAGE_SIZE << o;

	if (ut_below(&rng, 8) == 0)
		gfp |= __GFP_ZERO;
	a = __get_free_pages(gfp, o);
	expect(a != 0, "step %lu: order %u: expected a block, got "
			"NULL", step, o);
	expect(a % len == 0, "step %lu: order %u block 0x%lx: expected "
		   "alignment 0x%zx, got offset 0x%zx", step, o, a, len,
		   a % len);
	for (i = 0; i < nlive; i++) {
		unsigned long b0 = live[i].addr;
		unsigned long b1 = b0 + (PAGE_SIZE << live[i].order);

		expect(a + len <= b0 || b1 <= a,
			   "step %lu: new block 0x%lx-0x%lx: expected no "
			   "overlap, got live block 0x%lx-0x%lx (order %u)",
			   step, a, a + len, b0, b1, live[i].order);
	}
	if (gfp & __GFP_ZERO) {
		long bad = ut_nonzero((void *)a, len);

		expect(bad < 0, "step %lu: __GFP_ZERO order %u: expected "
			   "zero at offset %ld, got non-zero", step, o, bad);
	}
	b = &live[nlive++];
	b->addr = a;
	b->order = o;
	b->tag = ut_next(&rng);
	ut_fill_sparse((void *)a, len, b->tag);
	live_pages += 1UL << o;
}

static void do_free(size_t i)
{
	struct block b = live[i];
	long bad = ut_check_sparse((void *)b.addr, PAGE_SIZE << b.order,
				   b.tag);

	expect(bad < 0, "step %lu: block 0x%lx (order %u): expected its "
		   "pattern intact, got a change at offset %ld", step, b.addr,
		   b.order, bad);
	live[i] = live[--nlive];
	live_pages -= 1UL << b.order;
	/* Both spellings of free. */
	if (b.tag & 1)
		free_pages(b.addr, b.order);
	else
		__free_pages(virt_to_page((void *)b.addr), b.order);
}

int main(void)
{
	unsigned long start[NR_PAGE_ORDERS], end[NR_PAGE_ORDERS];
	unsigned long steps = test_quick() ? 3000 : 30000;
	size_t free0, base, o;
	unsigned long a;

	test_init();
	ut_rng_init(&rng, 1);

	/* Warm up: kmm initialized, this thread's state allocated. */
	a = __get_free_pages(GFP_KERNEL, 0);
	expect_nonnull((void *)a);
	free_pages(a, 0);
	free0 = ut_free_pages();
	kmm_buddy_counts(ZONE_NORMAL, start);
	expect_eq(kmm_buddy_check(), 0);
	base = pages_in_use();

	for (step = 0; step < steps; step++) {
		/* Drift between a third and two thirds full. */
		int alloc = nlive < MAX_LIVE / 3 ? ut_below(&rng, 3) != 0 :
			    nlive > 2 * MAX_LIVE / 3 ? ut_below(&rng, 3) == 0 :
						       ut_below(&rng, 2) == 0;

		if (nlive == MAX_LIVE)
			alloc = 0;
		if (nlive == 0)
			alloc = 1;
		if (alloc)
			do_alloc();
		else
			do_free((size_t)ut_below(&rng, nlive));

		if (step % 100 == 99) {
			size_t used;

			expect(kmm_buddy_check() == 0,
				   "step %lu: expected kmm_buddy_check() == 0",
				   step);
			kmm_drain_local_pages();
			used = pages_in_use();
			expect(used == base + live_pages,
				   "step %lu: expected %zu pages in use (%zu "
				   "live), got %zu", step, base + live_pages,
				   live_pages, used);
		}
	}

	/* Free in random order, then the zones must be whole again. */
	while (nlive)
		do_free((size_t)ut_below(&rng, nlive));
	kmm_drain_local_pages();
	expect_eq(kmm_buddy_check(), 0);
	expect(ut_free_pages() == free0,
		   "all freed: expected %zu free pages, got %zu", free0,
		   ut_free_pages());
	kmm_buddy_counts(ZONE_NORMAL, end);
	for (o = 0; o < MAX_PAGE_ORDER; o++)
		expect(end[o] == start[o],
			   "all freed: free blocks of order %zu: expected %lu "
			   "(as at the start), got %lu", o, start[o], end[o]);
	expect_ge(end[MAX_PAGE_ORDER], start[MAX_PAGE_ORDER]);
	expect_eq(pages_in_use(), base);
	return 0;
}
