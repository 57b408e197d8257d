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
#include "printk.h"
#include "track.h"
#include "vmalloc.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>	/* malloc_info() writes to the program's FILE */
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

/* caller: the program's call, for a vmalloc area's record. */
static __noinline void *malloc_slow(size_t size, kmm_gfp_t gfp, size_t align,
				    const void *caller)
{
	void *p;

	if (unlikely(size > (size_t)PTRDIFF_MAX))
		return enomem();
	kmm_init();
	kmm_alloc_caller = caller;
	p = kmm_kmalloc_slow(size, gfp, align);
	kmm_alloc_caller = NULL;
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
	return malloc_slow(size, MALLOC_GFP, 0, __builtin_return_address(0));
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
	return malloc_slow(total, MALLOC_GFP | KMM___GFP_ZERO, 0,
			   __builtin_return_address(0));
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
	kmm_alloc_caller = __builtin_return_address(0);
	q = kmm_krealloc_slow(p, size, MALLOC_GFP, "realloc");
	kmm_alloc_caller = NULL;
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

static __always_inline void *aligned(size_t align, size_t size)
{
	if (align <= MALLOC_ALIGN)
		return do_malloc(size);
	return malloc_slow(size, MALLOC_GFP, align,
			   __builtin_return_address(0));
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
	struct kmm_heap_info hi;
	struct mallinfo2 mi;

	kmm_init();
	kmm_heap_info(&hi);
	memset(&mi, 0, sizeof(mi));
	mi.arena = hi.arena;
	mi.hblks = hi.mmap_count;
	mi.hblkhd = hi.mmap_bytes;
	mi.uordblks = hi.in_use;
	mi.fordblks = hi.free;
	return mi;
}

/* glibc's: each field cut to an int. */
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

/* "<name> = <v right-aligned in 10>\n", as glibc's malloc_stats. */
static int stats_line(char *buf, const char *name, size_t v)
{
	char num[24], *p = num + sizeof(num);
	int n = 0, w;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (*name)
		buf[n++] = *name++;
	buf[n++] = '=';
	buf[n++] = ' ';
	for (w = (int)(num + sizeof(num) - p); w < 10; w++)
		buf[n++] = ' ';
	while (p < num + sizeof(num))
		buf[n++] = *p++;
	buf[n++] = '\n';
	return n;
}

/*
 * glibc's layout on standard error, from kmm's counters: one "arena"
 * (the zones), then the totals with the vmalloc areas.  Written with
 * write(2), as glibc writes it unbuffered.
 */
static __noinline void write_stats(void)
{
	struct kmm_heap_info hi;
	char buf[400];
	int n = 0;

	kmm_heap_info(&hi);
	memcpy(buf, "Arena 0:\n", 9);
	n = 9;
	n += stats_line(buf + n, "system bytes     ", hi.arena);
	n += stats_line(buf + n, "in use bytes     ", hi.in_use);
	memcpy(buf + n, "Total (incl. mmap):\n", 20);
	n += 20;
	n += stats_line(buf + n, "system bytes     ", hi.arena + hi.mmap_bytes);
	n += stats_line(buf + n, "in use bytes     ",
			hi.in_use + hi.mmap_bytes);
	n += stats_line(buf + n, "max mmap regions ", hi.mmap_count);
	n += stats_line(buf + n, "max mmap bytes   ", hi.mmap_bytes);
	kmm_write_all(2, buf, (size_t)n);
}

KMM_EXPORT void malloc_stats(void)
{
	kmm_init();
	write_stats();
}

/*
 * glibc's XML, from kmm's counters: one heap (the zones) whose <sizes>
 * are the free objects of each kmalloc class and the free blocks of each
 * buddy order; "fast" is empty, "rest" all those, "mmap" the vmalloc
 * areas; system max is the peak of memory handed out.  The program's
 * own FILE is written to, after every lock was dropped (stdio may
 * allocate).
 */
static __noinline void write_info(FILE *fp)
{
	unsigned long nr[KMALLOC_NR_CACHES], blocks[NR_PAGE_ORDERS];
	unsigned long dma32[NR_PAGE_ORDERS], count = 0;
	struct kmm_heap_info hi;
	size_t bytes = 0, from = 1, size;
	int i;

	kmm_heap_info(&hi);
	kmm_kmalloc_free_objects(nr);
	kmm_buddy_counts(ZONE_NORMAL, blocks);
	kmm_buddy_counts(ZONE_DMA32, dma32);
	/* Address space never used is no free memory. */
	blocks[MAX_PAGE_ORDER] -= MIN(blocks[MAX_PAGE_ORDER],
				      kmm_buddy_fresh_blocks(ZONE_NORMAL));
	dma32[MAX_PAGE_ORDER] -= MIN(dma32[MAX_PAGE_ORDER],
				     kmm_buddy_fresh_blocks(ZONE_DMA32));
	fputs("<malloc version=\"1\">\n<heap nr=\"0\">\n<sizes>\n", fp);
	for (i = 0; i < KMALLOC_NR_CACHES; i++) {
		size = kmalloc_sizes[i];
		if (nr[i])
			fprintf(fp, "  <size from=\"%zu\" to=\"%zu\" total=\"%zu\" count=\"%lu\"/>\n",
				from, size, size * nr[i], nr[i]);
		count += nr[i];
		bytes += size * nr[i];
		from = size + 1;
	}
	for (i = 0; i < NR_PAGE_ORDERS; i++) {
		unsigned long n = blocks[i] + dma32[i];

		size = (size_t)KMM_PAGE_SIZE << i;
		if (n)
			fprintf(fp, "  <size from=\"%zu\" to=\"%zu\" total=\"%zu\" count=\"%lu\"/>\n",
				i ? size / 2 + 1 : 1, size, size * n, n);
		count += n;
		bytes += size * n;
	}
	fprintf(fp, "</sizes>\n<total type=\"fast\" count=\"0\" size=\"0\"/>\n"
		"<total type=\"rest\" count=\"%lu\" size=\"%zu\"/>\n"
		"<system type=\"current\" size=\"%zu\"/>\n"
		"<system type=\"max\" size=\"%zu\"/>\n"
		"<aspace type=\"total\" size=\"%zu\"/>\n"
		"<aspace type=\"mprotect\" size=\"%zu\"/>\n</heap>\n",
		count, bytes, hi.arena, MAX(hi.peak, hi.arena), hi.aspace,
		hi.arena);
	fprintf(fp, "<total type=\"fast\" count=\"0\" size=\"0\"/>\n"
		"<total type=\"rest\" count=\"%lu\" size=\"%zu\"/>\n"
		"<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n"
		"<system type=\"current\" size=\"%zu\"/>\n"
		"<system type=\"max\" size=\"%zu\"/>\n"
		"<aspace type=\"total\" size=\"%zu\"/>\n"
		"<aspace type=\"mprotect\" size=\"%zu\"/>\n</malloc>\n",
		count, bytes, hi.mmap_count, hi.mmap_bytes,
		hi.arena + hi.mmap_bytes,
		MAX(hi.peak, hi.arena + hi.mmap_bytes),
		hi.aspace + hi.mmap_bytes, hi.arena + hi.mmap_bytes);
}

KMM_EXPORT int malloc_info(int options, FILE *fp)
{
	if (options != 0 || !fp) {
		errno = EINVAL;
		return -1;
	}
	kmm_init();
	write_info(fp);
	return 0;
}

/*
 * The options that have a meaning here: M_TRIM_THRESHOLD sets
 * KMM_RETAIN (free memory kept mapped before it goes back to the
 * system) and, a byte threshold as glibc's, the rule of KMM_DECAY_MS=0, M_MMAP_THRESHOLD sets KMM_VMALLOC_THRESHOLD (sizes above get
 * a mapping of their own), within the bounds kmm(7) gives.  M_ARENA_MAX
 * and M_ARENA_TEST succeed and change nothing: kmm has no arenas, each
 * thread has its own lists.  Other parameters return 0, as glibc does
 * for those it does not know.  The options are plain words, read at
 * each use: a change shows in other threads soon, not at once.
 */
KMM_EXPORT int mallopt(int param, int value)
{
	size_t max_block = PAGE_SIZE << MAX_PAGE_ORDER, v = (size_t)value;

	kmm_init();
	switch (param) {
	case M_TRIM_THRESHOLD:
		if (value < 0)
			return 0;
		kmm.opt.dirty_max = v;
		kmm.opt.decay_ms = 0;
		return 1;
	case M_MMAP_THRESHOLD:
		if (value < 0 || v > max_block)
			return 0;
		kmm.opt.vmalloc_threshold = MAX(v, (size_t)KMALLOC_MAX_CACHE_SIZE);
		return 1;
	case M_ARENA_MAX:
	case M_ARENA_TEST:
		return 1;
	}
	return 0;
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
