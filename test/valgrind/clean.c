/*
 * clean.c - a correct C program: under memcheck it must report no error
 * and no leak, on kmm as on glibc.
 *
 * It allocates through every entry of the malloc family and every route
 * (16 bytes to 8 MiB), initializes and reads all it allocated (the reads
 * decide branches, so an uninitialized byte would be reported), grows and
 * shrinks blocks with realloc, frees blocks from another thread, and frees
 * everything before it exits.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 64

static const size_t sizes[] = { 1, 16, 24, 100, 256, 1000, 4096, 5000,
				32768, 40000, 100000, 1 << 20,
				(4 << 20) + 1, 8 << 20 };
#define NR (sizeof(sizes) / sizeof(sizes[0]))

static unsigned long sum(const unsigned char *p, size_t n)
{
	unsigned long s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] & 1)
			s += p[i];
	return s;
}

static void *free_them(void *arg)
{
	void **v = arg;
	int i;

	for (i = 0; i < N; i++)
		free(v[i]);
	return NULL;
}

int main(void)
{
	unsigned long total = 0;
	void *v[N];
	pthread_t t;
	unsigned i;

	for (i = 0; i < NR; i++) {
		size_t n = sizes[i];
		unsigned char *p = malloc(n), *q;
		void *a = NULL;

		memset(p, (int)i, n);
		total += sum(p, n);
		q = realloc(p, n * 2 + 7);
		memset(q + n, 3, n + 7);
		total += sum(q, n * 2 + 7);
		p = realloc(q, n / 2 + 1);
		total += sum(p, n / 2 + 1);
		free(p);
		p = calloc(n, 1);
		total += sum(p, n);
		free(p);
		if (posix_memalign(&a, 256, n) == 0) {
			memset(a, 5, n);
			total += sum(a, n);
			free(a);
		}
		a = aligned_alloc(4096, n);
		memset(a, 7, n);
		total += sum(a, n);
		free(a);
		a = memalign(64, n);
		memset(a, 9, n);
		total += sum(a, malloc_usable_size(a) < n ? 0 : n);
		free(a);
	}
	for (i = 0; i < N; i++) {
		v[i] = malloc(16 + i * 100);
		memset(v[i], 1, 16 + i * 100);
	}
	pthread_create(&t, NULL, free_them, v);
	pthread_join(t, NULL);
	free(malloc(0));
	free(realloc(NULL, 10));
	printf("clean: %lu\n", total);
	return 0;
}
