/*
 * vmalloc.h - what vmalloc.c offers kmalloc and the public API: areas in
 * mappings of their own, and the registry that knows their sizes.
 */
#ifndef KMM_VMALLOC_H
#define KMM_VMALLOC_H

#include "compiler.h"

void *__kmm_vmalloc(size_t size, size_t align, kmm_gfp_t gfp, bool huge,
		    const void *caller);
/* Size of the area starting at p, or 0 if p starts none. */
size_t kmm_vmalloc_size(const void *p);
/* The size a layer above asked for, when it records one; 0 if none. */
void kmm_vmalloc_set_asked(const void *p, size_t n);
size_t kmm_vmalloc_asked(const void *p);
bool __kmm_vfree(const void *p);
void *__kmm_vrealloc(void *p, size_t size, kmm_gfp_t gfp);
/* Registers the reclaimer of the areas vfree() keeps for reuse. */
void kmm_vmalloc_init(void);
/* For tests: guard regions (MADV_GUARD_INSTALL) or not, and how many
 * PROT_NONE guard pages may be mapped; those mapped now. */
void kmm_vmalloc_set_guards(bool markers, size_t budget);
size_t kmm_vmalloc_guard_vmas(void);
void kmm_vmalloc_fork_prepare(void);
void kmm_vmalloc_fork_parent(void);
void kmm_vmalloc_fork_child(bool single);
struct kmm_vmalloc_stats {
	size_t nr_areas, bytes;
};
void kmm_vmalloc_stats(struct kmm_vmalloc_stats *st);
int kmm_vmallocinfo(int fd);
int kmm_vmalloc_foreach(int (*fn)(void *arg, uintptr_t start, size_t size,
				  const void *caller, size_t pages),
			void *arg);

/* For the leak scan (leak.c), kmm.vmap_lock held: the areas in address
 * order, the area around an address, and the mappings that are not the
 * program's (areas, cached areas, the registry). */
size_t __kmm_vmalloc_count(void);
uintptr_t __kmm_vmalloc_nth(size_t i, size_t *size, const void **caller);
long __kmm_vmalloc_find(uintptr_t a, uintptr_t *start, size_t *size);
uintptr_t __kmm_vmalloc_next_mapping(uintptr_t a, uintptr_t *end);

#endif /* KMM_VMALLOC_H */
