/*
 * tlsdyn.c - the dynamic loader's own allocations at thread exit work on
 * the allocator.
 *
 * Property checked: a module loaded with dlopen (KMM_TEST_TLSMOD, built
 * by tlsdyn.sh) has thread-local variables, 64 bytes and 70000 bytes, that
 * glibc allocates with malloc in each thread on first use and frees at
 * thread exit, after the TLS destructors (kmm's per-thread cleanup
 * among them).  Waves of threads touch them, also from a pthread_key
 * destructor, and exit; between waves the module is closed and opened
 * again.  Each thread must find its copy zeroed, then its own values.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static unsigned long (*touch)(unsigned char);
static pthread_key_t key;
static volatile int bad;

static void key_dtor(void *v)
{
	unsigned char c = (unsigned char)(uintptr_t)v;

	/* The module's TLS of this thread, used during teardown. */
	if (touch(c) != 64UL * c + 18UL * c)
		bad = 1;
	free(malloc(100));
}

static void *thread_main(void *arg)
{
	unsigned char c = (unsigned char)(1 + (uintptr_t)arg % 200);

	if (touch(c) != 0)	/* fresh copies are zeroed */
		bad = 2;
	if (touch(c) != 64UL * c + 18UL * c)	/* 70000 / 4096 -> 18 probes */
		bad = 3;
	pthread_setspecific(key, (void *)(uintptr_t)c);
	return NULL;
}

int main(void)
{
	const char *mod = getenv("KMM_TEST_TLSMOD");
	unsigned waves = (unsigned)test_scale(30, 5), w, i;
	pthread_t th[8];

	test_init();
	if (!mod || !*mod)
		test_skip("KMM_TEST_TLSMOD not set (run through tlsdyn.sh)");
	if (pthread_key_create(&key, key_dtor))
		test_error("pthread_key_create failed");
	for (w = 0; w < waves; w++) {
		void *h = dlopen(mod, RTLD_NOW | RTLD_LOCAL);

		expect(h != NULL, "dlopen(%s): %s", mod, dlerror());
		touch = (unsigned long (*)(unsigned char))dlsym(h, "tlsmod_touch");
		expect(touch != NULL, "tlsmod_touch in %s", mod);
		for (i = 0; i < 8; i++)
			if (pthread_create(&th[i], NULL, thread_main,
					   (void *)(uintptr_t)(w * 8 + i)))
				test_error("pthread_create failed");
		for (i = 0; i < 8; i++)
			pthread_join(th[i], NULL);
		expect(bad == 0, "each thread's module TLS zeroed, then its own: failure %d in wave %u",
		       bad, w);
		expect_eq(dlclose(h), 0);
	}
	printf("tlsdyn: %u waves of 8 threads used a dlopened module's TLS\n",
	       waves);
	return 0;
}
