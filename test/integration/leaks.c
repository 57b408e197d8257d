/*
 * leaks - the leak scan reports exactly the objects a program lost: of
 * known sizes on every route (slab classes, a kmem_cache, a page run, a
 * vmalloc area), and not those still referenced from a global, from
 * inside another reachable heap object only, or from a thread-local
 * variable of another live thread only, nor those freed.  A lost list's
 * nodes behind its head are reported as indirect.
 *
 * leaks lost|none scan|exit
 *   lost  loses the LOST objects below; none loses nothing (the same
 *         objects are kept or freed).
 *   scan  calls kmm_leak_scan(1) and prints "scan returned N";
 *   exit  returns from main: run with KMM_LEAKS=1, the report comes at
 *         exit on standard error.
 * integration/leaks.sh checks the report.  kmm's functions are looked up
 * with dlsym, so the same program runs preloaded and linked (leaks_kmm).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmm.h"

struct holder {
	char tag[16];
	void *inside;		/* the only reference to an object */
};

/*
 * The references that must keep objects off the report; not static, so
 * the compiler keeps them although nothing reads them.
 */
void *kept_global, *kept_object;
struct holder *holder;
__thread void *kept_tls;

/* Stores that the compiler must not drop. */
static void *volatile sink;

static int tls_ready[2], tls_done[2];

static long (*leak_scan)(int);
static struct kmm_cache *(*cache_create)(const char *, unsigned int,
					 unsigned int, kmm_slab_flags_t,
					 void (*)(void *));
static void *(*cache_alloc)(struct kmm_cache *, kmm_gfp_t);

static void *tagged(size_t size, const char *tag)
{
	char *p = malloc(size);

	if (!p) {
		perror("malloc");
		exit(99);
	}
	memset(p, 0, size < 64 ? size : 64);
	memcpy(p, tag, strlen(tag) + 1);
	sink = p;
	return p;
}

/* Holds its object only in a thread-local variable until told to end. */
static void *tls_thread(void *arg)
{
	char c = 0;

	(void)arg;
	kept_tls = tagged(200, "kept-tls");
	sink = NULL;
	if (write(tls_ready[1], "r", 1) != 1 || read(tls_done[0], &c, 1) < 0)
		exit(99);
	return NULL;
}

/* The objects: lost (or freed with none), kept, freed. */
static __attribute__((noinline)) void make_objects(int lose)
{
	struct kmm_cache *cache;
	void *lost[9], **list;
	int i, n = 0;

	lost[n++] = tagged(24, "lost-32");
	lost[n++] = tagged(24, "lost-32");
	lost[n++] = tagged(24, "lost-32");
	lost[n++] = tagged(100, "lost-112");
	lost[n++] = tagged(100, "lost-112");
	lost[n++] = tagged(3000, "lost-3k");
	lost[n++] = tagged(40000, "lost-run");
	lost[n++] = tagged(5 << 20, "lost-area");
	cache = cache_create("leak_test", 72, 0, 0, NULL);
	if (!cache)
		exit(99);
	lost[n] = cache_alloc(cache, KMM_GFP_KERNEL);
	if (!lost[n])
		exit(99);
	strcpy(lost[n++], "lost-cache");

	/* A list of three: the head is lost, its two nodes indirectly. */
	list = tagged(56, "lost-list");
	list[6] = tagged(56, "lost-node");
	((void **)list[6])[6] = tagged(56, "lost-node");
	if (!lose) {
		free(((void **)list[6])[6]);
		free(list[6]);
		free(list);
	}
	list = NULL;

	kept_global = tagged(48, "kept-global");
	holder = tagged(sizeof(*holder), "kept-holder");
	holder->inside = tagged(600, "kept-inside");
	for (i = 0; i < 10; i++)
		free(tagged(100 + 40 * (size_t)i, "freed"));
	free(tagged(60000, "freed"));
	free(tagged(6 << 20, "freed"));

	/* none: the kmalloc objects are freed, the cache's object kept. */
	if (!lose)
		kept_object = lost[n - 1];
	for (i = 0; i < n; i++) {
		if (!lose && i < n - 1)
			free(lost[i]);
		lost[i] = NULL;
	}
	sink = NULL;
}

/* Overwrites the dead frames that held the pointers. */
static __attribute__((noinline)) void scrub_stack(void)
{
	volatile char buf[16384];

	memset((char *)buf, 0, sizeof(buf));
}

int main(int argc, char **argv)
{
	pthread_t th;
	int lose, scan;

	if (argc != 3)
		return 99;
	lose = !strcmp(argv[1], "lost");
	scan = !strcmp(argv[2], "scan");
	leak_scan = (long (*)(int))dlsym(RTLD_DEFAULT, "kmm_leak_scan");
	cache_create = (struct kmm_cache * (*)(const char *, unsigned int,
					       unsigned int, kmm_slab_flags_t,
					       void (*)(void *)))
		dlsym(RTLD_DEFAULT, "kmm_cache_create");
	cache_alloc = (void *(*)(struct kmm_cache *, kmm_gfp_t))dlsym(
		RTLD_DEFAULT, "kmm_cache_alloc");
	if (!leak_scan || !cache_create || !cache_alloc) {
		fprintf(stderr, "leaks: kmm is not loaded\n");
		return 77;
	}
	if (pipe(tls_ready) || pipe(tls_done) ||
	    pthread_create(&th, NULL, tls_thread, NULL))
		return 99;
	{
		char c;

		if (read(tls_ready[0], &c, 1) != 1)
			return 99;
	}
	make_objects(lose);
	scrub_stack();
	if (scan) {
		long n = leak_scan(1);

		printf("scan returned %ld\n", n);
		fflush(stdout);
		if (write(tls_done[1], "d", 1) != 1 || pthread_join(th, NULL))
			return 99;
	}
	/* exit: the thread is still blocked, its variable live. */
	return 0;
}
