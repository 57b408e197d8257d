/*
 * mm_account.c - memory accounting and the list of reclaimers, at the
 * bottom of the layers, beside os.c.
 *
 * The charge.  kmm.mem_used counts the bytes the page allocator and
 * vmalloc have charged: pages handed out or kept on a thread's page
 * lists, vmalloc areas in use or kept for reuse.  KMM_MEMORY_LIMIT caps
 * it.  A charge is one atomic add (and a subtraction if it passed the
 * limit); an uncharge one atomic subtraction.
 *
 * Reclaimers, the kernel's shrinker pattern (include/linux/shrinker.h):
 * each layer that holds free memory registers, from its own init, a
 * struct kmm_reclaimer that counts what it holds and frees what it can.
 * Nothing here names a layer: a lower layer never calls an upper one.
 * A charge that would pass the limit asks the reclaimers that give
 * charged memory back, in order of priority (the cheapest to lose
 * first), retrying the charge after each one that freed something, and
 * fails only when every one was asked.  Some free memory cannot be
 * taken (another thread's object lists, which that thread reads without
 * a lock); what the reclaimers still count as held free once all were
 * asked is not in use, and the limit, which caps memory in use, lets the
 * charge pass by that much.  malloc_trim() asks every reclaimer for
 * everything, those that give resident memory back to the system too.
 *
 * Address space.  Under an address-space limit (RLIMIT_AS) a mapping can
 * fail with ENOMEM while kmm holds free memory mapped.  The one that
 * failed (a zone growing, a vmalloc area, an mremap) calls
 * kmm_mem_reclaim_space(): every reclaimer of charged memory gives all
 * it holds back to the zones (or, kept vmalloc areas, to the system),
 * then those of address space (KMM_RECLAIM_SPACE: empty zones and the
 * free tails of the others, unmapped) run, and the mapping is tried once
 * more if anything went.
 *
 * Decay.  Memory kept for reuse goes back once unused for KMM_DECAY_MS
 * (page_alloc.c, vmalloc.c say how each keeps count).  Time is counted in
 * periods of a quarter of it; the slow paths call kmm_mem_decay(), whose
 * first call of a new period calls each reclaimer's decay hook.  There is
 * no thread of its own: an idle program keeps its memory until its next
 * slow path, or malloc_trim().
 *
 * Registration happens during initialization, one thread only; the list
 * is a small static array, sorted by priority, read without a lock.
 * Reclaimers run with no kmm lock held but, at most, kmm.dead_lock.
 */
#include "internal.h"
#include "mm_account.h"
#include "os.h"
#include "printk.h"

#define KMM_MAX_RECLAIMERS 8

static const struct kmm_reclaimer *reclaimers[KMM_MAX_RECLAIMERS];
static int nr_reclaimers;

void kmm_register_reclaimer(const struct kmm_reclaimer *r)
{
	int i;

	if (nr_reclaimers == KMM_MAX_RECLAIMERS)
		kmm_die("register_reclaimer", "too many reclaimers", r, r->name);
	for (i = nr_reclaimers; i > 0 && reclaimers[i - 1]->priority >
					  r->priority; i--)
		reclaimers[i] = reclaimers[i - 1];
	reclaimers[i] = r;
	nr_reclaimers++;
}

/*
 * Raises kmm.mem_peak to used.  A charge is a page allocator or vmalloc
 * call, never the slab fast path: one relaxed load, and a compare and
 * swap only when a new peak is reached.
 */
static inline void note_peak(size_t used)
{
	size_t peak = atomic_load_explicit(&kmm.mem_peak, memory_order_relaxed);

	while (unlikely(used > peak) &&
	       !atomic_compare_exchange_weak_explicit(&kmm.mem_peak, &peak,
						      used,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

static _Atomic uint64_t decay_seen;

void kmm_mem_decay(void)
{
	long ms = kmm.opt.decay_ms;
	uint64_t period;
	int i;

	if (ms <= 0)
		return;
	period = kmm_os_now_ms() / (uint64_t)MAX(ms / KMM_DECAY_SLOTS, 1) + 1;
	if (atomic_load_explicit(&decay_seen, memory_order_relaxed) == period ||
	    atomic_exchange_explicit(&decay_seen, period,
				     memory_order_relaxed) == period)
		return;
	for (i = 0; i < nr_reclaimers; i++)
		if (reclaimers[i]->decay)
			reclaimers[i]->decay(period);
}

/* The charge, allowed to pass the limit by slack bytes. */
static inline bool try_charge(size_t bytes, size_t slack)
{
	size_t limit = kmm.opt.memory_limit;
	size_t old;

	old = atomic_fetch_add_explicit(&kmm.mem_used, bytes,
					memory_order_relaxed);
	if (limit && old + bytes > limit + slack) {
		atomic_fetch_sub_explicit(&kmm.mem_used, bytes,
					  memory_order_relaxed);
		return false;
	}
	note_peak(old + bytes);
	return true;
}

/* Bytes the charge of bytes would pass the limit by, now. */
static size_t overshoot(size_t bytes)
{
	size_t used = atomic_load_explicit(&kmm.mem_used,
					   memory_order_relaxed);
	size_t limit = kmm.opt.memory_limit;

	return used + bytes > limit ? used + bytes - limit : 0;
}

/* Charged bytes the reclaimers hold free, taken or not. */
size_t kmm_mem_cached(void)
{
	size_t bytes = 0;
	int i;

	for (i = 0; i < nr_reclaimers; i++)
		if (reclaimers[i]->flags & KMM_RECLAIM_CHARGED)
			bytes += reclaimers[i]->count();
	return bytes;
}

static __cold bool charge_slow(size_t bytes)
{
	size_t want;
	int i;

	for (i = 0; i < nr_reclaimers; i++) {
		const struct kmm_reclaimer *r = reclaimers[i];

		if (!(r->flags & KMM_RECLAIM_CHARGED))
			continue;
		want = overshoot(bytes);
		if ((!want || r->reclaim(want)) && try_charge(bytes, 0))
			return true;
	}
	/* Every reclaimer was asked: what they still hold is not in use. */
	return try_charge(bytes, kmm_mem_cached());
}

bool kmm_mem_charge(size_t bytes)
{
	if (likely(try_charge(bytes, 0)))
		return true;
	return charge_slow(bytes);
}

void kmm_mem_uncharge(size_t bytes)
{
	atomic_fetch_sub_explicit(&kmm.mem_used, bytes, memory_order_relaxed);
}

/* Counts bytes that leave kmm's own metadata for the heap, never failing. */
void kmm_mem_charge_force(size_t bytes)
{
	note_peak(atomic_fetch_add_explicit(&kmm.mem_used, bytes,
					    memory_order_relaxed) + bytes);
}

/*
 * A mapping failed for want of address space: asks the reclaimers of
 * charged memory and of address space, in order, for all they hold.
 * Returns the bytes of address space given back (the caller retries its
 * mapping if nonzero).
 */
size_t kmm_mem_reclaim_space(void)
{
	size_t total = 0;
	int i;

	for (i = 0; i < nr_reclaimers; i++) {
		const struct kmm_reclaimer *r = reclaimers[i];
		size_t held, got;

		if (!(r->flags & (KMM_RECLAIM_CHARGED | KMM_RECLAIM_SPACE)))
			continue;
		held = r->count();
		got = held ? r->reclaim(held) : 0;
		if (r->flags & KMM_RECLAIM_SPACE)
			total += got;
	}
	return total;
}

/*
 * malloc_trim's work: asks every reclaimer, in order, for what it holds
 * beyond keep bytes (the memory the first ones free, the later ones give
 * back to the system).  Returns the bytes given back to the system.
 * Zones stay mapped: their address space is given back only when a
 * mapping needs it (kmm_mem_reclaim_space).
 */
size_t kmm_mem_reclaim_all(size_t keep)
{
	size_t total = 0;
	int i;

	for (i = 0; i < nr_reclaimers; i++) {
		const struct kmm_reclaimer *r = reclaimers[i];
		size_t held, got = 0;

		if (!(r->flags & (KMM_RECLAIM_CHARGED | KMM_RECLAIM_RESIDENT)))
			continue;
		held = r->count();
		if (held > keep)
			got = r->reclaim(held - keep);
		if (r->flags & KMM_RECLAIM_RESIDENT)
			total += got;
	}
	return total;
}
