/*
 * pair.c - N hot malloc(SIZE)+free pairs, for instruction counts under
 * callgrind (bench/valgrind-compare --pairs).
 *
 *   pair SIZE N           run N pairs of SIZE bytes
 *   pair --which          print the file that defines the malloc in use
 *   pair --usable SIZE    print malloc_usable_size(malloc(SIZE)), to
 *                         compare an allocator's layout with and without
 *                         Valgrind
 *
 * Does not link kmm: the allocator comes from LD_PRELOAD.  Startup and
 * first-use costs cancel out when two runs with different N are
 * subtracted: instructions per pair = (Ir(N2) - Ir(N1)) / (N2 - N1).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) void run_pairs(size_t size, long n)
{
	for (long i = 0; i < n; i++) {
		void *p = malloc(size);

		/* Keep the compiler from removing the pair. */
		__asm__ __volatile__("" : : "r"(p) : "memory");
		free(p);
	}
}

int main(int argc, char **argv)
{
	char *end;
	long size, n;

	if (argc == 2 && strcmp(argv[1], "--which") == 0) {
		Dl_info info;
		void *sym = dlsym(RTLD_DEFAULT, "malloc");

		if (sym && dladdr(sym, &info) && info.dli_fname) {
			printf("%s\n", info.dli_fname);
			return 0;
		}
		printf("unknown\n");
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "--usable") == 0) {
		void *p;

		size = strtol(argv[2], &end, 0);
		if (*end || size < 0)
			return 2;
		p = malloc((size_t)size);
		printf("%zu\n", p ? malloc_usable_size(p) : 0);
		free(p);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr,
			"usage: pair SIZE N | pair --which | pair --usable SIZE\n");
		return 2;
	}
	size = strtol(argv[1], &end, 0);
	if (*end || size < 0)
		return 2;
	n = strtol(argv[2], &end, 0);
	if (*end || n < 0)
		return 2;
	run_pairs((size_t)size, n);
	return 0;
}
