/*
 * beyond.c - a request larger than the machine's memory and swap fails
 * with ENOMEM at once, as on glibc, instead of succeeding and leaving the
 * program to be killed when it touches the memory.
 *
 * Property checked: with the kernel's heuristic or strict overcommit
 * (vm.overcommit_memory 0 or 2), malloc, calloc, realloc, posix_memalign
 * and aligned_alloc of twice RAM + swap return NULL (posix_memalign:
 * ENOMEM) with errno ENOMEM.  Under "always overcommit" (1) the kernel
 * grants any mapping, so the test skips.  beyond.sh runs it on glibc,
 * preloaded and linked with -lkmm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysinfo.h>

#include "test.h"

int main(void)
{
	FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");
	struct sysinfo si;
	size_t n;
	int mode = -1, r;
	void *p, *q;

	test_init();
	if (!f || fscanf(f, "%d", &mode) != 1)
		test_skip("cannot read /proc/sys/vm/overcommit_memory");
	fclose(f);
	if (mode == 1)
		test_skip("vm.overcommit_memory is 1: the kernel grants any size");
	if (sysinfo(&si))
		test_error("sysinfo failed");
	n = 2 * ((size_t)si.totalram + (size_t)si.totalswap) * si.mem_unit;
	if (n > (size_t)PTRDIFF_MAX / 2)
		test_skip("memory too large to exceed");
	printf("beyond: asking for %zu MiB (twice RAM + swap)\n", n >> 20);

	errno = 0;
	p = malloc(n);
	expect(p == NULL, "malloc(%zu) beyond memory and swap to fail, got %p",
	       n, p);
	expect_errno(ENOMEM);
	errno = 0;
	p = calloc(n / 8, 8);
	expect(p == NULL, "calloc(%zu, 8) to fail, got %p", n / 8, p);
	expect_errno(ENOMEM);
	errno = 0;
	p = aligned_alloc(1 << 20, n);
	expect(p == NULL, "aligned_alloc(1 MiB, %zu) to fail, got %p", n, p);
	expect_errno(ENOMEM);
	p = NULL;
	r = posix_memalign(&p, 4096, n);
	expect(r == ENOMEM, "posix_memalign(4096, %zu) expected ENOMEM, got %d (%p)",
	       n, r, p);
	p = malloc(1000);
	expect_nonnull(p);
	errno = 0;
	q = realloc(p, n);
	expect(q == NULL, "realloc(p, %zu) to fail, got %p", n, q);
	expect_errno(ENOMEM);
	free(p);
	return 0;
}
