/*
 * malloc.c - the C heap on kmm: malloc and its family with glibc's
 * semantics, then one call down into kmalloc.c.
 *
 * This layer alone sets errno: ENOMEM for sizes that overflow, exceed
 * PTRDIFF_MAX or cannot be served (posix_memalign too), EINVAL for bad
 * alignments (posix_memalign returns it only).  free() preserves errno.
 * Every pointer is aligned to 16 bytes: every kmalloc class is a multiple
 * of 16 in a page-aligned slab.
 *
 * glibc's __libc_* names are aliases, so that a pointer glibc's own code
 * allocates through them is freed here too.
 */
#include "internal.h"
#include "kmalloc.h"
#include "mm_account.h"
#include "page_alloc.h"
#include "track.h"
#include "vmalloc.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

/* C23; glibc 2.36 does not declare them yet. */
void free_sized(void *p, size_t size);
void free_aligned_sized(void *p, size_t align, size_t size);

#define MALLOC_GFP (KMM_GFP_KERNEL | KMM___GFP_NOWARN)
#define MALLOC_ALIGN 16

static __cold void *enomem(void)
{
	errno = ENOMEM;
	return NULL;
}

static __noinline void *malloc_slow(size_t size, kmm_gfp_t gfp, size_t align)
{
	void *p;

	if (unlikely(size > (size_t)PTRDIFF_MAX))
		return enomem();
	kmm_init();
	p = kmm_kmalloc_slow(size, gfp, align);
	if (unlikely(!p))
		return enomem();
	return p;
}

static __always_inline void *do_malloc(size_t size)
{
	if (likely(size <= KMALLOC_MAX_CACHE_SIZE)) {
		void *p = kmalloc_fast(size);

		if (likely(p))
			return p;
	}
	return malloc_slow(size, MALLOC_GFP, 0);
}

KMM_EXPORT void *malloc(size_t size)
{
	return do_malloc(size);
}

/*
 * Under memcheck kfree_fast always fails over to its slow path; so does
 * NULL, whose page has no class.
 */
static __always_inline void do_free(void *p)
{
	kfree_fast(p, "free");
}

KMM_EXPORT void free(void *p)
{
	do_free(p);
}

KMM_EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (unlikely(__builtin_mul_overflow(n, size, &total)))
		return enomem();
	if (likely(total <= KMALLOC_MAX_CACHE_SIZE)) {
		p = do_malloc(total);
		if (likely(p))
			memset(p, 0, total);
		return p;
	}
	/* Pages given back to the system read as zero: not cleared again. */
	return malloc_slow(total, MALLOC_GFP | KMM___GFP_ZERO, 0);
}

KMM_EXPORT void *realloc(void *p, size_t size)
{
	void *q;

	if (!p)
		return do_malloc(size);
	if (!size) {
		/* glibc frees and returns NULL. */
		do_free(p);
		return NULL;
	}
	/* Sizes past PTRDIFF_MAX fail below, off the in-place path. */
	q = kmm_krealloc_slow(p, size, MALLOC_GFP, "realloc");
	if (unlikely(!q))
		return enomem();
	return q;
}

KMM_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		return enomem();
	return realloc(p, total);
}

static void *aligned(size_t align, size_t size)
{
	if (align <= MALLOC_ALIGN)
		return do_malloc(size);
	return malloc_slow(size, MALLOC_GFP, align);
}

/*
 * A failure to allocate leaves errno at ENOMEM, as glibc's does (its test
 * suite and the programs written against it check), and returns it; a
 * bad alignment returns EINVAL and leaves errno alone, as glibc does.
 */
KMM_EXPORT int posix_memalign(void **memptr, size_t align, size_t size)
{
	void *p;

	if (!IS_POWER_OF_2(align) || align % sizeof(void *))
		return EINVAL;
	p = aligned(align, size);
	if (!p)
		return ENOMEM;
	*memptr = p;
	return 0;
}

KMM_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	if (!IS_POWER_OF_2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return aligned(align, size);
}

KMM_EXPORT void *memalign(size_t align, size_t size)
{
	/* As glibc: too large is EINVAL, not a power of two rounds up. */
	if (align > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	if (!IS_POWER_OF_2(align) && align > MALLOC_ALIGN)
		align = 1UL << (64 - __builtin_clzl(align));
	return aligned(align, size);
}

KMM_EXPORT void *valloc(size_t size)
{
	return aligned(PAGE_SIZE, size);
}

KMM_EXPORT void *pvalloc(size_t size)
{
	if (size > (size_t)PTRDIFF_MAX)
		return enomem();
	return aligned(PAGE_SIZE, size ? ALIGN_UP(size, PAGE_SIZE) : PAGE_SIZE);
}

KMM_EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	return kmm_usable_size(p);
}

KMM_EXPORT void free_sized(void *p, size_t size)
{
	(void)size;
	do_free(p);
}

KMM_EXPORT void free_aligned_sized(void *p, size_t align, size_t size)
{
	(void)align;
	(void)size;
	do_free(p);
}

KMM_EXPORT int malloc_trim(size_t pad)
{
	size_t freed;

	kmm_init();
	kmm_track_enter();
	freed = kmm_mem_reclaim_all(pad);
	kmm_track_leave();
	return freed > 0;
}

KMM_EXPORT struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 mi;
	struct kmm_page_stats ps;
	struct kmm_vmalloc_stats vs;
	size_t used, held, cached;

	kmm_init();
	memset(&mi, 0, sizeof(mi));
	kmm_page_stats(&ps);
	kmm_vmalloc_stats(&vs);
	/* Runs and areas kept for reuse are charged but not in use. */
	cached = kmm_mem_cached();
	used = atomic_load(&kmm.mem_used);
	used = used > cached ? used - cached : 0;
	held = (ps.spanned_pages - ps.reserved_pages - ps.released_pages)
	       << PAGE_SHIFT;
	mi.arena = held;
	mi.hblks = vs.nr_areas;
	mi.hblkhd = vs.bytes;
	mi.uordblks = used > vs.bytes ? used - vs.bytes : 0;
	mi.fordblks = (ps.free_pages - ps.released_pages) << PAGE_SHIFT;
	mi.ordblks = 0;
	mi.keepcost = 0;
	return mi;
}

KMM_EXPORT struct mallinfo mallinfo(void)
{
	struct mallinfo2 m2 = mallinfo2();
	struct mallinfo mi;

	memset(&mi, 0, sizeof(mi));
	mi.arena = (int)m2.arena;
	mi.hblks = (int)m2.hblks;
	mi.hblkhd = (int)m2.hblkhd;
	mi.uordblks = (int)m2.uordblks;
	mi.fordblks = (int)m2.fordblks;
	return mi;
}

KMM_EXPORT void malloc_stats(void)
{
	kmm_dump(2, "meminfo");
}

KMM_EXPORT int mallopt(int param, int value)
{
	(void)param;
	(void)value;
	return 1;
}

/* The aliases need not repeat the attributes glibc's headers give. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-attributes"
#endif
KMM_EXPORT void *__libc_malloc(size_t) __attribute__((alias("malloc")));
KMM_EXPORT void __libc_free(void *) __attribute__((alias("free")));
KMM_EXPORT void *__libc_calloc(size_t, size_t) __attribute__((alias("calloc")));
KMM_EXPORT void *__libc_realloc(void *, size_t)
	__attribute__((alias("realloc")));
KMM_EXPORT void *__libc_memalign(size_t, size_t)
	__attribute__((alias("memalign")));

void *kmm_new(size_t size, size_t align)
{
	if (align <= MALLOC_ALIGN && likely(size <= KMALLOC_MAX_CACHE_SIZE)) {
		void *p = kmalloc_fast(size);

		if (likely(p))
			return p;
	}
	if (size > (size_t)PTRDIFF_MAX)
		return NULL;
	kmm_init();
	return kmm_kmalloc_slow(size, MALLOC_GFP, align);
}

void kmm_delete(void *p)
{
	do_free(p);
}
