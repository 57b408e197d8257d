/*
 * slab_exit_race - threads that exit while others are freeing their
 * objects lose nothing: short-lived threads, several at a time, allocate
 * objects (of a user cache and of kmalloc), pattern them, hand them to
 * two long-lived freer threads through a queue and exit at once, so
 * remote frees race with the slabs being abandoned and adopted.  Every
 * object is checked before it is freed; afterwards the caches hold no
 * more empty slabs than they keep, none after kmem_cache_shrink, the buddy invariants hold, and destroying the user
 * cache reports no leak.
 */
#include "ut.h"

#include <pthread.h>

#define QCAP 8192
#define PER_THREAD 300
#define OBJ 96

struct item {
	void *p;
	uint32_t size;
	uint32_t kmalloc;
	uint64_t tag;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;
	struct item q[QCAP];
	size_t head, count;
	int done;
} queue = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.nonempty = PTHREAD_COND_INITIALIZER,
	.nonfull = PTHREAD_COND_INITIALIZER,
};

static struct kmem_cache *cache;
static _Atomic unsigned long freed, made;

static void push(const struct item *it)
{
	pthread_mutex_lock(&queue.lock);
	while (queue.count == QCAP)
		pthread_cond_wait(&queue.nonfull, &queue.lock);
	queue.q[(queue.head + queue.count++) % QCAP] = *it;
	pthread_cond_signal(&queue.nonempty);
	pthread_mutex_unlock(&queue.lock);
}

static int pop(struct item *it)
{
	pthread_mutex_lock(&queue.lock);
	while (queue.count == 0 && !queue.done)
		pthread_cond_wait(&queue.nonempty, &queue.lock);
	if (queue.count == 0) {
		pthread_mutex_unlock(&queue.lock);
		return 0;
	}
	*it = queue.q[queue.head];
	queue.head = (queue.head + 1) % QCAP;
	queue.count--;
	pthread_cond_signal(&queue.nonfull);
	pthread_mutex_unlock(&queue.lock);
	return 1;
}

static void *freer(void *arg)
{
	struct item it;

	(void)arg;
	while (pop(&it)) {
		long bad = ut_check(it.p, it.size, it.tag);

		expect(bad < 0, "object %p of %u bytes from an exiting thread: "
		       "expected its pattern, got a change at offset %ld",
		       it.p, it.size, bad);
		if (it.kmalloc)
			kfree(it.p);
		else
			kmem_cache_free(cache, it.p);
		atomic_fetch_add(&freed, 1);
	}
	return NULL;
}

static void *producer(void *arg)
{
	struct ut_rng rng;
	int i;

	ut_rng_init(&rng, (uint64_t)(uintptr_t)arg);
	for (i = 0; i < PER_THREAD; i++) {
		struct item it;
		uint64_t r = ut_next(&rng);

		it.kmalloc = r & 1;
		it.size = it.kmalloc ? (uint32_t)(1 + (r >> 8) % 700) : OBJ;
		it.p = it.kmalloc ? kmalloc(it.size, GFP_KERNEL) :
				    kmem_cache_alloc(cache, GFP_KERNEL);
		expect_nonnull(it.p);
		it.tag = ut_next(&rng);
		ut_fill(it.p, it.size, it.tag);
		atomic_fetch_add(&made, 1);
		push(&it);
	}
	return NULL;	/* exits with its slabs half freed */
}

static void destroy(void *arg)
{
	kmem_cache_destroy(arg);
}

int main(void)
{
	unsigned int rounds = test_quick() ? 15 : 300, r, i;
	pthread_t fr[2], pr[4];
	struct ut_slabinfo si;
	char *out;

	test_init();
	cache = kmem_cache_create("ut_exit_race", OBJ, 0, 0, NULL);
	expect_nonnull(cache);
	for (i = 0; i < 2; i++)
		if (pthread_create(&fr[i], NULL, freer, NULL))
			test_error("pthread_create");
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 4; i++)
			if (pthread_create(&pr[i], NULL, producer,
					   (void *)(uintptr_t)(r * 4 + i + 1)))
				test_error("pthread_create");
		for (i = 0; i < 4; i++)
			pthread_join(pr[i], NULL);
	}
	pthread_mutex_lock(&queue.lock);
	queue.done = 1;
	pthread_cond_broadcast(&queue.nonempty);
	pthread_mutex_unlock(&queue.lock);
	for (i = 0; i < 2; i++)
		pthread_join(fr[i], NULL);
	expect_eq(atomic_load(&freed), atomic_load(&made));
	expect_eq(kmm_buddy_check(), 0);

	/* Every owner is gone and every object freed. */
	expect_eq(ut_slabinfo("ut_exit_race", &si), 0);
	expect(!ut_native() || (si.num_slabs <= ut_empty_slabs(cache) &&
				si.active_objs == 0),
	       "after %u rounds: expected at most %lu empty slabs and no "
	       "object, got %lu slabs and %lu objects", rounds,
	       ut_empty_slabs(cache), si.num_slabs, si.active_objs);
	kmem_cache_shrink(cache);
	expect_eq(ut_slabinfo("ut_exit_race", &si), 0);
	expect(!ut_native() || si.num_slabs == 0, "after kmem_cache_shrink: "
	       "expected no slab, got %lu", si.num_slabs);
	out = ut_capture_stderr(destroy, cache);
	expect(out[0] == '\0', "destroying ut_exit_race: expected nothing on "
	       "stderr, got \"%s\"", out);
	free(out);
	return 0;
}
