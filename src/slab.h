/*
 * slab.h - what the slab layer offers the layers above: object caches
 * (struct kmm_cache), the free pointer and its mark, the one pop and
 * push of a thread's object list, and the fast paths kmm_slab_alloc()
 * and kmm_slab_free() that use them.
 */
#ifndef KMM_SLAB_H
#define KMM_SLAB_H

#include "mm_types.h"
#include "thread.h"

#include <pthread.h>

struct kmm_cache {
	/* Read on every allocation and free. */
	unsigned int index;	/* in kmm.caches[] and kmm_thread.objs[] */
	unsigned int size;	/* object stride */
	unsigned int offset;	/* free pointer offset in an object */
	unsigned int object_size; /* what the user asked for */
	unsigned int order;	/* slab order */
	unsigned int objects;	/* per slab */
	unsigned int align;
	uint64_t reciprocal;	/* ceil(2^44 / size): exact for slabs up to 1 MiB */
	uintptr_t slab_mask;	/* (PAGE_SIZE << order) - 1 */
	unsigned int cpu_limit;	/* a thread's list limit to start with */
	unsigned int cpu_max;	/* and how far it may grow */
	kmm_slab_flags_t flags;
	void (*ctor)(void *);

	/*
	 * Debug caches (KMM_DEBUG, the KMM_SLAB_* debug flags): the checks
	 * in effect, 0 for other caches, whose threads' lists are the
	 * fast paths; a debug cache has cpu_limit 0 and its threads keep
	 * no list, so each of its allocations and frees takes the slow
	 * path, where slab_debug.c checks it.  Its objects start red_left
	 * bytes into their strides; the metadata follows them (see
	 * slab_debug.c).
	 */
	unsigned int debug;
	unsigned int red_left;
	unsigned int inuse;	/* object_size rounded up to a word */
	unsigned int track;	/* offset of the U records */

	/* Partial and empty unowned slabs: under lock. */
	pthread_mutex_t lock;
	struct list_head partial;
	unsigned long nr_partial;
	unsigned long nr_empty;
	unsigned long min_partial;
	/* Recent peak of slabs in use (slab.c, empty_limit): under lock. */
	unsigned long peak_used, peak_prev;
	unsigned int window_events;

	_Atomic long nr_slabs;
	/* Slabs made and slabs discarded, ever (SLUB's alloc_slab, free_slab). */
	_Atomic unsigned long alloc_slab, free_slab;
	char name[48];
};

struct kmm_cache *kmm_cache_create_internal(const char *name,
					    unsigned int size,
					    unsigned int align,
					    kmm_slab_flags_t flags,
					    void (*ctor)(void *),
					    unsigned int redzone);
void *__kmm_slab_alloc(struct kmm_cache *s, kmm_gfp_t gfp,
		       struct kmm_objlist *c);
void *kmm_slab_alloc_nothread(struct kmm_cache *s, kmm_gfp_t gfp);
void *kmm_slab_alloc_slow(struct kmm_cache *s, kmm_gfp_t gfp);
void kmm_slab_free_slow(struct kmm_cache *s, struct kmm_page *page, void *obj,
		     const char *fn);
void kmm_slab_flush_thread(struct kmm_thread *t);
/* The same for a thread that fork stopped anywhere, in the child. */
void kmm_slab_flush_stopped(struct kmm_thread *t);
/* Registers the reclaimer of empty slabs and free objects on lists. */
void kmm_slab_init(void);
void kmm_slab_fork_prepare(void);
void kmm_slab_fork_parent(void);
void kmm_slab_fork_child(bool single);
struct kmm_slab_stats {
	unsigned long active_objs, num_objs, num_slabs;
};
void kmm_slab_stats(struct kmm_cache *s, struct kmm_slab_stats *st);
/* Empty slabs s keeps now, at most (slab.c: empty_limit). */
unsigned long kmm_slab_empty_limit(struct kmm_cache *s);
void kmm_slab_double_free(const struct kmm_cache *s, const void *obj,
			  const char *fn) __attribute__((noreturn, cold));
/*
 * The same, for the cache of that index.  It does not return, but is not
 * declared so: then the fast paths reach it by a jump, with no frame.
 */
void kmm_slab_double_free_nr(unsigned int index, const void *obj,
			     const char *fn) __attribute__((cold));
/* The head of the chain of free objects a slab holds, and their count. */
void *__kmm_slab_freelist(struct kmm_page *page, unsigned int *count);
/* Sets the limits of a new thread's lists. */
void kmm_slab_thread_init(struct kmm_thread *t);

/* ---------------------------------------------------------- slab_debug.c */

/* The checks of the KMM_SLAB_* debug flags, in the order they run. */
#define KMM_SLAB_DEBUG_FLAGS                                              \
	(KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_RED_ZONE | KMM_SLAB_POISON | \
	 KMM_SLAB_STORE_USER | KMM_SLAB_TRACE)

/*
 * A call site kept by KMM_DEBUG=U: the return address of the program's
 * call into kmm (0 if not found) and the thread.
 */
struct kmm_track {
	uintptr_t addr;
	pid_t tid;
	unsigned int unused;
};

/*
 * Sets the layout of a debug cache (s->debug set): red_left, inuse,
 * offset, track, size, align.  false: its stride would pass max, and
 * the cache is made without checks (s->debug cleared, with a warning).
 */
bool kmm_slab_debug_setup(struct kmm_cache *s, size_t max);
/* A new slab's objects, from the first: red zones, poison, records. */
void kmm_slab_debug_init_slab(struct kmm_cache *s, char *first);
/*
 * An object taken off a slab's free list: checks it and makes it ready
 * for the program; false if it was damaged and KMM_DEBUG_CONTINUE keeps
 * it out of use (it reported; the caller takes another).
 */
bool kmm_slab_debug_alloc(struct kmm_cache *s, struct kmm_page *page,
			  void *object);
/*
 * The program frees p, a pointer into a slab of s: checks it (an object's
 * start, not free already, red zones whole) and poisons it; false if it
 * must not go back to the free list (it reported and KMM_DEBUG_CONTINUE
 * goes on).
 */
bool kmm_slab_debug_free(struct kmm_cache *s, struct kmm_page *page,
			 void *p, const char *fn);
/*
 * The last allocation site of a live object of a cache with U (the
 * kmemleak side of KMM_DEBUG): false if s has no U records.
 */
bool kmm_slab_debug_alloc_site(const struct kmm_cache *s, const void *object,
			       struct kmm_track *site);
/* "module+0xoffset" of a code address, for reports: into buf, len bytes. */
void kmm_format_site(char *buf, size_t len, uintptr_t addr);

/* Is p the start of an object of the debug cache s, at page? */
static inline bool slab_debug_object_ok(const struct kmm_cache *s,
					const void *p)
{
	uintptr_t off = (uintptr_t)p & s->slab_mask;

	if (off < s->red_left)
		return false;
	off -= s->red_left;
	return off % s->size == 0 && off / s->size < s->objects;
}

/*
 * Free lists run through the free objects.  At s->offset a free object
 * holds its free pointer, encoded (the kernel's
 * CONFIG_SLAB_FREELIST_HARDENED, glibc's safe-linking): stored as
 *
 *   w[0] = next ^ kmm_freelist_secret ^ bswap(&w[0])
 *
 * so a read after free learns no heap address, and a write after free
 * of a chosen address, or of a few low bytes, decodes to noise.  In the
 * next word is its mark, the xor of a second secret (the mark's own, so
 * that one leaked secret does not give the other), its address and
 * the encoded word:
 *
 *   w[1] = kmm_free_cookie ^ object ^ w[0]
 *
 * The mark has two jobs.  A free that finds it is a double free, as
 * glibc's tcache key: a live object holds it only if the program wrote
 * that exact value there.  And a pop checks it before it decodes the
 * link and trusts it, so a link that a program overwrote (an overflow
 * from a live neighbour, a write after free) is reported, never
 * followed: only what kmm put on a list comes off it, each object once,
 * since a pop clears the mark and a list that loops back to an object
 * handed out finds it gone.  This check authenticates the whole word:
 * a check of the decoded pointer alone (is it an object of this cache?)
 * passes a partial overwrite, which moves an xor-encoded pointer inside
 * its page.  Per pop: two loads, four xors, a byte swap and a compare;
 * no page lookup.
 * Each list knows its length too (c->count, the count in the slab's freelist word):
 * a list that ends early is corrupt as well.
 */
extern uintptr_t kmm_free_cookie __attribute__((visibility("hidden")));
extern uintptr_t kmm_freelist_secret __attribute__((visibility("hidden")));
/* KMM_HARDEN, a byte of its own: one compare with memory per test. */
extern bool kmm_harden __attribute__((visibility("hidden")));

/* c's list holds object, whose mark does not match its word w0: abort. */
void kmm_freelist_corrupted(const struct kmm_objlist *c, const void *object,
			    uintptr_t w0) __attribute__((noreturn, cold));

/* The mark of an object free with the stored (encoded) word w0. */
static __always_inline uintptr_t free_mark(const void *object, uintptr_t w0)
{
	return kmm_free_cookie ^ (uintptr_t)object ^ w0;
}

static __always_inline uintptr_t *free_words(unsigned int offset,
					     void *object)
{
	return (uintptr_t *)((char *)object + offset);
}

/*
 * KMM_HARDEN (default on), set before the first slab is made.  Off, the
 * free pointer is stored in clear and carries no mark: no link check,
 * and a double free is caught only at the head of the thread's list.
 */
static __always_inline bool kmm_hardened(void)
{
	return likely(kmm_harden);
}

/* What the free pointer stored at slot mixes with; its own inverse. */
static __always_inline uintptr_t freeptr_key(const uintptr_t *slot)
{
	if (!kmm_hardened())
		return 0;
	return kmm_freelist_secret ^ __builtin_bswap64((uintptr_t)slot);
}

static __always_inline uintptr_t freeptr_encode(const uintptr_t *slot,
						const void *fp)
{
	return (uintptr_t)fp ^ freeptr_key(slot);
}

static __always_inline void *freeptr_decode(const uintptr_t *slot,
					    uintptr_t w0)
{
	return (void *)(w0 ^ freeptr_key(slot));
}

/* object's free pointer, after its mark is checked; object is on list c. */
static __always_inline void *objlist_next(const struct kmm_objlist *c,
					  unsigned int offset, void *object)
{
	uintptr_t *w = free_words(offset, object);
	uintptr_t w0 = w[0];

	if (!kmm_hardened())
		return (void *)w0;
	if (unlikely(w[1] != free_mark(object, w0)))
		kmm_freelist_corrupted(c, object, w0);
	return freeptr_decode(w, w0);
}

/* Links object to fp and marks it free. */
static __always_inline void set_freepointer(const struct kmm_cache *s,
					    void *object, void *fp)
{
	uintptr_t *w = free_words(s->offset, object);
	uintptr_t w0 = freeptr_encode(w, fp);

	w[0] = w0;
	if (kmm_hardened())
		w[1] = free_mark(object, w0);
}

/*
 * A free of an object that is free already: its mark says so, or it is
 * the head of the thread's list c, whose mark a write after free may
 * have cleared (glibc's fastbin check, "double free or corruption
 * (fasttop)").  c is NULL when the object goes straight to its slab.
 */
static __always_inline void check_double_free(const struct kmm_cache *s,
					      const struct kmm_objlist *c,
					      void *object, const char *fn)
{
	uintptr_t *w = free_words(s->offset, object);

	if (unlikely((kmm_hardened() && w[1] == free_mark(object, w[0])) ||
		     (c && object == c->freelist)))
		kmm_slab_double_free(s, object, fn);
}

/*
 * The thread's list c of a cache: pop and push, no lock, no atomic.  The
 * pop needs only the free pointer offset (0 in kmalloc caches), so
 * kmalloc_fast() loads nothing of the cache.
 */
static __always_inline void *objlist_pop(struct kmm_objlist *c,
					  unsigned int offset, void *object)
{
	c->freelist = objlist_next(c, offset, object);
	c->count--;
	if (kmm_hardened())
		free_words(offset, object)[1] = 0;
	return object;
}

/* Pushes object onto c, the list of the cache of that index. */
static __always_inline void objlist_push_at(struct kmm_objlist *c,
					     unsigned int offset,
					     unsigned int index, void *object,
					     const char *fn)
{
	uintptr_t *w = free_words(offset, object);
	uintptr_t key, w0;
	void *head = c->freelist;

	if (!kmm_hardened()) {
		if (unlikely(object == head))
			return kmm_slab_double_free_nr(index, object, fn);
		w[0] = (uintptr_t)head;
		c->freelist = object;
		c->count++;
		return;
	}
	/* check_double_free(), with the secret loaded once. */
	key = kmm_free_cookie ^ (uintptr_t)object;
	if (unlikely(w[1] == (key ^ w[0]) || object == head))
		return kmm_slab_double_free_nr(index, object, fn);
	w0 = freeptr_encode(w, head);
	w[1] = key ^ w0;
	c->freelist = object;
	w[0] = w0;
	c->count++;
}

static __always_inline void objlist_push(const struct kmm_cache *s,
					  struct kmm_objlist *c, void *object,
					  const char *fn)
{
	objlist_push_at(c, s->offset, s->index, object, fn);
}

/*
 * The fast paths: allocation pops the thread's list of the cache, a free
 * pushes onto it while it has room.
 */
static __always_inline void *kmm_slab_alloc(struct kmm_cache *s,
					    kmm_gfp_t gfp)
{
	struct kmm_objlist *c = &kmm_current->objs[s->index];
	void *object = c->freelist;

	if (unlikely(!object))
		return kmm_slab_alloc_slow(s, gfp);
	return objlist_pop(c, s->offset, object);
}

static __always_inline void kmm_slab_free(struct kmm_cache *s,
					  struct kmm_page *page, void *object,
					  const char *fn)
{
	struct kmm_objlist *c = &kmm_current->objs[s->index];

	if (likely(c->count < c->limit)) {
		objlist_push(s, c, object, fn);
		return;
	}
	kmm_slab_free_slow(s, page, object, fn);
}

/*
 * Is p the start of an object of the slab at page?  Multiplication by a
 * reciprocal, not division: this runs on every free.
 */
static __always_inline bool slab_object_ok(const struct kmm_cache *s,
					   const struct kmm_page *page,
					   const void *p)
{
	/* Slabs are naturally aligned buddy blocks. */
	uint64_t off = (uintptr_t)p & s->slab_mask;
	uint64_t idx = (off * s->reciprocal) >> 44;

	(void)page;
	return idx * s->size == off && idx < s->objects;
}

/*
 * The slow paths' check: slab_object_ok, which a debug cache's objects
 * fail when they start red_left bytes into their strides; those get the
 * exact test only after the common one failed, so other caches pay
 * nothing.  (A stride's start passes the first test: slab_debug.c checks
 * the pointers it is given exactly.)
 */
static __always_inline bool slab_object_valid(const struct kmm_cache *s,
					      const struct kmm_page *page,
					      const void *p)
{
	return likely(slab_object_ok(s, page, p)) ||
	       (s->debug && slab_debug_object_ok(s, p));
}

#endif /* KMM_SLAB_H */
