/*
 * dlopen.c - libkmm.so loaded with dlopen into a program that is not
 * linked with it serves its own API and does not crash.
 *
 * Property checked: dlopen(libkmm.so, RTLD_NOW | RTLD_LOCAL) succeeds
 * (its initial-exec TLS fits glibc's static TLS surplus), kmm_kmalloc
 * and kmm_kfree reached through dlsym work from several threads across
 * every route, kmm_ksize covers the request, the program's own malloc
 * (glibc's) keeps working beside it, and dlclose leaves the process
 * sound.  The library path comes from argv[1] or KMM_LIB.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

typedef void *(*kmalloc_fn)(size_t, unsigned int);
typedef void (*kfree_fn)(const void *);
typedef size_t (*ksize_fn)(const void *);

static kmalloc_fn kmalloc_;
static kfree_fn kfree_;
static ksize_fn ksize_;

#define GFP_KERNEL_ 0x01u

static void *worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	size_t n;
	unsigned round;

	for (round = 0; round < 20; round++) {
		for (n = 16 + id * 16; n <= ((size_t)8 << 20); n = n * 2 + 16) {
			unsigned char *p = kmalloc_(n, GFP_KERNEL_);
			unsigned char *g = malloc(n);

			if (!p || !g)
				return (void *)1;
			if (ksize_(p) < n)
				return (void *)2;
			memset(p, (int)id, n);
			memset(g, (int)id + 1, n);
			if (p[n - 1] != (unsigned char)id ||
			    g[n - 1] != (unsigned char)(id + 1))
				return (void *)3;
			kfree_(p);
			free(g);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *lib = argc > 1 ? argv[1] : getenv("KMM_LIB");
	pthread_t th[4];
	unsigned i;
	void *h, *ret;

	test_init();
	if (!lib || !*lib)
		test_skip("no library path (argv[1] or KMM_LIB)");
	h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	expect(h != NULL, "dlopen(%s) to succeed, got: %s", lib, dlerror());
	kmalloc_ = (kmalloc_fn)dlsym(h, "kmm_kmalloc");
	kfree_ = (kfree_fn)dlsym(h, "kmm_kfree");
	ksize_ = (ksize_fn)dlsym(h, "kmm_ksize");
	expect(kmalloc_ && kfree_ && ksize_,
	       "kmm_kmalloc, kmm_kfree and kmm_ksize in %s", lib);
	expect(dlsym(RTLD_DEFAULT, "kmm_kmalloc") == NULL,
	       "RTLD_LOCAL to keep kmm's symbols out of the global scope");

	/* This thread first, then several at once. */
	expect(worker((void *)0) == NULL, "kmalloc from the main thread");
	for (i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1)))
			test_error("pthread_create failed");
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], &ret);
		expect(ret == NULL, "thread %u: step %ld failed", i + 1,
		       (long)(intptr_t)ret);
	}
	expect(dlclose(h) == 0, "dlclose to succeed: %s", dlerror());
	free(malloc(12345));
	printf("dlopen: kmm_kmalloc served 5 threads beside glibc's malloc\n");
	return 0;
}
