/*
 * slab_freelist - a corrupted free list is reported and aborts, and is
 * never followed: kmem_cache_alloc never hands out a pointer that is not
 * a free object of the cache, nor a live object a second time.  Cases,
 * each in a child that must die of SIGABRT within the alarm, with a
 * "freelist corrupted in <cache>" (or "double free of") message naming
 * the cache and the object on stderr:
 *  - a live object overflows one NUL byte, 8 bytes of 0x41 or 8 zero
 *    bytes into its free neighbour, the head of the thread's list;
 *  - a write after free clears an object's double-free mark and the
 *    object, the head of the list, is freed again;
 *  - the same for an object behind the head: the list loops;
 *  - an overflow into an object on a slab's own list (given back by
 *    kmem_cache_shrink), found when the thread refills from that slab;
 *  - an overflow into an object on the thread's list, found when the
 *    list goes back to the slabs;
 *  - a write after free puts the address of a live object in the free
 *    pointer of the list's head: neither of the next two allocations
 *    returns it.
 * And, in the parent, the free pointers are stored encoded: the word a
 * free object holds is not the address of the object after it.
 * Each child checks every pointer it is given (a free object of the
 * cache, not live) and exits 2 if one is wrong.
 */
#include "ut.h"

#define OBJ 64
#define NR 64		/* objects of the first slab */
#define CACHE "ut_freelist"

struct fcase {
	const char *what;
	void (*fn)(void *);
	const char *words[2];	/* each must be in the message */
	int victim;		/* index of the object named */
};

static struct kmem_cache *cache;
#define KC ((struct kmm_cache *)cache)	/* its insides */
static char *obj[NR];
static volatile uintptr_t *first;	/* obj[0], shared with the parent */
static void *live[4 * NR];
static int nr_live;

/* The child's verdict on a pointer it was given: exit 2 if wrong. */
static void given(void *p)
{
	struct kmm_page *page = p ? __virt_to_page(p) : NULL;
	int i;

	if (!p) {
		fprintf(stderr, "BAD: kmem_cache_alloc failed\n");
		_exit(2);
	}
	if (page)
		page = compound_head(page);
	if (!page || !(page->flags & PG_slab) || page->slab_cache != KC ||
	    !slab_object_ok(KC, page, p)) {
		fprintf(stderr, "BAD: %p is no object of the cache\n", p);
		_exit(2);
	}
	for (i = 0; i < nr_live; i++) {
		if (live[i] == p) {
			fprintf(stderr, "BAD: live object %p given again\n",
				p);
			_exit(2);
		}
	}
	if (nr_live < (int)ARRAY_SIZE(live))
		live[nr_live++] = p;
}

static void forget(void *p)
{
	int i;

	for (i = 0; i < nr_live; i++)
		if (live[i] == p)
			live[i] = NULL;
}

static void put(void *p)
{
	forget(p);
	kmem_cache_free(cache, p);
}

static void take(int n)
{
	while (n--)
		given(kmem_cache_alloc(cache, GFP_KERNEL));
}

/*
 * A fresh cache whose first slab is handed out whole, in address order:
 * obj[i] is the i-th object of a page-aligned slab.
 */
static void setup(void)
{
	int i;

	alarm(10);
	cache = kmem_cache_create(CACHE, OBJ, 0, 0, NULL);
	if (!cache || KC->objects != NR || KC->offset != 0) {
		fprintf(stderr, "SETUP: cache layout\n");
		_exit(99);
	}
	for (i = 0; i < NR; i++) {
		obj[i] = kmem_cache_alloc(cache, GFP_KERNEL);
		if (!obj[i] || (uintptr_t)obj[i] != (uintptr_t)obj[0] + i * OBJ ||
		    ((uintptr_t)obj[0] & (PAGE_SIZE - 1))) {
			fprintf(stderr, "SETUP: objects not in order\n");
			_exit(99);
		}
		live[nr_live++] = obj[i];
		memset(obj[i], 0x5a, OBJ);
	}
	*first = (uintptr_t)obj[0];
}

/*
 * obj[1] heads the thread's list, obj[2] behind it; obj[0], live, is
 * obj[1]'s neighbour.  Overflowing obj[0] rewrites obj[1]'s free
 * pointer: a NUL makes it obj[0] itself (obj[2] & ~0xff).
 */
static void two_free(void)
{
	setup();
	put(obj[2]);
	put(obj[1]);
}

static void overflow_nul(void *arg)
{
	(void)arg;
	two_free();
	obj[0][OBJ] = 0;
	take(4);
}

static void overflow_41(void *arg)
{
	(void)arg;
	two_free();
	memset(obj[0] + OBJ, 0x41, 8);
	take(4);
}

static void overflow_zero(void *arg)
{
	(void)arg;
	two_free();
	memset(obj[0] + OBJ, 0, 8);
	take(4);
}

/* The double-free mark: the word after the free pointer. */
static void uaf_head(void *arg)
{
	(void)arg;
	setup();
	put(obj[3]);
	memset(obj[3] + 8, 0, 8);
	kmem_cache_free(cache, obj[3]);
	take(4);
}

static void uaf_loop(void *arg)
{
	(void)arg;
	setup();
	put(obj[3]);
	put(obj[4]);
	memset(obj[3] + 8, 0, 8);
	kmem_cache_free(cache, obj[3]);	/* obj[3] -> obj[4] -> obj[3] ... */
	take(NR);
}

/* obj[3] -> obj[5] on the slab's own list; the thread's list is empty. */
static void refill(void *arg)
{
	(void)arg;
	setup();
	put(obj[5]);
	put(obj[3]);
	kmem_cache_shrink(cache);
	memset(obj[2] + OBJ, 0x41, 8);
	take(4);
}

static void flush(void *arg)
{
	(void)arg;
	setup();
	put(obj[3]);
	put(obj[5]);
	memset(obj[4] + OBJ, 0x41, 8);
	kmem_cache_shrink(cache);
	take(4);
}

/* obj[1] heads the list; a write after free points it at live obj[10]. */
static void chosen(void *arg)
{
	(void)arg;
	two_free();
	memcpy(obj[1], &obj[10], sizeof(void *));
	take(2);
	fprintf(stderr, "BAD: two allocations after the write, no abort\n");
	_exit(2);
}

/*
 * The free pointer in a free object is encoded: neither the next
 * object's address, nor an address in the slab, nor the same word for
 * the same link stored at another object.
 */
static void test_encoded(void)
{
	struct kmem_cache *c = kmem_cache_create("ut_encoded", OBJ, 0, 0,
						 NULL);
	struct kmm_cache *kc = (struct kmm_cache *)c;
	char *o[8];
	uintptr_t w1, w2, base;
	int i;

	expect_nonnull(c);
	for (i = 0; i < 8; i++) {
		o[i] = kmem_cache_alloc(c, GFP_KERNEL);
		expect_nonnull(o[i]);
	}
	base = (uintptr_t)o[0] & ~(uintptr_t)kc->slab_mask;
	kmem_cache_free(c, o[6]);
	kmem_cache_free(c, o[1]);	/* o[1] -> o[6] */
	memcpy(&w1, o[1], sizeof(w1));
	expect(w1 != (uintptr_t)o[6],
	       "expected an encoded free pointer, got the address %p", o[6]);
	expect(w1 - base > kc->slab_mask,
	       "expected an encoded free pointer, got %#lx in the slab at "
	       "%#lx", (unsigned long)w1, (unsigned long)base);
	expect(kmem_cache_alloc(c, GFP_KERNEL) == o[1],
	       "expected o[1] back first");
	kmem_cache_free(c, o[2]);	/* o[2] -> o[6] */
	memcpy(&w2, o[2], sizeof(w2));
	expect(w2 != w1, "expected the link to o[6] to be stored "
	       "differently at two objects, got %#lx at both",
	       (unsigned long)w1);
	kmem_cache_free(c, o[1]);
	for (i = 0; i < 8; i++)
		if (i != 1 && i != 2 && i != 6)
			kmem_cache_free(c, o[i]);
	kmem_cache_destroy(c);
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

static void run_case(const struct fcase *f)
{
	char *err;
	void *victim;
	int st, i;

	*first = 0;
	st = ut_run_child(f->fn, NULL, &err);

	if (WIFEXITED(st) && WEXITSTATUS(st) == 99)
		test_error("%s: %s", f->what, err);
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	       "%s: expected death by SIGABRT, got %s %d; stderr \"%s\"",
	       f->what, WIFSIGNALED(st) ? "signal" : "exit status",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), err);
	for (i = 0; i < 2 && f->words[i]; i++)
		expect(strstr(err, f->words[i]) != NULL,
		       "%s: expected \"%s\" in the message, got \"%s\"",
		       f->what, f->words[i], err);
	expect(strchr(err, '\n') == strrchr(err, '\n'),
	       "%s: expected one line, got \"%s\"", f->what, err);
	victim = (void *)(*first + (uintptr_t)f->victim * OBJ);
	expect(*first && has_addr(err, victim),
	       "%s: expected the address %p in the message, got \"%s\"",
	       f->what, victim, err);
	free(err);
}

int main(void)
{
	static const struct fcase cases[] = {
		{ "NUL byte overflow", overflow_nul,
		  { "freelist corrupted in " CACHE }, 1 },
		{ "0x41 x 8 overflow", overflow_41,
		  { "freelist corrupted in " CACHE, "0x4141414141414141" },
		  1 },
		{ "8 zero bytes overflow", overflow_zero,
		  { "freelist corrupted in " CACHE }, 1 },
		{ "mark cleared, head freed again", uaf_head,
		  { "double free of", "(cache " CACHE ")" }, 3 },
		{ "mark cleared, list loops", uaf_loop,
		  { "freelist corrupted in " CACHE }, 3 },
		{ "slab list corrupted, refill", refill,
		  { "freelist corrupted in " CACHE, "0x4141414141414141" },
		  3 },
		{ "thread list corrupted, flush", flush,
		  { "freelist corrupted in " CACHE, "0x4141414141414141" },
		  5 },
		{ "live address written after free", chosen,
		  { "freelist corrupted in " CACHE }, 1 },
	};
	size_t i;

	test_init();
	if (!ut_native())
		test_skip("memcheck keeps freed objects in quarantine behind "
			  "red zones: the overflows cannot reach a free list");
	first = mmap(NULL, sizeof(*first), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (first == MAP_FAILED)
		test_error("mmap: %s", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	test_encoded();
	return 0;
}
