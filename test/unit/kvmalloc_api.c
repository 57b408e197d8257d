/*
 * kvmalloc_api - the kernel's mm/util.c helpers with kernel semantics:
 * kvmalloc gives a slab object or page run when kmalloc can, a vmalloc
 * area above the threshold, ZERO_SIZE_PTR for 0, and refuses sizes past
 * INT_MAX and failures without a fallback (GFP_NOWAIT, GFP_DMA32) with
 * one line unless __GFP_NOWARN; kvzalloc and kvcalloc zero;
 * kvmalloc_array, kvcalloc and krealloc_array return NULL on overflow
 * (krealloc_array leaving the block alone); kvrealloc keeps contents
 * from a slab object up to a vmalloc area and back; kvfree frees all
 * three kinds; kstrdup, kstrndup, kmemdup, kmemdup_nul copy (NULL in,
 * NULL out); kstrdup_const returns a string literal as it is and copies
 * one on the stack or heap, and kfree_const frees only what was copied;
 * the _node calls take NUMA_NO_NODE and any node; KMEM_CACHE names a
 * cache after its struct with its size and alignment;
 * kmem_cache_zalloc zeroes; GFP_NOFS and GFP_NOIO allocate as
 * GFP_KERNEL; __GFP_NOFAIL aborts with a message where a failure would
 * return NULL (under KMM_MEMORY_LIMIT=64M, in a child).
 */
#include "ut.h"

#include <limits.h>

static const char literal[] = "a string in .rodata";

static void expect_kind(const void *p, const char *what, int vm)
{
	int is_vm = is_vmalloc_addr(p);

	expect(is_vm == vm && (vm || virt_to_page(p) != NULL),
	       "%s: expected %s, got %s", what,
	       vm ? "a vmalloc area" : "a slab object or page run",
	       is_vm ? "a vmalloc area" : "no vmalloc area");
}

static void test_kvmalloc(void)
{
	unsigned char *p;
	size_t i, big = 8UL << 20;

	p = kvmalloc(100, GFP_KERNEL);
	expect_nonnull(p);
	expect_kind(p, "kvmalloc(100)", 0);
	memset(p, 1, 100);
	kvfree(p);

	p = kvmalloc(64 << 10, GFP_KERNEL);
	expect_nonnull(p);
	expect_kind(p, "kvmalloc(64 KiB)", 0);
	kvfree(p);

	p = kvmalloc(big, GFP_KERNEL);
	expect_nonnull(p);
	expect_kind(p, "kvmalloc(8 MiB)", 1);
	p[0] = 1;
	p[big - 1] = 2;
	kvfree(p);

	expect_ptr_eq(kvmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	kvfree(ZERO_SIZE_PTR);
	kvfree(NULL);

	p = kvzalloc(big, GFP_KERNEL);
	expect_nonnull(p);
	expect_eq_i(ut_nonzero(p, big), -1);
	kvfree(p);
	p = kvzalloc(3000, GFP_KERNEL);
	expect_nonnull(p);
	expect_eq_i(ut_nonzero(p, 3000), -1);
	kvfree(p);

	p = kvcalloc(1000, 1000, GFP_KERNEL);
	expect_nonnull(p);
	expect_eq_i(ut_nonzero(p, 1000000), -1);
	kvfree(p);
	p = kvmalloc_array(3, 5, GFP_KERNEL);
	expect_nonnull(p);
	for (i = 0; i < 15; i++)
		p[i] = (unsigned char)i;
	kvfree(p);
	expect_ptr_eq(kvmalloc_array(SIZE_MAX / 2, 3, GFP_KERNEL), NULL);
	expect_ptr_eq(kvcalloc(SIZE_MAX / 2, 3, GFP_KERNEL), NULL);

	p = kvmalloc_node(5000, GFP_KERNEL, NUMA_NO_NODE);
	expect_nonnull(p);
	kvfree(p);
	p = kvzalloc_node(5000, GFP_KERNEL, 0);
	expect_nonnull(p);
	expect_eq_i(ut_nonzero(p, 5000), -1);
	kvfree_sensitive(p, 5000);
}

static void huge_int_max(void *arg)
{
	(void)arg;
	expect_ptr_eq(kvmalloc((size_t)INT_MAX + 1, GFP_KERNEL), NULL);
}

static void huge_quiet(void *arg)
{
	(void)arg;
	expect_ptr_eq(kvmalloc((size_t)INT_MAX + 1,
			       GFP_KERNEL | __GFP_NOWARN), NULL);
}

static void nowait_big(void *arg)
{
	(void)arg;
	/* kmalloc cannot map 8 MiB without waiting; vmalloc would wait. */
	expect_ptr_eq(kvmalloc(8UL << 20, GFP_NOWAIT), NULL);
}

static void test_kvmalloc_refusals(void)
{
	char *err;

	err = ut_capture_stderr(huge_int_max, NULL);
	expect(strstr(err, "kmm: kvmalloc: size above INT_MAX: 2147483648 "
			   "bytes\n") != NULL,
	       "kvmalloc(INT_MAX + 1): expected one line, got \"%s\"", err);
	free(err);
	err = ut_capture_stderr(huge_quiet, NULL);
	expect(err[0] == '\0', "kvmalloc(INT_MAX + 1, __GFP_NOWARN): "
	       "expected no output, got \"%s\"", err);
	free(err);
	err = ut_capture_stderr(nowait_big, NULL);
	expect(strstr(err, "kvmalloc: out of memory for 8388608 bytes") !=
	       NULL, "kvmalloc(8 MiB, GFP_NOWAIT): expected the kvmalloc "
	       "line, got \"%s\"", err);
	free(err);
}

static void test_kvrealloc(void)
{
	static const size_t sizes[] = { 24, 3000, 40000, 1 << 20, 6 << 20,
					12 << 20, 100000, 64 };
	unsigned char *p = NULL;
	size_t i, old = 0;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i], keep = old < n ? old : n;

		/* The sparse pattern is per page: check whole pages of it. */
		if (keep < old && keep >= PAGE_SIZE)
			keep &= ~(PAGE_SIZE - 1);

		p = kvrealloc(p, n, GFP_KERNEL);
		expect(p != NULL, "kvrealloc to %zu", n);
		expect(ut_check_sparse(p, keep, 7) == -1,
		       "kvrealloc %zu -> %zu: contents kept", old, n);
		expect_kind(p, "kvrealloc", n > (4UL << 20));
		ut_fill_sparse(p, n, 7);
		old = n;
	}
	p = kvrealloc(p, 0, GFP_KERNEL);
	expect_ptr_eq(p, ZERO_SIZE_PTR);

	/* krealloc_array: overflow leaves the block as it was. */
	p = krealloc_array(NULL, 10, 10, GFP_KERNEL);
	expect_nonnull(p);
	ut_fill(p, 100, 3);
	expect_ptr_eq(krealloc_array(p, SIZE_MAX / 4, 8, GFP_KERNEL), NULL);
	expect_eq_i(ut_check(p, 100, 3), -1);
	p = krealloc_array(p, 1000, 10, GFP_KERNEL);
	expect_nonnull(p);
	expect_eq_i(ut_check(p, 100, 3), -1);
	kfree(p);
}

static void test_strings(void)
{
	char stack_str[] = "on the stack";
	const char *c;
	char *s;
	unsigned char *m;

	s = kstrdup("hello", GFP_KERNEL);
	expect(s && !strcmp(s, "hello"), "kstrdup");
	expect_kind(s, "kstrdup", 0);
	kfree(s);
	expect_ptr_eq(kstrdup(NULL, GFP_KERNEL), NULL);

	s = kstrndup("hello", 3, GFP_KERNEL);
	expect(s && !strcmp(s, "hel"), "kstrndup(\"hello\", 3): got %s", s);
	kfree(s);
	s = kstrndup("hi", 10, GFP_KERNEL);
	expect(s && !strcmp(s, "hi"), "kstrndup(\"hi\", 10): got %s", s);
	kfree(s);
	expect_ptr_eq(kstrndup(NULL, 3, GFP_NOFS), NULL);

	m = kmemdup("a\0b\0c", 5, GFP_NOIO);
	expect(m && !memcmp(m, "a\0b\0c", 5), "kmemdup keeps NULs");
	kfree(m);
	expect_ptr_eq(kmemdup("x", 0, GFP_KERNEL), ZERO_SIZE_PTR);

	s = kmemdup_nul("abcdef", 4, GFP_KERNEL);
	expect(s && !strcmp(s, "abcd"), "kmemdup_nul(\"abcdef\", 4): got %s", s);
	kfree(s);
	expect_ptr_eq(kmemdup_nul(NULL, 4, GFP_KERNEL), NULL);

	/* A literal stays itself; a string on the stack is copied. */
	c = kstrdup_const(literal, GFP_KERNEL);
	expect_ptr_eq(c, literal);
	kfree_const(c);
	c = kstrdup_const("another literal", GFP_KERNEL);
	expect(!strcmp(c, "another literal") && !virt_to_page(c),
	       "kstrdup_const of a literal: expected the literal itself");
	kfree_const(c);
	c = kstrdup_const(stack_str, GFP_KERNEL);
	expect(c != stack_str && !strcmp(c, stack_str),
	       "kstrdup_const of a stack string: expected a copy");
	expect_kind(c, "kstrdup_const copy", 0);
	kfree_const(c);
	s = kstrdup(stack_str, GFP_KERNEL);
	c = kstrdup_const(s, GFP_KERNEL);
	expect(c != s && !strcmp(c, s),
	       "kstrdup_const of a heap string: expected a copy");
	kfree_const(c);
	kfree_const(s);
	kfree_const(NULL);
	expect_ptr_eq(kstrdup_const(NULL, GFP_KERNEL), NULL);
}

struct kapi_item {
	char c;
	long double ld;
	int i;
};

static void test_node_and_caches(void)
{
	struct kmem_cache *s = KMEM_CACHE(kapi_item, 0);
	struct kapi_item *o;
	struct page *pg;
	void *p;
	char *info;

	expect_nonnull(s);
	expect_eq(kmem_cache_size(s), sizeof(struct kapi_item));
	info = ut_dump("slabinfo");
	expect(strstr(info, "\nkapi_item ") != NULL,
	       "KMEM_CACHE(kapi_item): expected a cache named kapi_item");
	free(info);
	o = kmem_cache_alloc_node(s, GFP_KERNEL, NUMA_NO_NODE);
	expect_nonnull(o);
	expect_eq((uintptr_t)o % __alignof__(struct kapi_item), 0);
	memset(o, 0x5a, sizeof(*o));
	kmem_cache_free(s, o);
	o = kmem_cache_zalloc(s, GFP_KERNEL);
	expect_nonnull(o);
	expect_eq_i(ut_nonzero(o, sizeof(*o)), -1);
	kmem_cache_free(s, o);
	kmem_cache_destroy(s);

	p = kmalloc_node(100, GFP_KERNEL, NUMA_NO_NODE);
	expect_nonnull(p);
	kfree(p);
	p = kzalloc_node(100, GFP_ATOMIC, 0);
	expect_nonnull(p);
	expect_eq_i(ut_nonzero(p, 100), -1);
	kfree(p);
	p = kcalloc_node(10, 10, GFP_KERNEL, 3);
	expect_nonnull(p);
	expect_eq_i(ut_nonzero(p, 100), -1);
	kfree(p);
	expect_ptr_eq(kmalloc_array_node(SIZE_MAX, 2, GFP_KERNEL, 0), NULL);
	p = kmalloc_array_node(4, 4, GFP_NOFS, NUMA_NO_NODE);
	expect_nonnull(p);
	kfree(p);
	pg = alloc_pages_node(NUMA_NO_NODE, GFP_NOIO | __GFP_ZERO, 2);
	expect_nonnull(pg);
	expect_eq_i(ut_nonzero(page_address(pg), 4 * PAGE_SIZE), -1);
	__free_pages(pg, 2);
}

/*
 * Under KMM_MEMORY_LIMIT=64M: each child below ends in an allocation
 * that cannot be had.  What it got before stays reachable here, so that
 * memcheck's leak check at the abort has nothing to say (volatile:
 * stores to a static that is never read could be dropped).
 */
static void *volatile nofail_keep[64];

static void nofail_kmalloc(void *arg)
{
	(void)arg;
	nofail_keep[0] = kmalloc(3UL << 20 | 1, GFP_KERNEL | __GFP_NOFAIL);
	nofail_keep[1] = kmalloc(100UL << 20, GFP_KERNEL | __GFP_NOFAIL);
}

static void nofail_kvmalloc(void *arg)
{
	(void)arg;
	nofail_keep[0] = kvmalloc(100UL << 20, GFP_KERNEL | __GFP_NOFAIL);
}

static void nofail_pages(void *arg)
{
	int i;

	(void)arg;
	/* The block's address, which memcheck looks for, not its page. */
	for (i = 0; i < 64; i++)
		nofail_keep[i] = page_address(alloc_pages(GFP_KERNEL |
							  __GFP_NOFAIL,
							  MAX_PAGE_ORDER));
}

static void expect_nofail(void (*fn)(void *), const char *what,
			  const char *want)
{
	char *err;
	int status = ut_run_child(fn, NULL, &err);

	expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	       "%s with __GFP_NOFAIL past the limit: expected SIGABRT, got "
	       "status %#x", what, status);
	expect(strstr(err, want) != NULL, "%s: expected \"%s\", got \"%s\"",
	       what, want, err);
	free(err);
}

static void test_nofail(void)
{
	expect_nofail(nofail_kmalloc, "kmalloc",
		      "kmm: kmalloc: __GFP_NOFAIL allocation of ");
	expect_nofail(nofail_kvmalloc, "kvmalloc",
		      "kmm: kvmalloc: __GFP_NOFAIL: out of memory for "
		      "104857600 bytes");
	expect_nofail(nofail_pages, "alloc_pages",
		      "kmm: alloc_pages: __GFP_NOFAIL allocation of 4194304 "
		      "bytes failed");
}

int main(int argc, char **argv)
{
	static const char *const env[] = { "KMM_MEMORY_LIMIT=64M", NULL };

	(void)argc;
	ut_reexec_with_env(argv, env);
	test_init();
	test_kvmalloc();
	test_kvmalloc_refusals();
	test_kvrealloc();
	test_strings();
	test_node_and_caches();
	test_nofail();
	printf("kvmalloc_api: kernel semantics hold\n");
	return 0;
}
