/*
 * mm_account.h - what mm_account.c offers the layers above: the
 * KMM_MEMORY_LIMIT charge, and the registration of reclaimers that a
 * charge which would fail asks first.
 */
#ifndef KMM_MM_ACCOUNT_H
#define KMM_MM_ACCOUNT_H

#include "compiler.h"

/* Charges bytes to KMM_MEMORY_LIMIT, asking the reclaimers if it must. */
bool kmm_mem_charge(size_t bytes);
void kmm_mem_uncharge(size_t bytes);
/* Charges bytes whatever the limit: memory kmm's metadata gives back. */
void kmm_mem_charge_force(size_t bytes);
/* Charged bytes the reclaimers hold free: not in MemUsed. */
size_t kmm_mem_cached(void);
/* Asks every reclaimer for all it holds beyond keep bytes; returns the
 * bytes given back to the system. */
size_t kmm_mem_reclaim_all(size_t keep);

/*
 * A mapping failed with ENOMEM (RLIMIT_AS): asks every reclaimer of
 * charged memory, then of address space, for all it holds.  Returns the
 * bytes of address space given back; nonzero: try the mapping again.
 */
size_t kmm_mem_reclaim_space(void);

/*
 * The decay of free memory kept for reuse (KMM_DECAY_MS), from slow
 * paths: once per period of KMM_DECAY_MS / KMM_DECAY_SLOTS (the first
 * caller of a period; a clock read for the others), every reclaimer with
 * a decay hook releases what it kept unused for the decay time.
 */
#define KMM_DECAY_SLOTS 4
void kmm_mem_decay(void);

/* What a reclaimer gives back. */
enum {
	KMM_RECLAIM_CHARGED = 1u << 0,	/* charged memory: lowers mem_used */
	KMM_RECLAIM_RESIDENT = 1u << 1,	/* resident memory, to the system */
	KMM_RECLAIM_SPACE = 1u << 2,	/* address space: unmaps */
};

/*
 * struct kmm_reclaimer - a layer that holds free memory, as the kernel's
 * struct shrinker.  count() says how many bytes it holds free (charged
 * bytes if KMM_RECLAIM_CHARGED); reclaim(want) frees about want bytes or
 * all it can, and returns the bytes freed.  Lower priority is asked first.
 * Both are called with no kmm lock held but, at most, kmm.dead_lock.
 * decay(period), if set, releases what stayed unused for the decay time
 * (KMM_DECAY_SLOTS periods); called with no kmm lock held.
 */
struct kmm_reclaimer {
	const char *name;
	size_t (*count)(void);
	size_t (*reclaim)(size_t want);
	void (*decay)(uint64_t period);
	int priority;
	unsigned int flags;
};

/* At initialization only; r must live for good. */
void kmm_register_reclaimer(const struct kmm_reclaimer *r);

#endif /* KMM_MM_ACCOUNT_H */
