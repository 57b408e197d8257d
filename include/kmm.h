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
 *
 * Each function and macro carries a kernel-doc comment.  What they have in
 * common is said once here:
 *
 *  - Context.  Every function may be called from any thread, before main()
 *    and from constructors and destructors (kmm initializes itself on first
 *    use), and with any lock of the caller's held.  None is
 *    async-signal-safe unless its comment says so: slow paths take kmm's
 *    mutexes.  "May map memory" means the call may make mmap(2) or
 *    madvise(2) system calls; "no lock" means it takes none of kmm's.
 *  - Errors.  No function here sets errno, kmm_dump() and kmm_leak_scan()
 *    excepted; only the malloc family does (kmm(3)).  A failed allocation
 *    returns NULL (0 for
 *    an address) and, unless __GFP_NOWARN is given, writes one line to
 *    standard error.  A pointer or page that kmm did not hand out, given
 *    to a free function, aborts the program after one line naming it.
 *  - The manual pages alloc_pages(3), kmem_cache_create(3), kmalloc(3),
 *    vmalloc(3) and kmm_dump(3) say the same at more length.
 */
#ifndef KMM_H
#define KMM_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * KMM_INLINE - how this header declares its inline functions.
 *
 * static inline; static __inline__ in GNU C89, which has no inline
 * keyword; plain static in a C89 compiler without that extension.
 */
#if defined(__cplusplus) || \
	(defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define KMM_INLINE static inline
#elif defined(__GNUC__)
#define KMM_INLINE static __inline__
#else
#define KMM_INLINE static
#endif

/**
 * KMM_VERSION_MAJOR - major version of the interface this header declares.
 */
#define KMM_VERSION_MAJOR 0
/**
 * KMM_VERSION_MINOR - minor version of the interface this header declares.
 */
#define KMM_VERSION_MINOR 1
/**
 * KMM_VERSION - the version as a string, "major.minor".
 */
#define KMM_VERSION "0.1"

/* ---------------------------------------------------------------- pages */

/**
 * KMM_PAGE_SHIFT - log2 of the page size.
 *
 * kmm's page is the x86-64 base page; orders count in these pages.
 */
#define KMM_PAGE_SHIFT 12
/**
 * KMM_PAGE_SIZE - bytes in a page (4096), as an unsigned long.
 */
#define KMM_PAGE_SIZE (1UL << KMM_PAGE_SHIFT)

/**
 * KMM_MAX_PAGE_ORDER - largest buddy order, inclusive.
 *
 * As kernels since 6.4 name it: a block of order 10 is 4 MiB, the kernel's
 * default on x86-64 and the size above which a dedicated mapping costs less
 * than the buddy's bookkeeping.
 */
#define KMM_MAX_PAGE_ORDER 10
/**
 * KMM_NR_PAGE_ORDERS - number of buddy orders, KMM_MAX_PAGE_ORDER + 1.
 */
#define KMM_NR_PAGE_ORDERS (KMM_MAX_PAGE_ORDER + 1)

typedef unsigned int kmm_gfp_t;

/**
 * DOC: GFP flag bits
 *
 * The bits a kmm_gfp_t is made of; they have the kernel's names, not its
 * values.  alloc_pages(3) says what each means in user space.
 *
 * %KMM___GFP_DIRECT_RECLAIM: the allocation may map more memory (system
 * calls) when the free lists cannot serve it.
 * %KMM___GFP_HIGH: the allocation may dip into the atomic reserve, 1/256
 * of each zone (at least 64 pages).
 * %KMM___GFP_ZERO: the memory is returned zeroed.
 * %KMM___GFP_DMA32: the memory lies below 4 GiB (ZONE_DMA32).
 * %KMM___GFP_NOWARN: no message on standard error when the allocation
 * fails.
 * %KMM___GFP_COMP: accepted; blocks of order above 0 are always compound.
 * %KMM___GFP_NOFAIL: the caller cannot handle a failure: where the
 * kernel would retry forever, kmm aborts the program with a message
 * instead of returning NULL (kmm_kmalloc(), kmm_kvmalloc(),
 * kmm_cache_alloc(), kmm_alloc_pages(), kmm_alloc_pages_exact()).
 * %KMM___GFP_NORETRY: accepted, no effect; kmm never retries.
 */
#define KMM___GFP_DIRECT_RECLAIM 0x01u /* may map more memory (syscalls) */
#define KMM___GFP_HIGH 0x02u	   /* may dip into the atomic reserve */
#define KMM___GFP_ZERO 0x04u	   /* return zeroed memory */
#define KMM___GFP_DMA32 0x08u	   /* memory below 4 GiB */
#define KMM___GFP_NOWARN 0x10u	   /* no message on failure */
#define KMM___GFP_COMP 0x20u	   /* compound page (always, accepted) */
#define KMM___GFP_NOFAIL 0x40u	   /* abort rather than return NULL */
#define KMM___GFP_NORETRY 0x80u	   /* accepted; kmm never retries */

/**
 * DOC: GFP flag combinations
 *
 * %KMM_GFP_KERNEL: the usual case; may map more memory, leaves the
 * atomic reserve alone.
 * %KMM_GFP_USER: the same as %KMM_GFP_KERNEL in kmm.
 * %KMM_GFP_NOWAIT: never maps memory, leaves the atomic reserve alone.
 * %KMM_GFP_ATOMIC: never maps memory, may use the atomic reserve.
 * %KMM_GFP_NOFS, %KMM_GFP_NOIO: the same as %KMM_GFP_KERNEL in kmm: no
 * allocation of a process re-enters a file system or a block device.
 * %KMM_GFP_DMA32: added to any of the above, memory below 4 GiB.
 *
 *  name              may grow heap   atomic reserve   zeroed
 *  GFP_KERNEL        yes             no               no
 *  GFP_USER          yes             no               no
 *  GFP_NOFS          yes             no               no
 *  GFP_NOIO          yes             no               no
 *  GFP_NOWAIT        no              no               no
 *  GFP_ATOMIC        no              yes              no
 *  GFP_DMA32         add to any of the above: memory below 4 GiB
 *
 * %KMM___GFP_NOWARN and %KMM___GFP_NOFAIL may be added to any of them.
 */
#define KMM_GFP_KERNEL KMM___GFP_DIRECT_RECLAIM
#define KMM_GFP_USER KMM___GFP_DIRECT_RECLAIM
#define KMM_GFP_NOWAIT 0u
#define KMM_GFP_ATOMIC KMM___GFP_HIGH
#define KMM_GFP_NOFS KMM___GFP_DIRECT_RECLAIM
#define KMM_GFP_NOIO KMM___GFP_DIRECT_RECLAIM
#define KMM_GFP_DMA32 KMM___GFP_DMA32

/**
 * KMM_NUMA_NO_NODE - "any node", the node argument of the _node calls.
 *
 * kmm has one node, 0.  The kernel names kmalloc_node(),
 * kmem_cache_alloc_node(), alloc_pages_node() and their kin take a node
 * as the kernel's do and ignore it, as the kernel does a preference it
 * cannot meet.
 */
#define KMM_NUMA_NO_NODE (-1)

struct kmm_page;

/**
 * kmm_alloc_pages - allocate a block of 2^order contiguous pages.
 * @gfp: GFP flags; %KMM___GFP_ZERO skips pages that already read as zero.
 * @order: 0 to %KMM_MAX_PAGE_ORDER; the block is aligned to its size.
 *
 * The block comes from the calling thread's page lists (orders 0 to 3) or
 * from a zone's free lists.  Its head page holds a reference count of 1;
 * a block of order above 0 is compound: each tail page points to the
 * head.  kmm_page_address() gives its address.
 *
 * Context: Any thread, no signal handler.  Takes a zone lock when the
 * thread's lists are empty; may map memory with %KMM___GFP_DIRECT_RECLAIM.
 * Return: The head page, or NULL when @order is above %KMM_MAX_PAGE_ORDER,
 * KMM_MEMORY_LIMIT would be passed, the system refuses memory, an atomic
 * or non-waiting request finds no free block, or no memory below 4 GiB is
 * left for %KMM___GFP_DMA32.
 */
struct kmm_page *kmm_alloc_pages(kmm_gfp_t gfp, unsigned int order);

/**
 * kmm_free_pages_page - drop a reference to a block, freeing it at zero.
 * @page: the head page kmm_alloc_pages() returned, or NULL (ignored).
 * @order: the order the block was allocated with.
 *
 * The kernel's __free_pages().  Aborts the program with a message when
 * @page is a tail page, a slab, a free block or a page run, or when
 * @order is not the block's.
 *
 * Context: Any thread, no signal handler.  May take a zone lock and give
 * pages back to the system (madvise) when the block is freed.
 */
void kmm_free_pages_page(struct kmm_page *page, unsigned int order);

/**
 * kmm_get_free_pages - allocate a block of 2^order pages, by address.
 * @gfp: GFP flags, as for kmm_alloc_pages().
 * @order: 0 to %KMM_MAX_PAGE_ORDER.
 *
 * The kernel's __get_free_pages(): kmm_alloc_pages() returning the
 * address of the block instead of its head page.
 *
 * Context: As kmm_alloc_pages().
 * Return: The block's address, or 0 on failure (as kmm_alloc_pages()).
 */
unsigned long kmm_get_free_pages(kmm_gfp_t gfp, unsigned int order);

/**
 * kmm_free_pages - drop a reference to a block given by address.
 * @addr: an address kmm_get_free_pages() returned, or 0 (ignored).
 * @order: the order the block was allocated with.
 *
 * The kernel's free_pages().  Aborts the program with a message when
 * @addr is not page-aligned or lies in no zone, and as
 * kmm_free_pages_page() for a page that is not the head of such a block.
 *
 * Context: As kmm_free_pages_page().
 */
void kmm_free_pages(unsigned long addr, unsigned int order);

/**
 * kmm_alloc_pages_exact - allocate whole pages without rounding to a power.
 * @size: bytes, 1 to 4 MiB, rounded up to whole pages.
 * @gfp: GFP flags, as for kmm_alloc_pages().
 *
 * Takes the smallest buddy block that holds @size and gives its unused
 * tail back to the free lists at once: 33 KiB costs 9 pages.  The pages
 * are not a compound block; free them only with kmm_free_pages_exact().
 *
 * Context: As kmm_alloc_pages().
 * Return: The page-aligned address, or NULL when @size is 0 or above
 * 4 MiB, or for the failures of kmm_alloc_pages().
 */
void *kmm_alloc_pages_exact(size_t size, kmm_gfp_t gfp);

/**
 * kmm_free_pages_exact - free memory of kmm_alloc_pages_exact().
 * @virt: the address it returned, or NULL (ignored).
 * @size: the size given to kmm_alloc_pages_exact().
 *
 * Aborts the program with a message when @virt is not page-aligned or
 * lies in no zone.
 *
 * Context: Any thread, no signal handler.  May take a zone lock.
 */
void kmm_free_pages_exact(void *virt, size_t size);

/**
 * kmm_page_address - the address of the memory a page describes.
 * @page: a page of kmm's zones, or NULL.
 *
 * Context: Any, a signal handler included: arithmetic only, no lock.
 * Return: The page's address, or NULL for a NULL @page.
 */
void *kmm_page_address(const struct kmm_page *page);

/**
 * kmm_virt_to_page - the page that holds an address.
 * @addr: any address; it is never read.
 *
 * A table indexed by the address bits above the zone size gives the zone,
 * the offset in it the page: constant time.  Unlike the kernel's, it
 * answers for any address.
 *
 * Context: Any, a signal handler included: two loads, no lock.
 * Return: The page, or NULL when @addr lies in no zone or in a zone's own
 * header and mem_map[].
 */
struct kmm_page *kmm_virt_to_page(const void *addr);

/**
 * kmm_page_count - the reference count of the block a page belongs to.
 * @page: any page of an allocated block (not NULL).
 *
 * Context: Any, a signal handler included: one atomic load, no lock.
 * Return: The count held by the block's head page.
 */
int kmm_page_count(const struct kmm_page *page);

/**
 * kmm_get_page - take a reference to a block.
 * @page: any page of an allocated block (not NULL).
 *
 * Context: Any, a signal handler included: one atomic add, no lock.
 */
void kmm_get_page(struct kmm_page *page);

/**
 * kmm_put_page - drop a reference to a block, freeing it at zero.
 * @page: any page of a block of kmm_alloc_pages() (not NULL).
 *
 * Context: As kmm_free_pages_page().
 */
void kmm_put_page(struct kmm_page *page);

/**
 * kmm_drain_local_pages - give the calling thread's page lists back.
 *
 * The blocks on the thread's lists (orders 0 to 3) and the page runs it
 * keeps for reuse go back to the zones.  The kernel's takes a zone and
 * drains a CPU; kmm's lists are per thread.
 *
 * Context: Any thread, no signal handler.  Takes zone locks; may give
 * pages back to the system.
 */
void kmm_drain_local_pages(void);

/* --------------------------------------------------------------- slab */

typedef unsigned int kmm_slab_flags_t;

/**
 * DOC: slab flags
 *
 * Flags of kmm_cache_create().
 *
 * %KMM_SLAB_HWCACHE_ALIGN: objects larger than half a cache line are
 * aligned to a cache line (64 bytes).
 * %KMM_SLAB_PANIC: abort the program if the cache cannot be made.
 * The debugging flags turn on for one cache what KMM_DEBUG turns on
 * for the caches it names (kmm(7), "Debugging"); the cache's threads
 * then keep no lists of it, so every allocation and free of it takes
 * the slow path, where the checks are:
 * %KMM_SLAB_CONSISTENCY_CHECKS (letter F): every allocation and free
 * checks the pointer, the slab and the object's state (a double free, a
 * pointer inside an object).
 * %KMM_SLAB_RED_ZONE (Z): red zones before and after each object,
 * checked on free and on allocation.
 * %KMM_SLAB_POISON (P): free objects are filled with 0x6b, their last
 * byte 0xa5, checked when the object is handed out again; objects handed
 * out without %KMM___GFP_ZERO start filled with 0x5a.  Not for caches
 * with a constructor, whose objects keep their constructed state.
 * %KMM_SLAB_STORE_USER (U): each object records where it was last
 * allocated and freed (the program's call site and thread), shown in
 * reports.
 * %KMM_SLAB_TRACE (T): every allocation and free of the cache is written
 * to standard error.
 * %KMM_SLAB_ACCOUNT, %KMM_SLAB_RECLAIM_ACCOUNT: accepted, no effect (no
 * memory cgroup in user space).
 */
#define KMM_SLAB_HWCACHE_ALIGN 0x01u /* align objects to a cache line */
#define KMM_SLAB_PANIC 0x02u	     /* abort if the cache cannot be made */
#define KMM_SLAB_RED_ZONE 0x04u	     /* debug: red zones around objects */
#define KMM_SLAB_POISON 0x08u	     /* debug: poison free objects */
#define KMM_SLAB_STORE_USER 0x10u    /* debug: record call sites */
#define KMM_SLAB_ACCOUNT 0x20u	     /* accepted, no effect */
#define KMM_SLAB_RECLAIM_ACCOUNT 0x40u /* accepted, no effect */
#define KMM_SLAB_CONSISTENCY_CHECKS 0x80u /* debug: check every call */
#define KMM_SLAB_TRACE 0x100u	     /* debug: log every call */

struct kmm_cache;

/**
 * kmm_cache_create - make a cache of objects of one size.
 * @name: shown in slabinfo; its first 47 bytes are copied.
 * @size: object size in bytes, 1 to 128 KiB (less two pointers with a
 *        constructor).
 * @align: 0 or a power of two up to %KMM_PAGE_SIZE; objects are always
 *         aligned to at least 8 bytes.
 * @flags: 0 or %KMM_SLAB_* flags.
 * @ctor: NULL, or a constructor run on every object when its slab is
 *        populated (not on each allocation); objects must be freed in
 *        their constructed state.
 *
 * Allocates no memory: caches live in a table of 256, the 40 kmalloc
 * caches included, and their slabs come from the page allocator on first
 * use.  On failure writes "kmem_cache_create(<name>) failed" to standard
 * error, or aborts with %KMM_SLAB_PANIC.
 *
 * Context: Any thread, no signal handler.  Takes kmm's cache lock.
 * Return: The cache, or NULL when @name is NULL, @size is 0 or too large,
 * @align is not a power of two up to %KMM_PAGE_SIZE, or no cache slot is
 * left.
 */
struct kmm_cache *kmm_cache_create(const char *name, unsigned int size,
				   unsigned int align, kmm_slab_flags_t flags,
				   void (*ctor)(void *));

/**
 * kmm_cache_alloc - allocate an object from a cache.
 * @s: the cache (not NULL).
 * @gfp: GFP flags: they matter when a slab must be taken from the page
 *       allocator; %KMM___GFP_ZERO zeroes the object; %KMM___GFP_DMA32 is
 *       ignored.
 *
 * Pops the calling thread's list of free objects of @s; an empty list is
 * refilled with all the free objects of one partial or new slab.
 *
 * Context: Any thread, no signal handler.  The fast path takes no lock
 * and no atomic instruction; a refill takes the cache's lock and may take
 * a zone lock and map memory, as kmm_alloc_pages().
 * Return: An object, or NULL when no memory can be had for @gfp or
 * KMM_MEMORY_LIMIT would be passed ("kmem_cache_alloc: cache <name>: out
 * of memory" on standard error unless %KMM___GFP_NOWARN).
 */
void *kmm_cache_alloc(struct kmm_cache *s, kmm_gfp_t gfp);

/**
 * kmm_cache_free - return an object to its cache.
 * @s: the cache the object came from.
 * @obj: the object, or NULL (ignored).
 *
 * Pushes @obj on the calling thread's list for @s, whichever thread
 * allocated it; a full list first gives its older half back to the
 * slabs.  Aborts the program with a message when @obj is not the start of
 * an object of a slab, belongs to another cache, or is found already free
 * (the check catches an object freed twice in a row, not every double
 * free).
 *
 * Context: Any thread, no signal handler.  The fast path takes no lock
 * and no atomic instruction; a flush does compare-and-swaps, may take the
 * cache's lock and may free empty slabs to the page allocator.
 */
void kmm_cache_free(struct kmm_cache *s, void *obj);

/**
 * kmm_cache_alloc_bulk - allocate several objects, all or none.
 * @s: the cache (not NULL).
 * @gfp: GFP flags, as for kmm_cache_alloc().
 * @nr: how many objects.
 * @p: array of at least @nr pointers, filled with the objects.
 *
 * Context: As kmm_cache_alloc().
 * Return: @nr, or 0 when some object could not be had (those allocated
 * are freed again).
 */
int kmm_cache_alloc_bulk(struct kmm_cache *s, kmm_gfp_t gfp, size_t nr,
			 void **p);

/**
 * kmm_cache_free_bulk - free several objects of one cache.
 * @s: the cache they came from.
 * @nr: how many objects.
 * @p: array of @nr objects, as kmm_cache_free() takes them.
 *
 * Context: As kmm_cache_free().
 */
void kmm_cache_free_bulk(struct kmm_cache *s, size_t nr, void **p);

/**
 * kmm_cache_shrink - give a cache's spare memory back.
 * @s: the cache (not NULL).
 *
 * The calling thread's list for @s goes back to the slabs, the cache's
 * empty slabs to the page allocator, and the thread's page lists to the
 * zones (kmm_drain_local_pages()).  Other threads' lists are theirs.
 *
 * Context: Any thread, no signal handler.  Takes the cache's lock and
 * zone locks.
 * Return: 0.
 */
int kmm_cache_shrink(struct kmm_cache *s);

/**
 * kmm_cache_destroy - free a cache and its memory.
 * @s: the cache, or NULL (ignored).
 *
 * Every thread's list for @s goes back to the slabs first.  If objects
 * are still allocated, writes "kmem_cache_destroy <name>: Slab cache still
 * has objects (<count>)" to standard error, as the kernel does, and keeps
 * the cache and its memory.  Destroying a cache another thread still uses
 * is the caller's bug.
 *
 * Context: Any thread, no signal handler.  Takes kmm's thread and cache
 * locks and the cache's lock.
 */
void kmm_cache_destroy(struct kmm_cache *s);

/**
 * kmm_cache_size - the object size of a cache.
 * @s: the cache (not NULL).
 *
 * Context: Any, a signal handler included: no lock.
 * Return: The size given to kmm_cache_create().
 */
unsigned int kmm_cache_size(const struct kmm_cache *s);

/**
 * KMM_ALIGNOF - the alignment of a type, in any C or C++ dialect.
 * @type: a complete type.
 *
 * alignof in C++11, _Alignof in C11, __alignof__ in GNU C before them;
 * a C89 compiler without that extension gets the size of a pointer.
 */
#if defined(__cplusplus)
#define KMM_ALIGNOF(type) alignof(type)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define KMM_ALIGNOF(type) _Alignof(type)
#elif defined(__GNUC__)
#define KMM_ALIGNOF(type) __alignof__(type)
#else
#define KMM_ALIGNOF(type) sizeof(void *)
#endif

/**
 * KMM_CACHE - make a cache of one struct type, named after it.
 * @s: the struct's tag, as in KMM_CACHE(inode, 0) for struct inode.
 * @flags: 0 or %KMM_SLAB_* flags.
 *
 * kmm_cache_create() with the tag as the name, the struct's size and its
 * alignment, and no constructor: the kernel's KMEM_CACHE().
 *
 * Return: The cache, or NULL, as kmm_cache_create().
 */
#define KMM_CACHE(s, flags)                                               \
	kmm_cache_create(#s, (unsigned int)sizeof(struct s),              \
			 (unsigned int)KMM_ALIGNOF(struct s), (flags), 0)

/* ------------------------------------------------------------ kmalloc */

/**
 * KMM_ZERO_SIZE_PTR - what kmm_kmalloc() returns for a size of 0.
 *
 * The address 16: not NULL, but it faults when used.  kmm_kfree(),
 * kmm_ksize() and kmm_krealloc() accept it.
 */
#define KMM_ZERO_SIZE_PTR ((void *)16)
/**
 * KMM_ZERO_OR_NULL_PTR - is a pointer NULL or %KMM_ZERO_SIZE_PTR?
 * @x: the pointer; evaluated once.
 *
 * Return: Non-zero when @x is NULL or %KMM_ZERO_SIZE_PTR (or below it).
 */
#define KMM_ZERO_OR_NULL_PTR(x) \
	((unsigned long)(x) <= (unsigned long)KMM_ZERO_SIZE_PTR)

/**
 * kmm_kmalloc - allocate memory of any size.
 * @size: bytes.
 * @gfp: GFP flags: %KMM_GFP_KERNEL usually; %KMM_GFP_ATOMIC or
 *       %KMM_GFP_NOWAIT to never map memory; %KMM___GFP_ZERO to zero it;
 *       %KMM___GFP_NOWARN to stay silent on failure.
 *
 * Up to 32 KiB the block comes from one of 40 kmalloc caches (multiples
 * of 16, at most 25% wasted above 128 bytes); up to the vmalloc threshold
 * (4 MiB, or KMM_VMALLOC_THRESHOLD) from a run of whole pages; above it
 * from kmm_vmalloc().  Every block is aligned to 16 bytes, a power-of-two
 * size up to the threshold to its size.  With %KMM___GFP_DMA32 every block
 * is a page run below 4 GiB, and sizes above 4 MiB fail.
 *
 * Context: Any thread, no signal handler.  The fast path (a class with a
 * free object on the thread's list) takes no lock; other paths take cache
 * and zone locks and may map memory, as kmm_alloc_pages().
 * Return: The memory; %KMM_ZERO_SIZE_PTR for a @size of 0; NULL when no
 * memory can be had for @gfp, KMM_MEMORY_LIMIT would be passed, @size is
 * above PTRDIFF_MAX, or @size is above the vmalloc threshold and @gfp
 * lacks %KMM___GFP_DIRECT_RECLAIM.  A failure writes "kmalloc: out of
 * memory for <size> bytes" unless %KMM___GFP_NOWARN.
 */
void *kmm_kmalloc(size_t size, kmm_gfp_t gfp);

/**
 * kmm_kmalloc_array - allocate an array, checking for overflow.
 * @n: number of elements.
 * @size: bytes per element.
 * @gfp: GFP flags, as for kmm_kmalloc().
 *
 * Context: As kmm_kmalloc().
 * Return: As kmm_kmalloc() of @n * @size bytes, or NULL, silently, when
 * the product overflows.
 */
void *kmm_kmalloc_array(size_t n, size_t size, kmm_gfp_t gfp);

/**
 * kmm_krealloc - resize a block of kmm_kmalloc(), keeping its contents.
 * @p: the block, NULL or %KMM_ZERO_SIZE_PTR.
 * @new_size: bytes wanted.
 * @gfp: GFP flags, as for kmm_kmalloc(); with %KMM___GFP_ZERO the bytes
 *       past the old size read as zero, and a block shrunk in place has
 *       its spare bytes cleared.
 *
 * Stays in place when the class holds @new_size and wastes at most half,
 * when a page run shrinks and stays above 16 KiB (its tail goes back) or
 * can grow into the free pages after it; resizes a vmalloc area with
 * mremap(2), without a copy, unless it shrinks below half its size and
 * below the vmalloc threshold.  Otherwise allocates, copies and frees.
 * Aborts the program with a message when @p is a pointer kmm did not hand
 * out.
 *
 * Context: As kmm_kmalloc().
 * Return: The block, moved or not; kmm_kmalloc(@new_size, @gfp) for a
 * NULL or %KMM_ZERO_SIZE_PTR @p; %KMM_ZERO_SIZE_PTR after freeing @p when
 * @new_size is 0; NULL on failure, @p then left as it was.
 */
void *kmm_krealloc(const void *p, size_t new_size, kmm_gfp_t gfp);

/**
 * kmm_kfree - free a block of kmm_kmalloc() and its family.
 * @p: the block, NULL or %KMM_ZERO_SIZE_PTR (both ignored).
 *
 * Takes slab objects, page runs and vmalloc areas alike: the zone table
 * and the vmalloc registry tell which, without reading memory kmm does
 * not own.  Aborts the program with "kmm: kfree(): invalid pointer" for a
 * pointer kmm did not hand out, and "double free of" for an object
 * already free.
 *
 * Context: Any thread, no signal handler.  The fast path (an object
 * whose cache has room on the thread's list) takes no lock; other paths
 * take cache, zone or vmalloc locks and may unmap memory.
 */
void kmm_kfree(const void *p);

/**
 * kmm_kfree_sensitive - zero a block, then free it.
 * @p: the block, NULL or %KMM_ZERO_SIZE_PTR (both ignored).
 *
 * Clears kmm_ksize(@p) bytes with a store the compiler may not drop, for
 * keys and passwords, then frees as kmm_kfree().
 *
 * Context: As kmm_kfree().
 */
void kmm_kfree_sensitive(const void *p);

/**
 * kmm_ksize - the usable size of a block.
 * @p: a block kmm handed out, NULL or %KMM_ZERO_SIZE_PTR.
 *
 * The size of the block's class, page run or vmalloc area: at least what
 * was asked, and the caller may use all of it.
 *
 * Context: Any thread, no signal handler (a vmalloc area is looked up
 * under the registry's lock).
 * Return: The usable size; 0 for NULL, %KMM_ZERO_SIZE_PTR and most
 * pointers kmm did not hand out.
 */
size_t kmm_ksize(const void *p);

/**
 * kmm_kmalloc_size_roundup - the size kmm_ksize() would report.
 * @size: bytes a caller means to ask kmm_kmalloc() for.
 *
 * Lets a caller size a buffer once, without allocating; the kernel
 * recommends it over kmm_ksize().
 *
 * Context: Any, a signal handler included: arithmetic and a table load.
 * Return: The class size up to 32 KiB, @size rounded up to whole pages
 * above; 0 for 0; @size itself when rounding would pass PTRDIFF_MAX.
 */
size_t kmm_kmalloc_size_roundup(size_t size);

/* ------------------------------------------------------------ vmalloc */

/**
 * kmm_vmalloc - allocate memory in a mapping of its own.
 * @size: bytes, rounded up to whole pages.
 *
 * The area is page-aligned and followed by a PROT_NONE guard page, so a
 * run past its end faults.  An area kmm_vfree() kept mapped may be
 * handed out again instead of a new mapping.  It has no struct page.
 *
 * Context: Any thread, no signal handler.  Maps memory; takes the
 * vmalloc registry's lock.
 * Return: The area, or NULL when @size is 0 or too large, the system
 * refuses the mapping, or KMM_MEMORY_LIMIT would be passed.
 */
void *kmm_vmalloc(size_t size);

/**
 * kmm_vzalloc - kmm_vmalloc() of memory that reads as zero.
 * @size: bytes, rounded up to whole pages.
 *
 * A new mapping reads as zero already; a reused area is given back to the
 * system (MADV_DONTNEED) first.
 *
 * Context: As kmm_vmalloc().
 * Return: As kmm_vmalloc().
 */
void *kmm_vzalloc(size_t size);

/**
 * kmm_vmalloc_huge - kmm_vmalloc() backed by transparent huge pages.
 * @size: bytes, rounded up to whole pages.
 * @gfp: GFP flags; only %KMM___GFP_ZERO has an effect.
 *
 * The area is marked MADV_HUGEPAGE and, from 2 MiB on, aligned to 2 MiB.
 *
 * Context: As kmm_vmalloc().
 * Return: As kmm_vmalloc().
 */
void *kmm_vmalloc_huge(size_t size, kmm_gfp_t gfp);

/**
 * kmm_vrealloc - resize a vmalloc area with mremap(2).
 * @p: an area kmm_vmalloc() and its family returned, or NULL.
 * @size: bytes wanted, rounded up to whole pages.
 * @gfp: GFP flags; used when @p is NULL, as for kmm_vmalloc_huge().
 *
 * The pages move, if they must, without a copy; the guard page is made
 * again at the new end.  An area of kmm_vmalloc_huge() may lose its 2 MiB
 * alignment when it moves.
 *
 * Context: As kmm_vmalloc().
 * Return: The area, moved or not; a new area for a NULL @p; NULL after
 * freeing @p when @size is 0; NULL when @p starts no vmalloc area, or on
 * failure, @p then left as it was.
 */
void *kmm_vrealloc(void *p, size_t size, kmm_gfp_t gfp);

/**
 * kmm_vfree - free a vmalloc area.
 * @p: the address kmm_vmalloc() and its family returned, or NULL
 *     (ignored).
 *
 * The area may be kept mapped for reuse (at most 8 areas and 4 times
 * KMM_RETAIN); kept areas are no longer registered.  Aborts the program
 * with "kmm: vfree(): invalid pointer" when @p starts no area.
 *
 * Context: Any thread, no signal handler.  Takes the registry's lock;
 * may unmap memory.
 */
void kmm_vfree(const void *p);

/**
 * kmm_is_vmalloc_addr - does an address lie in a vmalloc area?
 * @p: any address; it is never read.
 *
 * Searches the whole registry, in time proportional to its size: keep it
 * out of hot paths.  Areas kmm_vfree() keeps for reuse are not found.
 *
 * Context: Any thread, no signal handler.  Takes the registry's lock.
 * Return: 1 when @p lies inside a registered area, 0 otherwise.
 */
int kmm_is_vmalloc_addr(const void *p);

/**
 * kmm_vmalloc_to_page - the page of a vmalloc address: there is none.
 * @p: any address.
 *
 * A vmalloc area is a mapping of its own, not pages of kmm's zones; this
 * exists so that code written for the kernel compiles.
 *
 * Context: Any, a signal handler included.
 * Return: NULL, always.
 */
struct kmm_page *kmm_vmalloc_to_page(const void *p);

/* --------------------------------------------- kvmalloc and strings */

/**
 * kmm_kvmalloc - allocate memory from kmalloc, or vmalloc if that fails.
 * @size: bytes.
 * @gfp: GFP flags, as for kmm_kmalloc(); the vmalloc fallback needs
 *       %KMM___GFP_DIRECT_RECLAIM (%KMM_GFP_KERNEL) and no
 *       %KMM___GFP_DMA32, and honours %KMM___GFP_ZERO.
 *
 * The kernel's kvmalloc(): kmm_kmalloc() first, quietly above a page;
 * when that fails and @size is above a page, a vmalloc area.  kmm's
 * kmalloc already hands sizes above the vmalloc threshold to vmalloc,
 * so the fallback serves what the zones cannot.  As in the kernel, sizes
 * above INT_MAX are refused.  Free the block with kmm_kvfree() or
 * kmm_kfree().
 *
 * Context: As kmm_kmalloc().
 * Return: The memory; %KMM_ZERO_SIZE_PTR for a @size of 0; NULL on
 * failure ("kvmalloc: out of memory for <size> bytes" on standard error
 * unless %KMM___GFP_NOWARN).  With %KMM___GFP_NOFAIL it never returns
 * NULL: it aborts the program with a message instead.
 */
void *kmm_kvmalloc(size_t size, kmm_gfp_t gfp);

/**
 * kmm_kvmalloc_array - kmm_kvmalloc() of an array, checking for overflow.
 * @n: number of elements.
 * @size: bytes per element.
 * @gfp: GFP flags, as for kmm_kvmalloc().
 *
 * Context: As kmm_kmalloc().
 * Return: As kmm_kvmalloc() of @n * @size bytes, or NULL, silently, when
 * the product overflows.
 */
void *kmm_kvmalloc_array(size_t n, size_t size, kmm_gfp_t gfp);

/**
 * kmm_kvrealloc - resize a block of kmm_kvmalloc(), keeping its contents.
 * @p: the block, NULL or %KMM_ZERO_SIZE_PTR.
 * @size: bytes wanted.
 * @gfp: GFP flags, as for kmm_kvmalloc().
 *
 * The kernel's kvrealloc(): kmm_krealloc() first, quietly above a page;
 * when that fails, a new block of kmm_kvmalloc(), a copy and a free of
 * @p.
 *
 * Context: As kmm_kmalloc().
 * Return: The block, moved or not; %KMM_ZERO_SIZE_PTR after freeing @p
 * when @size is 0; NULL on failure, @p then left as it was.
 */
void *kmm_kvrealloc(const void *p, size_t size, kmm_gfp_t gfp);

/**
 * kmm_kvfree - free memory of kmm_kvmalloc() and its family.
 * @p: the block, NULL or %KMM_ZERO_SIZE_PTR (both ignored).
 *
 * The same as kmm_kfree(), which takes vmalloc areas too; the kernel's
 * kvfree() asks is_vmalloc_addr() first.
 *
 * Context: As kmm_kfree().
 */
void kmm_kvfree(const void *p);

/**
 * kmm_krealloc_array - kmm_krealloc() of an array, checking for overflow.
 * @p: the block, NULL or %KMM_ZERO_SIZE_PTR.
 * @new_n: number of elements.
 * @new_size: bytes per element.
 * @gfp: GFP flags, as for kmm_krealloc().
 *
 * Context: As kmm_kmalloc().
 * Return: As kmm_krealloc() of @new_n * @new_size bytes, or NULL,
 * silently and with @p left as it was, when the product overflows.
 */
void *kmm_krealloc_array(const void *p, size_t new_n, size_t new_size,
			 kmm_gfp_t gfp);

/**
 * kmm_kmemdup - copy memory into a new block of kmm_kmalloc().
 * @src: the bytes to copy.
 * @len: how many.
 * @gfp: GFP flags, as for kmm_kmalloc().
 *
 * Context: As kmm_kmalloc().
 * Return: The copy; %KMM_ZERO_SIZE_PTR for a @len of 0; NULL on failure.
 */
void *kmm_kmemdup(const void *src, size_t len, kmm_gfp_t gfp);

/**
 * kmm_kmemdup_nul - copy bytes into a new NUL-terminated string.
 * @s: the bytes, or NULL.
 * @len: how many; @s need not be terminated.
 * @gfp: GFP flags, as for kmm_kmalloc().
 *
 * Context: As kmm_kmalloc().
 * Return: A string of @len bytes and a NUL, or NULL for a NULL @s or on
 * failure.
 */
char *kmm_kmemdup_nul(const char *s, size_t len, kmm_gfp_t gfp);

/**
 * kmm_kstrdup - copy a string into a new block of kmm_kmalloc().
 * @s: the string, or NULL.
 * @gfp: GFP flags, as for kmm_kmalloc().
 *
 * Context: As kmm_kmalloc().
 * Return: The copy, or NULL for a NULL @s or on failure.
 */
char *kmm_kstrdup(const char *s, kmm_gfp_t gfp);

/**
 * kmm_kstrndup - copy at most a given length of a string.
 * @s: the string, or NULL.
 * @max: the most bytes to copy, the NUL not counted.
 * @gfp: GFP flags, as for kmm_kmalloc().
 *
 * Context: As kmm_kmalloc().
 * Return: The copy, always NUL-terminated, or NULL for a NULL @s or on
 * failure.
 */
char *kmm_kstrndup(const char *s, size_t max, kmm_gfp_t gfp);

/**
 * kmm_kstrdup_const - copy a string unless it is a constant.
 * @s: the string, or NULL.
 * @gfp: GFP flags, as for kmm_kmalloc().
 *
 * The kernel's kstrdup_const() returns strings of its .rodata as they
 * are; kmm returns a string lying in a read-only segment of the program
 * or of a loaded library (a string literal) as it is, and copies any
 * other.  Free the result with kmm_kfree_const() only.
 *
 * Context: As kmm_kmalloc(); also takes the dynamic loader's lock
 * (dl_iterate_phdr(3)).
 * Return: @s, a copy, or NULL for a NULL @s or on failure.
 */
const char *kmm_kstrdup_const(const char *s, kmm_gfp_t gfp);

/**
 * kmm_kfree_const - free memory unless it is a constant.
 * @p: what kmm_kstrdup_const() returned, a block of kmm_kmalloc(), NULL
 *     or %KMM_ZERO_SIZE_PTR.
 *
 * Does nothing when @p lies in a read-only segment of the program or of
 * a loaded library; frees @p as kmm_kfree() otherwise.
 *
 * Context: As kmm_kfree(); also takes the dynamic loader's lock.
 */
void kmm_kfree_const(const void *p);

/* ------------------------------------------------------ introspection */

/**
 * kmm_dump - write one of the kernel's /proc reports to a file descriptor.
 * @fd: where to write, with write(2).
 * @what: "slabinfo" (version 2.1), "buddyinfo", "vmallocinfo",
 *        "meminfo", or "report": all four after a header naming the
 *        program, its pid, kmm's version and every option in force, as
 *        text or JSON (KMM_STATS_FORMAT); "json": that report as JSON.
 *
 * Uses no stdio and allocates nothing; kmm_dump(3) describes each format.
 *
 * Context: Any thread, no signal handler.  Takes the locks of the layer
 * it reports on; counts kept per thread are read without their owners'
 * locks, so a report is a snapshot, exact when other threads are quiet.
 * Return: 0, or -1 with errno EINVAL for a NULL or unknown @what, or -1
 * with the errno of a failed write.
 */
int kmm_dump(int fd, const char *what);

/**
 * kmm_leak_scan - report the objects nothing points to, as kmemleak does.
 * @fd: where to write the report, with write(2); a negative @fd writes
 *      nothing and only counts.
 *
 * Scans the program's roots (the writable mappings of every loaded
 * object, every thread's stack, the calling thread's registers) and the
 * heap reachable from them for values pointing into objects kmm handed
 * out (slab objects, kmalloc page runs, vmalloc areas), then reports each
 * object nothing points to: its address, size, cache and first bytes,
 * grouped by allocation site (or cache) with counts and bytes, the
 * largest group first, and a summary line.  Pages of the page API are
 * neither reported nor scanned.  kmm_leak_scan(3) describes the report
 * and its limits.
 *
 * Context: Any thread, no signal handler.  Holds kmm's vmalloc and zone
 * locks for the scan (other threads that map memory wait), allocates
 * its bookkeeping from the page allocator and reads /proc/self/maps.
 * Objects other threads allocate or free during the scan may be missed
 * or reported.
 * Return: the number of unreferenced objects, or -1 with errno ENOMEM
 * (no memory for the bookkeeping), EIO (/proc/self/maps unreadable) or
 * that of a failed write.
 */
long kmm_leak_scan(int fd);

/* ------------------------------------------------------------ options */

/**
 * DOC: the program's own defaults
 *
 * A program may define kmm_conf to carry its settings in itself, as
 * jemalloc's malloc_conf: "name=value" pairs separated by commas, each
 * name a KMM_ variable's without "KMM_", in any case:
 *
 *  const char *kmm_conf = "stats=1,retain=1M";
 *
 * kmm reads it once, when it initializes itself, before the environment,
 * whose KMM_ variables override it.  kmm finds the definition when the
 * program is linked with -lkmm; a program that kmm is preloaded into must
 * export it (-rdynamic).  kmm.h only declares it; libkmm defines nothing
 * of that name.
 */
extern const char *kmm_conf;

/* ------------------------------------------------------- kernel names */

#ifndef KMM_NO_KERNEL_NAMES

/**
 * DOC: kernel names of the constants
 *
 * Each is its KMM_ counterpart: %PAGE_SHIFT, %PAGE_SIZE (both left alone
 * if the program defines them), %MAX_PAGE_ORDER, %NR_PAGE_ORDERS; the
 * types gfp_t and slab_flags_t; %__GFP_DIRECT_RECLAIM, %__GFP_HIGH,
 * %__GFP_ZERO, %__GFP_DMA32, %__GFP_NOWARN, %__GFP_COMP, %__GFP_NOFAIL,
 * %__GFP_NORETRY, %GFP_KERNEL, %GFP_USER, %GFP_NOWAIT, %GFP_ATOMIC,
 * %GFP_NOFS, %GFP_NOIO, %GFP_DMA32; %NUMA_NO_NODE; %SLAB_HWCACHE_ALIGN,
 * %SLAB_PANIC, %SLAB_RED_ZONE, %SLAB_POISON, %SLAB_STORE_USER,
 * %SLAB_CONSISTENCY_CHECKS, %SLAB_TRACE,
 * %SLAB_ACCOUNT, %SLAB_RECLAIM_ACCOUNT; %ZERO_SIZE_PTR and
 * ZERO_OR_NULL_PTR().
 *
 * The functions below are static inline, not function-like macros, so
 * they never rewrite a program's own identifiers.  Each takes and returns
 * what its kmm_ function does, with struct page for struct kmm_page and
 * struct kmem_cache for struct kmm_cache.
 */

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
#define GFP_NOFS KMM_GFP_NOFS
#define GFP_NOIO KMM_GFP_NOIO
#define GFP_DMA32 KMM_GFP_DMA32
#define NUMA_NO_NODE KMM_NUMA_NO_NODE

#define SLAB_HWCACHE_ALIGN KMM_SLAB_HWCACHE_ALIGN
#define SLAB_PANIC KMM_SLAB_PANIC
#define SLAB_RED_ZONE KMM_SLAB_RED_ZONE
#define SLAB_POISON KMM_SLAB_POISON
#define SLAB_STORE_USER KMM_SLAB_STORE_USER
#define SLAB_CONSISTENCY_CHECKS KMM_SLAB_CONSISTENCY_CHECKS
#define SLAB_TRACE KMM_SLAB_TRACE
#define SLAB_ACCOUNT KMM_SLAB_ACCOUNT
#define SLAB_RECLAIM_ACCOUNT KMM_SLAB_RECLAIM_ACCOUNT

#define ZERO_SIZE_PTR KMM_ZERO_SIZE_PTR
/**
 * ZERO_OR_NULL_PTR - kernel name of KMM_ZERO_OR_NULL_PTR().
 * @x: the pointer; evaluated once.
 *
 * Return: Non-zero when @x is NULL or %ZERO_SIZE_PTR.
 */
#define ZERO_OR_NULL_PTR(x) KMM_ZERO_OR_NULL_PTR(x)

struct page;
struct kmem_cache;

/**
 * alloc_pages - kernel name of kmm_alloc_pages().
 * @gfp: GFP flags.
 * @order: 0 to %MAX_PAGE_ORDER.
 *
 * Context: As kmm_alloc_pages().
 * Return: The head page, or NULL.
 */
KMM_INLINE struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return (struct page *)kmm_alloc_pages(gfp, order);
}

/**
 * alloc_page - allocate one page: alloc_pages() of order 0.
 * @gfp: GFP flags.
 *
 * Context: As kmm_alloc_pages().
 * Return: The page, or NULL.
 */
KMM_INLINE struct page *alloc_page(gfp_t gfp)
{
	return (struct page *)kmm_alloc_pages(gfp, 0);
}

/**
 * __free_pages - kernel name of kmm_free_pages_page().
 * @page: the head page, or NULL.
 * @order: the block's order.
 *
 * Context: As kmm_free_pages_page().
 */
KMM_INLINE void __free_pages(struct page *page, unsigned int order)
{
	kmm_free_pages_page((struct kmm_page *)page, order);
}

/**
 * __free_page - __free_pages() of order 0.
 * @page: the page, or NULL.
 *
 * Context: As kmm_free_pages_page().
 */
KMM_INLINE void __free_page(struct page *page)
{
	kmm_free_pages_page((struct kmm_page *)page, 0);
}

/**
 * __get_free_pages - kernel name of kmm_get_free_pages().
 * @gfp: GFP flags.
 * @order: 0 to %MAX_PAGE_ORDER.
 *
 * Context: As kmm_alloc_pages().
 * Return: The block's address, or 0.
 */
KMM_INLINE unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	return kmm_get_free_pages(gfp, order);
}

/**
 * __get_free_page - allocate one page, by address.
 * @gfp: GFP flags.
 *
 * Context: As kmm_alloc_pages().
 * Return: The page's address, or 0.
 */
KMM_INLINE unsigned long __get_free_page(gfp_t gfp)
{
	return kmm_get_free_pages(gfp, 0);
}

/**
 * get_zeroed_page - allocate one zeroed page, by address.
 * @gfp: GFP flags; %__GFP_ZERO is added.
 *
 * Context: As kmm_alloc_pages().
 * Return: The page's address, or 0.
 */
KMM_INLINE unsigned long get_zeroed_page(gfp_t gfp)
{
	return kmm_get_free_pages(gfp | __GFP_ZERO, 0);
}

/**
 * free_pages - kernel name of kmm_free_pages().
 * @addr: the block's address, or 0.
 * @order: the block's order.
 *
 * Context: As kmm_free_pages_page().
 */
KMM_INLINE void free_pages(unsigned long addr, unsigned int order)
{
	kmm_free_pages(addr, order);
}

/**
 * free_page - free_pages() of order 0.
 * @addr: the page's address, or 0.
 *
 * Context: As kmm_free_pages_page().
 */
KMM_INLINE void free_page(unsigned long addr)
{
	kmm_free_pages(addr, 0);
}

/**
 * alloc_pages_exact - kernel name of kmm_alloc_pages_exact().
 * @size: bytes, 1 to 4 MiB.
 * @gfp: GFP flags.
 *
 * Context: As kmm_alloc_pages().
 * Return: The memory, or NULL.
 */
KMM_INLINE void *alloc_pages_exact(size_t size, gfp_t gfp)
{
	return kmm_alloc_pages_exact(size, gfp);
}

/**
 * free_pages_exact - kernel name of kmm_free_pages_exact().
 * @virt: the memory, or NULL.
 * @size: the size it was allocated with.
 *
 * Context: As kmm_free_pages_exact().
 */
KMM_INLINE void free_pages_exact(void *virt, size_t size)
{
	kmm_free_pages_exact(virt, size);
}

/**
 * page_address - kernel name of kmm_page_address().
 * @page: a page, or NULL.
 *
 * Context: Any, a signal handler included.
 * Return: The page's address, or NULL.
 */
KMM_INLINE void *page_address(const struct page *page)
{
	return kmm_page_address((const struct kmm_page *)page);
}

/**
 * virt_to_page - kernel name of kmm_virt_to_page().
 * @addr: any address; it is never read.
 *
 * Context: Any, a signal handler included.
 * Return: The page, or NULL for an address kmm's zones do not hold.
 */
KMM_INLINE struct page *virt_to_page(const void *addr)
{
	return (struct page *)kmm_virt_to_page(addr);
}

/**
 * page_count - kernel name of kmm_page_count().
 * @page: any page of an allocated block.
 *
 * Context: Any, a signal handler included.
 * Return: The block's reference count.
 */
KMM_INLINE int page_count(const struct page *page)
{
	return kmm_page_count((const struct kmm_page *)page);
}

/**
 * get_page - kernel name of kmm_get_page().
 * @page: any page of an allocated block.
 *
 * Context: Any, a signal handler included.
 */
KMM_INLINE void get_page(struct page *page)
{
	kmm_get_page((struct kmm_page *)page);
}

/**
 * put_page - kernel name of kmm_put_page().
 * @page: any page of an allocated block.
 *
 * Context: As kmm_free_pages_page().
 */
KMM_INLINE void put_page(struct page *page)
{
	kmm_put_page((struct kmm_page *)page);
}

/**
 * drain_local_pages - kernel name of kmm_drain_local_pages().
 *
 * The kernel's takes a zone; kmm's lists are per thread, so it takes
 * nothing.
 *
 * Context: As kmm_drain_local_pages().
 */
KMM_INLINE void drain_local_pages(void)
{
	kmm_drain_local_pages();
}

/**
 * kmem_cache_create - kernel name of kmm_cache_create().
 * @name: shown in slabinfo.
 * @size: object size.
 * @align: 0 or a power of two up to %PAGE_SIZE.
 * @flags: 0 or SLAB_* flags.
 * @ctor: NULL or a constructor.
 *
 * Context: As kmm_cache_create().
 * Return: The cache, or NULL.
 */
KMM_INLINE struct kmem_cache *
kmem_cache_create(const char *name, unsigned int size, unsigned int align,
		  slab_flags_t flags, void (*ctor)(void *))
{
	return (struct kmem_cache *)kmm_cache_create(name, size, align, flags,
						     ctor);
}

/**
 * kmem_cache_alloc - kernel name of kmm_cache_alloc().
 * @s: the cache.
 * @gfp: GFP flags.
 *
 * Context: As kmm_cache_alloc().
 * Return: An object, or NULL.
 */
KMM_INLINE void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	return kmm_cache_alloc((struct kmm_cache *)s, gfp);
}

/**
 * kmem_cache_zalloc - allocate a zeroed object from a cache.
 * @s: the cache.
 * @gfp: GFP flags; %__GFP_ZERO is added.
 *
 * The object is zeroed after construction, which makes a constructor
 * useless.
 *
 * Context: As kmm_cache_alloc(), never on the lock-free fast path.
 * Return: A zeroed object, or NULL.
 */
KMM_INLINE void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp)
{
	return kmm_cache_alloc((struct kmm_cache *)s, gfp | __GFP_ZERO);
}

/**
 * kmem_cache_free - kernel name of kmm_cache_free().
 * @s: the cache the object came from.
 * @obj: the object, or NULL.
 *
 * Context: As kmm_cache_free().
 */
KMM_INLINE void kmem_cache_free(struct kmem_cache *s, void *obj)
{
	kmm_cache_free((struct kmm_cache *)s, obj);
}

/**
 * kmem_cache_alloc_bulk - kernel name of kmm_cache_alloc_bulk().
 * @s: the cache.
 * @gfp: GFP flags.
 * @nr: how many objects.
 * @p: array of at least @nr pointers.
 *
 * Context: As kmm_cache_alloc().
 * Return: @nr, or 0 with nothing allocated.
 */
KMM_INLINE int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp,
					size_t nr, void **p)
{
	return kmm_cache_alloc_bulk((struct kmm_cache *)s, gfp, nr, p);
}

/**
 * kmem_cache_free_bulk - kernel name of kmm_cache_free_bulk().
 * @s: the cache the objects came from.
 * @nr: how many objects.
 * @p: array of @nr objects.
 *
 * Context: As kmm_cache_free().
 */
KMM_INLINE void kmem_cache_free_bulk(struct kmem_cache *s, size_t nr,
					void **p)
{
	kmm_cache_free_bulk((struct kmm_cache *)s, nr, p);
}

/**
 * kmem_cache_shrink - kernel name of kmm_cache_shrink().
 * @s: the cache.
 *
 * Context: As kmm_cache_shrink().
 * Return: 0.
 */
KMM_INLINE int kmem_cache_shrink(struct kmem_cache *s)
{
	return kmm_cache_shrink((struct kmm_cache *)s);
}

/**
 * kmem_cache_destroy - kernel name of kmm_cache_destroy().
 * @s: the cache, or NULL.
 *
 * Context: As kmm_cache_destroy().
 */
KMM_INLINE void kmem_cache_destroy(struct kmem_cache *s)
{
	kmm_cache_destroy((struct kmm_cache *)s);
}

/**
 * kmem_cache_size - kernel name of kmm_cache_size().
 * @s: the cache.
 *
 * Context: Any, a signal handler included.
 * Return: The object size given at creation.
 */
KMM_INLINE unsigned int kmem_cache_size(struct kmem_cache *s)
{
	return kmm_cache_size((struct kmm_cache *)s);
}

/**
 * kmalloc - kernel name of kmm_kmalloc().
 * @size: bytes.
 * @gfp: GFP flags.
 *
 * Context: As kmm_kmalloc().
 * Return: The memory, %ZERO_SIZE_PTR for 0, or NULL.
 */
KMM_INLINE void *kmalloc(size_t size, gfp_t gfp)
{
	return kmm_kmalloc(size, gfp);
}

/**
 * kzalloc - kmalloc() of zeroed memory.
 * @size: bytes.
 * @gfp: GFP flags; %__GFP_ZERO is added.
 *
 * Context: As kmm_kmalloc(), never on the lock-free fast path.
 * Return: As kmalloc().
 */
KMM_INLINE void *kzalloc(size_t size, gfp_t gfp)
{
	return kmm_kmalloc(size, gfp | __GFP_ZERO);
}

/**
 * kmalloc_array - kernel name of kmm_kmalloc_array().
 * @n: number of elements.
 * @size: bytes per element.
 * @gfp: GFP flags.
 *
 * Context: As kmm_kmalloc().
 * Return: As kmalloc(), or NULL when @n * @size overflows.
 */
KMM_INLINE void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return kmm_kmalloc_array(n, size, gfp);
}

/**
 * kcalloc - kmalloc_array() of zeroed memory.
 * @n: number of elements.
 * @size: bytes per element.
 * @gfp: GFP flags; %__GFP_ZERO is added.
 *
 * Context: As kmm_kmalloc().
 * Return: As kmalloc_array().
 */
KMM_INLINE void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return kmm_kmalloc_array(n, size, gfp | __GFP_ZERO);
}

/**
 * krealloc - kernel name of kmm_krealloc().
 * @p: the block, NULL or %ZERO_SIZE_PTR.
 * @new_size: bytes wanted.
 * @gfp: GFP flags.
 *
 * Context: As kmm_kmalloc().
 * Return: As kmm_krealloc().
 */
KMM_INLINE void *krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	return kmm_krealloc(p, new_size, gfp);
}

/**
 * kfree - kernel name of kmm_kfree().
 * @p: the block, NULL or %ZERO_SIZE_PTR.
 *
 * Context: As kmm_kfree().
 */
KMM_INLINE void kfree(const void *p)
{
	kmm_kfree(p);
}

/**
 * kfree_sensitive - kernel name of kmm_kfree_sensitive().
 * @p: the block, NULL or %ZERO_SIZE_PTR.
 *
 * Context: As kmm_kfree().
 */
KMM_INLINE void kfree_sensitive(const void *p)
{
	kmm_kfree_sensitive(p);
}

/**
 * ksize - kernel name of kmm_ksize().
 * @p: a block, NULL or %ZERO_SIZE_PTR.
 *
 * Context: As kmm_ksize().
 * Return: The usable size, or 0.
 */
KMM_INLINE size_t ksize(const void *p)
{
	return kmm_ksize(p);
}

/**
 * kmalloc_size_roundup - kernel name of kmm_kmalloc_size_roundup().
 * @size: bytes.
 *
 * Context: Any, a signal handler included.
 * Return: The size kmalloc() would give a block of @size bytes.
 */
KMM_INLINE size_t kmalloc_size_roundup(size_t size)
{
	return kmm_kmalloc_size_roundup(size);
}

/**
 * vmalloc - kernel name of kmm_vmalloc().
 * @size: bytes.
 *
 * Context: As kmm_vmalloc().
 * Return: The area, or NULL.
 */
KMM_INLINE void *vmalloc(size_t size)
{
	return kmm_vmalloc(size);
}

/**
 * vzalloc - kernel name of kmm_vzalloc().
 * @size: bytes.
 *
 * Context: As kmm_vmalloc().
 * Return: The zeroed area, or NULL.
 */
KMM_INLINE void *vzalloc(size_t size)
{
	return kmm_vzalloc(size);
}

/**
 * vmalloc_huge - kernel name of kmm_vmalloc_huge().
 * @size: bytes.
 * @gfp: GFP flags; only %__GFP_ZERO has an effect.
 *
 * Context: As kmm_vmalloc().
 * Return: The area, or NULL.
 */
KMM_INLINE void *vmalloc_huge(size_t size, gfp_t gfp)
{
	return kmm_vmalloc_huge(size, gfp);
}

/**
 * vrealloc - kernel name of kmm_vrealloc().
 * @p: the area, or NULL.
 * @size: bytes wanted.
 * @gfp: GFP flags, used when @p is NULL.
 *
 * Context: As kmm_vmalloc().
 * Return: As kmm_vrealloc().
 */
KMM_INLINE void *vrealloc(void *p, size_t size, gfp_t gfp)
{
	return kmm_vrealloc(p, size, gfp);
}

/**
 * vfree - kernel name of kmm_vfree().
 * @p: the area, or NULL.
 *
 * Context: As kmm_vfree().
 */
KMM_INLINE void vfree(const void *p)
{
	kmm_vfree(p);
}

/**
 * is_vmalloc_addr - kernel name of kmm_is_vmalloc_addr().
 * @p: any address.
 *
 * Context: As kmm_is_vmalloc_addr().
 * Return: 1 inside a vmalloc area, 0 otherwise.
 */
KMM_INLINE int is_vmalloc_addr(const void *p)
{
	return kmm_is_vmalloc_addr(p);
}

/**
 * vmalloc_to_page - kernel name of kmm_vmalloc_to_page().
 * @p: any address.
 *
 * Context: Any, a signal handler included.
 * Return: NULL, always: vmalloc areas have no struct page.
 */
KMM_INLINE struct page *vmalloc_to_page(const void *p)
{
	return (struct page *)kmm_vmalloc_to_page(p);
}

/**
 * KMEM_CACHE - kernel name of KMM_CACHE().
 * @s: the struct's tag.
 * @flags: 0 or SLAB_* flags.
 *
 * Return: The cache, or NULL.
 */
#define KMEM_CACHE(s, flags)                                              \
	((struct kmem_cache *)KMM_CACHE(s, flags))

/**
 * kmem_cache_alloc_node - kmem_cache_alloc() on a NUMA node.
 * @s: the cache.
 * @gfp: GFP flags.
 * @node: a node, or %NUMA_NO_NODE; ignored (kmm has one node).
 *
 * Context: As kmm_cache_alloc().
 * Return: An object, or NULL.
 */
KMM_INLINE void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t gfp,
				       int node)
{
	(void)node;
	return kmm_cache_alloc((struct kmm_cache *)s, gfp);
}

/**
 * alloc_pages_node - alloc_pages() on a NUMA node.
 * @nid: a node, or %NUMA_NO_NODE; ignored (kmm has one node).
 * @gfp: GFP flags.
 * @order: 0 to %MAX_PAGE_ORDER.
 *
 * Context: As kmm_alloc_pages().
 * Return: The head page, or NULL.
 */
KMM_INLINE struct page *alloc_pages_node(int nid, gfp_t gfp,
					 unsigned int order)
{
	(void)nid;
	return (struct page *)kmm_alloc_pages(gfp, order);
}

/**
 * kmalloc_node - kmalloc() on a NUMA node.
 * @size: bytes.
 * @gfp: GFP flags.
 * @node: a node, or %NUMA_NO_NODE; ignored (kmm has one node).
 *
 * Context: As kmm_kmalloc().
 * Return: As kmalloc().
 */
KMM_INLINE void *kmalloc_node(size_t size, gfp_t gfp, int node)
{
	(void)node;
	return kmm_kmalloc(size, gfp);
}

/**
 * kzalloc_node - kzalloc() on a NUMA node.
 * @size: bytes.
 * @gfp: GFP flags; %__GFP_ZERO is added.
 * @node: a node, or %NUMA_NO_NODE; ignored.
 *
 * Context: As kmm_kmalloc().
 * Return: As kmalloc().
 */
KMM_INLINE void *kzalloc_node(size_t size, gfp_t gfp, int node)
{
	(void)node;
	return kmm_kmalloc(size, gfp | __GFP_ZERO);
}

/**
 * kmalloc_array_node - kmalloc_array() on a NUMA node.
 * @n: number of elements.
 * @size: bytes per element.
 * @gfp: GFP flags.
 * @node: a node, or %NUMA_NO_NODE; ignored.
 *
 * Context: As kmm_kmalloc().
 * Return: As kmalloc_array().
 */
KMM_INLINE void *kmalloc_array_node(size_t n, size_t size, gfp_t gfp,
				    int node)
{
	(void)node;
	return kmm_kmalloc_array(n, size, gfp);
}

/**
 * kcalloc_node - kcalloc() on a NUMA node.
 * @n: number of elements.
 * @size: bytes per element.
 * @gfp: GFP flags; %__GFP_ZERO is added.
 * @node: a node, or %NUMA_NO_NODE; ignored.
 *
 * Context: As kmm_kmalloc().
 * Return: As kmalloc_array().
 */
KMM_INLINE void *kcalloc_node(size_t n, size_t size, gfp_t gfp, int node)
{
	(void)node;
	return kmm_kmalloc_array(n, size, gfp | __GFP_ZERO);
}

/**
 * krealloc_array - kernel name of kmm_krealloc_array().
 * @p: the block, NULL or %ZERO_SIZE_PTR.
 * @new_n: number of elements.
 * @new_size: bytes per element.
 * @gfp: GFP flags.
 *
 * Context: As kmm_kmalloc().
 * Return: As kmm_krealloc_array().
 */
KMM_INLINE void *krealloc_array(void *p, size_t new_n, size_t new_size,
				gfp_t gfp)
{
	return kmm_krealloc_array(p, new_n, new_size, gfp);
}

/**
 * kvmalloc - kernel name of kmm_kvmalloc().
 * @size: bytes.
 * @gfp: GFP flags.
 *
 * Context: As kmm_kmalloc().
 * Return: The memory, %ZERO_SIZE_PTR for 0, or NULL.
 */
KMM_INLINE void *kvmalloc(size_t size, gfp_t gfp)
{
	return kmm_kvmalloc(size, gfp);
}

/**
 * kvzalloc - kvmalloc() of zeroed memory.
 * @size: bytes.
 * @gfp: GFP flags; %__GFP_ZERO is added.
 *
 * Context: As kmm_kmalloc().
 * Return: As kvmalloc().
 */
KMM_INLINE void *kvzalloc(size_t size, gfp_t gfp)
{
	return kmm_kvmalloc(size, gfp | __GFP_ZERO);
}

/**
 * kvmalloc_node - kvmalloc() on a NUMA node.
 * @size: bytes.
 * @gfp: GFP flags.
 * @node: a node, or %NUMA_NO_NODE; ignored.
 *
 * Context: As kmm_kmalloc().
 * Return: As kvmalloc().
 */
KMM_INLINE void *kvmalloc_node(size_t size, gfp_t gfp, int node)
{
	(void)node;
	return kmm_kvmalloc(size, gfp);
}

/**
 * kvzalloc_node - kvzalloc() on a NUMA node.
 * @size: bytes.
 * @gfp: GFP flags; %__GFP_ZERO is added.
 * @node: a node, or %NUMA_NO_NODE; ignored.
 *
 * Context: As kmm_kmalloc().
 * Return: As kvmalloc().
 */
KMM_INLINE void *kvzalloc_node(size_t size, gfp_t gfp, int node)
{
	(void)node;
	return kmm_kvmalloc(size, gfp | __GFP_ZERO);
}

/**
 * kvmalloc_array - kernel name of kmm_kvmalloc_array().
 * @n: number of elements.
 * @size: bytes per element.
 * @gfp: GFP flags.
 *
 * Context: As kmm_kmalloc().
 * Return: As kvmalloc(), or NULL when @n * @size overflows.
 */
KMM_INLINE void *kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return kmm_kvmalloc_array(n, size, gfp);
}

/**
 * kvcalloc - kvmalloc_array() of zeroed memory.
 * @n: number of elements.
 * @size: bytes per element.
 * @gfp: GFP flags; %__GFP_ZERO is added.
 *
 * Context: As kmm_kmalloc().
 * Return: As kvmalloc_array().
 */
KMM_INLINE void *kvcalloc(size_t n, size_t size, gfp_t gfp)
{
	return kmm_kvmalloc_array(n, size, gfp | __GFP_ZERO);
}

/**
 * kvrealloc - kernel name of kmm_kvrealloc().
 * @p: the block, NULL or %ZERO_SIZE_PTR.
 * @size: bytes wanted.
 * @gfp: GFP flags.
 *
 * The kernel's since 6.12, without the old size.
 *
 * Context: As kmm_kmalloc().
 * Return: As kmm_kvrealloc().
 */
KMM_INLINE void *kvrealloc(const void *p, size_t size, gfp_t gfp)
{
	return kmm_kvrealloc(p, size, gfp);
}

/**
 * kvfree - kernel name of kmm_kvfree().
 * @p: the block, NULL or %ZERO_SIZE_PTR.
 *
 * Context: As kmm_kfree().
 */
KMM_INLINE void kvfree(const void *p)
{
	kmm_kvfree(p);
}

/**
 * kvfree_sensitive - zero a block of kvmalloc(), then free it.
 * @p: the block, NULL or %ZERO_SIZE_PTR.
 * @len: bytes the caller used; kmm clears the whole block, ksize(@p).
 *
 * Context: As kmm_kfree().
 */
KMM_INLINE void kvfree_sensitive(const void *p, size_t len)
{
	(void)len;
	kmm_kfree_sensitive(p);
}

/**
 * kmemdup - kernel name of kmm_kmemdup().
 * @src: the bytes.
 * @len: how many.
 * @gfp: GFP flags.
 *
 * Context: As kmm_kmalloc().
 * Return: The copy, or NULL.
 */
KMM_INLINE void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	return kmm_kmemdup(src, len, gfp);
}

/**
 * kmemdup_nul - kernel name of kmm_kmemdup_nul().
 * @s: the bytes, or NULL.
 * @len: how many.
 * @gfp: GFP flags.
 *
 * Context: As kmm_kmalloc().
 * Return: The NUL-terminated copy, or NULL.
 */
KMM_INLINE char *kmemdup_nul(const char *s, size_t len, gfp_t gfp)
{
	return kmm_kmemdup_nul(s, len, gfp);
}

/**
 * kstrdup - kernel name of kmm_kstrdup().
 * @s: the string, or NULL.
 * @gfp: GFP flags.
 *
 * Context: As kmm_kmalloc().
 * Return: The copy, or NULL.
 */
KMM_INLINE char *kstrdup(const char *s, gfp_t gfp)
{
	return kmm_kstrdup(s, gfp);
}

/**
 * kstrndup - kernel name of kmm_kstrndup().
 * @s: the string, or NULL.
 * @max: the most bytes to copy.
 * @gfp: GFP flags.
 *
 * Context: As kmm_kmalloc().
 * Return: The copy, or NULL.
 */
KMM_INLINE char *kstrndup(const char *s, size_t max, gfp_t gfp)
{
	return kmm_kstrndup(s, max, gfp);
}

/**
 * kstrdup_const - kernel name of kmm_kstrdup_const().
 * @s: the string, or NULL.
 * @gfp: GFP flags.
 *
 * Context: As kmm_kstrdup_const().
 * Return: @s, a copy, or NULL.
 */
KMM_INLINE const char *kstrdup_const(const char *s, gfp_t gfp)
{
	return kmm_kstrdup_const(s, gfp);
}

/**
 * kfree_const - kernel name of kmm_kfree_const().
 * @p: what kstrdup_const() returned, NULL or %ZERO_SIZE_PTR.
 *
 * Context: As kmm_kfree_const().
 */
KMM_INLINE void kfree_const(const void *p)
{
	kmm_kfree_const(p);
}

#endif /* KMM_NO_KERNEL_NAMES */

#ifdef __cplusplus
}
#endif

#endif /* KMM_H */
