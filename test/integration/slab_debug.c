/*
 * slab_debug - makes the heap bug each KMM_DEBUG letter exists for, as
 * the case named on the command line says; slab_debug.sh runs each case
 * in its own process and checks kmm's report.  Linked with -lkmm (the
 * kmem_cache API; a shared libkmm, so allocation sites can be told from
 * kmm's own code).  The large-block cases write to a freed page run or
 * vmalloc area, which must fault.  Prints "ptr <address>" for the object the bug is
 * about before making it, and "survived" when the program goes on.
 */
#include <kmm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(const char *what, const void *p)
{
	printf("%s %p\n", what, p);
	fflush(stdout);
}

/* The compiler must not drop a store it can prove is a bug. */
static void poke(void *p, long off, int val)
{
	volatile unsigned char *v = p;

	v[off] = (unsigned char)val;
}

static void *opaque(void *p)
{
	__asm__ __volatile__("" : "+r"(p));
	return p;
}

static int all(const unsigned char *p, size_t n, int val)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != val)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	unsigned char *p, *q;
	int i;

	if (!strcmp(what, "redzone")) {		/* Z: overrun by one */
		p = malloc(64);
		show("ptr", p);
		poke(p, 64, 0x21);
		free(p);
	} else if (!strcmp(what, "redzone128")) {
		p = malloc(128);
		show("ptr", p);
		poke(p, 128, 0x21);
		free(p);
	} else if (!strcmp(what, "left")) {	/* Z: underrun by one */
		p = malloc(64);
		show("ptr", p);
		poke(p, -1, 0x21);
		free(p);
	} else if (!strcmp(what, "poison") ||	/* P: write after free */
		   !strcmp(what, "continue")) {
		p = malloc(64);
		show("ptr", p);
		free(opaque(p));
		poke(p, 8, 0x21);
		for (i = 0; i < 1000; i++) {
			q = malloc(64);
			if (q == p) {
				printf("reused\n");
				return 1;
			}
		}
	} else if (!strcmp(what, "double")) {	/* F: double free */
		p = malloc(64);
		show("ptr", p);
		free(opaque(p));
		free(opaque(p));
	} else if (!strcmp(what, "interior")) { /* F: pointer inside */
		p = malloc(64);
		show("ptr", p + 16);
		free(opaque(p + 16));
	} else if (!strcmp(what, "wrong")) {	/* F: another cache's object */
		struct kmm_cache *a = kmm_cache_create("ut_dbg_a", 48, 0, 0,
						       NULL);
		struct kmm_cache *b = kmm_cache_create("ut_dbg_b", 48, 0, 0,
						       NULL);

		p = kmm_cache_alloc(a, KMM_GFP_KERNEL);
		show("ptr", p);
		kmm_cache_free(b, p);
	} else if (!strcmp(what, "flags")) {	/* the flags, one cache */
		struct kmm_cache *c = kmm_cache_create(
			"ut_dbg_flags", 40, 0,
			KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_RED_ZONE |
				KMM_SLAB_POISON | KMM_SLAB_STORE_USER,
			NULL);

		p = kmm_cache_alloc(c, KMM_GFP_KERNEL);
		show("ptr", p);
		printf("filled %d\n", all(p, 40, 0x5a));
		fflush(stdout);
		poke(p, 40, 0x21);
		kmm_cache_free(c, p);
	} else if (!strcmp(what, "fill")) {	/* P: uninitialized reads */
		p = malloc(100);
		q = calloc(1, 100);
		printf("malloc 5a %d\n", all(p, 100, 0x5a));
		printf("calloc 00 %d\n", all(q, 100, 0));
		free(p);
		free(q);
		p = kmm_kmalloc(100, KMM_GFP_KERNEL | KMM___GFP_ZERO);
		printf("kzalloc 00 %d\n", all(p, 100, 0));
		kmm_kfree(p);
	} else if (!strcmp(what, "run-uaf") ||	/* F, P: large blocks */
		   !strcmp(what, "area-uaf")) {
		size_t n = what[0] == 'r' ? 1 << 20 : 8 << 20;

		p = malloc(n);
		memset(p, 'A', n);
		show("ptr", p);
		free(opaque(p));
		poke(p, 4096, 0x21);
	} else if (!strcmp(what, "run-reuse")) {
		p = malloc(1 << 20);
		memset(p, 'A', 1 << 20);
		free(opaque(p));
		q = malloc(1 << 20);
		printf("reused 5a %d\n", all(q + 4096, 4096, 0x5a));
		free(q);
	} else if (!strcmp(what, "trace")) {	/* T */
		p = malloc(64);
		show("ptr", p);
		free(opaque(p));
	} else {
		fprintf(stderr, "slab_debug: unknown case %s\n", what);
		return 99;
	}
	printf("survived\n");
	return 0;
}
