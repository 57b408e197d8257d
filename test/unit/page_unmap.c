/*
 * page_unmap - zones give their address space back when a mapping needs
 * it (kmm_mem_reclaim_space, what a failed mmap calls), and the lock-free
 * zone table stays sound:
 *  - with a block kept at the start of the first zone and every other
 *    block freed, reclaiming unmaps every other zone but its header page
 *    (the zone count drops, virt_to_page of an address that was in one is
 *    NULL, the address is mapped no more) and the free tail of the first
 *    zone (its pages shrink, an address past its new end has no page);
 *    the kept block still round-trips and the buddy invariants hold;
 *  - allocating again brings the unmapped zones back in their slots
 *    (kmm.zones[] does not grow) and every block round-trips;
 *  - under an address-space limit (RLIMIT_AS, in a child): zones grow in
 *    place until the limit, and once everything is freed a vmalloc area
 *    of half the room succeeds, then pages as many as before.  Not under
 *    memcheck or the sanitizers, which map their own memory under the
 *    limit.
 */
#include "ut.h"

#include <sys/resource.h>
#include <sys/wait.h>

#define MAX_BLOCKS 2048
#define BLOCK (PAGE_SIZE << MAX_PAGE_ORDER)

static unsigned long blocks[MAX_BLOCKS];

/* Is addr inside a mapping of /proc/self/maps? */
static int mapped(const void *addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long start, end, a = (unsigned long)addr;
	char line[512];
	int found = 0;

	expect_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 && a >= start &&
		    a < end)
			found = 1;
	fclose(f);
	return found;
}

static size_t spanned(void)
{
	struct kmm_page_stats st;

	kmm_page_stats(&st);
	return st.spanned_pages;
}

static void round_trip(unsigned long addr)
{
	struct page *pg = virt_to_page((void *)addr);

	expect_nonnull(pg);
	expect_ptr_eq(page_address(pg), (void *)addr);
	expect_ptr_eq(virt_to_page((char *)addr + BLOCK - 1),
		      (struct page *)((struct kmm_page *)pg +
				      MAX_ORDER_NR_PAGES - 1));
}

static void test_unmap(void)
{
	size_t n = 0, i, zones0, zones, span0, nr_zones0;
	unsigned long far = 0, keep;
	char *tail;

	/* Blocks until a second zone is made, and as many more. */
	blocks[n++] = keep = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
	expect(keep != 0, "a max-order block: expected one, got none");
	zones0 = ut_zones();
	while (n < MAX_BLOCKS && ut_zones() == zones0) {
		blocks[n] = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
		expect(blocks[n] != 0, "block %zu: expected one", n);
		n++;
	}
	expect(ut_zones() == zones0 + 1, "after %zu max-order blocks: "
	       "expected %zu zones, got %zu", n, zones0 + 1, ut_zones());
	far = blocks[n - 1];
	expect((far >> 30) != (keep >> 30), "the last block %#lx: expected "
	       "in another zone than the first %#lx", far, keep);
	for (i = 1; i < n; i++)
		free_pages(blocks[i], MAX_PAGE_ORDER);
	span0 = spanned();
	nr_zones0 = (size_t)atomic_load(&kmm.nr_zones);

	expect(kmm_mem_reclaim_space() > 0, "reclaim with %zu free blocks: "
	       "expected address space given back", n - 1);
	zones = ut_zones();
	expect(zones < zones0 + 1, "after reclaim: expected fewer than %zu "
	       "zones, got %zu", zones0 + 1, zones);
	expect_null(virt_to_page((void *)far));
	expect(!mapped((void *)far), "%#lx, in an unmapped zone: expected "
	       "no mapping there", far);
	expect(spanned() < span0, "after reclaim: expected fewer pages than "
	       "%zu, got %zu", span0, spanned());
	/* Past the first zone's new end, no page. */
	tail = (char *)(keep & ~((1UL << 30) - 1)) + spanned() * PAGE_SIZE;
	if ((unsigned long)tail >> 30 == keep >> 30 &&
	    (unsigned long)tail > keep)
		expect_null(virt_to_page(tail));
	round_trip(keep);
	expect_eq(kmm_buddy_check(), 0);

	/* The zones come back where they were. */
	for (i = 1; i < n; i++) {
		blocks[i] = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
		expect(blocks[i] != 0, "block %zu again: expected one", i);
	}
	expect_eq((size_t)atomic_load(&kmm.nr_zones), nr_zones0);
	for (i = 0; i < n; i++)
		round_trip(blocks[i]);
	expect_eq(kmm_buddy_check(), 0);
	for (i = 0; i < n; i++)
		free_pages(blocks[i], MAX_PAGE_ORDER);
	expect_eq(kmm_buddy_check(), 0);
	printf("%zu blocks; reclaim: zones %zu -> %zu, back to %zu\n", n,
	       zones0 + 1, zones, ut_zones());
}

static size_t vm_size(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;

	expect_nonnull(f);
	expect(fscanf(f, "%lu", &pages) == 1, "/proc/self/statm: a number");
	fclose(f);
	return pages * PAGE_SIZE;
}

/* Max-order blocks until none comes; returns how many, all kept. */
static size_t fill(void)
{
	size_t n = 0;

	while (n < MAX_BLOCKS &&
	       (blocks[n] = __get_free_pages(GFP_KERNEL | __GFP_NOWARN,
					     MAX_PAGE_ORDER)) != 0)
		n++;
	return n;
}

static void limited(void *arg)
{
	size_t room = 256UL << 20, n, again, i;
	struct rlimit rl;
	void *v;

	(void)arg;
	kmm_mem_reclaim_space();
	rl.rlim_cur = rl.rlim_max = vm_size() + room;
	if (setrlimit(RLIMIT_AS, &rl))
		test_error("setrlimit: %s", strerror(errno));
	n = fill();
	expect(n * BLOCK >= room / 2, "under RLIMIT_AS with %zu MiB of room: "
	       "expected half of it in max-order blocks, got %zu blocks",
	       room >> 20, n);
	expect(n < MAX_BLOCKS, "under RLIMIT_AS: expected to run out");
	expect_eq(kmm_buddy_check(), 0);
	for (i = 0; i < n; i++)
		free_pages(blocks[i], MAX_PAGE_ORDER);
	v = vmalloc(room / 2);
	expect(v != NULL, "vmalloc of half the room after freeing %zu "
	       "blocks: expected an area, got NULL", n);
	memset(v, 1, PAGE_SIZE);
	vfree(v);
	again = fill();
	expect(again + 2 >= n, "filling again: expected about %zu blocks, got "
	       "%zu", n, again);
	for (i = 0; i < again; i++)
		free_pages(blocks[i], MAX_PAGE_ORDER);
	expect_eq(kmm_buddy_check(), 0);
	printf("under RLIMIT_AS: %zu blocks, %zu again\n", n, again);
	fflush(stdout);
}

int main(void)
{
	char *err;
	int st;

	test_init();
	test_unmap();
#if defined(KMM_SANITIZE)
	printf("RLIMIT_AS part skipped: the sanitizers map their own memory\n");
	return 0;
#endif
	if (UT_ON_VALGRIND()) {
		printf("RLIMIT_AS part skipped under memcheck\n");
		return 0;
	}
	st = ut_run_child(limited, NULL, &err);
	fputs(err, stderr);
	free(err);
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the RLIMIT_AS child: "
	       "expected exit 0, got status %#x", st);
	return 0;
}
