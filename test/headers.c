/*
 * headers.c - uses every function, macro and constant of <kmm.h>, for
 * test/headers.sh, which compiles it as each C and C++ standard the
 * compilers know, with and without KMM_NO_KERNEL_NAMES.  It is only
 * compiled: taking the address of each inline function makes the
 * compiler check its body.  The tables have external linkage so that no
 * compiler calls them unused.  Valid C89 and C++11 at once.
 */
#include <kmm.h>

struct headers_item {
	int a;
	double b;
};

typedef void (*headers_fn)(void);

#define FN(f) ((headers_fn)(f))

extern const headers_fn headers_kmm_functions[];
const headers_fn headers_kmm_functions[] = {
	FN(kmm_alloc_pages), FN(kmm_free_pages_page), FN(kmm_get_free_pages),
	FN(kmm_free_pages), FN(kmm_alloc_pages_exact), FN(kmm_free_pages_exact),
	FN(kmm_page_address), FN(kmm_virt_to_page), FN(kmm_page_count),
	FN(kmm_get_page), FN(kmm_put_page), FN(kmm_drain_local_pages),
	FN(kmm_cache_create), FN(kmm_cache_alloc), FN(kmm_cache_free),
	FN(kmm_cache_alloc_bulk), FN(kmm_cache_free_bulk),
	FN(kmm_cache_shrink), FN(kmm_cache_destroy), FN(kmm_cache_size),
	FN(kmm_kmalloc), FN(kmm_kmalloc_array), FN(kmm_krealloc),
	FN(kmm_kfree), FN(kmm_kfree_sensitive), FN(kmm_ksize),
	FN(kmm_kmalloc_size_roundup), FN(kmm_vmalloc), FN(kmm_vzalloc),
	FN(kmm_vmalloc_huge), FN(kmm_vrealloc), FN(kmm_vfree),
	FN(kmm_is_vmalloc_addr), FN(kmm_vmalloc_to_page), FN(kmm_kvmalloc),
	FN(kmm_kvmalloc_array), FN(kmm_kvrealloc), FN(kmm_kvfree),
	FN(kmm_krealloc_array), FN(kmm_kmemdup), FN(kmm_kmemdup_nul),
	FN(kmm_kstrdup), FN(kmm_kstrndup), FN(kmm_kstrdup_const),
	FN(kmm_kfree_const), FN(kmm_dump),
};

extern const unsigned long headers_kmm_constants[];
const unsigned long headers_kmm_constants[] = {
	KMM_VERSION_MAJOR, KMM_VERSION_MINOR, KMM_PAGE_SHIFT, KMM_PAGE_SIZE,
	KMM_MAX_PAGE_ORDER, KMM_NR_PAGE_ORDERS, KMM___GFP_DIRECT_RECLAIM,
	KMM___GFP_HIGH, KMM___GFP_ZERO, KMM___GFP_DMA32, KMM___GFP_NOWARN,
	KMM___GFP_COMP, KMM___GFP_NOFAIL, KMM___GFP_NORETRY, KMM_GFP_KERNEL,
	KMM_GFP_USER, KMM_GFP_NOWAIT, KMM_GFP_ATOMIC, KMM_GFP_NOFS,
	KMM_GFP_NOIO, KMM_GFP_DMA32, KMM_SLAB_HWCACHE_ALIGN, KMM_SLAB_PANIC,
	KMM_SLAB_RED_ZONE, KMM_SLAB_POISON, KMM_SLAB_STORE_USER,
	KMM_SLAB_ACCOUNT, KMM_SLAB_RECLAIM_ACCOUNT, KMM_SLAB_CONSISTENCY_CHECKS,
	KMM_SLAB_TRACE,
	(unsigned long)KMM_ALIGNOF(struct headers_item),
};

#ifndef KMM_NO_KERNEL_NAMES
extern const headers_fn headers_kernel_functions[];
const headers_fn headers_kernel_functions[] = {
	FN(alloc_pages), FN(alloc_page), FN(__free_pages), FN(__free_page),
	FN(__get_free_pages), FN(__get_free_page), FN(get_zeroed_page),
	FN(free_pages), FN(free_page), FN(alloc_pages_exact),
	FN(free_pages_exact), FN(page_address), FN(virt_to_page),
	FN(page_count), FN(get_page), FN(put_page), FN(drain_local_pages),
	FN(kmem_cache_create), FN(kmem_cache_alloc), FN(kmem_cache_zalloc),
	FN(kmem_cache_free), FN(kmem_cache_alloc_bulk),
	FN(kmem_cache_free_bulk), FN(kmem_cache_shrink),
	FN(kmem_cache_destroy), FN(kmem_cache_size), FN(kmalloc),
	FN(kzalloc), FN(kmalloc_array), FN(kcalloc), FN(krealloc), FN(kfree),
	FN(kfree_sensitive), FN(ksize), FN(kmalloc_size_roundup),
	FN(vmalloc), FN(vzalloc), FN(vmalloc_huge), FN(vrealloc), FN(vfree),
	FN(is_vmalloc_addr), FN(vmalloc_to_page), FN(kmem_cache_alloc_node),
	FN(alloc_pages_node), FN(kmalloc_node), FN(kzalloc_node),
	FN(kmalloc_array_node), FN(kcalloc_node), FN(krealloc_array),
	FN(kvmalloc), FN(kvzalloc), FN(kvmalloc_node), FN(kvzalloc_node),
	FN(kvmalloc_array), FN(kvcalloc), FN(kvrealloc), FN(kvfree),
	FN(kvfree_sensitive), FN(kmemdup), FN(kmemdup_nul), FN(kstrdup),
	FN(kstrndup), FN(kstrdup_const), FN(kfree_const),
};

extern const unsigned long headers_kernel_constants[];
const unsigned long headers_kernel_constants[] = {
	PAGE_SHIFT, PAGE_SIZE, MAX_PAGE_ORDER, NR_PAGE_ORDERS,
	__GFP_DIRECT_RECLAIM, __GFP_HIGH, __GFP_ZERO, __GFP_DMA32,
	__GFP_NOWARN, __GFP_COMP, __GFP_NOFAIL, __GFP_NORETRY, GFP_KERNEL,
	GFP_USER, GFP_NOWAIT, GFP_ATOMIC, GFP_NOFS, GFP_NOIO, GFP_DMA32,
	SLAB_HWCACHE_ALIGN, SLAB_PANIC, SLAB_RED_ZONE, SLAB_POISON,
	SLAB_STORE_USER, SLAB_ACCOUNT, SLAB_RECLAIM_ACCOUNT,
	SLAB_CONSISTENCY_CHECKS, SLAB_TRACE,
};
#endif

/* Never called: the macros that expand to calls. */
int headers_macros(void);
int headers_macros(void)
{
	struct kmm_cache *k = KMM_CACHE(headers_item, KMM_SLAB_HWCACHE_ALIGN);
	int n = KMM_ZERO_OR_NULL_PTR(KMM_ZERO_SIZE_PTR) + (k != 0) +
		(int)(sizeof(headers_kmm_functions) / sizeof(headers_kmm_functions[0])) +
		(int)(sizeof(headers_kmm_constants) / sizeof(headers_kmm_constants[0])) +
		(KMM_NUMA_NO_NODE < 0) + (kmm_conf != 0);
#ifndef KMM_NO_KERNEL_NAMES
	struct kmem_cache *c = KMEM_CACHE(headers_item, SLAB_PANIC);
	gfp_t gfp = GFP_KERNEL;
	slab_flags_t flags = SLAB_PANIC;

	n += ZERO_OR_NULL_PTR(ZERO_SIZE_PTR) + (c != 0) + (int)gfp +
	     (int)flags + (NUMA_NO_NODE < 0) +
	     (int)(sizeof(headers_kernel_functions) / sizeof(headers_kernel_functions[0])) +
	     (int)(sizeof(headers_kernel_constants) / sizeof(headers_kernel_constants[0]));
#endif
	return n;
}
