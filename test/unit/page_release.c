/*
 * page_release - free memory beyond KMM_RETAIN goes back to the system
 * at once under KMM_DECAY_MS=0, and reads as zero afterwards: with
 * KMM_RETAIN=4M, dirtying and freeing
 * 64 MiB makes kmm_page_stats().released_pages grow by at least the
 * excess and the process's RSS drop; blocks allocated again with
 * __GFP_ZERO read as zero, including blocks merged from released pages
 * and pages dirtied after the release; freeing and allocating 256 KiB
 * back and forth does not release and fault it in each time (counted in
 * minor page faults: hysteresis), nor do kmalloc page runs and slab
 * objects freed and allocated again.
 */
#include "ut.h"

#include <fcntl.h>
#include <sys/resource.h>

#define NBLOCKS 16		/* 64 MiB of max-order blocks */
#define RETAIN (4UL << 20)
#define BLOCK (PAGE_SIZE << MAX_PAGE_ORDER)

static unsigned long blk[NBLOCKS];
static unsigned long small[1024];

/* Resident pages of this process, from /proc/self/statm. */
static long rss_pages(void)
{
	char buf[128];
	long size, rss;
	int fd = open("/proc/self/statm", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %ld", &size, &rss) != 2)
		return -1;
	return rss;
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

#define CHURN 100

static void churn(int times)
{
	int i;

	for (i = 0; i < times; i++) {
		unsigned long a = __get_free_pages(GFP_KERNEL, 6);

		expect_nonnull((void *)a);
		memset((void *)a, i, PAGE_SIZE << 6);
		free_pages(a, 6);
	}
	kmm_drain_local_pages();
}

/* kmalloc page runs and slab objects freed and allocated again. */
static void churn_kmalloc(int times)
{
	static void *objs[8192];
	int i, k;

	for (i = 0; i < times; i++) {
		void *run = kmalloc(300 << 10, GFP_KERNEL);

		expect_nonnull(run);
		memset(run, i, 300 << 10);
		for (k = 0; k < 8192; k++) {
			objs[k] = kmalloc(256, GFP_KERNEL);
			expect_nonnull(objs[k]);
			memset(objs[k], k, 256);
		}
		for (k = 0; k < 8192; k++)
			kfree(objs[k]);
		kfree(run);
	}
	kmm_drain_local_pages();
}

static size_t released(void)
{
	struct kmm_page_stats st;

	kmm_page_stats(&st);
	return st.released_pages;
}

int main(int argc, char **argv)
{
	static const char *const env[] = { "KMM_RETAIN=4M", "KMM_DECAY_MS=0",
					   NULL };
	size_t rel0, rel1, excess;
	long rss0, rss1, flt0, flt1;
	int i;

	ut_reexec_with_env(argv, env);
	test_init();

	for (i = 0; i < NBLOCKS; i++) {
		blk[i] = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
		expect_nonnull((void *)blk[i]);
		memset((void *)blk[i], 0xee, BLOCK);
	}
	rel0 = released();
	rss0 = rss_pages();
	for (i = 0; i < NBLOCKS; i++)
		free_pages(blk[i], MAX_PAGE_ORDER);
	kmm_drain_local_pages();
	rel1 = released();
	rss1 = rss_pages();
	excess = (NBLOCKS * BLOCK - RETAIN) / PAGE_SIZE;
	expect(rel1 >= rel0 + excess - MAX_ORDER_NR_PAGES,
		   "64 MiB freed with KMM_RETAIN=4M: expected released pages "
		   "to grow by about %zu, got %zd", excess,
		   (ssize_t)(rel1 - rel0));
	/* RSS is what users see; Valgrind's is its own. */
	if (ut_native() && rss0 > 0 && rss1 > 0)
		expect(rss0 - rss1 >= (long)(excess / 2),
			   "64 MiB freed: expected RSS to drop by at least "
			   "%zu pages, got %ld", excess / 2, rss0 - rss1);
	expect_eq(kmm_buddy_check(), 0);

	/* Dirty some single pages carved from released blocks. */
	for (i = 0; i < (int)ARRAY_SIZE(small); i++) {
		small[i] = __get_free_page(GFP_KERNEL);
		expect_nonnull((void *)small[i]);
		memset((void *)small[i], 0x99, PAGE_SIZE);
	}
	for (i = 0; i < (int)ARRAY_SIZE(small); i++)
		free_page(small[i]);
	kmm_drain_local_pages();
	expect_eq(kmm_buddy_check(), 0);

	/* Zeroed blocks read as zero, whatever they were made of. */
	for (i = 0; i < NBLOCKS; i++) {
		long bad;

		blk[i] = __get_free_pages(GFP_KERNEL | __GFP_ZERO,
					  MAX_PAGE_ORDER);
		expect_nonnull((void *)blk[i]);
		bad = ut_nonzero((void *)blk[i], BLOCK);
		expect(bad < 0, "__GFP_ZERO block %d at 0x%lx after "
			   "release: expected zero at offset %ld, got 0x%02x",
			   i, blk[i], bad,
			   bad < 0 ? 0 : ((unsigned char *)blk[i])[bad]);
	}
	for (i = 0; i < NBLOCKS; i++)
		free_pages(blk[i], MAX_PAGE_ORDER);
	kmm_drain_local_pages();

	/*
	 * Churn within KMM_RETAIN: 256 KiB freed and allocated again 100
	 * times must not be released and faulted in each time (hysteresis).
	 */
	churn(1);
	flt0 = minor_faults();
	churn(CHURN);
	flt1 = minor_faults();
	/* Under memcheck the faults are Valgrind's own. */
	expect(!ut_native() || flt1 - flt0 < CHURN * 64 / 4,
		   "256 KiB freed and allocated %d times: expected fewer than %d "
		   "page faults, got %ld", CHURN, CHURN * 64 / 4, flt1 - flt0);

	/* The same through kmalloc: a 300 KiB run and 2 MiB of 256-byte
	 * objects, 20 times over. */
	churn_kmalloc(1);
	flt0 = minor_faults();
	churn_kmalloc(20);
	flt1 = minor_faults();
	expect(!ut_native() || flt1 - flt0 < 20 * 587 / 4,
	       "kmalloc: 2.3 MiB freed and allocated 20 times: expected fewer "
	       "than %d page faults, got %ld", 20 * 587 / 4, flt1 - flt0);
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
