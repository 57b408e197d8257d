/*
 * kapi_bench.c - kmm's kernel-style API, timed beside glibc's malloc in
 * the same process.
 *
 * Linked with kmm's core library, which does not replace malloc: the
 * kapi/malloc/S rows are glibc's pairs of the same sizes, measured in the
 * same run, so the kmalloc and kmem_cache rows can be read as ratios to
 * them.  bench/compare also sets them beside the malloc pairs of every
 * allocator (malloc_bench's micro/malloc_free).
 *
 *   kapi/malloc/S        malloc(S)+free (glibc)
 *   kapi/kmalloc/S       kmalloc(S, GFP_KERNEL)+kfree
 *   kapi/kmem_cache/S    kmem_cache_alloc+kmem_cache_free, object size S
 *   kapi/cache_bulk/S    kmem_cache_alloc_bulk+free_bulk of 256 objects
 *                        (one iteration is one object)
 *   kapi/alloc_pages/O   alloc_pages(GFP_KERNEL, O)+__free_pages
 *   kapi/vmalloc/S       vmalloc(S)+vfree
 *
 * As in malloc_bench, one byte of each block is written.
 */
#include <stdlib.h>

#include <kmm.h>

#include "shim.h"

static void bm_malloc(struct kb_state *st, void *udata)
{
	size_t size = (size_t)kb_arg(st, 0);

	while (kb_keep_running_batch(st, KB_BATCH))
		for (int i = 0; i < KB_BATCH; i++) {
			char *p = malloc(size);

			*(volatile char *)p = 1;
			free(p);
		}
	kb_set_items_processed(st, kb_iterations(st));
}

static void bm_kmalloc(struct kb_state *st, void *udata)
{
	size_t size = (size_t)kb_arg(st, 0);

	while (kb_keep_running_batch(st, KB_BATCH))
		for (int i = 0; i < KB_BATCH; i++) {
			char *p = kmalloc(size, GFP_KERNEL);

			*(volatile char *)p = 1;
			kfree(p);
		}
	kb_set_items_processed(st, kb_iterations(st));
}

static void bm_kmem_cache(struct kb_state *st, void *udata)
{
	unsigned int size = (unsigned int)kb_arg(st, 0);
	struct kmem_cache *s = kmem_cache_create("bench", size, 0, 0, NULL);

	if (!s) {
		kb_skip_with_error(st, "kmem_cache_create failed");
		return;
	}
	while (kb_keep_running_batch(st, KB_BATCH))
		for (int i = 0; i < KB_BATCH; i++) {
			char *p = kmem_cache_alloc(s, GFP_KERNEL);

			*(volatile char *)p = 1;
			kmem_cache_free(s, p);
		}
	kmem_cache_destroy(s);
	kb_set_items_processed(st, kb_iterations(st));
}

#define BULK 256

static void bm_cache_bulk(struct kb_state *st, void *udata)
{
	unsigned int size = (unsigned int)kb_arg(st, 0);
	struct kmem_cache *s = kmem_cache_create("bench-bulk", size, 0, 0,
						 NULL);
	void *objs[BULK];

	if (!s) {
		kb_skip_with_error(st, "kmem_cache_create failed");
		return;
	}
	while (kb_keep_running_batch(st, BULK)) {
		if (!kmem_cache_alloc_bulk(s, GFP_KERNEL, BULK, objs)) {
			kb_skip_with_error(st, "kmem_cache_alloc_bulk failed");
			break;
		}
		kb_escape(objs);
		kmem_cache_free_bulk(s, BULK, objs);
	}
	kmem_cache_destroy(s);
	kb_set_items_processed(st, kb_iterations(st));
}

static void bm_alloc_pages(struct kb_state *st, void *udata)
{
	unsigned int order = (unsigned int)kb_arg(st, 0);
	int batch = order >= 8 ? 10 : KB_BATCH;

	while (kb_keep_running_batch(st, batch))
		for (int i = 0; i < batch; i++) {
			struct page *page = alloc_pages(GFP_KERNEL, order);

			if (!page) {
				kb_skip_with_error(st, "alloc_pages failed");
				return;
			}
			*(volatile char *)page_address(page) = 1;
			__free_pages(page, order);
		}
	kb_set_items_processed(st, kb_iterations(st));
}

static void bm_vmalloc(struct kb_state *st, void *udata)
{
	size_t size = (size_t)kb_arg(st, 0);

	while (kb_keep_running_batch(st, 10))
		for (int i = 0; i < 10; i++) {
			char *p = vmalloc(size);

			if (!p) {
				kb_skip_with_error(st, "vmalloc failed");
				return;
			}
			*(volatile char *)p = 1;
			vfree(p);
		}
	kb_set_items_processed(st, kb_iterations(st));
}

int main(int argc, char **argv)
{
	static const int64_t sizes[] = { 16, 64, 256, 1024, 4096, 65536,
					 1048576 };
	const size_t nsizes = sizeof(sizes) / sizeof(*sizes);
	struct kb_bench *b;

	b = kb_register("kapi/malloc", bm_malloc, NULL);
	for (size_t i = 0; i < nsizes; i++)
		kb_add_arg(b, sizes[i]);
	b = kb_register("kapi/kmalloc", bm_kmalloc, NULL);
	for (size_t i = 0; i < nsizes; i++)
		kb_add_arg(b, sizes[i]);
	b = kb_register("kapi/kmem_cache", bm_kmem_cache, NULL);
	kb_add_arg(kb_add_arg(kb_add_arg(kb_add_arg(b, 16), 64), 256), 1024);
	b = kb_register("kapi/cache_bulk", bm_cache_bulk, NULL);
	kb_add_arg(kb_add_arg(b, 64), 256);
	b = kb_register("kapi/alloc_pages", bm_alloc_pages, NULL);
	for (int order = 0; order <= MAX_PAGE_ORDER; order += 2)
		kb_add_arg(b, order);
	b = kb_register("kapi/vmalloc", bm_vmalloc, NULL);
	kb_add_arg(kb_add_arg(b, 1 << 20), 16 << 20);
	return kb_run(argc, argv);
}
