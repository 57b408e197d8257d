/*
 * page_runs.h - what page_runs.c offers kmalloc: page runs through the
 * thread's run cache (struct kmm_run_list, kept in struct kmm_thread).
 */
#ifndef KMM_PAGE_RUNS_H
#define KMM_PAGE_RUNS_H

#include "mm_types.h"

struct kmm_thread;

/* kmalloc page runs cut from blocks of one order: see page_runs.c. */
struct kmm_run_list {
	struct kmm_page *head;	/* singly linked through lru.next */
	unsigned int pages;
};

/* kmalloc's page runs, through the thread's run cache. */
struct kmm_page *kmm_runs_alloc(kmm_gfp_t gfp, size_t nr,
				unsigned int align_order);
void kmm_runs_free(struct kmm_page *page, size_t nr);
bool kmm_runs_grow(struct kmm_page *page, size_t nr, size_t want);
void kmm_runs_drain(struct kmm_thread *t);
void kmm_runs_init(void);
void kmm_runs_fork_prepare(void);
void kmm_runs_fork_parent(void);
void kmm_runs_fork_child(void);

#endif /* KMM_PAGE_RUNS_H */
