/*
 * slab_errors - pointers handed back wrongly are reported and abort,
 * never corrupt silently: an immediate double free (kmem_cache_free and
 * kfree) names "double free", the address and the cache; kfree and
 * kmem_cache_free of a stack address, of a glibc block, of the inside of
 * a slab object, page run or vmalloc area, of the zone's mem_map, of a
 * free page or of a block from alloc_pages name "invalid pointer" and
 * the address; kmem_cache_free to the wrong cache names both caches;
 * free_pages of an address in no zone is refused; a SLAB_PANIC cache
 * that cannot be made aborts with "cannot create cache <name>".  Each
 * case runs in a child that must die of SIGABRT with the message on
 * stderr; the parent heap is checked intact afterwards.
 */
#include "ut.h"

struct bad {
	const char *what;
	void (*fn)(void *);
	void *arg;
	const char *words[3];	/* each must be in the message */
	const void *addr;	/* must be in the message, as 0x<hex> */
};

static struct kmem_cache *cache_a, *cache_b;

static void cache_double_free(void *p)
{
	kmem_cache_free(cache_a, p);
	kmem_cache_free(cache_a, p);
}

static void kfree_twice(void *p)
{
	kfree(p);
	kfree(p);
}

static void do_kfree(void *p)
{
	kfree(p);
}

static void do_cache_free_a(void *p)
{
	kmem_cache_free(cache_a, p);
}

static void do_cache_free_b(void *p)
{
	kmem_cache_free(cache_b, p);
}

static void do_free_page(void *p)
{
	free_page((unsigned long)p);
}

static void panic_create(void *arg)
{
	(void)arg;
	kmem_cache_create("ut_panic", 0, 0, SLAB_PANIC, NULL);
}

/* The message holds a 0x number equal to addr. */
static int has_addr(const char *text, const void *addr)
{
	const char *p;

	for (p = strstr(text, "0x"); p; p = strstr(p + 2, "0x"))
		if (strtoull(p, NULL, 16) == (uintptr_t)addr)
			return 1;
	return 0;
}

static void run_case(const struct bad *b)
{
	char *err;
	int st = ut_run_child(b->fn, b->arg, &err), i;

	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	       "%s: expected death by SIGABRT, got %s %d; stderr \"%s\"",
	       b->what, WIFSIGNALED(st) ? "signal" : "exit status",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), err);
	expect(strstr(err, "kmm: ") != NULL, "%s: expected a \"kmm: \" "
	       "message, got \"%s\"", b->what, err);
	for (i = 0; i < 3 && b->words[i]; i++)
		expect(strstr(err, b->words[i]) != NULL,
		       "%s: expected \"%s\" in the message, got \"%s\"",
		       b->what, b->words[i], err);
	if (b->addr)
		expect(has_addr(err, b->addr), "%s: expected the address %p in "
		       "the message, got \"%s\"", b->what, b->addr, err);
	free(err);
}

int main(void)
{
	int on_stack = 0;
	void *a, *a2, *b, *k64, *k1000, *run, *vm, *g, *memmap, *freed, *pg;
	unsigned char *k;

	/* integration/slab_debug.sh checks those reports. */
	ut_skip_under_kmm_debug("bad frees get slab_debug's reports");
	test_init();
	/* Under memcheck, memcheck reports these and kmm leaves the pointer
	 * alone, as Valgrind's own free does: kmm's checks are not run. */
	if (!ut_native())
		test_skip("memcheck replaces kmm's checks of freed pointers");
	cache_a = kmem_cache_create("ut_err_a", 100, 0, 0, NULL);
	cache_b = kmem_cache_create("ut_err_b", 100, 0, 0, NULL);
	expect(cache_a && cache_b, "two caches");
	a = kmem_cache_alloc(cache_a, GFP_KERNEL);
	a2 = kmem_cache_alloc(cache_a, GFP_KERNEL);
	b = kmem_cache_alloc(cache_b, GFP_KERNEL);
	k64 = kmalloc(64, GFP_KERNEL);
	k1000 = kmalloc(1000, GFP_KERNEL);
	run = kmalloc(100000, GFP_KERNEL);
	vm = vmalloc(1 << 20);
	g = malloc(64);
	pg = (void *)__get_free_pages(GFP_KERNEL, 2);
	freed = (void *)__get_free_pages(GFP_KERNEL, 3);
	expect(a && a2 && b && k64 && k1000 && run && vm && g && pg && freed,
	       "blocks");
	free_pages((unsigned long)freed, 3);
	/* The zone's own mem_map: reserved pages. */
	memmap = (void *)ALIGN_DOWN((uintptr_t)virt_to_page(pg), PAGE_SIZE);
	memset(a2, 0x1a, 100);

	{
		const struct bad cases[] = {
			{ "kmem_cache_free twice", cache_double_free, a,
			  { "double free", "ut_err_a" }, a },
			{ "kfree twice", kfree_twice, k64,
			  { "double free", "kmalloc-64" }, k64 },
			{ "kfree of a stack address", do_kfree, &on_stack,
			  { "invalid pointer" }, &on_stack },
			{ "kfree of a glibc block", do_kfree, g,
			  { "invalid pointer" }, g },
			{ "kfree inside a slab object", do_kfree,
			  (char *)k1000 + 16, { "invalid pointer" },
			  (char *)k1000 + 16 },
			{ "kfree inside a page run", do_kfree,
			  (char *)run + PAGE_SIZE, { "invalid pointer" },
			  (char *)run + PAGE_SIZE },
			{ "kfree of the zone's mem_map", do_kfree, memmap,
			  { "invalid pointer" }, memmap },
			{ "kfree of a free page", do_kfree, freed,
			  { "invalid pointer" }, freed },
			{ "kfree of a block from alloc_pages", do_kfree, pg,
			  { "invalid pointer" }, pg },
			{ "kfree inside a vmalloc area", do_kfree,
			  (char *)vm + PAGE_SIZE, { "invalid pointer" },
			  (char *)vm + PAGE_SIZE },
			{ "kmem_cache_free to the wrong cache", do_cache_free_a,
			  b, { "ut_err_a", "ut_err_b" }, b },
			{ "kmem_cache_free inside an object", do_cache_free_b,
			  (char *)b + 8, { "invalid pointer" }, (char *)b + 8 },
			{ "kmem_cache_free of a stack address", do_cache_free_b,
			  &on_stack, { "invalid pointer" }, &on_stack },
			{ "free_page of a stack address", do_free_page,
			  &on_stack, { "invalid pointer" }, NULL },
			{ "SLAB_PANIC cache that cannot be made", panic_create,
			  NULL, { "kmem_cache_create: cannot create cache "
				  "ut_panic" }, NULL },
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(cases); i++)
			run_case(&cases[i]);
	}

	/* Nothing happened to the parent's heap. */
	expect_bytes(a2, 0x1a, 100);
	kmem_cache_free(cache_a, a);
	kmem_cache_free(cache_a, a2);
	kmem_cache_free(cache_b, b);
	kfree(k64);
	kfree(k1000);
	kfree(run);
	vfree(vm);
	free(g);
	free_pages((unsigned long)pg, 2);
	k = kmalloc(64, GFP_KERNEL);
	expect_nonnull(k);
	kfree(k);
	kmem_cache_destroy(cache_a);
	kmem_cache_destroy(cache_b);
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
