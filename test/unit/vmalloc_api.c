/*
 * vmalloc_api - vmalloc areas are mappings of their own with a guard page:
 * vmalloc, vzalloc and vmalloc_huge return page-aligned, usable,
 * zeroed-where-asked memory that is_vmalloc_addr() recognizes over exactly
 * its pages and that no zone holds; a write one byte past the rounded end
 * kills the process with SIGSEGV; vrealloc keeps contents growing and
 * shrinking, allocates from NULL and frees at size 0; vfree removes the area
 * (from is_vmalloc_addr and vmallocinfo), ignores NULL and aborts on a
 * pointer that starts no area or was freed already; vmallocinfo has one line
 * per area, in the /proc format, hundreds of areas at once included. Edges
 * from vmalloc(3): size 0 gives NULL; vmalloc_huge areas of 2 MiB or more
 * are 2 MiB aligned; vmalloc_to_page is NULL; kfree and ksize accept areas;
 * vrealloc of a pointer inside an area, or to an impossible size, returns
 * NULL and keeps the area; the guard page follows the end after vrealloc
 * grows or shrinks an area.
 */
#include "ut.h"

#include <signal.h>
#include <sys/wait.h>

#define ROUND(s) (((s) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* Lines of vmallocinfo that start at p (-1: count every line). */
static int info_lines(const void *p, unsigned long *size)
{
	char *text = ut_dump("vmallocinfo"), *line, *save = NULL;
	int n = 0;

	expect_nonnull(text);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long start, end, sz;

		expect(sscanf(line, "0x%lx-0x%lx %lu", &start, &end, &sz) == 3,
		       "vmallocinfo: expected \"0x<start>-0x<end> <size> ...\", "
		       "got \"%s\"", line);
		if (p == (const void *)-1 || start == (unsigned long)p) {
			n++;
			if (size)
				*size = sz;
		}
	}
	free(text);
	return n;
}

static void check_area(unsigned char *p, size_t size, const char *what)
{
	size_t r = ROUND(size);
	unsigned long sz = 0;

	expect(p != NULL, "%s(%zu): expected an area, got NULL", what, size);
	expect((uintptr_t)p % PAGE_SIZE == 0, "%s(%zu) = %p: expected page "
	       "alignment", what, size, (void *)p);
	expect(is_vmalloc_addr(p) && is_vmalloc_addr(p + size - 1) &&
		       is_vmalloc_addr(p + r - 1),
	       "%s(%zu) = %p: expected is_vmalloc_addr over its %zu bytes",
	       what, size, (void *)p, r);
	expect(!is_vmalloc_addr(p + r), "%s(%zu) = %p: expected the guard "
	       "page at %p outside the area", what, size, (void *)p,
	       (void *)(p + r));
	expect(!is_vmalloc_addr(p - 1), "%s: the byte before the area",
	       what);
	expect_null(virt_to_page(p));
	expect(info_lines(p, &sz) == 1, "vmallocinfo: expected one line for "
	       "%s(%zu) at %p", what, size, (void *)p);
	expect(sz >= r, "vmallocinfo: %s(%zu) at %p: expected at least %zu "
	       "bytes, got %lu", what, size, (void *)p, r, sz);
	p[0] = 1;
	p[size - 1] = 2;
}

static void test_basic(void)
{
	static const size_t sizes[] = {
		1, 100, PAGE_SIZE, PAGE_SIZE + 1, 10000, 1 << 20,
		(4 << 20) + 1, 33 << 20,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t s = sizes[i];
		unsigned char *p = vmalloc(s), *z;

		check_area(p, s, "vmalloc");
		memset(p, 0xee, s);
		z = vzalloc(s);
		check_area(z, s, "vzalloc");
		z[0] = z[s - 1] = 0;	/* check_area wrote them */
		expect_eq_i(ut_nonzero(z, s), -1);
		vfree(p);
		expect(!is_vmalloc_addr(p), "after vfree(%p): expected no area",
		       (void *)p);
		expect_eq(info_lines(p, NULL), 0);
		/* The area freed may come back: zeroed all the same. */
		p = vzalloc(s);
		check_area(p, s, "vzalloc");
		p[0] = p[s - 1] = 0;
		expect_eq_i(ut_nonzero(p, s), -1);
		vfree(p);
		vfree(z);
	}
	vfree(NULL);

	/* vmalloc_huge: usable, recognized, listed. */
	{
		unsigned char *h = vmalloc_huge(8 << 20, GFP_KERNEL);

		check_area(h, 8 << 20, "vmalloc_huge");
		memset(h, 0x42, 8 << 20);
		expect_eq(h[(8 << 20) - 1], 0x42);
		vfree(h);
		h = vmalloc_huge(3 << 20, GFP_KERNEL | __GFP_ZERO);
		check_area(h, 3 << 20, "vmalloc_huge");
		h[0] = h[(3 << 20) - 1] = 0;
		expect_eq_i(ut_nonzero(h, 3 << 20), -1);
		vfree(h);
	}
}

static void test_not_vmalloc(void)
{
	int on_stack;
	void *k = kmalloc(100, GFP_KERNEL);
	void *big = kmalloc(1 << 20, GFP_KERNEL);
	unsigned long pg = __get_free_page(GFP_KERNEL);
	void *m = malloc(1 << 20);

	expect(!is_vmalloc_addr(NULL), "is_vmalloc_addr(NULL)");
	expect(!is_vmalloc_addr(&on_stack), "is_vmalloc_addr(stack)");
	expect(!is_vmalloc_addr(k), "is_vmalloc_addr(kmalloc(100))");
	expect(!is_vmalloc_addr(big), "is_vmalloc_addr(kmalloc(1 MiB))");
	expect(!is_vmalloc_addr((void *)pg), "is_vmalloc_addr(a page)");
	expect(!is_vmalloc_addr(m), "is_vmalloc_addr(malloc(1 MiB))");
	expect_null(vmalloc_to_page(&on_stack));
	expect_null(vmalloc_to_page(m));
	kfree(k);
	kfree(big);
	free_page(pg);
	free(m);
}

static void test_vrealloc(void)
{
	unsigned char *p, *q;
	size_t i;
	long bad;

	p = vrealloc(NULL, 1 << 20, GFP_KERNEL);
	check_area(p, 1 << 20, "vrealloc(NULL)");
	ut_fill(p, 1 << 20, 77);
	q = vrealloc(p, 16 << 20, GFP_KERNEL);
	expect_nonnull(q);
	bad = ut_check(q, 1 << 20, 77);
	expect(bad < 0, "vrealloc 1 MiB -> 16 MiB: expected contents kept, got "
	       "a change at offset %ld", bad);
	check_area(q, 16 << 20, "vrealloc grown");
	ut_fill(q, 1 << 20, 78);
	for (i = 1 << 20; i < (16 << 20) - 1; i += 4096)
		q[i] = (unsigned char)(i >> 12);
	p = vrealloc(q, 100 * 1024, GFP_KERNEL);
	expect_nonnull(p);
	bad = ut_check(p, 100 * 1024, 78);
	expect(bad < 0, "vrealloc 16 MiB -> 100 KiB: expected contents kept, "
	       "got a change at offset %ld", bad);
	check_area(p, 100 * 1024, "vrealloc shrunk");
	expect_null(vrealloc(p, 0, GFP_KERNEL));
	expect(!is_vmalloc_addr(p), "vrealloc(p, 0): expected p freed");
	expect_eq(info_lines(p, NULL), 0);
}

/* Runs fn in a child (ut_run_child), its stderr dropped; the wait status. */
static int in_child(void (*fn)(void *), void *arg)
{
	char *err;
	int status = ut_run_child(fn, arg, &err);

	free(err);
	return status;
}

static void write_past(void *arg)
{
	volatile unsigned char *end = arg;

	*end = 1;
}

/*
 * Each size twice, then sizes in between: an area freed may be kept and
 * handed out again, and must have its guard page where its new end is.
 */
static void test_guard(void)
{
	static const size_t sizes[] = {
		1, 10000, (1 << 20) + 1, 5 << 20,
		1, 10000, (1 << 20) + 1, 5 << 20,
		3 * PAGE_SIZE, 2 << 20, 8000, (5 << 20) - PAGE_SIZE,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *p = vmalloc(sizes[i]);
		int st;

		check_area(p, sizes[i], "vmalloc");
		st = in_child(write_past, p + ROUND(sizes[i]));
		expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
		       "write one byte past vmalloc(%zu) = %p (at %p): expected "
		       "death by SIGSEGV, got %s %d", sizes[i], (void *)p,
		       (void *)(p + ROUND(sizes[i])),
		       WIFSIGNALED(st) ? "signal" : "exit status",
		       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		vfree(p);
	}
}

static void bad_vfree(void *arg)
{
	vfree(arg);
}

/* An area freed twice, or freed by vfree and then by kfree. */
static void vfree_twice(void *arg)
{
	unsigned char *p = vmalloc(5 * PAGE_SIZE);

	p[0] = 1;
	vfree(p);
	if (arg)
		kfree(p);
	else
		vfree(p);
}

static void test_bad_vfree(void)
{
	unsigned char *p = vmalloc(3 * PAGE_SIZE);
	void *k = kmalloc(64, GFP_KERNEL);
	int on_stack, st;

	if (!ut_native()) {
		/* Memcheck reports these; kmm then leaves the pointer. */
		vfree(p);
		kfree(k);
		return;
	}
	check_area(p, 3 * PAGE_SIZE, "vmalloc");
	st = in_child(bad_vfree, p + PAGE_SIZE);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	       "vfree of the middle of an area: expected abort, got status %#x",
	       st);
	st = in_child(bad_vfree, &on_stack);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	       "vfree of a stack address: expected abort, got status %#x", st);
	st = in_child(bad_vfree, k);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	       "vfree of a kmalloc'd block: expected abort, got status %#x",
	       st);
	st = in_child(vfree_twice, NULL);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	       "vfree of an area already freed: expected abort, got status "
	       "%#x", st);
	st = in_child(vfree_twice, (void *)1);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	       "kfree of an area already freed by vfree: expected abort, got "
	       "status %#x", st);
	/* The parent's area is untouched by the children. */
	expect(is_vmalloc_addr(p), "area still there");
	vfree(p);
	kfree(k);
}

/*
 * is_vmalloc_addr() over every byte class of each area (first, inside,
 * last, the guard after it) while areas come and go: the registry grows
 * twice, and each free leaves the others recognized.
 */
static void check_live(unsigned char *const *v, const size_t *sz, int from,
		       int n)
{
	int i;

	for (i = from; i < n; i++) {
		size_t r = ROUND(sz[i]);

		expect(is_vmalloc_addr(v[i]) && is_vmalloc_addr(v[i] + r / 2) &&
			       is_vmalloc_addr(v[i] + r - 1),
		       "area %d at %p (%zu bytes): expected is_vmalloc_addr "
		       "over its pages", i, (void *)v[i], r);
		expect(!is_vmalloc_addr(v[i] + r),
		       "area %d at %p: expected its guard page at %p outside",
		       i, (void *)v[i], (void *)(v[i] + r));
	}
}

static void test_many(void)
{
	enum { N = 300 };
	static unsigned char *v[N];
	static size_t sz[N];
	struct ut_rng rng;
	int i, before = info_lines((void *)-1, NULL);

	ut_rng_init(&rng, 9);
	for (i = 0; i < N; i++) {
		sz[i] = 1 + (size_t)ut_below(&rng, 64 * 1024);
		v[i] = vmalloc(sz[i]);
		expect_nonnull(v[i]);
		*(int *)v[i] = i;
	}
	expect_eq_i(info_lines((void *)-1, NULL), before + N);
	check_live(v, sz, 0, N);
	/* Free in a shuffled order. */
	for (i = N - 1; i > 0; i--) {
		int j = (int)ut_below(&rng, (uint64_t)i + 1);
		unsigned char *t = v[i];
		size_t s = sz[i];

		v[i] = v[j];
		v[j] = t;
		sz[i] = sz[j];
		sz[j] = s;
	}
	for (i = 0; i < N; i++) {
		expect(is_vmalloc_addr(v[i]), "area %d at %p", i, (void *)v[i]);
		vfree(v[i]);
		expect(!is_vmalloc_addr(v[i]) &&
			       !is_vmalloc_addr(v[i] + ROUND(sz[i]) - 1),
		       "area %d at %p: expected not is_vmalloc_addr once "
		       "freed", i, (void *)v[i]);
		if (i % 50 == 0) {
			expect_eq_i(info_lines((void *)-1, NULL),
				    before + N - i - 1);
			check_live(v, sz, i + 1, N);
		}
	}
	expect_eq_i(info_lines((void *)-1, NULL), before);
}

/* Documented edges of vmalloc(3). */
static void test_edges(void)
{
	unsigned char *p, *h;
	int st;

	expect_null(vmalloc(0));
	expect_null(vzalloc(0));
	expect_null(vmalloc(SIZE_MAX));

	/* vmalloc_huge: 2 MiB or more is aligned to 2 MiB. */
	h = vmalloc_huge(6 << 20, GFP_KERNEL);
	check_area(h, 6 << 20, "vmalloc_huge");
	expect((uintptr_t)h % (2 << 20) == 0, "vmalloc_huge(6 MiB) = %p: "
	       "expected 2 MiB alignment", (void *)h);
	/* vmalloc_to_page: no struct page behind an area. */
	expect_null(vmalloc_to_page(h));
	expect_null(vmalloc_to_page(h + (3 << 20)));
	vfree(h);

	/* kfree and ksize accept areas. */
	p = vmalloc(10000);
	check_area(p, 10000, "vmalloc");
	expect_ge(ksize(p), 10000);
	kfree(p);
	/* Under memcheck the area waits in the quarantine first. */
	expect(!ut_native() || !is_vmalloc_addr(p),
	       "kfree of an area: expected it unmapped");

	/* vrealloc of a pointer that starts no area: NULL, area kept. */
	p = vmalloc(5 * PAGE_SIZE);
	check_area(p, 5 * PAGE_SIZE, "vmalloc");
	ut_fill(p, 5 * PAGE_SIZE, 5);
	expect_null(vrealloc(p + PAGE_SIZE, 100, GFP_KERNEL));
	/* Too large to be had: NULL, area kept as it was. */
	expect_null(vrealloc(p, SIZE_MAX / 2, GFP_KERNEL));
	expect_eq_i(ut_check(p, 5 * PAGE_SIZE, 5), -1);
	expect(is_vmalloc_addr(p), "area kept after failed vreallocs");

	/* The guard page follows the area after vrealloc, both ways. */
	p = vrealloc(p, 40 * PAGE_SIZE, GFP_KERNEL);
	check_area(p, 40 * PAGE_SIZE, "vrealloc grown");
	st = in_child(write_past, p + 40 * PAGE_SIZE);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "write past a grown area: expected SIGSEGV, got status %#x", st);
	p = vrealloc(p, 3 * PAGE_SIZE + 1, GFP_KERNEL);
	check_area(p, 3 * PAGE_SIZE + 1, "vrealloc shrunk");
	st = in_child(write_past, p + 4 * PAGE_SIZE);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "write past a shrunk area: expected SIGSEGV, got status %#x",
	       st);
	vfree(p);
}

int main(void)
{
	test_init();
	test_basic();
	test_edges();
	test_not_vmalloc();
	test_vrealloc();
	test_guard();
	test_bad_vfree();
	test_many();
	return 0;
}
