/*
 * kmalloc_grow - a realloc chain of page runs grows in place: krealloc
 * from 16 KiB to 2 MiB by 16 KiB steps keeps its contents at every step
 * and moves the block only a few times (natively: at most 4 of 127 steps),
 * because a run takes the free pages that follow it and a moved run leaves
 * room after itself; shrinking keeps the block where it is.
 */
#include "ut.h"

#define STEP (16UL << 10)
#define TOP (2UL << 20)

static void check(const unsigned char *p, size_t n, size_t upto)
{
	size_t i;

	for (i = 0; i < upto && i < n; i += 509)
		if (p[i] != (unsigned char)(i / STEP))
			test_fail("after growing to %zu: byte %zu is 0x%02x, "
				  "expected 0x%02x", n, i, p[i],
				  (unsigned char)(i / STEP));
}

int main(void)
{
	unsigned char *p, *q;
	unsigned moves = 0, steps = 0;
	size_t n;

	test_init();
	p = kmalloc(STEP, GFP_KERNEL);
	expect_nonnull(p);
	memset(p, 0, STEP);
	for (n = 2 * STEP; n <= TOP; n += STEP) {
		q = krealloc(p, n, GFP_KERNEL);
		expect_nonnull(q);
		check(q, n, n - STEP);
		memset(q + n - STEP, (int)((n - STEP) / STEP), STEP);
		moves += q != p;
		steps++;
		p = q;
	}
	expect(!ut_native() || moves <= 4, "a realloc chain of %u steps to "
	       "%lu bytes: expected at most 4 moves, got %u", steps, TOP,
	       moves);
	q = krealloc(p, TOP / 2, GFP_KERNEL);
	expect(!ut_native() || q == p, "shrinking a run: expected it in "
	       "place at %p, got %p", (void *)p, (void *)q);
	check(q, TOP / 2, TOP / 2);
	kfree(q);
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
