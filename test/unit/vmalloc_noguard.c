/*
 * vmalloc_noguard - a vmalloc area's guard page costs no mapping where
 * the kernel has guard regions (MADV_GUARD_INSTALL), and PROT_NONE guard
 * pages are bounded where it has not:
 *  - with guard regions (when this kernel has them), a write one byte past
 *    an area kills with SIGSEGV, no PROT_NONE mapping is made (none
 *    counted, none in /proc/self/maps at the area's end), and after
 *    vrealloc grows and shrinks it the guard is at the new end and the old
 *    guard page is ordinary memory;
 *  - without them and a budget of 4 guard mappings, the first 4 areas get
 *    a PROT_NONE page (counted, in /proc/self/maps, a write past the end
 *    faults); the next ones get none and are counted nowhere; vrealloc of
 *    a guarded area keeps a guard at its new end; freeing the areas (the
 *    kept ones unmapped by a trim) gives the budget back.
 */
#include "ut.h"

#include <signal.h>
#include <sys/wait.h>

#define AREA (5UL << 20)
#define NAREAS 8
#define BUDGET 4

static void write_at(void *arg)
{
	*(volatile unsigned char *)arg = 1;
}

/* Does a write at p kill a child with SIGSEGV? */
static int faults(void *p)
{
	char *err;
	int st = ut_run_child(write_at, p, &err);

	free(err);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

/* Is there a mapping of /proc/self/maps from p on, with protection prot? */
static int mapping_at(const void *p, const char *prot)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perm[8];
	unsigned long start, end;
	int found = 0;

	expect_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perm) == 3 &&
		    start == (unsigned long)p && !strncmp(perm, prot, 4))
			found = 1;
	fclose(f);
	return found;
}

/* Areas kept for reuse are unmapped: malloc_trim's work. */
static void trim(void)
{
	kmm_mem_reclaim_all(0);
}

static void test_markers(void)
{
	unsigned char *p, *q;

	p = vmalloc(AREA);
	expect_nonnull(p);
	if (mapping_at(p + AREA, "---p")) {
		/* The kernel has no guard regions: a PROT_NONE page. */
		printf("no guard regions on this kernel: PROT_NONE pages\n");
		vfree(p);
		trim();
		return;
	}
	expect_eq(kmm_vmalloc_guard_vmas(), 0);
	expect(faults(p + AREA), "write past a 5 MiB area with a guard "
	       "region: expected SIGSEGV, got none");
	memset(p, 0x5a, AREA);
	q = vrealloc(p, 2 * AREA, GFP_KERNEL);
	expect_nonnull(q);
	expect(!mapping_at(q + 2 * AREA, "---p"),
	       "grown area: expected no PROT_NONE mapping at its end");
	expect(faults(q + 2 * AREA), "write past a grown area: expected "
	       "SIGSEGV, got none");
	/* The old guard page is an ordinary page of the area now. */
	q[AREA] = 7;
	expect_eq(q[AREA], 7);
	expect_eq(q[AREA - 1], 0x5a);
	p = vrealloc(q, AREA / 2, GFP_KERNEL);
	expect_nonnull(p);
	expect(faults(p + AREA / 2), "write past a shrunk area: expected "
	       "SIGSEGV, got none");
	expect_eq(kmm_vmalloc_guard_vmas(), 0);
	vfree(p);
	trim();
	printf("guard regions: no guard mapping made\n");
}

static void test_budget(void)
{
	unsigned char *a[NAREAS], *q;
	size_t vmas0 = kmm_vmalloc_guard_vmas();
	int i;

	kmm_vmalloc_set_guards(false, vmas0 + BUDGET);
	for (i = 0; i < NAREAS; i++) {
		a[i] = vmalloc(AREA);
		expect_nonnull(a[i]);
		a[i][AREA - 1] = (unsigned char)i;
	}
	expect_eq(kmm_vmalloc_guard_vmas(), vmas0 + BUDGET);
	for (i = 0; i < NAREAS; i++) {
		int guarded = mapping_at(a[i] + AREA, "---p");

		expect(guarded == (i < BUDGET), "area %d of %d with a budget of "
		       "%d guard mappings: expected %s PROT_NONE page at its "
		       "end, got %s", i, NAREAS, BUDGET,
		       i < BUDGET ? "a" : "no", guarded ? "one" : "none");
		if (i < BUDGET)
			expect(faults(a[i] + AREA), "write past guarded area "
			       "%d: expected SIGSEGV, got none", i);
	}
	/* A guarded area that grows keeps a guard, at its new end. */
	q = vrealloc(a[0], 2 * AREA, GFP_KERNEL);
	expect_nonnull(q);
	expect_eq(q[AREA - 1], 0);
	expect(mapping_at(q + 2 * AREA, "---p") && faults(q + 2 * AREA),
	       "grown guarded area: expected a guard page at its new end");
	a[0] = q;
	expect_eq(kmm_vmalloc_guard_vmas(), vmas0 + BUDGET);
	for (i = 0; i < NAREAS; i++)
		vfree(a[i]);
	trim();
	expect_eq(kmm_vmalloc_guard_vmas(), vmas0);
	printf("budget of %d guard mappings: %d areas guarded of %d\n",
	       BUDGET, BUDGET, NAREAS);
}

int main(void)
{
	test_init();
	if (!ut_native())
		test_skip("memcheck's layout unmaps areas at once and its "
			  "children report the fault");
	test_markers();
	test_budget();
	return 0;
}
