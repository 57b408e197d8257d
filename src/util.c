/*
 * util.c - the kernel's mm/util.c helpers over kmalloc and vmalloc:
 * kvmalloc (slab or page run when it fits, a vmalloc area otherwise),
 * kvrealloc, the string and memory duplicators, and kfree_const.
 *
 * Nothing here keeps state or takes a lock of its own: each function is
 * a few calls to kmalloc.c and vmalloc.c, as in the kernel.
 *
 * Where the kernel asks whether a string lies in its .rodata, kmm asks
 * whether it lies in a read-only segment of a loaded ELF object (the
 * program, or a library): string literals do, the heap and stacks do not.
 */
#include "internal.h"
#include "printk.h"

#include <limits.h>
#include <link.h>
#include <string.h>

/*
 * kmalloc's flags for the first try of kvmalloc: above a page, quiet and
 * not __GFP_NOFAIL, since vmalloc comes next (the kernel's
 * kmalloc_gfp_adjust()).
 */
static kmm_gfp_t kmalloc_gfp_adjust(kmm_gfp_t gfp, size_t size)
{
	if (size > PAGE_SIZE) {
		gfp |= KMM___GFP_NOWARN | KMM___GFP_NORETRY;
		gfp &= ~KMM___GFP_NOFAIL;
	}
	return gfp;
}

/*
 * May kvmalloc fall back to vmalloc?  Only when the caller may wait (a
 * vmalloc area is a new mapping) and asked for no memory below 4 GiB
 * (an area may lie anywhere).
 */
static bool vmalloc_allowed(kmm_gfp_t gfp)
{
	return (gfp & KMM___GFP_DIRECT_RECLAIM) && !(gfp & KMM___GFP_DMA32);
}

/*
 * "kvmalloc: out of memory for <size> bytes" unless __GFP_NOWARN; with
 * __GFP_NOFAIL the program cannot go on: the message, then abort.
 */
static __cold void kv_failed(size_t size, kmm_gfp_t gfp)
{
	const char *why = size > INT_MAX ? "size above INT_MAX:" :
					   "out of memory for";

	if (gfp & KMM___GFP_NOFAIL)
		kmm_fatal("kvmalloc: __GFP_NOFAIL: %s %zu bytes", why, size);
	if (!(gfp & KMM___GFP_NOWARN))
		kmm_report("kvmalloc: %s %zu bytes", why, size);
}

static void *kvmalloc_vmalloc(size_t size, kmm_gfp_t gfp)
{
	return (gfp & KMM___GFP_ZERO) ? kmm_vzalloc(size) : kmm_vmalloc(size);
}

KMM_EXPORT void *kmm_kvmalloc(size_t size, kmm_gfp_t gfp)
{
	void *p;

	p = kmm_kmalloc(size, kmalloc_gfp_adjust(gfp, size));
	if (p || size <= PAGE_SIZE)
		return p;
	if (!vmalloc_allowed(gfp))
		goto fail;
	/* The kernel's limit: a size past INT_MAX is taken for a bug. */
	if (size > INT_MAX)
		goto fail;
	p = kvmalloc_vmalloc(size, gfp);
	if (p)
		return p;
fail:
	kv_failed(size, gfp);
	return NULL;
}

KMM_EXPORT void *kmm_kvmalloc_array(size_t n, size_t size, kmm_gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmm_kvmalloc(bytes, gfp);
}

KMM_EXPORT void *kmm_kvrealloc(const void *p, size_t size, kmm_gfp_t gfp)
{
	size_t old;
	void *n;

	n = kmm_krealloc(p, size, kmalloc_gfp_adjust(gfp, size));
	if (n || size <= PAGE_SIZE)
		return n;
	/* krealloc could not: a new block, a copy, and the old one freed. */
	n = kmm_kvmalloc(size, gfp);
	if (!n)
		return NULL;
	if (!KMM_ZERO_OR_NULL_PTR(p)) {
		old = kmm_ksize(p);
		memcpy(n, p, MIN(old, size));
		kmm_kfree(p);
	}
	return n;
}

KMM_EXPORT void kmm_kvfree(const void *p)
{
	kmm_kfree(p);
}

KMM_EXPORT void *kmm_krealloc_array(const void *p, size_t new_n,
				    size_t new_size, kmm_gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(new_n, new_size, &bytes))
		return NULL;
	return kmm_krealloc(p, bytes, gfp);
}

KMM_EXPORT void *kmm_kmemdup(const void *src, size_t len, kmm_gfp_t gfp)
{
	void *p = kmm_kmalloc(len, gfp);

	if (p && len)
		memcpy(p, src, len);
	return p;
}

KMM_EXPORT char *kmm_kmemdup_nul(const char *s, size_t len, kmm_gfp_t gfp)
{
	char *p;

	if (!s || len == SIZE_MAX)
		return NULL;
	p = kmm_kmalloc(len + 1, gfp);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

KMM_EXPORT char *kmm_kstrdup(const char *s, kmm_gfp_t gfp)
{
	if (!s)
		return NULL;
	return kmm_kmemdup_nul(s, strlen(s), gfp);
}

KMM_EXPORT char *kmm_kstrndup(const char *s, size_t max, kmm_gfp_t gfp)
{
	if (!s)
		return NULL;
	return kmm_kmemdup_nul(s, strnlen(s, max), gfp);
}

struct rodata_query {
	uintptr_t addr;
	bool found;
};

static int rodata_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct rodata_query *q = arg;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		if (q->addr >= start && q->addr - start < ph->p_memsz) {
			q->found = true;
			return 1;
		}
	}
	return 0;
}

/*
 * Does p lie in a read-only loaded segment of the program or a library?
 * The kernel's is_kernel_rodata().  dl_iterate_phdr() takes the loader's
 * lock and allocates nothing.
 */
static bool is_rodata(const void *p)
{
	struct rodata_query q = { (uintptr_t)p, false };

	if (!p)
		return false;
	dl_iterate_phdr(rodata_one, &q);
	return q.found;
}

KMM_EXPORT const char *kmm_kstrdup_const(const char *s, kmm_gfp_t gfp)
{
	if (is_rodata(s))
		return s;
	return kmm_kstrdup(s, gfp);
}

KMM_EXPORT void kmm_kfree_const(const void *p)
{
	if (!is_rodata(p))
		kmm_kfree(p);
}
