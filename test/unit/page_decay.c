/*
 * page_decay - free pages go back to the system by time (KMM_DECAY_MS):
 * with KMM_DECAY_MS=200, 64 MiB of max-order blocks dirtied and freed
 * stay resident at first (kmm_page_stats().released_pages does not grow
 * by more than a block), go back after 400 ms at the next call that takes
 * a zone lock (released pages grow by all but a block, RSS drops), and
 * malloc_trim's work (kmm_mem_reclaim_all(0)) releases them at once
 * before the decay time; 64 MiB freed and allocated again every 50 ms
 * for a second is never released nor faulted in again (fewer than a
 * quarter of its pages in minor faults).  A child run with
 * KMM_DECAY_MS=-1 keeps the freed pages past the wait, and releases them
 * only on kmm_mem_reclaim_all(0).  (KMM_DECAY_MS=0, the threshold rule,
 * is page_release's.)
 */
#include "ut.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define NBLOCKS 16		/* 64 MiB of max-order blocks */
#define BLOCK (PAGE_SIZE << MAX_PAGE_ORDER)
#define TOTAL (NBLOCKS * MAX_ORDER_NR_PAGES)

static unsigned long blk[NBLOCKS];

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

static size_t released(void)
{
	struct kmm_page_stats st;

	kmm_page_stats(&st);
	return st.released_pages;
}

static void fill(void)
{
	int i;

	for (i = 0; i < NBLOCKS; i++) {
		blk[i] = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
		expect_nonnull((void *)blk[i]);
		memset((void *)blk[i], 0xdc, BLOCK);
	}
}

static void empty(void)
{
	int i;

	for (i = 0; i < NBLOCKS; i++)
		free_pages(blk[i], MAX_PAGE_ORDER);
	kmm_drain_local_pages();
}

/* Waits, then takes the zone lock once: a max-order block and back. */
static void wait_and_call(unsigned int ms)
{
	unsigned long a;

	usleep(ms * 1000);
	a = __get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER);
	expect_nonnull((void *)a);
	free_pages(a, MAX_PAGE_ORDER);
}

/* Freed pages stay until the decay time has passed. */
static void check_kept(const char *when, size_t rel0)
{
	size_t rel = released() - rel0;

	expect(rel <= MAX_ORDER_NR_PAGES,
	       "%s: expected at most %lu pages released, got %zu", when,
	       MAX_ORDER_NR_PAGES, rel);
}

static void check_gone(const char *when, size_t rel0, long rss0)
{
	size_t rel = released() - rel0;
	long rss = rss_pages();

	expect(rel >= TOTAL - 2 * MAX_ORDER_NR_PAGES,
	       "%s: expected at least %lu pages released, got %zu", when,
	       TOTAL - 2 * MAX_ORDER_NR_PAGES, rel);
	/* RSS is what users see; Valgrind's is its own. */
	if (ut_native() && rss0 > 0 && rss > 0)
		expect(rss0 - rss >= (long)TOTAL / 2,
		       "%s: expected RSS to drop by at least %lu pages, got %ld",
		       when, TOTAL / 2, rss0 - rss);
}

static void never(void)
{
	size_t rel0;
	long rss0;

	fill();
	rel0 = released();
	rss0 = rss_pages();
	empty();
	wait_and_call(400);
	check_kept("KMM_DECAY_MS=-1, 400 ms after the free", rel0);
	kmm_mem_reclaim_all(0);
	check_gone("KMM_DECAY_MS=-1, reclaimed", rel0, rss0);
	expect_eq(kmm_buddy_check(), 0);
}

static void run_never(const char *self)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		test_error("fork: %s", strerror(errno));
	if (pid == 0) {
		execl(self, self, "never", (char *)NULL);
		_exit(99);
	}
	if (waitpid(pid, &status, 0) != pid)
		test_error("waitpid: %s", strerror(errno));
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the KMM_DECAY_MS=-1 run: expected exit 0, got status %#x",
	       status);
}

int main(int argc, char **argv)
{
	static const char *const env_short[] = { "KMM_DECAY_MS=200", NULL };
	static const char *const env_never[] = { "KMM_DECAY_MS=-1", NULL };
	bool is_never = argc > 1 && !strcmp(argv[1], "never");
	size_t rel0;
	long rss0, flt0, flt1;
	int i;

	ut_reexec_with_env(argv, is_never ? env_never : env_short);
	test_init();
	if (is_never) {
		never();
		return 0;
	}

	/* Freed, then taken back by malloc_trim's work. */
	fill();
	rel0 = released();
	rss0 = rss_pages();
	empty();
	check_kept("just freed", rel0);
	kmm_mem_reclaim_all(0);
	check_gone("reclaimed before the decay time", rel0, rss0);

	/* Freed, then released by the decay. */
	fill();
	rel0 = released();
	rss0 = rss_pages();
	empty();
	check_kept("just freed", rel0);
	wait_and_call(400);
	check_gone("400 ms after the free", rel0, rss0);
	expect_eq(kmm_buddy_check(), 0);

	/* Reused within the decay time: stays resident. */
	fill();
	empty();
	flt0 = minor_faults();
	for (i = 0; i < 20; i++) {
		usleep(50 * 1000);
		fill();
		empty();
	}
	flt1 = minor_faults();
	/* Under memcheck the faults are Valgrind's own. */
	expect(!ut_native() || flt1 - flt0 < (long)TOTAL / 4,
	       "64 MiB freed and allocated 20 times, 50 ms apart: expected "
	       "fewer than %lu page faults, got %ld", TOTAL / 4, flt1 - flt0);
	expect_eq(kmm_buddy_check(), 0);

	run_never(argv[0]);
	return 0;
}
