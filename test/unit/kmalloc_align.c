/*
 * kmalloc_align - every block is as aligned as its route promises, after
 * any mix of allocation, growth in place and free: random rounds of
 * kmalloc (16 bytes to 4 MiB; power-of-two sizes naturally aligned, as
 * the kernel guarantees, the others to 16 bytes), krealloc growing page
 * runs (in place when the pages after them are free), kfree, aligned
 * allocations of every power-of-two alignment from 16 bytes to 4 MiB
 * (the route of posix_memalign, memalign and aligned_alloc), and
 * alloc_pages blocks aligned to their order.  A run grown in place starts
 * where it started, so it is less aligned than a block of its new size:
 * once freed it must not serve a request that needs more alignment than
 * it has.  Blocks keep their patterns until freed (no overlap), and the
 * buddy invariants hold.  Size 0 with alignments above the largest
 * buddy block (a mapping of its own) gives an aligned pointer too.
 *
 * Every 64th step replays the sequence that showed the failure: a 40 KiB
 * run grown to 100 KiB in place, freed, then a 128 KiB-aligned request;
 * and a 40 KiB run grown to 128 KiB, freed, then kmalloc(128 KiB).
 */
#include "ut.h"

#define MAX_LIVE 48
#define MAX_SIZE ((size_t)PAGE_SIZE << MAX_PAGE_ORDER)	/* 4 MiB */

enum kind { K_KMALLOC, K_ALIGNED, K_PAGES };

struct blk {
	unsigned char *p;
	size_t size;	/* bytes patterned */
	size_t align;	/* alignment promised */
	enum kind kind;
	unsigned int order;
	uint64_t tag;
};

/* replay() adds one block past MAX_LIVE for a moment. */
static struct blk live[MAX_LIVE + 1];
static size_t nlive;
static struct ut_rng rng;
static unsigned long step;

/*
 * The aligned route below malloc.c's posix_memalign and memalign, with
 * the layout policy when it is on (under memcheck).
 */
static void *kmalloc_aligned(size_t size, size_t align)
{
	return kmm_kmalloc_slow(size, GFP_KERNEL, align);
}

static void check_aligned(const struct blk *b, const char *what)
{
	uintptr_t off = (uintptr_t)b->p & (b->align - 1);

	expect(off == 0, "step %lu: %s of %zu bytes: expected alignment to "
	       "%zu, got %p (offset %#lx)", step, what, b->size, b->align,
	       (void *)b->p, (unsigned long)off);
}

static void add(struct blk *b, const char *what)
{
	expect(b->p != NULL, "step %lu: %s of %zu bytes (align %zu): "
	       "expected memory", step, what, b->size, b->align);
	check_aligned(b, what);
	b->tag = ut_next(&rng);
	ut_fill_sparse(b->p, b->size, b->tag);
	live[nlive++] = *b;
}

static void drop(size_t i)
{
	struct blk b = live[i];
	long bad = ut_check_sparse(b.p, b.size, b.tag);

	expect(bad < 0, "step %lu: block %p of %zu bytes (kind %d): expected "
	       "its pattern, got a change at offset %ld", step, (void *)b.p,
	       b.size, b.kind, bad);
	live[i] = live[--nlive];
	if (b.kind == K_PAGES)
		free_pages((unsigned long)b.p, b.order);
	else
		kfree(b.p);
}

/* A size: small, a slab class, or a page run, each as likely. */
static size_t rand_size(void)
{
	switch (ut_below(&rng, 3)) {
	case 0:
		return 1 + (size_t)ut_below(&rng, 512);
	case 1:
		return 1 + (size_t)ut_below(&rng, 32 << 10);
	default:
		return (32 << 10) + 1 + (size_t)ut_below(&rng, 1 << 20);
	}
}

static void do_kmalloc(void)
{
	struct blk b = { .kind = K_KMALLOC };

	if (ut_below(&rng, 2)) {
		/* Power of two: naturally aligned, the kernel's promise. */
		b.size = (size_t)16 << ut_below(&rng, 19);
		b.align = b.size;
	} else {
		b.size = rand_size();
		b.align = 16;
	}
	b.p = kmalloc(b.size, GFP_KERNEL);
	add(&b, "kmalloc");
}

static void do_aligned(void)
{
	struct blk b = { .kind = K_ALIGNED };
	unsigned int shift = 4 + (unsigned int)ut_below(&rng, 19);

	b.align = (size_t)1 << shift;
	switch (ut_below(&rng, 4)) {
	case 0:
		b.size = 0;
		break;
	case 1:
		b.size = 1 + (size_t)ut_below(&rng, 1024);
		break;
	case 2:
		b.size = b.align;
		break;
	default:
		b.size = 1 + (size_t)ut_below(&rng, MAX_SIZE);
		break;
	}
	b.p = kmalloc_aligned(b.size, b.align);
	add(&b, "aligned allocation");
}

static void do_pages(void)
{
	struct blk b = { .kind = K_PAGES };

	b.order = (unsigned int)ut_below(&rng, NR_PAGE_ORDERS);
	b.size = (size_t)PAGE_SIZE << b.order;
	b.align = b.size;
	b.p = (unsigned char *)__get_free_pages(GFP_KERNEL, b.order);
	add(&b, "alloc_pages");
}

/* Grows a kmalloc or aligned block by up to four times, at most 4 MiB. */
static void do_grow(size_t i)
{
	struct blk *b = &live[i];
	size_t n;
	unsigned char *q;
	long bad;

	if (b->kind == K_PAGES || b->size >= MAX_SIZE / 2 || !b->size)
		return;
	n = b->size + 1 + (size_t)ut_below(&rng, 3 * b->size);
	if (n > MAX_SIZE)
		n = MAX_SIZE;
	q = krealloc(b->p, n, GFP_KERNEL);
	expect(q != NULL, "step %lu: krealloc(%p, %zu) expected memory",
	       step, (void *)b->p, n);
	bad = ut_check_sparse(q, b->size, b->tag);
	expect(bad < 0, "step %lu: krealloc %zu -> %zu: expected the pattern "
	       "kept, got a change at offset %ld", step, b->size, n, bad);
	b->p = q;
	b->size = n;
	b->kind = K_KMALLOC;
	/* A grown block keeps where it starts: 16 bytes is all it owes. */
	b->align = 16;
	check_aligned(b, "krealloc");
	b->tag = ut_next(&rng);
	ut_fill_sparse(q, n, b->tag);
}

/*
 * The reported sequence: a run grown in place, freed, then an aligned
 * request of the order the grown run reached.
 */
static void replay(void)
{
	struct blk b = { .kind = K_ALIGNED, .size = 1000, .align = 128 << 10 };
	void *p = kmalloc(40960, GFP_KERNEL), *q;

	expect_nonnull(p);
	q = krealloc(p, 102400, GFP_KERNEL);
	expect_nonnull(q);
	kfree(q);
	b.p = kmalloc_aligned(b.size, b.align);
	add(&b, "replay: 128 KiB-aligned allocation after a grown run");
	drop(nlive - 1);

	/* The same for a power-of-two kmalloc: 128 KiB, naturally aligned. */
	p = kmalloc(40960, GFP_KERNEL);
	expect_nonnull(p);
	q = krealloc(p, 131072, GFP_KERNEL);
	expect_nonnull(q);
	kfree(q);
	b.kind = K_KMALLOC;
	b.size = b.align = 131072;
	b.p = kmalloc(b.size, GFP_KERNEL);
	add(&b, "replay: kmalloc(128 KiB) after a grown run");
	drop(nlive - 1);
}

/* Size 0 asks for a unique pointer at any alignment. */
static void zero_sizes(void)
{
	size_t a;

	for (a = 16; a <= MAX_SIZE * 4; a <<= 1) {
		struct blk b = { .kind = K_ALIGNED, .size = 0, .align = a };

		b.p = kmalloc_aligned(0, a);
		add(&b, "size 0");
		b.p = kmalloc_aligned(0, a);
		add(&b, "size 0, again");
		expect_ptr_ne(live[nlive - 1].p, live[nlive - 2].p);
		drop(nlive - 1);
		drop(nlive - 1);
	}
}

int main(void)
{
	unsigned long steps = test_scale(60000, 6000);

	test_init();
	if (UT_ON_VALGRIND())
		steps = 1500;
	ut_rng_init(&rng, 7);
	kmm_init();
	zero_sizes();

	for (step = 0; step < steps; step++) {
		uint64_t r = ut_below(&rng, 16);
		int alloc = nlive < MAX_LIVE / 2 ? r < 11 : r < 5;

		if (nlive == MAX_LIVE)
			alloc = 0;
		if (!nlive)
			alloc = 1;
		if (step % 64 == 0) {
			replay();
		} else if (alloc) {
			if (r < 4)
				do_kmalloc();
			else if (r < 9)
				do_aligned();
			else
				do_pages();
		} else if (r < 11) {
			do_grow((size_t)ut_below(&rng, nlive));
		} else {
			drop((size_t)ut_below(&rng, nlive));
		}
		if (step % 500 == 499)
			expect(kmm_buddy_check() == 0, "step %lu: expected the "
			       "buddy invariants", step);
	}
	while (nlive)
		drop(nlive - 1);
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
