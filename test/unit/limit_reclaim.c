/*
 * limit_reclaim - KMM_MEMORY_LIMIT fails a charge only after every layer
 * that keeps free memory was asked for it: with KMM_MEMORY_LIMIT=64M,
 * 28 MiB in vmalloc areas that vfree keeps for reuse and 20 MiB in empty
 * slabs that object caches keep, max-order blocks can still be had up to
 * the limit (not 4 of them, as with the empty slabs kept), and the caches'
 * empty slabs are gone.  kmm_mem_reclaim_all(0), malloc_trim's work,
 * takes both back too: the charge drops back to what it was before.
 */
#include "ut.h"

#include <pthread.h>

#define LIMIT (64UL << 20)
#define AREA (7UL << 20)
#define NR_AREAS 4
#define NR_CACHES 80
#define OBJ (16UL << 10)
#define PER_CACHE 16		/* two slabs of order 5 */
/* Pages kmm may keep for itself (this thread's state and lists). */
#define SLACK (4UL << 20)

static struct kmem_cache *caches[NR_CACHES];
static unsigned long big[LIMIT / (PAGE_SIZE << MAX_PAGE_ORDER) + 2];

/*
 * Fills every cache with two slabs' worth and frees it all; the thread
 * then exits, so its lists go back to the slabs, which are empty and
 * kept (two per cache).
 */
static void *make_empty_slabs(void *arg)
{
	void *objs[PER_CACHE];
	int i, j;

	(void)arg;
	for (i = 0; i < NR_CACHES; i++) {
		for (j = 0; j < PER_CACHE; j++) {
			objs[j] = kmem_cache_alloc(caches[i], GFP_KERNEL);
			if (!objs[j])
				test_fail("cache %d object %d: kmem_cache_alloc "
					  "failed under the limit", i, j);
		}
		for (j = 0; j < PER_CACHE; j++)
			kmem_cache_free(caches[i], objs[j]);
	}
	return NULL;
}

static void fill_with_free_memory(void)
{
	pthread_t th;
	struct ut_slabinfo si;
	void *v[NR_AREAS];
	int i;

	for (i = 0; i < NR_AREAS; i++) {
		v[i] = vmalloc(AREA);
		expect_nonnull(v[i]);
		memset(v[i], 0x5a, AREA);
	}
	for (i = 0; i < NR_AREAS; i++)
		vfree(v[i]);
	if (pthread_create(&th, NULL, make_empty_slabs, NULL) ||
	    pthread_join(th, NULL))
		test_error("pthread_create");
	expect_eq(ut_slabinfo("ut_reclaim0", &si), 0);
	expect(si.num_slabs == 2 && si.active_objs == 0, "after the thread "
	       "exited: expected 2 empty slabs kept, got %lu slabs, %lu "
	       "objects in use", si.num_slabs, si.active_objs);
	expect(atomic_load(&kmm.mem_used) >=
		       NR_AREAS * AREA + NR_CACHES * 2 * PER_CACHE / 2 * OBJ,
	       "expected the kept areas and empty slabs charged, got %zu",
	       (size_t)atomic_load(&kmm.mem_used));
}

int main(int argc, char **argv)
{
	static const char *const env[] = { "KMM_MEMORY_LIMIT=64M",
					   "KMM_RETAIN=8M", NULL };
	struct ut_slabinfo si;
	size_t nbig = 0, base, i;
	char name[32];

	ut_reexec_with_env(argv, env);
	test_init();
	/* Memcheck mode keeps no vmalloc areas and no per-thread lists. */
	if (!ut_native())
		test_skip("kmm's memcheck mode keeps no free memory to reclaim");
	(void)ut_free_pages();
	for (i = 0; i < NR_CACHES; i++) {
		snprintf(name, sizeof(name), "ut_reclaim%zu", i);
		caches[i] = kmem_cache_create(name, OBJ, 0, 0, NULL);
		expect_nonnull(caches[i]);
		expect_eq(((struct kmm_cache *)caches[i])->order, 5);
	}
	base = atomic_load(&kmm.mem_used);

	fill_with_free_memory();
	while (nbig < ARRAY_SIZE(big) &&
	       (big[nbig] = __get_free_pages(GFP_KERNEL | __GFP_NOWARN,
					     MAX_PAGE_ORDER)))
		nbig++;
	expect(nbig * (PAGE_SIZE << MAX_PAGE_ORDER) + SLACK >= LIMIT,
	       "with the limit full of kept areas and empty slabs: expected "
	       "%lu max-order blocks, got %zu",
	       LIMIT / (PAGE_SIZE << MAX_PAGE_ORDER), nbig);
	expect_eq(ut_slabinfo("ut_reclaim0", &si), 0);
	expect(si.num_slabs == 0, "at the limit: expected the empty slabs "
	       "freed, got %lu", si.num_slabs);
	while (nbig)
		free_pages(big[--nbig], MAX_PAGE_ORDER);
	expect_eq(kmm_buddy_check(), 0);

	/* malloc_trim(0): every reclaimer gives all it holds. */
	fill_with_free_memory();
	kmm_mem_reclaim_all(0);
	expect_eq(ut_slabinfo("ut_reclaim0", &si), 0);
	expect(si.num_slabs == 0, "after kmm_mem_reclaim_all(0): expected "
	       "the empty slabs freed, got %lu", si.num_slabs);
	expect(atomic_load(&kmm.mem_used) <= base, "after "
	       "kmm_mem_reclaim_all(0): expected at most %zu bytes charged, "
	       "got %zu", base, (size_t)atomic_load(&kmm.mem_used));
	for (i = 0; i < NR_CACHES; i++)
		kmem_cache_destroy(caches[i]);
	return 0;
}
