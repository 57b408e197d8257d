/*
 * page_grow_threads - zones grow safely when threads need them at once:
 * 4 threads each take 150 max-order blocks at the same time (600 blocks,
 * more than two zones hold), so several may find the zones full
 * together; every block is distinct from every other, aligned, maps to
 * its struct page and back through the lock-free zone table, the heap
 * grows by no more zones than the blocks need plus one, and the buddy
 * invariants hold.  The blocks are never touched: this is cheap.
 */
#include "ut.h"

#include <pthread.h>

#define NTHREADS 4
#define PER 150

static unsigned long blocks[NTHREADS][PER];
static pthread_barrier_t barrier;

static void *grab(void *arg)
{
	unsigned long *mine = arg;
	int i;

	pthread_barrier_wait(&barrier);
	for (i = 0; i < PER; i++) {
		mine[i] = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
		expect(mine[i] != 0, "max-order block %d: expected memory", i);
		/* Round trip at once, while other threads grow the heap. */
		expect(page_address(virt_to_page((void *)mine[i])) ==
			       (void *)mine[i],
		       "block %#lx: expected virt_to_page/page_address to "
		       "round-trip", mine[i]);
	}
	return NULL;
}

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	const size_t block = PAGE_SIZE << MAX_PAGE_ORDER;
	struct kmm_page_stats st;
	pthread_t t[NTHREADS];
	unsigned long *all;
	size_t zones0, zones1, per_zone, i, n = NTHREADS * PER;

	test_init();
	free_pages(__get_free_pages(GFP_KERNEL, 0), 0);
	kmm_page_stats(&st);
	zones0 = st.zones;
	per_zone = st.spanned_pages / st.zones / MAX_ORDER_NR_PAGES;

	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, grab, blocks[i]))
			test_error("pthread_create");
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	zones1 = ut_zones();
	/* A zone holds per_zone blocks at most (less its mem_map). */
	expect(zones1 <= zones0 + n / (per_zone - 4) + 2,
	       "%zu max-order blocks: expected at most %zu zones, got %zu", n,
	       zones0 + n / (per_zone - 4) + 2, zones1);

	all = malloc(n * sizeof(*all));
	if (!all)
		test_error("out of memory");
	memcpy(all, blocks, n * sizeof(*all));
	qsort(all, n, sizeof(*all), cmp_ul);
	for (i = 0; i < n; i++) {
		expect(all[i] % block == 0, "block %#lx: expected alignment",
		       all[i]);
		if (i)
			expect(all[i] - all[i - 1] >= block,
			       "blocks %#lx and %#lx: expected disjoint",
			       all[i - 1], all[i]);
	}
	expect_eq(kmm_buddy_check(), 0);
	for (i = 0; i < n; i++)
		free_pages(all[i], MAX_PAGE_ORDER);
	expect_eq(kmm_buddy_check(), 0);
	free(all);
	return 0;
}
