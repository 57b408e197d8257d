/*
 * kmalloc_runs_thread - a thread whose first allocations are page runs
 * caches them as any other thread does: in a new thread that allocates
 * and frees only 1 MiB blocks, the freed run stays on the thread's run
 * cache and the next allocation of the size takes it back (the same
 * address).  A thread that had no state of its own kept nothing, so
 * every such pair took the zone lock twice, split and merged.  (Memcheck
 * mode keeps no run cache: native runs only.)
 */
#include "ut.h"

#include <pthread.h>

#define SIZE (1UL << 20)

static void *only_runs(void *arg)
{
	void *p, *q;
	int i;

	(void)arg;
	p = kmalloc(SIZE, GFP_KERNEL);
	expect_nonnull(p);
	kfree(p);
	expect(kmm_current != &kmm_boot_thread, "a thread that allocated a "
	       "1 MiB block: expected state of its own, got none");
	for (i = 0; i < 8; i++) {
		q = kmalloc(SIZE, GFP_KERNEL);
		expect(q == p, "pair %d: expected the cached run %p back, got "
		       "%p", i, p, q);
		kfree(q);
	}
	return NULL;
}

int main(void)
{
	pthread_t th;

	test_init();
	if (!ut_native())
		test_skip("memcheck mode keeps no run cache");
	/* This thread's state is made; the new one starts with none. */
	kfree(kmalloc(16, GFP_KERNEL));
	if (pthread_create(&th, NULL, only_runs, NULL) ||
	    pthread_join(th, NULL))
		test_error("pthread_create");
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
