/*
 * page_alloc.h - what the buddy allocator offers the layers above:
 * blocks of 2^order pages, runs of pages, and the per-thread page lists
 * (struct kmm_pcp, kept in struct kmm_thread).
 */
#ifndef KMM_PAGE_ALLOC_H
#define KMM_PAGE_ALLOC_H

#include "mm_types.h"

struct kmm_thread;

#define PCP_ORDERS 4		/* per-thread page lists: orders 0..3 */

struct kmm_pcp {
	struct kmm_page *head;	/* singly linked through lru.next */
	unsigned int count;
};

struct kmm_page *__kmm_alloc_pages(kmm_gfp_t gfp, unsigned int order);
void __kmm_free_pages(struct kmm_page *page, unsigned int order);
/* A run of nr pages (not a power of two): the tail of the block is freed. */
struct kmm_page *kmm_alloc_run(kmm_gfp_t gfp, size_t nr, unsigned int align_order);
void kmm_free_run(struct kmm_page *page, size_t nr);
/*
 * Takes the free pages after a run so it grows from nr to want pages; on
 * failure *in_way is the allocated block in the way, if any.
 */
bool kmm_grow_run(struct kmm_page *page, size_t nr, size_t want,
		  struct kmm_page **in_way);
void kmm_pcp_drain(struct kmm_thread *t);
void kmm_page_alloc_fork_prepare(void);
void kmm_page_alloc_fork_parent(void);
void kmm_page_alloc_fork_child(bool single);
/* Registers the page lists' and the free pages' reclaimers. */
void kmm_page_alloc_init(void);
int kmm_buddy_check(void);	/* 0, or -1 after reporting a broken invariant */
void kmm_buddy_counts(enum zone_type type, unsigned long nr[NR_PAGE_ORDERS]);
struct kmm_page_stats {
	size_t zones, spanned_pages, free_pages, released_pages, reserved_pages;
};
unsigned long kmm_buddy_fresh_blocks(enum zone_type type);
void kmm_page_stats(struct kmm_page_stats *st);
void kmm_prep_compound(struct kmm_page *page, unsigned int order);
void kmm_clear_compound(struct kmm_page *page, unsigned int order);

static inline unsigned int order_for_size(size_t size)
{
	if (size <= PAGE_SIZE)
		return 0;
	return (unsigned int)(64 - __builtin_clzl((size - 1) >> PAGE_SHIFT));
}

#endif /* KMM_PAGE_ALLOC_H */
