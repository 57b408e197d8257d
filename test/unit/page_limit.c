/*
 * page_limit - KMM_MEMORY_LIMIT caps what the page allocator and
 * vmalloc hand out together: with KMM_MEMORY_LIMIT=64M, max-order blocks
 * run out after at most 64 MiB (and not much earlier), then single pages
 * run out too, kmalloc, vmalloc and object caches return NULL, nothing
 * crashes; freeing a block lets an allocation of that size succeed
 * again, and freeing everything lets the same amount be allocated again.
 */
#include "ut.h"

#define LIMIT (64UL << 20)
#define LIMIT_PAGES (LIMIT / PAGE_SIZE)
/* Pages kmm may keep for itself (per-thread state, cached page lists). */
#define SLACK_PAGES 1024

static unsigned long big[64];
static unsigned long small[LIMIT_PAGES];
static void *objs[20000], *ks[20000];

/*
 * At the limit, object caches and small kmalloc run dry without a crash
 * (what their slabs had left is handed out, then NULL), saying so on
 * stderr as kmem_cache_create(3) and kmalloc(3) state, silent with
 * __GFP_NOWARN; with one block
 * freed a bulk allocation larger than it gets nothing and keeps nothing,
 * single allocations work again, and once the caches are shrunk the block can be
 * had whole again.  The heap is full when this is called.
 */
static struct kmem_cache *warn_cache;
static void *warn_results[3];

static void fail_loudly(void *arg)
{
	(void)arg;
	warn_results[0] = kmem_cache_alloc(warn_cache, GFP_KERNEL);
	warn_results[1] = kmalloc(700, GFP_KERNEL);
	warn_results[2] = alloc_pages(GFP_KERNEL, 3);
}

static void fail_quietly(void *arg)
{
	(void)arg;
	warn_results[0] = kmem_cache_alloc(warn_cache,
					   GFP_KERNEL | __GFP_NOWARN);
	warn_results[1] = kmalloc(700, GFP_KERNEL | __GFP_NOWARN);
	warn_results[2] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 3);
}

static void test_caches_at_limit(size_t *nbig)
{
	struct kmem_cache *cache;
	size_t i, nobj, nk;
	char *out;
	void *k;

	cache = kmem_cache_create("ut_limit", 512, 0, 0, NULL);
	expect_nonnull(cache);
	for (nobj = 0; nobj < ARRAY_SIZE(objs); nobj++) {
		objs[nobj] = kmem_cache_alloc(cache, GFP_KERNEL | __GFP_NOWARN);
		if (!objs[nobj])
			break;
	}
	expect(nobj < ARRAY_SIZE(objs), "at the limit: expected "
	       "kmem_cache_alloc to fail within %zu objects",
	       ARRAY_SIZE(objs));
	for (nk = 0; nk < ARRAY_SIZE(ks); nk++) {
		ks[nk] = kmalloc(700, GFP_KERNEL | __GFP_NOWARN);
		if (!ks[nk])
			break;
	}
	expect(nk < ARRAY_SIZE(ks), "at the limit: expected kmalloc(700) to "
	       "fail within %zu blocks", ARRAY_SIZE(ks));

	/* Failures say so on stderr, unless __GFP_NOWARN. */
	warn_cache = cache;
	out = ut_capture_stderr(fail_loudly, NULL);
	expect(strstr(out, "kmm: kmem_cache_alloc: cache ut_limit: out of "
		      "memory") != NULL,
	       "kmem_cache_alloc at the limit: expected \"kmm: "
	       "kmem_cache_alloc: cache ut_limit: out of memory\", got \"%s\"",
	       out);
	expect(strstr(out, "kmm: kmalloc: out of memory for 700 bytes") != NULL,
	       "kmalloc(700) at the limit: expected \"kmm: kmalloc: out of "
	       "memory for 700 bytes\", got \"%s\"", out);
	expect(strstr(out, "kmm: page allocation failure: order:3, mode:0x1")
		       != NULL,
	       "alloc_pages(GFP_KERNEL, 3) at the limit: expected \"kmm: page "
	       "allocation failure: order:3, mode:0x1\", got \"%s\"", out);
	expect(warn_results[0] == NULL && warn_results[1] == NULL &&
		       warn_results[2] == NULL,
	       "at the limit: expected NULL from all three");
	free(out);
	out = ut_capture_stderr(fail_quietly, NULL);
	expect(out[0] == '\0', "failures with __GFP_NOWARN: expected nothing "
	       "on stderr, got \"%s\"", out);
	expect(warn_results[0] == NULL && warn_results[1] == NULL &&
		       warn_results[2] == NULL,
	       "at the limit: expected NULL from all three");
	free(out);
	/* Room again, 4 MiB: a bulk of 10 MiB is all or none. */
	free_pages(big[--*nbig], MAX_PAGE_ORDER);
	expect_eq_i(kmem_cache_alloc_bulk(cache, GFP_KERNEL | __GFP_NOWARN,
					  ARRAY_SIZE(objs), objs), 0);
	if (ut_native()) {
		struct ut_slabinfo si;

		expect_eq(ut_slabinfo("ut_limit", &si), 0);
		expect(si.active_objs == 0, "a bulk allocation that failed: "
		       "expected no object left allocated, got %lu",
		       si.active_objs);
	}
	/* Both work. */
	k = kmem_cache_alloc(cache, GFP_KERNEL);
	expect_nonnull(k);
	kmem_cache_free(cache, k);
	k = kmalloc(700, GFP_KERNEL);
	expect_nonnull(k);
	kfree(k);
	while (nobj)
		kmem_cache_free(cache, objs[--nobj]);
	while (nk)
		kfree(ks[--nk]);
	kmem_cache_destroy(cache);
	/* The kmalloc caches keep empty slabs: shrinking gives them back.
	 * (Memcheck mode's quarantine still holds the objects freed.) */
	for (i = 0; i < KMALLOC_NR_CACHES; i++)
		if (kmalloc_caches[i])
			kmm_cache_shrink(kmalloc_caches[i]);
	big[*nbig] = __get_free_pages(GFP_KERNEL | __GFP_NOWARN,
				      MAX_PAGE_ORDER);
	expect(big[*nbig] || !ut_native(), "after the caches were shrunk: "
	       "expected the max-order block freed for them back");
	if (big[*nbig])
		++*nbig;
}

int main(int argc, char **argv)
{
	static const char *const env[] = { "KMM_MEMORY_LIMIT=64M", NULL };
	size_t nbig = 0, nsmall = 0, i, again;
	void *v;

	ut_reexec_with_env(argv, env);
	test_init();
	/* This thread's own state, made now rather than at the limit. */
	(void)ut_free_pages();

	while (nbig < ARRAY_SIZE(big) &&
	       (big[nbig] = __get_free_pages(GFP_KERNEL | __GFP_NOWARN,
					     MAX_PAGE_ORDER)))
		nbig++;
	expect(nbig * MAX_ORDER_NR_PAGES <= LIMIT_PAGES,
		   "under a 64 MiB limit: expected at most %lu max-order "
		   "blocks, got %zu", LIMIT_PAGES / MAX_ORDER_NR_PAGES, nbig);
	expect(nbig * MAX_ORDER_NR_PAGES + SLACK_PAGES +
				   MAX_ORDER_NR_PAGES > LIMIT_PAGES,
		   "under a 64 MiB limit: expected about %lu max-order "
		   "blocks, got %zu", LIMIT_PAGES / MAX_ORDER_NR_PAGES, nbig);

	while (nsmall < ARRAY_SIZE(small) &&
	       (small[nsmall] = __get_free_page(GFP_KERNEL | __GFP_NOWARN)))
		nsmall++;
	expect_le(nbig * MAX_ORDER_NR_PAGES + nsmall, LIMIT_PAGES);
	expect(nbig * MAX_ORDER_NR_PAGES + nsmall + SLACK_PAGES >=
			   LIMIT_PAGES,
		   "expected about %lu pages under the limit, got %zu",
		   LIMIT_PAGES, nbig * MAX_ORDER_NR_PAGES + nsmall);

	/* Every route fails cleanly at the limit. */
	expect_null((void *)__get_free_page(GFP_KERNEL | __GFP_NOWARN));
	expect_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 4));
	expect_null(alloc_pages_exact(33 * 1024, GFP_KERNEL | __GFP_NOWARN));
	expect_null(kmalloc(1 << 20, GFP_KERNEL | __GFP_NOWARN));
	expect_null(kmalloc(6 << 20, GFP_KERNEL | __GFP_NOWARN));
	expect_null(vmalloc(1 << 20));
	expect_null(vzalloc(8 << 20));
	expect_eq(kmm_buddy_check(), 0);

	/* One max-order block freed: one can be had again, not two. */
	if (nbig) {
		free_pages(big[--nbig], MAX_PAGE_ORDER);
		big[nbig] = __get_free_pages(GFP_KERNEL | __GFP_NOWARN,
					     MAX_PAGE_ORDER);
		expect_nonnull((void *)big[nbig]);
		if (big[nbig])
			nbig++;
		expect_null((void *)__get_free_pages(GFP_KERNEL | __GFP_NOWARN,
						     MAX_PAGE_ORDER));
	}

	/* A block freed makes room for vmalloc, which shares the limit. */
	if (nbig) {
		free_pages(big[--nbig], MAX_PAGE_ORDER);
		v = vmalloc(2 << 20);
		expect_nonnull(v);
		memset(v, 1, 2 << 20);
		expect_null(vmalloc(4 << 20));
		vfree(v);
		v = vmalloc(3 << 20);
		expect_nonnull(v);
		vfree(v);
	}

	/* Everything freed: the same amount fits again. */
	while (nsmall)
		free_page(small[--nsmall]);
	for (i = 0; i < nbig; i++)
		free_pages(big[i], MAX_PAGE_ORDER);
	kmm_drain_local_pages();
	expect_eq(kmm_buddy_check(), 0);
	for (again = 0; again < nbig; again++) {
		big[again] = __get_free_pages(GFP_KERNEL | __GFP_NOWARN,
					      MAX_PAGE_ORDER);
		expect_nonnull((void *)big[again]);
	}
	/* Full again, to the last page, for the object caches. */
	while (again < ARRAY_SIZE(big) &&
	       (big[again] = __get_free_pages(GFP_KERNEL | __GFP_NOWARN,
					      MAX_PAGE_ORDER)))
		again++;
	while (nsmall < ARRAY_SIZE(small) &&
	       (small[nsmall] = __get_free_page(GFP_KERNEL | __GFP_NOWARN)))
		nsmall++;
	test_caches_at_limit(&again);
	while (nsmall)
		free_page(small[--nsmall]);
	for (i = 0; i < again; i++)
		free_pages(big[i], MAX_PAGE_ORDER);
	kmm_drain_local_pages();
	v = vmalloc(32 << 20);
	expect_nonnull(v);
	vfree(v);
	return 0;
}
