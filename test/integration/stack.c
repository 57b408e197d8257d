/*
 * stack.c - programs whose threads have 16 KiB stacks run on the
 * allocator.
 *
 * Property checked: threads created with pthread_attr_setstacksize(16384)
 * (the kernel's own stack budget is of that order) make their first
 * allocation and then allocate, reallocate and free across every route
 * (16 bytes to 8 MiB, malloc, calloc, realloc, posix_memalign,
 * aligned_alloc) without overflowing their stack; a stack overflow
 * shows as SIGSEGV on the guard page.
 *
 * stack.sh runs it on glibc, preloaded and linked with -lkmm.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#define STACK 16384

static const size_t sizes[] = {
	16, 48, 128, 200, 1024, 3000, 8192, 32768, 32769, 50000,
	1 << 20, 4 << 20, (4 << 20) + 4096, 8 << 20,
};
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

static void *small_stack_thread(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	unsigned i, round;
	char *r = NULL;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < NR_SIZES; i++) {
			size_t n = sizes[(i + id) % NR_SIZES];
			char *p = malloc(n), *q;
			void *a = NULL;

			if (!p)
				return (void *)1;
			memset(p, 1, n);
			free(p);
			p = calloc(n, 1);
			if (!p || p[n - 1])
				return (void *)2;
			q = realloc(p, n / 2 + 1);
			if (!q)
				return (void *)3;
			free(q);
			if (posix_memalign(&a, 4096, n))
				return (void *)4;
			free(a);
			a = aligned_alloc(64, n);
			if (!a)
				return (void *)5;
			free(a);
			q = realloc(r, n);
			if (!q)
				return (void *)6;
			r = q;
		}
	}
	free(r);
	return NULL;
}

int main(void)
{
	unsigned threads = (unsigned)test_scale(64, 8), i;
	size_t stack = STACK;
	long min = sysconf(_SC_THREAD_STACK_MIN);
	pthread_attr_t attr;
	pthread_t th[64];

	test_init();
	if (min > 0 && (size_t)min > stack) {
		/* Some systems need more for signal frames (AVX-512). */
		printf("stack: the system minimum is %ld bytes, using it\n", min);
		stack = (size_t)min;
	}
	pthread_attr_init(&attr);
	if (pthread_attr_setstacksize(&attr, stack))
		test_error("pthread_attr_setstacksize(%zu) failed", stack);
	for (i = 0; i < threads; i++)
		if (pthread_create(&th[i], &attr, small_stack_thread,
				   (void *)(uintptr_t)i))
			test_error("pthread_create failed");
	for (i = 0; i < threads; i++) {
		void *ret;

		pthread_join(th[i], &ret);
		expect(ret == NULL,
		       "thread %u on a %zu-byte stack: allocation step %ld failed",
		       i, stack, (long)(intptr_t)ret);
	}
	printf("stack: %u threads on %zu-byte stacks\n", threads, stack);
	return 0;
}
