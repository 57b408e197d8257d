/*
 * api.c - libFuzzer target: random sequences of the whole API.
 *
 * Property: whatever the sequence of calls, every block handed out keeps
 * what the program wrote in it until it frees it (each live block holds
 * one byte value over its whole length, checked when it is resized or
 * freed, at its ends after every step, and all over at the end of the
 * input); zeroed allocations read as zero; objects of a cache with a
 * constructor come out constructed; alignments asked for are kept; and
 * kmm's own invariants hold (the target is built with KMM_BUG_ON on and
 * calls kmm_buddy_check() as it goes); a leak scan (kmm_leak_scan) now
 * and then completes over any state of the heap.  A failure aborts with
 * the step that broke it.
 *
 * The byte stream is read as operations of a few bytes each: an opcode,
 * a slot of the table of live blocks, sizes and flags.  kmm is the
 * process's malloc here (malloc.c is linked in), libFuzzer's own
 * allocations included.  Built by "make fuzz" (test/fuzz.am).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KMM_NO_KERNEL_NAMES
#include "kmm.h"

int kmm_buddy_check(void);	/* src/page_alloc.c */

#define SLOTS 64
#define CACHES 4
#define CTOR_BYTE 0xc7
#define LIVE_MAX (32UL << 20)

enum kind { FREE_SLOT, MALLOC, KMALLOC, CACHE_OBJ, PAGES, VMALLOC };

struct slot {
	unsigned char *p;
	size_t size;
	enum kind kind;
	unsigned char fill;
	unsigned int order;	/* PAGES */
	int cache;		/* CACHE_OBJ */
};

static struct slot slots[SLOTS];
static struct kmm_cache *caches[CACHES];
static unsigned int cache_size[CACHES];
static size_t live;
static unsigned long step;

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned int byte(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static __attribute__((noreturn)) void broken(const char *what, const void *p,
					      size_t off)
{
	fprintf(stderr, "fuzz/api: step %lu: %s (block %p, offset %zu)\n",
		step, what, p, off);
	abort();
}

/* A size: mostly small, sometimes a page run, rarely past 4 MiB. */
static size_t size_of(struct input *in)
{
	unsigned int c = byte(in), v = byte(in) | byte(in) << 8;

	switch (c & 7) {
	case 0: case 1: case 2: case 3:
		return v % 300;
	case 4: case 5:
		return v % 5000;
	case 6:
		return v * 2UL % (80UL << 10);
	default:
		/* Past the vmalloc threshold (4 MiB) one time in eight. */
		if (c & 0x38)
			return (size_t)v * 8 % (1UL << 20);
		return (size_t)v * 97 % (6UL << 20);
	}
}

/*
 * Not instrumented: a loop over megabytes under the fuzzer's comparison
 * hooks would take most of the time, and its coverage says nothing.
 */
__attribute__((no_sanitize("coverage"), noinline))
static void check_bytes(const unsigned char *p, size_t n, unsigned char want,
			const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != want)
			broken(what, p, i);
}

/* A block's ends: cheap enough for every live block after every step. */
static void check_ends(const struct slot *s)
{
	size_t n = s->size < 32 ? s->size : 32;

	check_bytes(s->p, n, s->fill, "start of a live block changed");
	check_bytes(s->p + s->size - n, n, s->fill,
		    "end of a live block changed");
}

static void fill(struct slot *s, unsigned char v)
{
	s->fill = v;
	memset(s->p, v, s->size);
}

static void release(struct slot *s)
{
	if (s->kind == FREE_SLOT)
		return;
	check_bytes(s->p, s->size, s->fill, "a block changed before its free");
	switch (s->kind) {
	case MALLOC:
		free(s->p);
		break;
	case KMALLOC:
		kmm_kfree(s->p);
		break;
	case CACHE_OBJ:
		/* Back in its constructed state, as the kernel requires. */
		if (cache_size[s->cache] & 1)
			memset(s->p, CTOR_BYTE, s->size);
		kmm_cache_free(caches[s->cache], s->p);
		break;
	case PAGES:
		kmm_free_pages_page(kmm_virt_to_page(s->p), s->order);
		break;
	case VMALLOC:
		kmm_vfree(s->p);
		break;
	default:
		break;
	}
	live -= s->size;
	memset(s, 0, sizeof(*s));
}

static void ctor(void *obj)
{
	/* The object's size is not passed: the cache's is the largest. */
	memset(obj, CTOR_BYTE, 8);
}

static void placed(struct slot *s, void *p, size_t size, enum kind kind,
		   unsigned char v)
{
	s->p = p;
	s->size = size;
	s->kind = kind;
	live += size;
	fill(s, v);
}

static void do_alloc(struct input *in, struct slot *s, unsigned int op)
{
	size_t size = size_of(in), align;
	unsigned char v = (unsigned char)(byte(in) | 1);
	void *p = NULL;
	int err;

	if (live + size > LIVE_MAX)
		return;
	switch (op) {
	case 0:
		p = malloc(size);
		break;
	case 1: {
		size_t n = byte(in) % 8 + 1;

		p = calloc(n, size / n);
		size = size / n * n;
		if (p)
			check_bytes(p, size, 0, "calloc memory not zero");
		break;
	}
	case 2:
		align = 1UL << (byte(in) % 17);
		if (byte(in) & 1) {
			err = posix_memalign(&p, align, size);
			if (align < sizeof(void *) && err != EINVAL)
				broken("posix_memalign of a small alignment",
				       p, align);
			if (err)
				p = NULL;
		} else {
			p = aligned_alloc(align, size);
		}
		if (p && ((uintptr_t)p & (align - 1)))
			broken("alignment not kept", p, align);
		break;
	case 3: {
		kmm_gfp_t gfp = KMM_GFP_KERNEL;

		if (byte(in) & 1)
			gfp |= KMM___GFP_ZERO;
		p = kmm_kmalloc(size, gfp);
		if (p && (gfp & KMM___GFP_ZERO))
			check_bytes(p, size, 0, "kmalloc __GFP_ZERO not zero");
		if (p && size && kmm_ksize(p) < size)
			broken("ksize below the size asked", p, size);
		if (p == KMM_ZERO_SIZE_PTR)
			return;
		if (p) {
			placed(s, p, size, KMALLOC, v);
			return;
		}
		break;
	}
	case 4: {
		int c = (int)(byte(in) % CACHES);

		if (!caches[c]) {
			char name[32];

			cache_size[c] = (unsigned int)(size % 3000 + 8);
			snprintf(name, sizeof(name), "fuzz-%d", c);
			caches[c] = kmm_cache_create(
				name, cache_size[c], 0, 0,
				(cache_size[c] & 1) ? ctor : NULL);
			if (!caches[c])
				broken("kmem_cache_create failed", NULL,
				       cache_size[c]);
		}
		p = kmm_cache_alloc(caches[c], KMM_GFP_KERNEL);
		if (!p)
			return;
		if (cache_size[c] & 1)
			check_bytes(p, 8, CTOR_BYTE, "object not constructed");
		s->cache = c;
		placed(s, p, cache_size[c], CACHE_OBJ, v);
		return;
	}
	case 5: {
		unsigned int order = byte(in) % 5;
		struct kmm_page *page = kmm_alloc_pages(KMM_GFP_KERNEL, order);

		if (!page)
			return;
		s->order = order;
		placed(s, kmm_page_address(page), 4096UL << order, PAGES, v);
		return;
	}
	default: {
		size = size % (1UL << 20) + 1;
		p = (byte(in) & 1) ? kmm_vzalloc(size) : kmm_vmalloc(size);
		if (p) {
			placed(s, p, size, VMALLOC, v);
			return;
		}
		break;
	}
	}
	if (!p)
		return;
	placed(s, p, size, MALLOC, v);
}

/* realloc, krealloc or vrealloc: the old contents stay, up to the size. */
static void do_resize(struct input *in, struct slot *s)
{
	size_t size = size_of(in), keep;
	unsigned char v = (unsigned char)(byte(in) | 1);
	void *p;

	if (s->kind != MALLOC && s->kind != KMALLOC && s->kind != VMALLOC)
		return;
	if (!size || live - s->size + size > LIVE_MAX)
		return;
	check_bytes(s->p, s->size, s->fill, "a block changed before realloc");
	if (s->kind == MALLOC)
		p = realloc(s->p, size);
	else if (s->kind == KMALLOC)
		p = kmm_krealloc(s->p, size, KMM_GFP_KERNEL);
	else
		p = kmm_vrealloc(s->p, size, KMM_GFP_KERNEL);
	if (!p)
		return;
	keep = s->size < size ? s->size : size;
	check_bytes(p, keep, s->fill, "realloc lost the contents");
	live = live - s->size + size;
	s->p = p;
	s->size = size;
	fill(s, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	unsigned int i;

	step = 0;
	while (in.n) {
		unsigned int op = byte(&in);
		struct slot *s = &slots[byte(&in) % SLOTS];

		step++;
		switch (op % 10) {
		case 0: case 1: case 2:
			release(s);
			do_alloc(&in, s, byte(&in) % 7);
			break;
		case 3: case 4:
			do_resize(&in, s);
			break;
		case 5: case 6:
			release(s);
			break;
		case 7:
			if (s->kind != FREE_SLOT)
				fill(s, (unsigned char)(byte(&in) | 1));
			break;
		case 8:
			if (kmm_buddy_check())
				broken("buddy invariants", NULL, 0);
			break;
		default:
			/* The leak scan over whatever the heap holds now. */
			if ((byte(&in) & 63) == 0 && kmm_leak_scan(-1) < 0)
				broken("kmm_leak_scan failed", NULL, 0);
			kmm_drain_local_pages();
			break;
		}
		for (i = 0; i < SLOTS; i++)
			if (slots[i].kind != FREE_SLOT && slots[i].size)
				check_ends(&slots[i]);
	}
	for (i = 0; i < SLOTS; i++)
		release(&slots[i]);
	for (i = 0; i < CACHES; i++) {
		if (caches[i])
			kmm_cache_destroy(caches[i]);
		caches[i] = NULL;
	}
	if (kmm_buddy_check())
		broken("buddy invariants at the end", NULL, 0);
	return 0;
}
