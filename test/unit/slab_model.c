/*
 * slab_model - object caches and kmalloc agree with a reference model
 * over a long random run: objects of six user caches (sizes 8 to 5000,
 * with alignments, SLAB_HWCACHE_ALIGN and a constructor) and kmalloc
 * blocks of 1 byte to 40 KiB are allocated (singly and in bulk),
 * krealloc'd, freed in random order and caches shrunk at random; each
 * object is aligned as promised, comes from a constructor cache in its
 * constructed state, and keeps the pattern written over it until it is
 * freed (an object handed out twice, or a free pointer written into a
 * live one, breaks a pattern); all live objects are rechecked at
 * intervals with kmm_buddy_check(); destroying the caches at the end
 * reports no leak.
 */
#include "ut.h"

#define MAX_LIVE 4000
#define NCACHES 6

struct cdesc {
	const char *name;
	unsigned int size, align;
	slab_flags_t flags;
	int ctor;
	size_t want_align;
	struct kmem_cache *c;
};

static struct cdesc caches[NCACHES] = {
	{ "ut_m8", 8, 0, 0, 0, 8, NULL },
	{ "ut_m24hw", 24, 0, SLAB_HWCACHE_ALIGN, 0, 8, NULL },
	{ "ut_m100a64", 100, 64, 0, 0, 64, NULL },
	{ "ut_m200ctor", 200, 0, 0, 1, 8, NULL },
	{ "ut_m1000hw", 1000, 0, SLAB_HWCACHE_ALIGN, 0, 64, NULL },
	{ "ut_m5000a256", 5000, 256, 0, 0, 256, NULL },
};

#define CTOR_BYTE 0x3e

static void ctor(void *p)
{
	memset(p, CTOR_BYTE, 200);
}

struct obj {
	unsigned char *p;
	size_t size;
	int cache;	/* -1: kmalloc */
	uint64_t tag;
};

static struct obj live[MAX_LIVE];
static size_t nlive;
static struct ut_rng rng;
static unsigned long step;

static void check_obj(const struct obj *o, const char *when)
{
	long bad = ut_check_sparse(o->p, o->size, o->tag);

	expect(bad < 0, "step %lu (%s): %s object %p of %zu bytes: expected "
	       "its pattern, got a change at offset %ld", step, when,
	       o->cache < 0 ? "kmalloc" : caches[o->cache].name,
	       (void *)o->p, o->size, bad);
}

static void add(unsigned char *p, size_t size, int cache)
{
	struct obj *o = &live[nlive++];

	expect(p != NULL, "step %lu: %s of %zu bytes: expected an object", step,
	       cache < 0 ? "kmalloc" : caches[cache].name, size);
	if (cache >= 0) {
		size_t a = caches[cache].want_align;

		expect((uintptr_t)p % a == 0, "step %lu: %s object %p: expected "
		       "alignment %zu", step, caches[cache].name, (void *)p, a);
		if (caches[cache].ctor) {
			size_t k;

			for (k = 0; k < 200 && p[k] == CTOR_BYTE; k++)
				;
			expect(k == 200, "step %lu: %s object %p: expected its "
			       "constructed state, got a change at byte %zu",
			       step, caches[cache].name, (void *)p, k);
		}
	} else {
		expect((uintptr_t)p % 16 == 0, "step %lu: kmalloc(%zu) = %p: "
		       "expected 16-byte alignment", step, size, (void *)p);
		expect(ksize(p) >= size, "step %lu: ksize(kmalloc(%zu)) = %zu",
		       step, size, ksize(p));
	}
	o->p = p;
	o->size = size;
	o->cache = cache;
	o->tag = ut_next(&rng);
	ut_fill_sparse(p, size, o->tag);
}

static void release(size_t i)
{
	struct obj o = live[i];

	check_obj(&o, "free");
	live[i] = live[--nlive];
	if (o.cache < 0) {
		kfree(o.p);
		return;
	}
	if (caches[o.cache].ctor)
		memset(o.p, CTOR_BYTE, 200);	/* back to constructed */
	kmem_cache_free(caches[o.cache].c, o.p);
}

static size_t kmalloc_size(void)
{
	uint64_t r = ut_next(&rng);

	switch (r % 8) {
	case 0:
		return 1 + (r >> 8) % 16;
	case 1:
		return 32769 + (r >> 8) % 8192;	/* page runs */
	case 2:
		return 1 + (r >> 8) % 32768;
	default:
		return 1 + (r >> 8) % 512;
	}
}

static void step_once(void)
{
	uint64_t r = ut_next(&rng);
	int alloc = nlive < MAX_LIVE / 3 ? r % 3 != 0 :
		    nlive > 2 * MAX_LIVE / 3 ? r % 3 == 0 : r % 2 == 0;
	unsigned int op = (unsigned int)((r >> 8) % 32);

	if (nlive + 16 >= MAX_LIVE)
		alloc = 0;
	if (nlive == 0)
		alloc = 1;
	if (alloc) {
		int c = (int)((r >> 16) % (NCACHES + 2)) - 2;

		if (c < 0) {
			size_t s = kmalloc_size();

			add(op % 2 ? kmalloc(s, GFP_KERNEL) :
				     kzalloc(s, GFP_KERNEL), s, -1);
		} else if (op == 0) {
			void *b[16];
			int k;

			expect(kmem_cache_alloc_bulk(caches[c].c, GFP_KERNEL,
						     16, b) == 16,
			       "step %lu: bulk of 16 from %s", step,
			       caches[c].name);
			for (k = 0; k < 16; k++)
				add(b[k], caches[c].size, c);
		} else {
			add(kmem_cache_alloc(caches[c].c, GFP_KERNEL),
			    caches[c].size, c);
		}
		return;
	}
	if (op == 1) {
		/* krealloc a kmalloc block to a new size. */
		size_t i = (size_t)ut_below(&rng, nlive), keep, ns;
		struct obj *o = &live[i];
		unsigned char *q;

		if (o->cache >= 0)
			return;
		check_obj(o, "krealloc");
		ns = kmalloc_size();
		keep = ns < o->size ? ns : o->size;
		q = krealloc(o->p, ns, GFP_KERNEL);
		expect(q != NULL, "step %lu: krealloc %zu -> %zu", step,
		       o->size, ns);
		/* The first 64 bytes hold the pattern's first words. */
		expect(ut_check(q, keep < 64 ? keep / 8 * 8 : 64, o->tag) < 0,
		       "step %lu: krealloc %zu -> %zu: expected the start kept",
		       step, o->size, ns);
		o->p = q;
		o->size = ns;
		ut_fill_sparse(q, ns, o->tag);
		return;
	}
	if (op == 2) {
		int c = (int)((r >> 16) % NCACHES);

		expect_eq(kmem_cache_shrink(caches[c].c), 0);
		return;
	}
	release((size_t)ut_below(&rng, nlive));
}

static void destroy_all(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < NCACHES; i++)
		kmem_cache_destroy(caches[i].c);
}

int main(void)
{
	unsigned long steps = test_quick() ? 20000 : 300000;
	size_t i;
	char *out;

	test_init();
	ut_rng_init(&rng, 21);
	for (i = 0; i < NCACHES; i++) {
		caches[i].c = kmem_cache_create(caches[i].name, caches[i].size,
						caches[i].align, caches[i].flags,
						caches[i].ctor ? ctor : NULL);
		expect(caches[i].c != NULL, "cache %s", caches[i].name);
	}
	for (step = 0; step < steps; step++) {
		step_once();
		if (step % 2000 == 1999) {
			for (i = 0; i < nlive; i++)
				check_obj(&live[i], "recheck");
			expect(kmm_buddy_check() == 0, "step %lu: expected the "
			       "buddy invariants", step);
		}
	}
	while (nlive)
		release((size_t)ut_below(&rng, nlive));
	out = ut_capture_stderr(destroy_all, NULL);
	expect(out[0] == '\0', "destroying the caches with every object freed: "
	       "expected nothing on stderr, got \"%s\"", out);
	free(out);
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
