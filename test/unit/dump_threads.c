/*
 * dump_threads - the registries stay consistent under concurrent use:
 * while 3 threads vmalloc, vrealloc and vfree areas of random sizes
 * (growing and shrinking the vmap registry) and check their patterns and
 * is_vmalloc_addr(), a fourth creates, uses and destroys caches, and the
 * main thread writes every kmm_dump report in a loop; each report parses
 * (vmallocinfo lines are "0x<start>-0x<end> <size> ...", slabinfo lines
 * are cache lines), nothing crashes, and at the end the vmalloc registry
 * is back to what it held at the start.
 */
#include "ut.h"

#include <pthread.h>

#define AREAS 40

static _Atomic int stop;
static unsigned long iters;

static void *vm_worker(void *arg)
{
	unsigned char *v[AREAS] = { 0 };
	size_t sz[AREAS] = { 0 };
	uint64_t tag[AREAS] = { 0 };
	struct ut_rng rng;
	unsigned long i;

	ut_rng_init(&rng, (uint64_t)(uintptr_t)arg);
	for (i = 0; i < iters; i++) {
		size_t k = (size_t)ut_below(&rng, AREAS);

		if (v[k]) {
			expect(ut_check_sparse(v[k], sz[k], tag[k]) < 0,
			       "area %p of %zu bytes: expected its pattern",
			       (void *)v[k], sz[k]);
			expect(is_vmalloc_addr(v[k] + sz[k] - 1),
			       "area %p: expected is_vmalloc_addr",
			       (void *)v[k]);
			if (ut_below(&rng, 3) == 0) {
				size_t ns = 1 + (size_t)ut_below(&rng,
								 300 * 1024);
				unsigned char *q = vrealloc(v[k], ns,
							    GFP_KERNEL);
				size_t keep = ns < sz[k] ? ns : sz[k];

				expect_nonnull(q);
				expect(ut_check(q, keep < 64 ? keep / 8 * 8 : 64,
						tag[k]) < 0,
				       "vrealloc %zu -> %zu: expected the start "
				       "kept", sz[k], ns);
				v[k] = q;
				sz[k] = ns;
				ut_fill_sparse(q, ns, tag[k]);
				continue;
			}
			vfree(v[k]);
			v[k] = NULL;
		} else {
			sz[k] = 1 + (size_t)ut_below(&rng, 300 * 1024);
			v[k] = ut_below(&rng, 2) ? vmalloc(sz[k]) :
						   vzalloc(sz[k]);
			expect_nonnull(v[k]);
			tag[k] = ut_next(&rng);
			ut_fill_sparse(v[k], sz[k], tag[k]);
		}
	}
	for (i = 0; i < AREAS; i++)
		vfree(v[i]);
	return NULL;
}

static void *cache_worker(void *arg)
{
	unsigned long i;

	(void)arg;
	for (i = 0; !atomic_load(&stop); i++) {
		char name[32];
		struct kmem_cache *c;
		void *o[8];
		int k;

		snprintf(name, sizeof(name), "ut_dt_%lu", i % 7);
		c = kmem_cache_create(name, 16 + (unsigned)(i % 300), 0, 0,
				      NULL);
		expect_nonnull(c);
		for (k = 0; k < 8; k++)
			expect_nonnull(o[k] = kmem_cache_alloc(c, GFP_KERNEL));
		for (k = 0; k < 8; k++)
			kmem_cache_free(c, o[k]);
		kmem_cache_destroy(c);
	}
	return NULL;
}

static size_t count_vm_lines(const char *text, int check)
{
	size_t n = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		unsigned long a, b, s;

		if (check)
			expect(sscanf(p, "0x%lx-0x%lx %lu", &a, &b, &s) == 3 &&
				       b - a == s,
			       "vmallocinfo: expected \"0x<start>-0x<end> "
			       "<size>\", got \"%.*s\"",
			       (int)(nl ? nl - p : (long)strlen(p)), p);
		n++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

static void check_slabinfo(char *text)
{
	char *line, *save = NULL;
	int n = 0;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++) {
		struct ut_slabinfo si;

		if (n < 2)
			continue;
		expect(ut_parse_slabinfo_line(line, &si) == 0,
		       "slabinfo under concurrent cache changes: expected a "
		       "cache line, got \"%s\"", line);
	}
}

int main(void)
{
	static const char *reports[] = { "vmallocinfo", "slabinfo",
					 "buddyinfo", "meminfo" };
	pthread_t vm[3], cw;
	int joined[3] = { 0 };
	size_t before, after, dumps = 0;
	int i, done;
	char *t;

	test_init();
	iters = test_quick() ? 300 : 20000;
	t = ut_dump("vmallocinfo");
	before = count_vm_lines(t, 1);
	free(t);

	for (i = 0; i < 3; i++)
		if (pthread_create(&vm[i], NULL, vm_worker,
				   (void *)(uintptr_t)(i + 1)))
			test_error("pthread_create");
	if (pthread_create(&cw, NULL, cache_worker, NULL))
		test_error("pthread_create");
	for (done = 0; !done;) {
		for (i = 0; i < 4; i++) {
			t = ut_dump(reports[i]);
			expect(t != NULL, "kmm_dump(%s) under load", reports[i]);
			if (i == 0)
				count_vm_lines(t, 1);
			else if (i == 1)
				check_slabinfo(t);
			free(t);
			dumps++;
		}
		/* Until the vmalloc workers are done. */
		done = 1;
		for (i = 0; i < 3; i++) {
			if (joined[i])
				continue;
			if (pthread_tryjoin_np(vm[i], NULL) == 0)
				joined[i] = 1;
			else
				done = 0;
		}
	}
	atomic_store(&stop, 1);
	pthread_join(cw, NULL);
	printf("dump_threads: %zu reports written under load\n", dumps);

	t = ut_dump("vmallocinfo");
	after = count_vm_lines(t, 1);
	free(t);
	expect(after == before, "all areas freed: expected %zu vmallocinfo "
	       "lines as at the start, got %zu", before, after);
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}
