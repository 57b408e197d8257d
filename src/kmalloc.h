/*
 * kmalloc.h - what kmalloc.c offers the malloc front: the size classes,
 * the routing entry points with their layout variants, and the fast
 * paths kmalloc_fast() and kfree_fast().
 */
#ifndef KMM_KMALLOC_H
#define KMM_KMALLOC_H

#include "internal.h"
#include "mm_types.h"
#include "slab.h"
#include "thread.h"

#define KMALLOC_MAX_CACHE_SIZE (32UL << 10)
#define KMALLOC_NR_CACHES 40

extern struct kmm_cache *kmalloc_caches[KMALLOC_NR_CACHES];
extern uint8_t kmalloc_size_index[KMALLOC_MAX_CACHE_SIZE / 16 + 1];
extern const unsigned int kmalloc_sizes[KMALLOC_NR_CACHES];

/*
 * What kfree_fast needs of a class to check that a pointer starts an
 * object, with no division: p is one when off = p & slab_mask is a
 * multiple of the size below the last object, that is when
 * off * magic < limit (mod 2^64), with magic = 2^64 / size rounded up
 * (Lemire's divisibility test: off * magic < magic for multiples only,
 * where it is k * e for off = k * size, e = magic * size - 2^64) and
 * limit = min(magic, objects * e) (e = 0: a power of two, no tail).
 */
/* Arrays, not an array of structs: one base address for the three. */
struct kmalloc_geom {
	uintptr_t slab_mask[KMALLOC_NR_CACHES];
	uint64_t magic[KMALLOC_NR_CACHES];
	uint64_t limit[KMALLOC_NR_CACHES];
};
extern struct kmalloc_geom kmalloc_geom __attribute__((visibility("hidden")));

static __always_inline bool kmalloc_object_start(uintptr_t idx,
						 const void *p)
{
	uint64_t off = (uintptr_t)p & kmalloc_geom.slab_mask[idx];

	return off * kmalloc_geom.magic[idx] < kmalloc_geom.limit[idx];
}

void kmm_kmalloc_init(void);
void *__kmm_kmalloc(size_t size, kmm_gfp_t gfp, size_t align);
void __kmm_kfree(void *p, const char *fn);
size_t __kmm_ksize(const void *p);
void *__kmm_krealloc(void *p, size_t size, kmm_gfp_t gfp, const char *fn);
/*
 * The entry points' ways into the routing above once their fast paths
 * failed (or they have none): with kmm.layout.on through the layout
 * policy and the tracking hooks (kmm_*_layout), natively straight on.
 */
void *kmm_kmalloc_layout(size_t size, kmm_gfp_t gfp, size_t align);
void kmm_kfree_layout(void *p, const char *fn);
void *kmm_krealloc_layout(void *p, size_t size, kmm_gfp_t gfp,
			  const char *fn);
size_t kmm_usable_size_layout(const void *p);
size_t kmm_ksize_layout(const void *p);

/*
 * The program's call into the malloc family, set by malloc.c around its
 * slow paths, so that a vmalloc area made for it records that call
 * rather than a frame inside kmm (vmallocinfo's caller).  NULL otherwise.
 */
extern __thread const void *kmm_alloc_caller
	__attribute__((tls_model("initial-exec")));

static __always_inline void *kmm_kmalloc_slow(size_t size, kmm_gfp_t gfp,
					      size_t align)
{
	if (unlikely(kmm.layout.on))
		return kmm_kmalloc_layout(size, gfp, align);
	return __kmm_kmalloc(size, gfp, align);
}

/* kfree_fast's way out: the layout, other owners, other routes, errors. */
static __always_inline void kmm_kfree_slow(void *p, const char *fn)
{
	/* free(NULL) gets here: page 0 has no class. */
	if (unlikely(!p))
		return;
	if (unlikely(kmm.layout.on))
		kmm_kfree_layout(p, fn);
	else
		__kmm_kfree(p, fn);
}

static __always_inline void *kmm_krealloc_slow(void *p, size_t size,
					       kmm_gfp_t gfp, const char *fn)
{
	if (unlikely(kmm.layout.on))
		return kmm_krealloc_layout(p, size, gfp, fn);
	return __kmm_krealloc(p, size, gfp, fn);
}

/* malloc_usable_size(): the class size, or with red zones the size asked. */
static __always_inline size_t kmm_usable_size(const void *p)
{
	if (unlikely(kmm.layout.on))
		return kmm_usable_size_layout(p);
	return __kmm_ksize(p);
}

/* ksize(): the class size; with red zones the block grows to it. */
static __always_inline size_t kmm_ksize_grow(const void *p)
{
	if (unlikely(kmm.layout.on))
		return kmm_ksize_layout(p);
	return __kmm_ksize(p);
}
size_t kmm_vmalloc_threshold(void);

static __always_inline unsigned int kmalloc_index(size_t size)
{
	return kmalloc_size_index[(size + 15) >> 4];
}

/*
 * The malloc fast path: kmalloc caches are the first KMALLOC_NR_CACHES
 * in kmm.caches[], so the class index is the object list index, and their
 * free pointer is at offset 0.  NULL sends the caller to the slow path.
 */
static __always_inline void *kmalloc_fast(size_t size)
{
	struct kmm_objlist *c = &kmm_current->objs[kmalloc_index(size)];
	void *object = c->freelist;

	if (unlikely(!object))
		return NULL;
	return objlist_pop(c, 0, object);
}

/*
 * The free fast path shared by kfree() and free(): a slab object goes to
 * the slab layer after the cheap checks that stay on in release builds;
 * everything else to __kmm_kfree.
 */
static __always_inline void kfree_fast(void *p, const char *fn)
{
	/* 0, no class, wraps past the last: the slow path decides. */
	uintptr_t idx = page_class(p) - 1;

	if (likely(idx < KMALLOC_NR_CACHES)) {
		struct kmm_objlist *c = &kmm_current->objs[idx];

		if (likely(c->count < c->limit &&
			   kmalloc_object_start(idx, p))) {
			objlist_push_at(c, 0, idx, p, fn);
			return;
		}
	}
	kmm_kfree_slow(p, fn);
}

#endif /* KMM_KMALLOC_H */
