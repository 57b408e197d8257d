/*
 * page_runs_model - exact page runs agree with a reference model:
 * thousands of random alloc_pages_exact() and kmalloc() page runs of
 * 1 to 1024 pages, mixed with buddy blocks, freed in random order, each
 * run page aligned, overlapping no live run, costing exactly its pages
 * (pages in use always equal the model's plus a constant), keeping its
 * pattern until freed; krealloc of runs shrinking in place gives pages
 * back; kmm_buddy_check() passes at intervals; with everything freed the
 * free lists of orders below MAX_PAGE_ORDER are as at the start.  (Under
 * memcheck, red zones and the quarantine change the counts: those are
 * checked in native runs.)
 */
#include "ut.h"

#define MAX_LIVE 300

enum kind { K_EXACT, K_KMALLOC, K_PAGES };

struct run {
	unsigned char *p;
	size_t pages;	/* charged */
	size_t bytes;	/* as asked */
	enum kind kind;
	unsigned int order;
	uint64_t tag;
};

static struct run live[MAX_LIVE];
static size_t nlive, live_pages;
static struct ut_rng rng;
static unsigned long step;

static size_t pages_in_use(void)
{
	struct kmm_page_stats st;

	kmm_drain_local_pages();
	kmm_page_stats(&st);
	return st.spanned_pages - st.reserved_pages - st.free_pages;
}

static void check_no_overlap(const struct run *r)
{
	uintptr_t a = (uintptr_t)r->p, b = a + r->pages * PAGE_SIZE;
	size_t i;

	for (i = 0; i < nlive; i++) {
		uintptr_t c = (uintptr_t)live[i].p;
		uintptr_t d = c + live[i].pages * PAGE_SIZE;

		expect(b <= c || d <= a, "step %lu: run %#lx-%#lx overlaps live "
		       "run %#lx-%#lx", step, (unsigned long)a,
		       (unsigned long)b, (unsigned long)c, (unsigned long)d);
	}
}

static void do_alloc(void)
{
	struct run r = { 0 };
	uint64_t x = ut_next(&rng);

	r.kind = (enum kind)(x % 3);
	switch (r.kind) {
	case K_EXACT:
		r.bytes = 1 + (size_t)ut_below(&rng, 1024 * PAGE_SIZE);
		r.pages = (r.bytes + PAGE_SIZE - 1) / PAGE_SIZE;
		r.p = alloc_pages_exact(r.bytes, GFP_KERNEL |
					(x & 8 ? __GFP_ZERO : 0));
		break;
	case K_KMALLOC:
		r.bytes = 32769 + (size_t)ut_below(&rng, (4 << 20) - 32768);
		r.pages = (r.bytes + PAGE_SIZE - 1) / PAGE_SIZE;
		r.p = kmalloc(r.bytes, GFP_KERNEL | (x & 8 ? __GFP_ZERO : 0));
		break;
	case K_PAGES:
		r.order = (unsigned int)ut_below(&rng, NR_PAGE_ORDERS);
		r.pages = 1UL << r.order;
		r.bytes = r.pages * PAGE_SIZE;
		r.p = (unsigned char *)__get_free_pages(
			GFP_KERNEL | (x & 8 ? __GFP_ZERO : 0), r.order);
		break;
	}
	expect(r.p != NULL, "step %lu: kind %d of %zu bytes: expected memory",
	       step, r.kind, r.bytes);
	expect((uintptr_t)r.p % PAGE_SIZE == 0, "step %lu: %p: expected page "
	       "alignment", step, (void *)r.p);
	if (r.kind == K_PAGES)
		expect((uintptr_t)r.p % (r.pages * PAGE_SIZE) == 0,
		       "step %lu: order %u block %p: expected natural alignment",
		       step, r.order, (void *)r.p);
	if (x & 8) {
		long bad = ut_nonzero(r.p, r.bytes);

		expect(bad < 0, "step %lu: zeroed run %p of %zu bytes: expected "
		       "zero at offset %ld", step, (void *)r.p, r.bytes, bad);
	}
	check_no_overlap(&r);
	r.tag = ut_next(&rng);
	ut_fill_sparse(r.p, r.bytes, r.tag);
	live[nlive++] = r;
	live_pages += r.pages;
}

static void do_free(size_t i)
{
	struct run r = live[i];
	long bad = ut_check_sparse(r.p, r.bytes, r.tag);

	expect(bad < 0, "step %lu: run %p of %zu bytes (kind %d): expected its "
	       "pattern, got a change at offset %ld", step, (void *)r.p,
	       r.bytes, r.kind, bad);
	live[i] = live[--nlive];
	live_pages -= r.pages;
	switch (r.kind) {
	case K_EXACT:
		free_pages_exact(r.p, r.bytes);
		break;
	case K_KMALLOC:
		kfree(r.p);
		break;
	case K_PAGES:
		free_pages((unsigned long)r.p, r.order);
		break;
	}
}

/* Shrinks a kmalloc run in place (above 32 KiB) and updates the model. */
static void do_shrink(size_t i)
{
	struct run *r = &live[i];
	size_t nb, np, off;
	unsigned char *q;

	if (r->kind != K_KMALLOC || r->bytes < 2 * 32769)
		return;
	nb = 32769 + (size_t)ut_below(&rng, r->bytes / 2 - 32768);
	np = (nb + PAGE_SIZE - 1) / PAGE_SIZE;
	q = krealloc(r->p, nb, GFP_KERNEL);
	expect(q == r->p, "step %lu: krealloc of a %zu-byte run to %zu: "
	       "expected it in place at %p, got %p", step, r->bytes, nb,
	       (void *)r->p, (void *)q);
	/*
	 * A run keeps its pages as capacity while the size stays above
	 * half of them; to half or less it gives the tail back.
	 */
	if (np > r->pages / 2)
		np = r->pages;
	expect_eq(ksize(q), np * PAGE_SIZE);
	/* The head of every page kept holds its pattern still. */
	for (off = 0; off + PAGE_SIZE <= nb; off += PAGE_SIZE)
		expect(ut_check(q + off, 64, r->tag + off) < 0,
		       "step %lu: run shrunk in place: expected page %zu kept",
		       step, off / PAGE_SIZE);
	live_pages -= r->pages - np;
	r->pages = np;
	r->bytes = nb;
	ut_fill_sparse(q, nb, r->tag);
}

int main(void)
{
	unsigned long start[NR_PAGE_ORDERS], end[NR_PAGE_ORDERS];
	unsigned long steps = test_quick() ? 1500 : 10000;
	size_t base, free0, o;

	test_init();
	ut_rng_init(&rng, 11);
	free0 = ut_free_pages();
	kmm_buddy_counts(ZONE_NORMAL, start);
	base = pages_in_use();

	for (step = 0; step < steps; step++) {
		uint64_t r = ut_next(&rng);
		int alloc = nlive < MAX_LIVE / 3 ? r % 3 != 0 :
			    nlive > 2 * MAX_LIVE / 3 ? r % 3 == 0 : r % 2 == 0;

		if (nlive == MAX_LIVE)
			alloc = 0;
		if (nlive == 0)
			alloc = 1;
		if (alloc)
			do_alloc();
		else if (r % 16 == 1 && ut_native())
			do_shrink((size_t)ut_below(&rng, nlive));
		else
			do_free((size_t)ut_below(&rng, nlive));
		if (step % 50 == 49) {
			size_t used = pages_in_use();

			expect(kmm_buddy_check() == 0, "step %lu: expected the "
			       "buddy invariants", step);
			/* Memcheck mode adds red zones: native only. */
			expect(!ut_native() || used == base + live_pages,
			       "step %lu: expected %zu pages in use (%zu live), "
			       "got %zu", step, base + live_pages, live_pages,
			       used);
		}
	}
	while (nlive)
		do_free((size_t)ut_below(&rng, nlive));
	expect_eq(kmm_buddy_check(), 0);
	if (!ut_native())
		return 0;	/* freed blocks wait in memcheck's quarantine */
	expect_eq(ut_free_pages(), free0);
	kmm_buddy_counts(ZONE_NORMAL, end);
	for (o = 0; o < MAX_PAGE_ORDER; o++)
		expect(end[o] == start[o], "all freed: free blocks of order %zu: "
		       "expected %lu (as at the start), got %lu", o, start[o],
		       end[o]);
	return 0;
}
