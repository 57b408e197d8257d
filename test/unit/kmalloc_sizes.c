/*
 * kmalloc_sizes - the size classes keep their bounds, for every size:
 * for each size 1..32768, kmalloc_size_roundup() is a multiple of 16, at
 * least the size, at most 15 bytes more up to 128 bytes and less than a
 * quarter more above, never smaller than for a smaller size, and takes
 * exactly the 40 documented class values; a block of that size has
 * ksize() equal to it and is 16-byte aligned.  Above 32 KiB (sampled up
 * to 8 MiB) blocks are page runs or vmalloc areas: page aligned, ksize()
 * equal to the size rounded to a page, so less than a page of waste, and
 * the free page count drops by exactly that many pages.  Power-of-two
 * sizes up to 4 MiB are naturally aligned; above 4 MiB kmalloc uses
 * vmalloc.  (Under memcheck, blocks carry red zones and freed blocks
 * wait in a quarantine: page counts are checked natively only.)
 * kfree's object-start test (a multiply and a compare, kmalloc.h) says
 * yes exactly at the start of each object of a class's slab, for every
 * offset in the slab, and the page class map names the class of every
 * page of a kmalloc slab (natively; without a map, 0).
 */
#include "ut.h"

static const unsigned int classes[KMALLOC_NR_CACHES] = {
	16, 32, 48, 64, 80, 96, 112, 128,
	160, 192, 224, 256, 320, 384, 448, 512,
	640, 768, 896, 1024, 1280, 1536, 1792, 2048,
	2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
	10240, 12288, 14336, 16384, 20480, 24576, 28672, 32768,
};

static void test_classes(void)
{
	size_t s, prev = 0, k = 0;
	double waste = 0;
	unsigned long n = 0;

	for (s = 1; s <= 32768; s++) {
		size_t r = kmalloc_size_roundup(s);

		expect(r >= s && r % 16 == 0,
		       "kmalloc_size_roundup(%zu): expected a multiple of 16 "
		       "of at least %zu, got %zu", s, s, r);
		if (s <= 128)
			expect(r - s < 16, "kmalloc_size_roundup(%zu): expected "
			       "less than 16 bytes of waste, got %zu", s, r - s);
		else
			expect((r - s) * 4 < s, "kmalloc_size_roundup(%zu): "
			       "expected less than %zu bytes (25%%) of waste, got "
			       "%zu", s, (s + 3) / 4, r - s);
		expect(r >= prev, "kmalloc_size_roundup(%zu) = %zu: expected at "
		       "least %zu, as for %zu", s, r, prev, s - 1);
		if (r != prev) {
			expect(k < KMALLOC_NR_CACHES && r == classes[k],
			       "class %zu: expected %u bytes, got %zu (for size "
			       "%zu)", k, k < KMALLOC_NR_CACHES ? classes[k] : 0,
			       r, s);
			k++;
		}
		if (s > 128) {
			waste += (double)(r - s) / (double)s;
			n++;
		}
		prev = r;
	}
	expect_eq(k, KMALLOC_NR_CACHES);
	printf("kmalloc_sizes: average waste 129..32768: %.1f%%\n",
	       100.0 * waste / (double)n);
}

static void test_every_small_size(void)
{
	size_t s;

	for (s = 1; s <= 32768; s++) {
		unsigned char *p = kmalloc(s, GFP_KERNEL);
		size_t n;

		expect(p != NULL, "kmalloc(%zu): expected a block, got NULL", s);
		n = ksize(p);
		expect(n == kmalloc_size_roundup(s),
		       "ksize(kmalloc(%zu)): expected %zu (its class), got %zu",
		       s, kmalloc_size_roundup(s), n);
		expect((uintptr_t)p % 16 == 0, "kmalloc(%zu) = %p: expected 16 "
		       "byte alignment", s, (void *)p);
		p[0] = 1;
		p[s - 1] = 2;
		p[n - 1] = 3;
		kfree(p);
	}
}

static void check_large(size_t s)
{
	size_t pages = (s + PAGE_SIZE - 1) / PAGE_SIZE;
	size_t free0, free1, n;
	unsigned char *p;
	int vm;

	free0 = ut_free_pages();
	p = kmalloc(s, GFP_KERNEL);
	expect(p != NULL, "kmalloc(%zu): expected a block, got NULL", s);
	free1 = ut_free_pages();
	n = ksize(p);
	expect(n >= s, "ksize(kmalloc(%zu)): expected at least the size, got "
	       "%zu", s, n);
	expect((uintptr_t)p % PAGE_SIZE == 0, "kmalloc(%zu) = %p: expected "
	       "page alignment", s, (void *)p);
	expect(n == pages * PAGE_SIZE && n == kmalloc_size_roundup(s),
	       "kmalloc(%zu): expected ksize %zu (whole pages, as "
	       "kmalloc_size_roundup %zu), got %zu", s, pages * PAGE_SIZE,
	       kmalloc_size_roundup(s), n);
	vm = is_vmalloc_addr(p);
	if (s <= (4UL << 20)) {
		/* Memcheck mode's red zone takes a page more, and near
		 * 4 MiB sends the block to vmalloc. */
		expect(!ut_native() || (!vm && virt_to_page(p) != NULL),
		       "kmalloc(%zu): expected a page run, got %s", s,
		       vm ? "a vmalloc area" : "memory in no zone");
		expect(!ut_native() || free0 - free1 == pages,
		       "kmalloc(%zu): expected %zu pages taken, got %zd", s,
		       pages, (ssize_t)(free0 - free1));
	} else {
		expect(vm && virt_to_page(p) == NULL,
		       "kmalloc(%zu): expected a vmalloc area, got %s", s,
		       vm ? "a vmalloc area in a zone" : "no vmalloc area");
		expect_eq(free0, free1);
	}
	p[0] = 1;
	p[s - 1] = 2;
	p[n - 1] = 3;
	kfree(p);
	expect(!ut_native() || ut_free_pages() == free0,
	       "kfree of kmalloc(%zu): expected %zu free pages, got %zu", s,
	       free0, ut_free_pages());
}

static void test_large_sizes(void)
{
	static const size_t fixed[] = {
		32769, 32768 + 4096, 33 * 1024, 40000, 65535, 65536, 65537,
		100000, 1 << 20, (1 << 20) + 1, (4 << 20) - 1, 4 << 20,
		(4 << 20) + 1, 5 << 20, (8 << 20) - 1, 8 << 20,
	};
	struct ut_rng rng;
	size_t i, n = test_quick() ? 40 : 400;

	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		check_large(fixed[i]);
	ut_rng_init(&rng, 5);
	for (i = 0; i < n; i++) {
		/* Log-uniform over 32 KiB .. 8 MiB. */
		unsigned int shift = 15 + (unsigned int)ut_below(&rng, 8);
		size_t s = ((size_t)1 << shift) +
			   (size_t)ut_below(&rng, (size_t)1 << shift) + 1;

		if (s > (8UL << 20))
			s = 8UL << 20;
		check_large(s);
	}
}

static void test_natural_alignment(void)
{
	unsigned int k;

	for (k = 0; k <= 22; k++) {
		size_t s = (size_t)1 << k, a = s < 16 ? 16 : s;
		void *p[3];
		int i;

		for (i = 0; i < 3; i++) {
			p[i] = kmalloc(s, GFP_KERNEL);
			expect_nonnull(p[i]);
			expect((uintptr_t)p[i] % a == 0,
			       "kmalloc(%zu) = %p: expected alignment %zu, got "
			       "offset %zu", s, p[i], a,
			       (size_t)((uintptr_t)p[i] % a));
		}
		for (i = 0; i < 3; i++)
			kfree(p[i]);
	}
}

static void test_object_start(void)
{
	unsigned int i;

	for (i = 0; i < KMALLOC_NR_CACHES; i++) {
		const struct kmm_cache *s = kmalloc_caches[i];
		uintptr_t off, bytes = s->slab_mask + 1;
		void *p;

		for (off = 0; off < bytes; off++) {
			bool want = off % s->size == 0 &&
				    off / s->size < s->objects;

			if (kmalloc_object_start(i, (void *)off) != want)
				test_fail("%s: offset %lu: expected %s, got %s",
					  s->name, (unsigned long)off,
					  want ? "an object start" : "none",
					  want ? "none" : "an object start");
		}
		p = kmalloc(s->object_size, GFP_KERNEL);
		expect_nonnull(p);
		if (kmm_page_class_end)
			expect_eq(page_class(p), i + 1);
		else
			expect_eq(page_class(p), 0);
		kfree(p);
	}
}

int main(void)
{
	test_init();
	test_object_start();
	test_classes();
	test_every_small_size();
	test_large_sizes();
	test_natural_alignment();
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
