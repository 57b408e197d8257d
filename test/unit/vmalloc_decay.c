/*
 * vmalloc_decay - freed vmalloc areas are kept by size and by time
 * (KMM_DECAY_MS=200): an area grown from a smaller one freed keeps its
 * resident pages (12 MiB written after 8 MiB were freed fault in about
 * 4 MiB, not 12), one cut from a larger one keeps what is left for the
 * next request (a 4 MiB and then a 7 MiB block from a freed 12 MiB fault
 * in almost nothing), and each keeps a guard page at its end (a grown
 * one too); kept areas are unmapped at a slow path 400 ms after one that
 * saw them kept (the bytes the reclaimers hold drop, RSS drops), and at
 * once by malloc_trim's work (kmm_mem_reclaim_all).
 */
#include "ut.h"

#include <fcntl.h>
#include <sys/resource.h>

#define MIB (1UL << 20)

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

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

static void write_past(void *end)
{
	*(volatile unsigned char *)end = 1;
}

/* Writes every page of a new area of size bytes; returns its faults. */
static long take(void **p, size_t size)
{
	long f0 = minor_faults();

	*p = vmalloc(size);
	expect_nonnull(*p);
	memset(*p, 0x6b, size);
	return minor_faults() - f0;
}

static void guarded(void *p, size_t size)
{
	char *err;
	int st;

	st = ut_run_child(write_past, (char *)p + size, &err);
	free(err);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "a write one byte past a %zu-byte area: expected SIGSEGV, "
	       "got status 0x%x", size, st);
}

/* Two areas freed, kept: 11 MiB. */
static void keep_two(void)
{
	void *a, *b;

	take(&a, 4 * MIB);
	take(&b, 7 * MIB);
	vfree(a);
	vfree(b);
}

int main(int argc, char **argv)
{
	static const char *const env[] = { "KMM_DECAY_MS=200", NULL };
	size_t held0, held1;
	void *a, *b;
	long f, rss0, rss1;

	(void)argc;
	ut_reexec_with_env(argv, env);
	test_init();
	/* Memcheck's layout unmaps every freed area (a quarantine). */
	if (!ut_native())
		return 0;

	take(&a, 8 * MIB);
	vfree(a);
	f = take(&a, 12 * MIB);
	expect(f < (long)(6 * MIB / PAGE_SIZE),
	       "12 MiB after 8 MiB freed: expected fewer than %lu faults "
	       "(the 8 MiB resident), got %ld", 6 * MIB / PAGE_SIZE, f);
	vfree(a);
	f = take(&a, 4 * MIB);
	expect(f < (long)(MIB / PAGE_SIZE),
	       "4 MiB cut from a freed 12 MiB: expected fewer than %lu "
	       "faults, got %ld", MIB / PAGE_SIZE, f);
	f = take(&b, 7 * MIB);
	expect(f < (long)(MIB / PAGE_SIZE),
	       "7 MiB from what was left of 12 MiB: expected fewer than %lu "
	       "faults, got %ld", MIB / PAGE_SIZE, f);
	/* After the counts: a fork makes the next writes fault. */
	guarded(a, 4 * MIB);
	guarded(b, 7 * MIB);
	vfree(a);
	vfree(b);
	take(&a, 6 * MIB);
	vfree(a);
	take(&a, 9 * MIB);
	guarded(a, 9 * MIB);
	vfree(a);

	/* Released by the decay, at a slow path 400 ms later. */
	kmm_mem_reclaim_all(0);
	keep_two();
	held0 = kmm_mem_cached();
	rss0 = rss_pages();
	expect(held0 >= 11 * MIB, "two areas freed: expected at least %lu "
	       "bytes kept, got %zu", 11 * MIB, held0);
	/*
	 * A slow path in a new period of 50 ms sees them kept, one 400 ms
	 * later unmaps them.
	 */
	usleep(60 * 1000);
	free_pages(__get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER),
		   MAX_PAGE_ORDER);
	usleep(400 * 1000);
	free_pages(__get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER),
		   MAX_PAGE_ORDER);
	held1 = kmm_mem_cached();
	rss1 = rss_pages();
	expect(held1 + 11 * MIB <= held0, "400 ms after the free: expected "
	       "11 MiB less kept than %zu, got %zu", held0, held1);
	expect(rss0 - rss1 >= (long)(8 * MIB / PAGE_SIZE),
	       "400 ms after the free: expected RSS to drop by at least "
	       "%lu pages, got %ld", 8 * MIB / PAGE_SIZE, rss0 - rss1);

	/* Released at once by malloc_trim's work. */
	keep_two();
	held0 = kmm_mem_cached();
	kmm_mem_reclaim_all(0);
	held1 = kmm_mem_cached();
	expect(held1 + 11 * MIB <= held0, "reclaimed: expected 11 MiB less "
	       "kept than %zu, got %zu", held0, held1);
	return 0;
}
