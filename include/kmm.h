/*
 * kmm.h - public interface of kmm, a heap built the way the Linux kernel
 * manages memory: zones described by struct page, a buddy page allocator,
 * SLUB-style object caches, kmalloc and vmalloc.
 *
 * Every exported symbol is prefixed kmm_.  Unless KMM_NO_KERNEL_NAMES is
 * defined before inclusion, the kernel's spellings (alloc_pages, kmalloc,
 * kmem_cache_create, GFP_KERNEL, struct page, ...) are provided as static
 * inline functions and object-like macros on top of them.
 *
 * The structures are opaque: struct kmm_page (struct page) and
 * struct kmm_cache (struct kmem_cache) are only ever handled by pointer.
 */
#ifndef KMM_H
#define KMM_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KMM_VERSION_MAJOR 0
#define KMM_VERSION_MINOR 1
#define KMM_VERSION "0.1"

/* ---------------------------------------------------------------- pages */

/* kmm's page is the x86-64 base page; orders count in these pages. */
#define KMM_PAGE_SHIFT 12
#define KMM_PAGE_SIZE (1UL << KMM_PAGE_SHIFT)

/*
 * Largest buddy order, inclusive, as kernels since 6.4 name it: a block of
 * order 10 is 4 MiB, the kernel's default on x86-64 and the size above
 * which a dedicated mapping costs less than the buddy's bookkeeping.
 */
#define KMM_MAX_PAGE_ORDER 10
#define KMM_NR_PAGE_ORDERS (KMM_MAX_PAGE_ORDER + 1)

typedef unsigned int kmm_gfp_t;

/* Flag bits.  Combinations below; see alloc_pages(3) for their meaning. */
#define KMM___GFP_DIRECT_RECLAIM 0x01u /* may map more memory (syscalls) */
#define KMM___GFP_HIGH 0x02u	   /* may dip into the atomic reserve */
#define KMM___GFP_ZERO 0x04u	   /* return zeroed memory */
#define KMM___GFP_DMA32 0x08u	   /* memory below 4 GiB */
#define KMM___GFP_NOWARN 0x10u	   /* no message on failure */
#define KMM___GFP_COMP 0x20u	   /* compound page (always, accepted) */
#define KMM___GFP_NOFAIL 0x40u	   /* accepted; kmm never retries forever */
#define KMM___GFP_NORETRY 0x80u	   /* accepted; kmm never retries */

/*
 *  name              may grow heap   atomic reserve   zeroed
 *  GFP_KERNEL        yes             no               no
 *  GFP_USER          yes             no               no
 *  GFP_NOWAIT        no              no               no
 *  GFP_ATOMIC        no              yes              no
 *  GFP_DMA32         add to any of the above: memory below 4 GiB
 */
#define KMM_GFP_KERNEL KMM___GFP_DIRECT_RECLAIM
#define KMM_GFP_USER KMM___GFP_DIRECT_RECLAIM
#define KMM_GFP_NOWAIT 0u
#define KMM_GFP_ATOMIC KMM___GFP_HIGH
#define KMM_GFP_DMA32 KMM___GFP_DMA32

struct kmm_page;

struct kmm_page *kmm_alloc_pages(kmm_gfp_t gfp, unsigned int order);
void kmm_free_pages_page(struct kmm_page *page, unsigned int order);
unsigned long kmm_get_free_pages(kmm_gfp_t gfp, unsigned int order);
void kmm_free_pages(unsigned long addr, unsigned int order);
void *kmm_alloc_pages_exact(size_t size, kmm_gfp_t gfp);
void kmm_free_pages_exact(void *virt, size_t size);
void *kmm_page_address(const struct kmm_page *page);
struct kmm_page *kmm_virt_to_page(const void *addr);
int kmm_page_count(const struct kmm_page *page);
void kmm_get_page(struct kmm_page *page);
void kmm_put_page(struct kmm_page *page);
void kmm_drain_local_pages(void);

/* --------------------------------------------------------------- slab */

typedef unsigned int kmm_slab_flags_t;

#define KMM_SLAB_HWCACHE_ALIGN 0x01u /* align objects to a cache line */
#define KMM_SLAB_PANIC 0x02u	     /* abort if the cache cannot be made */
#define KMM_SLAB_RED_ZONE 0x04u	     /* debug: reserved */
#define KMM_SLAB_POISON 0x08u	     /* debug: reserved */
#define KMM_SLAB_STORE_USER 0x10u    /* debug: reserved */
#define KMM_SLAB_ACCOUNT 0x20u	     /* accepted, no effect */
#define KMM_SLAB_RECLAIM_ACCOUNT 0x40u /* accepted, no effect */

struct kmm_cache;

struct kmm_cache *kmm_cache_create(const char *name, unsigned int size,
				   unsigned int align, kmm_slab_flags_t flags,
				   void (*ctor)(void *));
void *kmm_cache_alloc(struct kmm_cache *s, kmm_gfp_t gfp);
void kmm_cache_free(struct kmm_cache *s, void *obj);
int kmm_cache_alloc_bulk(struct kmm_cache *s, kmm_gfp_t gfp, size_t nr,
			 void **p);
void kmm_cache_free_bulk(struct kmm_cache *s, size_t nr, void **p);
int kmm_cache_shrink(struct kmm_cache *s);
void kmm_cache_destroy(struct kmm_cache *s);
unsigned int kmm_cache_size(const struct kmm_cache *s);

/* ------------------------------------------------------------ kmalloc */

/* kmalloc(0) returns this; kfree, ksize and krealloc accept it. */
#define KMM_ZERO_SIZE_PTR ((void *)16)
#define KMM_ZERO_OR_NULL_PTR(x) \
	((unsigned long)(x) <= (unsigned long)KMM_ZERO_SIZE_PTR)

void *kmm_kmalloc(size_t size, kmm_gfp_t gfp);
void *kmm_kmalloc_array(size_t n, size_t size, kmm_gfp_t gfp);
void *kmm_krealloc(const void *p, size_t new_size, kmm_gfp_t gfp);
void kmm_kfree(const void *p);
void kmm_kfree_sensitive(const void *p);
size_t kmm_ksize(const void *p);
size_t kmm_kmalloc_size_roundup(size_t size);

/* ------------------------------------------------------------ vmalloc */

void *kmm_vmalloc(size_t size);
void *kmm_vzalloc(size_t size);
void *kmm_vmalloc_huge(size_t size, kmm_gfp_t gfp);
void *kmm_vrealloc(void *p, size_t size, kmm_gfp_t gfp);
void kmm_vfree(const void *p);
int kmm_is_vmalloc_addr(const void *p);
struct kmm_page *kmm_vmalloc_to_page(const void *p);

/* ------------------------------------------------------ introspection */

/*
 * kmm_dump - write one of the kernel's /proc reports to @fd.
 * @what: "slabinfo", "buddyinfo", "vmallocinfo" or "meminfo".
 * Return: 0, or -1 with errno EINVAL for an unknown report, or the errno
 * of a failed write.
 */
int kmm_dump(int fd, const char *what);

/* ------------------------------------------------------- kernel names */

#ifndef KMM_NO_KERNEL_NAMES

#ifndef PAGE_SHIFT
#define PAGE_SHIFT KMM_PAGE_SHIFT
#endif
#ifndef PAGE_SIZE
#define PAGE_SIZE KMM_PAGE_SIZE
#endif
#define MAX_PAGE_ORDER KMM_MAX_PAGE_ORDER
#define NR_PAGE_ORDERS KMM_NR_PAGE_ORDERS

typedef kmm_gfp_t gfp_t;
typedef kmm_slab_flags_t slab_flags_t;

#define __GFP_DIRECT_RECLAIM KMM___GFP_DIRECT_RECLAIM
#define __GFP_HIGH KMM___GFP_HIGH
#define __GFP_ZERO KMM___GFP_ZERO
#define __GFP_DMA32 KMM___GFP_DMA32
#define __GFP_NOWARN KMM___GFP_NOWARN
#define __GFP_COMP KMM___GFP_COMP
#define __GFP_NOFAIL KMM___GFP_NOFAIL
#define __GFP_NORETRY KMM___GFP_NORETRY
#define GFP_KERNEL KMM_GFP_KERNEL
#define GFP_USER KMM_GFP_USER
#define GFP_NOWAIT KMM_GFP_NOWAIT
#define GFP_ATOMIC KMM_GFP_ATOMIC
#define GFP_DMA32 KMM_GFP_DMA32

#define SLAB_HWCACHE_ALIGN KMM_SLAB_HWCACHE_ALIGN
#define SLAB_PANIC KMM_SLAB_PANIC
#define SLAB_RED_ZONE KMM_SLAB_RED_ZONE
#define SLAB_POISON KMM_SLAB_POISON
#define SLAB_STORE_USER KMM_SLAB_STORE_USER
#define SLAB_ACCOUNT KMM_SLAB_ACCOUNT
#define SLAB_RECLAIM_ACCOUNT KMM_SLAB_RECLAIM_ACCOUNT

#define ZERO_SIZE_PTR KMM_ZERO_SIZE_PTR
#define ZERO_OR_NULL_PTR(x) KMM_ZERO_OR_NULL_PTR(x)

struct page;
struct kmem_cache;

static inline struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return (struct page *)kmm_alloc_pages(gfp, order);
}

static inline struct page *alloc_page(gfp_t gfp)
{
	return (struct page *)kmm_alloc_pages(gfp, 0);
}

static inline void __free_pages(struct page *page, unsigned int order)
{
	kmm_free_pages_page((struct kmm_page *)page, order);
}

static inline void __free_page(struct page *page)
{
	kmm_free_pages_page((struct kmm_page *)page, 0);
}

static inline unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	return kmm_get_free_pages(gfp, order);
}

static inline unsigned long __get_free_page(gfp_t gfp)
{
	return kmm_get_free_pages(gfp, 0);
}

static inline unsigned long get_zeroed_page(gfp_t gfp)
{
	return kmm_get_free_pages(gfp | __GFP_ZERO, 0);
}

static inline void free_pages(unsigned long addr, unsigned int order)
{
	kmm_free_pages(addr, order);
}

static inline void free_page(unsigned long addr)
{
	kmm_free_pages(addr, 0);
}

static inline void *alloc_pages_exact(size_t size, gfp_t gfp)
{
	return kmm_alloc_pages_exact(size, gfp);
}

static inline void free_pages_exact(void *virt, size_t size)
{
	kmm_free_pages_exact(virt, size);
}

static inline void *page_address(const struct page *page)
{
	return kmm_page_address((const struct kmm_page *)page);
}

static inline struct page *virt_to_page(const void *addr)
{
	return (struct page *)kmm_virt_to_page(addr);
}

static inline int page_count(const struct page *page)
{
	return kmm_page_count((const struct kmm_page *)page);
}

static inline void get_page(struct page *page)
{
	kmm_get_page((struct kmm_page *)page);
}

static inline void put_page(struct page *page)
{
	kmm_put_page((struct kmm_page *)page);
}

static inline void drain_local_pages(void)
{
	kmm_drain_local_pages();
}

static inline struct kmem_cache *
kmem_cache_create(const char *name, unsigned int size, unsigned int align,
		  slab_flags_t flags, void (*ctor)(void *))
{
	return (struct kmem_cache *)kmm_cache_create(name, size, align, flags,
						     ctor);
}

static inline void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	return kmm_cache_alloc((struct kmm_cache *)s, gfp);
}

static inline void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp)
{
	return kmm_cache_alloc((struct kmm_cache *)s, gfp | __GFP_ZERO);
}

static inline void kmem_cache_free(struct kmem_cache *s, void *obj)
{
	kmm_cache_free((struct kmm_cache *)s, obj);
}

static inline int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp,
					size_t nr, void **p)
{
	return kmm_cache_alloc_bulk((struct kmm_cache *)s, gfp, nr, p);
}

static inline void kmem_cache_free_bulk(struct kmem_cache *s, size_t nr,
					void **p)
{
	kmm_cache_free_bulk((struct kmm_cache *)s, nr, p);
}

static inline int kmem_cache_shrink(struct kmem_cache *s)
{
	return kmm_cache_shrink((struct kmm_cache *)s);
}

static inline void kmem_cache_destroy(struct kmem_cache *s)
{
	kmm_cache_destroy((struct kmm_cache *)s);
}

static inline unsigned int kmem_cache_size(struct kmem_cache *s)
{
	return kmm_cache_size((struct kmm_cache *)s);
}

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	return kmm_kmalloc(size, gfp);
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return kmm_kmalloc(size, gfp | __GFP_ZERO);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return kmm_kmalloc_array(n, size, gfp);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return kmm_kmalloc_array(n, size, gfp | __GFP_ZERO);
}

static inline void *krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	return kmm_krealloc(p, new_size, gfp);
}

static inline void kfree(const void *p)
{
	kmm_kfree(p);
}

static inline void kfree_sensitive(const void *p)
{
	kmm_kfree_sensitive(p);
}

static inline size_t ksize(const void *p)
{
	return kmm_ksize(p);
}

static inline size_t kmalloc_size_roundup(size_t size)
{
	return kmm_kmalloc_size_roundup(size);
}

static inline void *vmalloc(size_t size)
{
	return kmm_vmalloc(size);
}

static inline void *vzalloc(size_t size)
{
	return kmm_vzalloc(size);
}

static inline void *vmalloc_huge(size_t size, gfp_t gfp)
{
	return kmm_vmalloc_huge(size, gfp);
}

static inline void *vrealloc(void *p, size_t size, gfp_t gfp)
{
	return kmm_vrealloc(p, size, gfp);
}

static inline void vfree(const void *p)
{
	kmm_vfree(p);
}

static inline int is_vmalloc_addr(const void *p)
{
	return kmm_is_vmalloc_addr(p);
}

static inline struct page *vmalloc_to_page(const void *p)
{
	return (struct page *)kmm_vmalloc_to_page(p);
}

#endif /* KMM_NO_KERNEL_NAMES */

#ifdef __cplusplus
}
#endif

#endif /* KMM_H */
