/*
 * paint.c - programs whose threads have 16 KiB stacks run on kmm, and no
 * single call into kmm uses more than 1 KiB of stack, plus what libc
 * needs below it.
 *
 * Properties checked:
 *  1. Threads created with pthread_attr_setstacksize(16384) make their
 *     first allocation (through malloc, kmalloc, kmem_cache_alloc,
 *     alloc_pages or vmalloc: each thread starts with another), then
 *     allocate, check and free on every route: malloc and calloc from
 *     16 bytes to 64 MiB, realloc chains up through slab, pages and
 *     vmalloc and back down, posix_memalign and friends with alignments
 *     up to 64 MiB, kmalloc, kmem_cache (with a constructor),
 *     alloc_pages, vmalloc, the C++ operators, kmm_dump; then they exit
 *     holding live memory, which the main thread frees.  An overflow
 *     shows as SIGSEGV on the guard page; a wrong result fails.
 *  2. (Not under Valgrind, whose replacements for libc's string
 *     functions have other frames, nor in sanitizer builds, see
 *     stack.am.)  On a thread with a large stack, PAINT_BYTES below the
 *     stack pointer are filled with a pattern before each call into kmm
 *     (made from a wrapper with a small frame), and the lowest word
 *     overwritten afterwards gives the stack that call used.  Every
 *     route above is measured, the thread's first allocation and a free
 *     of another thread's memory included; so is the thread exit path
 *     (kmm's key destructor) of a thread that dies holding memory.  The
 *     deepest call must stay within LIMIT: kmm's 1024 bytes plus
 *     LIBC_ALLOWANCE (256) for the libc functions kmm calls at the
 *     bottom of a chain (mutexes, mmap and friends, memset and memcpy,
 *     write) and the measuring wrapper's own frame.  The same calls are
 *     measured from libc alone, to show the allowance holds on this
 *     system: test/stack/callgraph.sh counts every libc call with it.
 *     A kmem_cache constructor is user code; the one here is small and
 *     runs inside the measured kmem_cache_alloc.
 *
 * KMM_TEST_QUICK=1 runs fewer threads.  Exit 0 pass, 1 fail, 77 skip,
 * 99 hard error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <kmm.h>

#include "test.h"

#define KIB 1024UL
#define MIB (1024UL * 1024)

#define SMALL_STACK 16384
#define LIMIT_KMM 1024
#define LIBC_ALLOWANCE 256
#define LIMIT (LIMIT_KMM + LIBC_ALLOWANCE)

/* The painted depth: far more than any call may use, to see overruns. */
#define PAINT_BYTES (64 * KIB)
#define MEASURE_STACK (1 * MIB)

/* C23 and the C++ operators, by their symbol names: kmm exports them. */
void free_sized(void *p, size_t size);
void *_Znwm(size_t size);
void *_ZnwmSt11align_val_t(size_t size, size_t align);
void _ZdlPv(void *p);
void _ZdlPvm(void *p, size_t size);
void _ZdlPvSt11align_val_t(void *p, size_t align);

/* -------------------------------------------------- 1. small stacks */

static const size_t sizes[] = {
	16, 24, 100, 256, 1000, 3000, 4096, 8192, 32768, 32769, 65536,
	1 * MIB, 4 * MIB, 4 * MIB + 1, 16 * MIB, 64 * MIB,
};
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* What a thread leaves behind when it exits: freed by main. */
#define NR_LIVE 8
struct small_thread {
	unsigned id;
	int step;		/* 0, or the step that failed */
	void *live[NR_LIVE];
	void *obj;		/* from the shared cache */
};

static struct kmem_cache *shared_cache;
static int ctor_calls;

static void ctor(void *obj)
{
	memset(obj, 0xc5, 48);
	__atomic_fetch_add(&ctor_calls, 1, __ATOMIC_RELAXED);
}

static int filled(const unsigned char *p, size_t n, unsigned char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

/* Marks the first and last 64 bytes of [p, p + n) with c. */
static void mark(unsigned char *p, size_t n, unsigned char c)
{
	size_t m = n < 64 ? n : 64;

	memset(p, c, m);
	memset(p + n - m, c, m);
}

static int marked(const unsigned char *p, size_t n, unsigned char c)
{
	size_t m = n < 64 ? n : 64;

	return filled(p, m, c) && filled(p + n - m, m, c);
}

/*
 * The thread's first call into kmm, by one of five routes.  Returns 0 or
 * a failed step.
 */
static int first_allocation(unsigned id)
{
	void *p;
	struct page *pg;

	switch (id % 5) {
	case 0:
		p = malloc(40);
		if (!p)
			return 1;
		free(p);
		break;
	case 1:
		p = kmalloc(40, GFP_KERNEL);
		if (!p)
			return 1;
		kfree(p);
		break;
	case 2:
		p = kmem_cache_alloc(shared_cache, GFP_KERNEL);
		if (!p || !filled(p, 48, 0xc5))
			return 1;
		kmem_cache_free(shared_cache, p);
		break;
	case 3:
		pg = alloc_pages(GFP_KERNEL, 2);
		if (!pg)
			return 1;
		__free_pages(pg, 2);
		break;
	default:
		p = vmalloc(100 * KIB);
		if (!p)
			return 1;
		vfree(p);
		break;
	}
	return 0;
}

static int malloc_routes(void)
{
	for (size_t i = 0; i < NR_SIZES; i++) {
		size_t n = sizes[i];
		unsigned char *p = malloc(n), *q;

		if (!p || (uintptr_t)p % 16)
			return 10;
		mark(p, n, 0x11);
		if (malloc_usable_size(p) < n || !marked(p, n, 0x11))
			return 11;
		free(p);
		q = calloc(1, n);
		if (!q || !filled(q, n < 4096 ? n : 4096, 0) || q[n - 1])
			return 12;
		free_sized(q, n);
	}
	return 0;
}

/* realloc up through every route and back down, content checked. */
static int realloc_chain(void)
{
	unsigned char *p = NULL, *q;
	size_t old = 0;
	size_t i, dir;

	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < NR_SIZES; i++) {
			size_t n = sizes[dir ? NR_SIZES - 1 - i : i];
			size_t keep = old < n ? old : n;

			q = realloc(p, n);
			if (!q)
				return 20;
			if (keep && !filled(q, keep < 64 ? keep : 64, 0x22))
				return 21;
			p = q;
			memset(p, 0x22, n < 64 ? n : 64);
			old = n;
		}
	}
	if (realloc(p, 0) != NULL)	/* frees p, as glibc does */
		return 22;
	return 0;
}

static int aligned_routes(void)
{
	for (size_t align = 16; align <= 64 * MIB; align <<= 1) {
		void *p = NULL;

		if (posix_memalign(&p, align, 100) || (uintptr_t)p % align)
			return 30;
		memset(p, 0x33, 100);
		free(p);
		if (align >= 4096 && align <= 4 * MIB) {
			p = aligned_alloc(align, align);
			if (!p || (uintptr_t)p % align)
				return 31;
			free(p);
		}
	}
	void *m = memalign(4096, 5000), *v = valloc(100), *pv = pvalloc(100);

	if (!m || !v || !pv || (uintptr_t)m % 4096 || (uintptr_t)v % 4096 ||
	    (uintptr_t)pv % 4096)
		return 32;
	free(m);
	free(v);
	free(pv);
	return 0;
}

static int kernel_routes(int devnull)
{
	struct kmem_cache *s;
	void *objs[16];
	struct page *pg;
	unsigned long addr;
	void *p, *q;

	p = kzalloc(5000, GFP_KERNEL);
	if (!p || !filled(p, 5000, 0))
		return 40;
	q = krealloc(p, 100 * KIB, GFP_KERNEL);
	if (!q || ksize(q) < 100 * KIB)
		return 41;
	q = krealloc(q, 8 * MIB, GFP_KERNEL);
	if (!q || !is_vmalloc_addr(q))
		return 42;
	kfree(q);
	kfree_sensitive(kmalloc(200, GFP_KERNEL));
	p = kmalloc_array(10, 300, GFP_KERNEL);
	if (!p)
		return 43;
	kfree(p);

	s = kmem_cache_create("paint_small", 200, 0, SLAB_HWCACHE_ALIGN, ctor);
	if (!s)
		return 44;
	p = kmem_cache_alloc(s, GFP_KERNEL);
	if (!p || !filled(p, 48, 0xc5))
		return 45;
	if (kmem_cache_alloc_bulk(s, GFP_KERNEL, 16, objs) != 16)
		return 46;
	kmem_cache_free_bulk(s, 16, objs);
	kmem_cache_free(s, p);
	kmem_cache_shrink(s);
	kmem_cache_destroy(s);

	for (unsigned order = 0; order <= MAX_PAGE_ORDER; order++) {
		pg = alloc_pages(GFP_KERNEL, order);
		if (!pg)
			return 47;
		memset(page_address(pg), 0x44, 64);
		if (virt_to_page(page_address(pg)) != pg)
			return 48;
		__free_pages(pg, order);
	}
	addr = get_zeroed_page(GFP_KERNEL);
	if (!addr || !filled((void *)addr, PAGE_SIZE, 0))
		return 49;
	free_page(addr);
	p = alloc_pages_exact(33 * KIB, GFP_KERNEL);
	if (!p)
		return 50;
	free_pages_exact(p, 33 * KIB);
	drain_local_pages();

	p = vzalloc(1 * MIB);
	if (!p || !filled(p, 4096, 0))
		return 51;
	memset(p, 0x55, 64);
	q = vrealloc(p, 16 * MIB, GFP_KERNEL);
	if (!q || !filled(q, 64, 0x55))
		return 52;
	vfree(q);
	p = vmalloc_huge(8 * MIB, GFP_KERNEL);
	if (!p || !is_vmalloc_addr(p))
		return 53;
	vfree(p);

	p = _Znwm(100);
	_ZdlPvm(p, 100);
	p = _ZnwmSt11align_val_t(100, 4096);
	if (!p || (uintptr_t)p % 4096)
		return 54;
	_ZdlPvSt11align_val_t(p, 4096);

	if (kmm_dump(devnull, "slabinfo") || kmm_dump(devnull, "meminfo"))
		return 55;
	return 0;
}

static int devnull_fd = -1;

static void *small_stack_thread(void *arg)
{
	struct small_thread *t = arg;
	int step;

	step = first_allocation(t->id);
	if (!step)
		step = malloc_routes();
	if (!step)
		step = realloc_chain();
	if (!step)
		step = aligned_routes();
	if (!step)
		step = kernel_routes(devnull_fd);
	if (!step) {
		/* Exit holding memory on every route. */
		static const size_t live_sizes[NR_LIVE] = {
			16, 200, 2000, 32768, 40000, 1 * MIB, 5 * MIB, 64,
		};
		for (int i = 0; i < NR_LIVE - 1; i++)
			t->live[i] = malloc(live_sizes[i]);
		t->live[NR_LIVE - 1] = kmalloc(live_sizes[NR_LIVE - 1],
					       GFP_KERNEL);
		t->obj = kmem_cache_alloc(shared_cache, GFP_KERNEL);
		for (int i = 0; i < NR_LIVE; i++)
			if (!t->live[i])
				step = 60;
		if (!t->obj)
			step = 61;
	}
	t->step = step;
	return NULL;
}

static void small_stacks(void)
{
	unsigned n = (unsigned)test_scale(16, 5);
	struct small_thread *ts = calloc(n, sizeof(*ts));
	pthread_t *th = calloc(n, sizeof(*th));
	size_t stack = SMALL_STACK;
	long min = sysconf(_SC_THREAD_STACK_MIN);
	pthread_attr_t attr;

	if (!ts || !th)
		test_error("calloc failed");
	if (min > 0 && (size_t)min > stack) {
		/* Some systems need more for signal frames (AVX-512). */
		printf("the system minimum stack is %ld bytes, using it\n", min);
		stack = (size_t)min;
	}
	pthread_attr_init(&attr);
	if (pthread_attr_setstacksize(&attr, stack))
		test_error("pthread_attr_setstacksize(%zu) failed", stack);
	for (unsigned i = 0; i < n; i++) {
		ts[i].id = i;
		if (pthread_create(&th[i], &attr, small_stack_thread, &ts[i]))
			test_error("pthread_create failed");
	}
	for (unsigned i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		expect(ts[i].step == 0,
		       "thread %u (first allocation by route %u) on a %zu-byte "
		       "stack: step %d failed", i, i % 5, stack, ts[i].step);
	}
	/* The threads are gone; their memory is freed from here. */
	for (unsigned i = 0; i < n; i++) {
		for (int j = 0; j < NR_LIVE - 1; j++)
			free(ts[i].live[j]);
		kfree(ts[i].live[NR_LIVE - 1]);
		kmem_cache_free(shared_cache, ts[i].obj);
	}
	pthread_attr_destroy(&attr);
	printf("%u threads with %zu-byte stacks: every route passed\n", n,
	       stack);
	free(ts);
	free(th);
}

/* ------------------------------------------------ 2. painted depth */

struct ctx {
	void *p, *q, *r;
	void *objs[16];
	struct kmem_cache *s;
	struct page *pg;
	unsigned long addr;
	size_t n, align;
	int fd, ret;
	pthread_mutex_t lock;
	void *map;
	char *big, *big2;
};

typedef void (*op_fn)(struct ctx *c);

#define PATTERN 0x5a17c3e9d2b4f681ULL

static inline uintptr_t stack_pointer(void)
{
	uintptr_t sp;

#if defined(__x86_64__)
	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
	__asm__ volatile("mov %0, sp" : "=r"(sp));
#else
	/* A local lies above the stack pointer: measures a little more. */
	volatile char here;

	sp = (uintptr_t)&here;
#endif
	return sp;
}

/*
 * Paints PAINT_BYTES below the stack pointer, calls op, and returns how
 * many bytes below the stack pointer at the call were overwritten: the
 * call's stack, its return address and the wrapper's frame included.
 * measure() calls a function, so it keeps nothing in the red zone below
 * its stack pointer; no other call happens in between, and the loops
 * touch only registers.
 *
 * The program is linked with -z now: a lazily bound first call through
 * the PLT would run the dynamic linker's resolver on the same stack
 * (it saves the vector registers there: over 3 KiB with AVX-512).
 */
static __attribute__((noinline)) size_t measure(op_fn op, struct ctx *c)
{
	uintptr_t sp = stack_pointer() & ~(uintptr_t)7;
	uintptr_t lo = sp - PAINT_BYTES, a;

	for (a = lo; a < sp; a += 8)
		*(volatile uint64_t *)a = PATTERN ^ a;
	op(c);
	__asm__ volatile("" ::: "memory");
	for (a = lo; a < sp; a += 8)
		if (*(volatile uint64_t *)a != (PATTERN ^ a))
			break;
	return a < sp ? sp - a : 0;
}

struct result {
	const char *name;
	size_t bytes;
	int libc;		/* a libc reference, not a call into kmm */
};

#define MAX_RESULTS 256
static struct result results[MAX_RESULTS];
static unsigned nr_results;

static void record(const char *name, size_t bytes, int libc)
{
	if (nr_results == MAX_RESULTS)
		test_error("too many measurements");
	results[nr_results].name = name;
	results[nr_results].bytes = bytes;
	results[nr_results].libc = libc;
	nr_results++;
}

#define OP(name, body)                                         \
	static __attribute__((noinline)) void op_##name(struct ctx *c) \
	{                                                      \
		body;                                          \
	}
/*
 * op_<name>: one call, its arguments and results in c; the checks come
 * after the measurement.  Most compile to a jump into kmm.
 */
OP(first_malloc, c->p = malloc(24))
OP(malloc, c->p = malloc(c->n))
OP(calloc, c->p = calloc(1, c->n))
OP(free, free(c->p))
OP(free_sized, free_sized(c->p, c->n))
OP(realloc, c->q = realloc(c->p, c->n))
OP(posix_memalign, c->ret = posix_memalign(&c->p, c->align, c->n))
OP(aligned_alloc, c->p = aligned_alloc(c->align, c->n))
OP(memalign, c->p = memalign(c->align, c->n))
OP(valloc, c->p = valloc(c->n))
OP(pvalloc, c->p = pvalloc(c->n))
OP(usable_size, c->n = malloc_usable_size(c->p))
OP(malloc_trim, c->ret = malloc_trim(0))
OP(mallinfo2, c->n = mallinfo2().uordblks)
OP(mallopt, c->ret = mallopt(M_TRIM_THRESHOLD, 1 << 20))
OP(malloc_stats, malloc_stats())
OP(kmalloc, c->p = kmalloc(c->n, GFP_KERNEL))
OP(kzalloc, c->p = kzalloc(c->n, GFP_KERNEL))
OP(krealloc, c->q = krealloc(c->p, c->n, GFP_KERNEL))
OP(ksize, c->n = ksize(c->p))
OP(kfree, kfree(c->p))
OP(kfree_sensitive, kfree_sensitive(c->p))
OP(cache_create, c->s = kmem_cache_create("paint", 200, 0,
					    SLAB_HWCACHE_ALIGN, ctor))
OP(cache_alloc, c->p = kmem_cache_alloc(c->s, GFP_KERNEL))
OP(cache_free, kmem_cache_free(c->s, c->p))
OP(cache_alloc_bulk, c->ret = kmem_cache_alloc_bulk(c->s, GFP_KERNEL, 16,
						      c->objs))
OP(cache_free_bulk, kmem_cache_free_bulk(c->s, 16, c->objs))
OP(cache_shrink, c->ret = kmem_cache_shrink(c->s))
OP(cache_destroy, kmem_cache_destroy(c->s))
OP(alloc_pages, c->pg = alloc_pages(GFP_KERNEL, (unsigned)c->n))
OP(free_pages_page, __free_pages(c->pg, (unsigned)c->n))
OP(get_free_pages, c->addr = __get_free_pages(GFP_KERNEL, (unsigned)c->n))
OP(free_pages, free_pages(c->addr, (unsigned)c->n))
OP(alloc_pages_exact, c->p = alloc_pages_exact(c->n, GFP_KERNEL))
OP(free_pages_exact, free_pages_exact(c->p, c->n))
OP(get_page, get_page(c->pg))
OP(put_page, put_page(c->pg))
OP(drain_local_pages, drain_local_pages())
OP(vmalloc, c->p = vmalloc(c->n))
OP(vzalloc, c->p = vzalloc(c->n))
OP(vmalloc_huge, c->p = vmalloc_huge(c->n, GFP_KERNEL))
OP(vrealloc, c->q = vrealloc(c->p, c->n, GFP_KERNEL))
OP(vfree, vfree(c->p))
OP(vmalloc_to_page, c->pg = vmalloc_to_page(c->p))
OP(dump_slabinfo, c->ret = kmm_dump(c->fd, "slabinfo"))
OP(dump_buddyinfo, c->ret = kmm_dump(c->fd, "buddyinfo"))
OP(dump_vmallocinfo, c->ret = kmm_dump(c->fd, "vmallocinfo"))
OP(dump_meminfo, c->ret = kmm_dump(c->fd, "meminfo"))
OP(new, c->p = _Znwm(c->n))
OP(new_aligned, c->p = _ZnwmSt11align_val_t(c->n, c->align))
OP(delete, _ZdlPv(c->p))
OP(delete_aligned, _ZdlPvSt11align_val_t(c->p, c->align))
/* References: what the libc functions kmm calls use by themselves. */
OP(nothing, (void)c)
OP(mutex, pthread_mutex_lock(&c->lock); pthread_mutex_unlock(&c->lock))
OP(mmap, c->map = mmap(NULL, 1 * MIB, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0))
OP(madvise, c->ret = madvise(c->map, 1 * MIB, MADV_DONTNEED))
OP(mremap, c->map = mremap(c->map, 1 * MIB, 2 * MIB, MREMAP_MAYMOVE))
OP(munmap, c->ret = munmap(c->map, 2 * MIB))
OP(memset, memset(c->big, 0x66, 1 * MIB))
OP(memcpy, memcpy(c->big2, c->big, 1 * MIB))
OP(write, c->ret = (int)write(c->fd, c->big, 200))
OP(getrandom, c->ret = (int)getrandom(c->objs, sizeof(c->objs), 0))
OP(clock_gettime, c->ret = clock_gettime(CLOCK_MONOTONIC,
					  (struct timespec *)c->objs))
OP(secure_getenv, c->q = secure_getenv("KMM_PAINT_UNSET"))
OP(sched_yield, c->ret = sched_yield())

#define RUN(op, label) record(label, measure(op_##op, c), 0)
#define LIBC(op, label) record(label, measure(op_##op, c), 1)

static const size_t measured_sizes[] = {
	16, 100, 1000, 4096, 32768, 32769, 1 * MIB, 4 * MIB, 4 * MIB + 1,
	64 * MIB,
};
#define NR_MEASURED (sizeof(measured_sizes) / sizeof(measured_sizes[0]))

static char names[MAX_RESULTS][64];
static unsigned nr_names;

/* A label that outlives the loop that made it. */
static const char *label(const char *fmt, size_t a, size_t b)
{
	char *s;

	if (nr_names == MAX_RESULTS)
		test_error("too many labels");
	s = names[nr_names++];
	snprintf(s, sizeof(names[0]), fmt, a, b);
	return s;
}

/*
 * Memory a thread allocated and left when it exited: freed while
 * measured (malloc'ed, kmalloc'ed, from the shared cache).
 */
#define NR_REMOTE 4
static void *remote[NR_REMOTE], *remote_k, *remote_obj;
static const size_t remote_sizes[NR_REMOTE] = { 64, 3000, 40000, 5 * MIB };

static void measure_all(struct ctx *c)
{
	size_t i;

	/* Nothing in this thread has allocated yet. */
	RUN(first_malloc, "malloc(24), the thread's first allocation");
	RUN(free, "free(24)");

	for (i = 0; i < NR_MEASURED; i++) {
		c->n = measured_sizes[i];
		RUN(malloc, label("malloc(%zu)", c->n, 0));
		expect(c->p != NULL, "malloc(%zu) returned NULL", c->n);
		RUN(usable_size, "malloc_usable_size");
		RUN(free, label("free(%zu)", measured_sizes[i], 0));
		c->n = measured_sizes[i];
		RUN(calloc, label("calloc(1, %zu)", c->n, 0));
		expect(c->p != NULL, "calloc(1, %zu) returned NULL", c->n);
		RUN(free_sized, label("free_sized(%zu)", c->n, 0));
	}

	/* realloc through every route, up and back down, then to 0. */
	c->p = NULL;
	for (i = 0; i < 2 * NR_MEASURED + 1; i++) {
		size_t j = i < NR_MEASURED ? i : 2 * NR_MEASURED - 1 - i;

		c->n = i < 2 * NR_MEASURED ? measured_sizes[j] : 0;
		RUN(realloc, label("realloc(%zu)", c->n, 0));
		expect(c->q != NULL || c->n == 0, "realloc(p, %zu) failed",
		       c->n);
		c->p = c->q;
	}

	for (c->align = 16; c->align <= 64 * MIB; c->align <<= 4) {
		c->n = 100;
		RUN(posix_memalign,
		    label("posix_memalign(%zu, 100)", c->align, 0));
		expect(c->ret == 0, "posix_memalign(%zu) failed", c->align);
		RUN(free, label("free(aligned %zu)", c->align, 0));
	}
	c->align = 64 * MIB;
	RUN(posix_memalign, "posix_memalign(64 MiB, 100)");
	expect(c->ret == 0, "posix_memalign(64 MiB) failed");
	RUN(free, "free(aligned 64 MiB)");
	c->align = 1 * MIB;
	c->n = 1 * MIB;
	RUN(aligned_alloc, "aligned_alloc(1 MiB, 1 MiB)");
	RUN(free, "free(aligned_alloc)");
	c->align = 4096;
	c->n = 5000;
	RUN(memalign, "memalign(4096, 5000)");
	RUN(free, "free(memalign)");
	c->n = 100;
	RUN(valloc, "valloc(100)");
	RUN(free, "free(valloc)");
	RUN(pvalloc, "pvalloc(100)");
	RUN(free, "free(pvalloc)");
	RUN(malloc_trim, "malloc_trim(0)");
	RUN(mallinfo2, "mallinfo2");
	RUN(mallopt, "mallopt");

	/* Memory of a thread that has exited. */
	for (i = 0; i < NR_REMOTE; i++) {
		c->p = remote[i];
		RUN(free, label("free(dead thread's %zu-byte block)",
				remote_sizes[i], 0));
	}
	c->p = remote_k;
	RUN(kfree, "kfree(dead thread's block)");
	c->s = shared_cache;
	c->p = remote_obj;
	RUN(cache_free, "kmem_cache_free(dead thread's object)");

	for (i = 0; i < NR_MEASURED; i++) {
		c->n = measured_sizes[i];
		RUN(kmalloc, label("kmalloc(%zu)", c->n, 0));
		expect(c->p != NULL, "kmalloc(%zu) failed", c->n);
		RUN(ksize, "ksize");
		RUN(kfree, label("kfree(%zu)", measured_sizes[i], 0));
	}
	c->n = 5000;
	RUN(kzalloc, "kzalloc(5000)");
	c->n = 100 * KIB;
	RUN(krealloc, "krealloc(5000 -> 100 KiB)");
	c->p = c->q;
	c->n = 8 * MIB;
	RUN(krealloc, "krealloc(100 KiB -> 8 MiB)");
	c->p = c->q;
	RUN(kfree_sensitive, "kfree_sensitive(8 MiB)");

	RUN(cache_create, "kmem_cache_create");
	expect(c->s != NULL, "kmem_cache_create failed");
	RUN(cache_alloc, "kmem_cache_alloc (first, ctor)");
	RUN(cache_free, "kmem_cache_free");
	RUN(cache_alloc_bulk, "kmem_cache_alloc_bulk(16)");
	expect(c->ret == 16, "kmem_cache_alloc_bulk gave %d", c->ret);
	RUN(cache_free_bulk, "kmem_cache_free_bulk(16)");
	RUN(cache_shrink, "kmem_cache_shrink");
	RUN(cache_destroy, "kmem_cache_destroy");

	for (c->n = 0; c->n <= MAX_PAGE_ORDER; c->n += 5) {
		RUN(alloc_pages, label("alloc_pages(order %zu)", c->n, 0));
		expect(c->pg != NULL, "alloc_pages(%zu) failed", c->n);
		RUN(get_page, "get_page");
		RUN(put_page, "put_page");
		RUN(free_pages_page, label("__free_pages(order %zu)", c->n, 0));
		RUN(get_free_pages, label("__get_free_pages(order %zu)", c->n,
					  0));
		RUN(free_pages, label("free_pages(order %zu)", c->n, 0));
	}
	c->n = 33 * KIB;
	RUN(alloc_pages_exact, "alloc_pages_exact(33 KiB)");
	RUN(free_pages_exact, "free_pages_exact(33 KiB)");
	RUN(drain_local_pages, "drain_local_pages");

	c->n = 1 * MIB;
	RUN(vmalloc, "vmalloc(1 MiB)");
	RUN(vmalloc_to_page, "vmalloc_to_page");
	c->n = 16 * MIB;
	RUN(vrealloc, "vrealloc(1 MiB -> 16 MiB)");
	c->p = c->q;
	RUN(vfree, "vfree(16 MiB)");
	c->n = 2 * MIB;
	RUN(vzalloc, "vzalloc(2 MiB)");
	RUN(vfree, "vfree(2 MiB)");
	c->n = 8 * MIB;
	RUN(vmalloc_huge, "vmalloc_huge(8 MiB)");
	RUN(vfree, "vfree(8 MiB)");

	c->n = 100;
	RUN(new, "operator new(100)");
	RUN(delete, "operator delete");
	c->align = 4096;
	RUN(new_aligned, "operator new(100, align 4096)");
	RUN(delete_aligned, "operator delete(align 4096)");

	RUN(dump_slabinfo, "kmm_dump(slabinfo)");
	RUN(dump_buddyinfo, "kmm_dump(buddyinfo)");
	RUN(dump_vmallocinfo, "kmm_dump(vmallocinfo)");
	RUN(dump_meminfo, "kmm_dump(meminfo)");
	{
		/* malloc_stats writes to stderr: send it to /dev/null. */
		int saved = dup(2);

		fflush(stderr);
		dup2(c->fd, 2);
		RUN(malloc_stats, "malloc_stats");
		dup2(saved, 2);
		close(saved);
	}

	/* The libc functions kmm calls, on their own. */
	LIBC(nothing, "(the wrapper alone)");
	pthread_mutex_init(&c->lock, NULL);
	LIBC(mutex, "pthread_mutex_lock + unlock");
	LIBC(mmap, "mmap(1 MiB)");
	expect(c->map != MAP_FAILED, "mmap failed");
	LIBC(madvise, "madvise(MADV_DONTNEED)");
	LIBC(mremap, "mremap(1 -> 2 MiB)");
	expect(c->map != MAP_FAILED, "mremap failed");
	LIBC(munmap, "munmap");
	c->big = malloc(1 * MIB);
	c->big2 = malloc(1 * MIB);
	expect(c->big && c->big2, "malloc(1 MiB) failed");
	LIBC(memset, "memset(1 MiB)");
	LIBC(memcpy, "memcpy(1 MiB)");
	LIBC(write, "write(/dev/null, 200)");
	LIBC(getrandom, "getrandom");
	LIBC(clock_gettime, "clock_gettime");
	LIBC(secure_getenv, "secure_getenv");
	LIBC(sched_yield, "sched_yield");
	free(c->big);
	free(c->big2);
}

static void *measure_thread(void *arg)
{
	measure_all(arg);
	return NULL;
}

/*
 * The exit path: a thread on a stack of ours that dies holding memory on
 * every route paints below its frame last thing; after the join, the
 * paint shows how deep glibc's teardown and kmm's key destructor went.
 */
static uintptr_t exit_sp;

static __attribute__((noinline)) void hold_and_paint(void)
{
	uintptr_t sp = stack_pointer() & ~(uintptr_t)7, a;

	for (int i = 0; i < NR_REMOTE; i++)
		if (!(remote[i] = malloc(remote_sizes[i])))
			test_error("malloc(%zu) failed", remote_sizes[i]);
	remote_k = kmalloc(500, GFP_KERNEL);
	remote_obj = kmem_cache_alloc(shared_cache, GFP_KERNEL);
	if (!remote_k || !remote_obj)
		test_error("kmalloc or kmem_cache_alloc failed");
	/*
	 * From here down the stack belongs to what runs after the return:
	 * exit_thread's frame and glibc's start_thread lie above sp.
	 */
	exit_sp = sp;
	for (a = sp - PAINT_BYTES; a < sp; a += 8)
		*(volatile uint64_t *)a = PATTERN ^ a;
	/* The memory stays live through the exit. */
}

static void *exit_thread(void *arg)
{
	hold_and_paint();
	return arg;
}

static size_t measure_exit(void)
{
	pthread_attr_t attr;
	pthread_t th;
	void *stack;
	uintptr_t a, lo;

	stack = mmap(NULL, MEASURE_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		test_error("mmap of a thread stack failed");
	pthread_attr_init(&attr);
	if (pthread_attr_setstack(&attr, stack, MEASURE_STACK))
		test_error("pthread_attr_setstack failed");
	if (pthread_create(&th, &attr, exit_thread, NULL))
		test_error("pthread_create failed");
	pthread_join(th, NULL);
	pthread_attr_destroy(&attr);
	lo = exit_sp - PAINT_BYTES;
	for (a = lo; a < exit_sp; a += 8)
		if (*(volatile uint64_t *)a != (PATTERN ^ a))
			break;
	munmap(stack, MEASURE_STACK);
	return a < exit_sp ? exit_sp - a : 0;
}

static void painted(void)
{
	struct ctx c = { .fd = devnull_fd };
	pthread_attr_t attr;
	pthread_t th;
	size_t worst = 0, worst_libc = 0, exit_bytes;
	const char *worst_name = "", *worst_libc_name = "";
	unsigned i;

	/*
	 * Exit path first: it also leaves memory of a dead thread for the
	 * measured frees.
	 */
	exit_bytes = measure_exit();
	record("thread exit holding memory (glibc teardown + kmm)",
	       exit_bytes, 0);

	pthread_attr_init(&attr);
	if (pthread_attr_setstacksize(&attr, MEASURE_STACK))
		test_error("pthread_attr_setstacksize failed");
	if (pthread_create(&th, &attr, measure_thread, &c))
		test_error("pthread_create failed");
	pthread_join(th, NULL);
	pthread_attr_destroy(&attr);

	printf("\nstack used by each call (bytes below the caller's stack "
	       "pointer, the return address and a wrapper frame included):\n");
	for (i = 0; i < nr_results; i++) {
		struct result *r = &results[i];

		printf("  %-52s %5zu%s\n", r->name, r->bytes,
		       r->libc ? "  (libc alone)" : "");
		if (r->libc && r->bytes > worst_libc) {
			worst_libc = r->bytes;
			worst_libc_name = r->name;
		} else if (!r->libc && r->bytes > worst) {
			worst = r->bytes;
			worst_name = r->name;
		}
	}
	printf("\ndeepest call into kmm: %s, %zu bytes (limit %d = %d for "
	       "kmm + %d for libc and the wrapper)\n", worst_name, worst,
	       LIMIT, LIMIT_KMM, LIBC_ALLOWANCE);
	printf("deepest libc reference: %s, %zu bytes (allowance %d)\n",
	       worst_libc_name, worst_libc, LIBC_ALLOWANCE);

	for (i = 0; i < nr_results; i++)
		expect(results[i].bytes < PAINT_BYTES,
		       "%s overran the %lu painted bytes", results[i].name,
		       PAINT_BYTES);
	expect(worst > 0, "no call into kmm left a trace in the paint");
	expect(worst <= LIMIT, "%s used %zu bytes of stack, more than %d",
	       worst_name, worst, LIMIT);
	expect(worst_libc <= LIBC_ALLOWANCE,
	       "%s used %zu bytes of stack by itself, more than the %d the "
	       "stack bound allows libc", worst_libc_name, worst_libc,
	       LIBC_ALLOWANCE);
}

int main(void)
{
	test_init();
	devnull_fd = open("/dev/null", O_WRONLY);
	if (devnull_fd < 0)
		test_error("cannot open /dev/null");
	shared_cache = kmem_cache_create("paint_shared", 48, 0, 0, ctor);
	if (!shared_cache)
		test_error("kmem_cache_create failed");

	small_stacks();

	if (test_valgrind())
		printf("painted measurement skipped under Valgrind\n");
	else
		painted();
	kmem_cache_destroy(shared_cache);
	close(devnull_fd);
	return 0;
}
