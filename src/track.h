/*
 * track.h - what happens to memory, told to a checking tool.
 *
 * Each layer calls these hooks where memory changes hands: an object
 * out of or into a slab list, a block out of or into the buddy
 * allocator, an area mapped or unmapped.  Memcheck is the one tool
 * today (configure --enable-valgrind, KMM_VALGRIND): the hooks become
 * its client requests.  Without <valgrind/memcheck.h> they compile to
 * nothing; with it, each costs a test of kmm_track_active, decided once
 * at initialization, when the program does not run under memcheck.
 *
 * The hooks:
 *   kmm_track_enter()          kmm starts working on memory the program
 *                              does not own (free objects, slack): the
 *                              tool must not report kmm's own accesses
 *   kmm_track_leave()          that work is done
 *   kmm_track_alloc(p, n, d)   kmm_track_leave(), and p (if not NULL) is
 *                              handed out: n bytes, defined if d (zeroed
 *                              or constructed), else undefined
 *   kmm_track_free(p)          the program gives p back: false when the
 *                              tool reported the free (double or invalid),
 *                              then kmm leaves p alone; true, and kmm's
 *                              work on p begins (end it with leave)
 *   kmm_track_resize(p, o, n)  a live block grows or shrinks in place
 *   kmm_track_noaccess(p, n)   ranges change state outside a block
 *   kmm_track_undefined(p, n)
 *   kmm_track_defined(p, n)
 *   kmm_track_can_remap()      the tool follows pages mremap() moves
 *
 * Memory kmm has not handed out is NOACCESS to the tool (free zone
 * memory from the start, blocks when given back), so the hooks need not
 * describe slack: it stays as it was.
 *
 * The rest (red zones, quarantine, every call on the slow paths) is the
 * layout policy (struct kmm_layout, internal.h), which track.c sets at
 * initialization when memcheck runs the program.  The quarantine lives
 * in track.c, at the bottom, so that every layer can put blocks in it.
 */
#ifndef KMM_TRACK_H
#define KMM_TRACK_H

#include "compiler.h"

void kmm_track_init(void);

/*
 * The quarantine: a freed block waits here, in a bounded FIFO, before
 * release (supplied by the layer that owns it) frees it for real.  Used
 * when kmm.layout.quarantine is set.
 */
void kmm_quarantine_add(void *p, size_t bytes, void (*release)(void *));
void kmm_quarantine_flush(void);
/* Registers the quarantine's reclaimer, when the layout did not. */
void kmm_quarantine_enable(void);
void kmm_quarantine_fork_prepare(void);
void kmm_quarantine_fork_parent(void);
void kmm_quarantine_fork_child(bool single);

#ifdef KMM_VALGRIND

extern bool kmm_track_active;

/* The client requests, one small function each (track.c). */
void kmm_track_quiet_(void);
void kmm_track_loud_(void);
void kmm_track_alloc_(void *p, size_t size, bool defined);
bool kmm_track_free_(const void *p);
void kmm_track_resize_(void *p, size_t old, size_t new);
void kmm_track_noaccess_(const void *p, size_t n);
void kmm_track_undefined_(const void *p, size_t n);
void kmm_track_defined_(const void *p, size_t n);

static __always_inline void kmm_track_enter(void)
{
	if (unlikely(kmm_track_active))
		kmm_track_quiet_();
}

static __always_inline void kmm_track_leave(void)
{
	if (unlikely(kmm_track_active))
		kmm_track_loud_();
}

static __always_inline void kmm_track_alloc(void *p, size_t size,
					    bool defined)
{
	if (unlikely(kmm_track_active))
		kmm_track_alloc_(p, size, defined);
}

static __always_inline bool kmm_track_free(const void *p)
{
	return likely(!kmm_track_active) || kmm_track_free_(p);
}

static __always_inline void kmm_track_resize(void *p, size_t old, size_t new)
{
	if (unlikely(kmm_track_active))
		kmm_track_resize_(p, old, new);
}

static __always_inline void kmm_track_noaccess(const void *p, size_t n)
{
	if (unlikely(kmm_track_active))
		kmm_track_noaccess_(p, n);
}

static __always_inline void kmm_track_undefined(const void *p, size_t n)
{
	if (unlikely(kmm_track_active))
		kmm_track_undefined_(p, n);
}

static __always_inline void kmm_track_defined(const void *p, size_t n)
{
	if (unlikely(kmm_track_active))
		kmm_track_defined_(p, n);
}

/*
 * Memcheck moves the state of pages mremap() moves, but not the block
 * it knows at the old address: under it, an area that must move is
 * copied.
 */
static __always_inline bool kmm_track_can_remap(void)
{
	return likely(!kmm_track_active);
}

#else /* !KMM_VALGRIND */

static __always_inline void kmm_track_enter(void)
{
}

static __always_inline void kmm_track_leave(void)
{
}

static __always_inline void kmm_track_alloc(void *p, size_t size,
					    bool defined)
{
	(void)p;
	(void)size;
	(void)defined;
}

static __always_inline bool kmm_track_free(const void *p)
{
	(void)p;
	return true;
}

static __always_inline void kmm_track_resize(void *p, size_t old, size_t new)
{
	(void)p;
	(void)old;
	(void)new;
}

static __always_inline void kmm_track_noaccess(const void *p, size_t n)
{
	(void)p;
	(void)n;
}

static __always_inline void kmm_track_undefined(const void *p, size_t n)
{
	(void)p;
	(void)n;
}

static __always_inline void kmm_track_defined(const void *p, size_t n)
{
	(void)p;
	(void)n;
}

static __always_inline bool kmm_track_can_remap(void)
{
	return true;
}

#endif /* KMM_VALGRIND */

#endif /* KMM_TRACK_H */
