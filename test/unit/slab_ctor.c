/*
 * slab_ctor - constructors run when a slab is populated, on each of its
 * objects, not on each allocation: creating a cache runs none; the first
 * allocation runs objperslab of them; allocations up to the slab's
 * capacity, frees and reallocations run no more; every new slab runs
 * objperslab more (calls always come in whole slabs); an object freed
 * in its constructed state comes back in that state, every byte of it
 * (the free pointer lives outside it); kmem_cache_zalloc() zeroes the
 * constructed object.
 */
#include "ut.h"

#define OBJ_SIZE 72

struct thing {
	uint64_t magic;
	uint64_t state;
	unsigned char body[OBJ_SIZE - 16];
};

#define MAGIC 0xc0ffee0ddba11ULL

static _Atomic unsigned long ctor_calls;

static void thing_ctor(void *p)
{
	struct thing *t = p;
	size_t i;

	t->magic = MAGIC;
	t->state = 1;
	for (i = 0; i < sizeof(t->body); i++)
		t->body[i] = (unsigned char)(0x40 + i);
	atomic_fetch_add(&ctor_calls, 1);
}

/* Index of the first byte not in the constructed state, or -1. */
static long constructed(const struct thing *t)
{
	size_t i;

	if (t->magic != MAGIC)
		return 0;
	if (t->state != 1)
		return 8;
	for (i = 0; i < sizeof(t->body); i++)
		if (t->body[i] != (unsigned char)(0x40 + i))
			return (long)(16 + i);
	return -1;
}

int main(void)
{
	struct kmem_cache *c;
	struct ut_slabinfo si;
	struct thing **v;
	unsigned long per_slab, n, i, calls;

	test_init();
	c = kmem_cache_create("ut_ctor", OBJ_SIZE, 0, 0, thing_ctor);
	expect_nonnull(c);
	expect_eq(kmem_cache_size(c), OBJ_SIZE);
	expect_eq(atomic_load(&ctor_calls), 0);

	v = calloc(4096, sizeof(*v));
	if (!v)
		test_error("out of memory");
	v[0] = kmem_cache_alloc(c, GFP_KERNEL);
	expect_nonnull(v[0]);
	expect_eq(ut_slabinfo("ut_ctor", &si), 0);
	per_slab = si.objperslab;
	expect_eq(si.num_slabs, 1);
	expect(atomic_load(&ctor_calls) == per_slab,
	       "first allocation: expected the constructor on the %lu objects "
	       "of the new slab, got %lu calls", per_slab,
	       atomic_load(&ctor_calls));
	expect_eq_i(constructed(v[0]), -1);

	/* The rest of the slab: no more constructor calls. */
	for (i = 1; i < per_slab; i++) {
		v[i] = kmem_cache_alloc(c, GFP_KERNEL);
		expect_nonnull(v[i]);
		expect(constructed(v[i]) < 0, "object %lu: expected constructed, "
		       "got a difference at byte %ld", i, constructed(v[i]));
	}
	expect_eq(atomic_load(&ctor_calls), per_slab);

	/* Used, put back in constructed state, freed, allocated again. */
	for (i = 0; i < per_slab; i++) {
		v[i]->state = 2;
		v[i]->state = 1;
		kmem_cache_free(c, v[i]);
	}
	for (i = 0; i < per_slab; i++) {
		v[i] = kmem_cache_alloc(c, GFP_KERNEL);
		expect_nonnull(v[i]);
		expect(constructed(v[i]) < 0,
		       "reallocated object %lu at %p: expected its constructed "
		       "state, got a difference at byte %ld", i, (void *)v[i],
		       constructed(v[i]));
	}
	/* Memcheck mode's quarantine makes them come from a new slab. */
	calls = atomic_load(&ctor_calls);
	expect(ut_native() ? calls == per_slab : calls % per_slab == 0,
	       "objects freed and allocated again: expected %lu constructor "
	       "calls, got %lu", per_slab, calls);

	/* Three more slabs' worth: three more slabs constructed. */
	n = per_slab * 4;
	if (n > 4096)
		n = 4096;
	for (i = per_slab; i < n; i++) {
		v[i] = kmem_cache_alloc(c, GFP_KERNEL);
		expect_nonnull(v[i]);
		expect_eq_i(constructed(v[i]), -1);
	}
	expect_eq(ut_slabinfo("ut_ctor", &si), 0);
	calls = atomic_load(&ctor_calls);
	expect(!ut_native() || calls == si.num_slabs * per_slab,
	       "%lu slabs of %lu objects: expected %lu constructor calls, got "
	       "%lu", si.num_slabs, per_slab, si.num_slabs * per_slab, calls);
	expect_ge(calls, n);

	/* Free in a scrambled order; everything comes back constructed. */
	for (i = 0; i < n; i += 2)
		kmem_cache_free(c, v[i]);
	for (i = 1; i < n; i += 2)
		kmem_cache_free(c, v[i]);
	for (i = 0; i < n; i++) {
		v[i] = kmem_cache_alloc(c, GFP_KERNEL);
		expect_nonnull(v[i]);
		expect(constructed(v[i]) < 0,
		       "object %lu after a scrambled free: expected constructed, "
		       "got a difference at byte %ld", i, constructed(v[i]));
	}
	/* Empty slabs beyond two may have gone back to the page allocator
	 * and been populated again: whole slabs only. */
	calls = atomic_load(&ctor_calls);
	expect(calls % per_slab == 0, "expected constructor calls in whole "
	       "slabs of %lu, got %lu", per_slab, calls);

	/* zalloc: constructed, then zeroed. */
	kmem_cache_free(c, v[0]);
	v[0] = kmem_cache_zalloc(c, GFP_KERNEL);
	expect_nonnull(v[0]);
	expect_eq_i(ut_nonzero(v[0], OBJ_SIZE), -1);
	thing_ctor(v[0]);	/* back to its constructed state */
	atomic_fetch_sub(&ctor_calls, 1);

	for (i = 0; i < n; i++)
		kmem_cache_free(c, v[i]);
	kmem_cache_destroy(c);
	free(v);
	return 0;
}
