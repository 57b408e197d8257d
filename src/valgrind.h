/*
 * valgrind.h - memcheck annotations.  They compile to nothing unless
 * configured with --enable-valgrind (KMM_VALGRIND), and cost one
 * well-predicted branch on a global when not running under Valgrind:
 * kmm_vg_active is decided once, at initialization.
 *
 * Under memcheck every public entry point takes the path in vg.c, which
 * runs kmm's own code with error reporting off (kmm reads and writes the
 * free objects it manages) and describes the blocks it hands out with
 * client requests.  See vg.c.
 */
#ifndef KMM_VALGRIND_H
#define KMM_VALGRIND_H

#include "internal.h"

#ifdef KMM_VALGRIND
#include <valgrind/memcheck.h>

extern bool kmm_vg_active;

static __always_inline bool kmm_vg(void)
{
	return unlikely(kmm_vg_active);
}

#define kmm_vg_noaccess(p, n) VALGRIND_MAKE_MEM_NOACCESS(p, n)
#define kmm_vg_defined(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)
#define kmm_vg_quiet_begin()                                  \
	do {                                                  \
		if (kmm_vg())                                 \
			VALGRIND_DISABLE_ERROR_REPORTING;     \
	} while (0)
#define kmm_vg_quiet_end()                                    \
	do {                                                  \
		if (kmm_vg())                                 \
			VALGRIND_ENABLE_ERROR_REPORTING;      \
	} while (0)

#else

static __always_inline bool kmm_vg(void)
{
	return false;
}

#define kmm_vg_noaccess(p, n) ((void)(p), (void)(n))
#define kmm_vg_defined(p, n) ((void)(p), (void)(n))
#define kmm_vg_quiet_begin() do { } while (0)
#define kmm_vg_quiet_end() do { } while (0)

#endif

void kmm_vg_init(void);
void kmm_vg_fork_prepare(void);
void kmm_vg_fork_parent(void);
void kmm_vg_fork_child(bool single);

/* The entry points under memcheck (vg.c). */
void *kmm_vg_kmalloc(size_t size, kmm_gfp_t gfp, size_t align);
void kmm_vg_kfree(void *p, const char *fn);
void *kmm_vg_krealloc(void *p, size_t size, kmm_gfp_t gfp, const char *fn);
size_t kmm_vg_ksize(const void *p);
size_t kmm_vg_usable_size(const void *p);
void *kmm_vg_cache_alloc(struct kmm_cache *s, kmm_gfp_t gfp);
void kmm_vg_cache_free(struct kmm_cache *s, void *obj);
struct kmm_page *kmm_vg_alloc_pages(kmm_gfp_t gfp, unsigned int order);
void kmm_vg_free_pages(struct kmm_page *page);
void *kmm_vg_alloc_exact(size_t size, kmm_gfp_t gfp);
void kmm_vg_free_exact(void *virt, size_t size);
void *kmm_vg_vmalloc(size_t size, kmm_gfp_t gfp, bool huge,
		     const void *caller);
void kmm_vg_vfree(const void *p);
void *kmm_vg_vrealloc(void *p, size_t size, kmm_gfp_t gfp);
void kmm_vg_quarantine_flush(void);

#endif
