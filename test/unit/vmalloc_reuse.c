/*
 * vmalloc_reuse - areas vfree keeps for reuse behave as new ones: an area
 * freed after being written is handed out again for the same size (the
 * cache works: same address natively), vzalloc and kzalloc of it read as
 * zero, a reused area still has its guard page right after its end, freed
 * areas are absent from vmallocinfo and is_vmalloc_addr while cached, and
 * malloc_trim's reclaim (kmm_mem_reclaim_all) unmaps them: MemUsed drops
 * back.
 */
#include "ut.h"


#define SIZE (6UL << 20)

static int listed(const void *p)
{
	char *text = ut_dump("vmallocinfo"), *line, *save = NULL;
	int n = 0;

	expect_nonnull(text);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long start;

		if (sscanf(line, "0x%lx-", &start) == 1 &&
		    start == (unsigned long)p)
			n++;
	}
	free(text);
	return n;
}

static void write_past(void *end)
{
	*(volatile unsigned char *)end = 1;
}

static void zero_check(const unsigned char *p, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i += 997)
		if (p[i])
			test_fail("%s: expected zero at offset %zu, got 0x%02x",
				  what, i, p[i]);
}

int main(void)
{
	unsigned char *p, *q;
	char *err;
	int st;

	test_init();
	p = vmalloc(SIZE);
	expect_nonnull(p);
	memset(p, 0xa5, SIZE);
	expect_eq(listed(p), 1);
	vfree(p);
	expect(!is_vmalloc_addr(p), "a freed area: expected it unknown to "
	       "is_vmalloc_addr");
	expect_eq(listed(p), 0);

	/* Zeroed requests read zero even when the area is reused. */
	q = vzalloc(SIZE);
	expect_nonnull(q);
	if (ut_native())
		expect(q == p, "vzalloc of the size just freed: expected the "
		       "kept area %p, got %p", (void *)p, (void *)q);
	zero_check(q, SIZE, "vzalloc of a reused area");
	memset(q, 0x5a, SIZE);
	vfree(q);
	q = kzalloc(SIZE, GFP_KERNEL);
	expect_nonnull(q);
	zero_check(q, SIZE, "kzalloc of a reused area");
	expect_eq(ksize(q), SIZE);
	memset(q, 0x3c, SIZE);
	kfree(q);

	/* A reused area keeps its guard page right after its end. */
	q = vmalloc(SIZE - PAGE_SIZE);
	expect_nonnull(q);
	st = ut_run_child(write_past, q + SIZE - PAGE_SIZE, &err);
	free(err);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "a write one byte past a reused area: expected SIGSEGV, got "
	       "status 0x%x", st);
	vfree(q);

	/* The purge unmaps what is kept: nothing stays charged. */
	kmm_mem_reclaim_all(0);
	q = vmalloc(SIZE);
	expect_nonnull(q);
	vfree(q);
	if (ut_native()) {
		size_t before = atomic_load(&kmm.mem_used);

		expect(kmm_mem_reclaim_all(0) >= SIZE, "kmm_mem_reclaim_all: "
		       "expected the kept %lu bytes unmapped", SIZE);
		expect(atomic_load(&kmm.mem_used) + SIZE <= before,
		       "after the purge: expected %lu bytes less charged, got "
		       "%zu then %zu", SIZE, before,
		       (size_t)atomic_load(&kmm.mem_used));
	}
	return 0;
}
