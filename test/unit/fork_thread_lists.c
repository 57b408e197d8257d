/*
 * fork_thread_lists - the child of a multi-threaded fork takes over the
 * object lists of the threads it does not have without trusting them.
 *
 * Another thread's list is pushed and popped without a lock, so fork can
 * stop that thread anywhere in a push, a pop or a cut, its stores in any
 * order the compiler chose: the child may find the head of the list
 * already set to an object whose free pointer is still the program's
 * data, or a link cut halfway.  Checked, each case in a child under
 * alarm(), while a parked thread owns a list of a cache of its own:
 *  - a push cut short (the head set, its free pointer still the 0x77
 *    the program wrote): the child exits 0, never hands the object out;
 *  - a link cut short (the fourth object's pointer changed, its mark
 *    not): the three objects before it are handed out again in the
 *    child, that one and those after it never;
 *  - forks in a loop while threads free and allocate as fast as they
 *    can (the way fork.c met the first case, one run in ten): every
 *    child exits 0.
 * The parent puts each list back as its thread would have left it.
 * Under memcheck every thread shares one state (vg.c): the test skips.
 */
#include "ut.h"

#include <pthread.h>
#include <stdatomic.h>

#define NR_OBJS 8
#define FILL 0x77

static struct kmem_cache *cache;
static struct kmm_cache *s;	/* the same, inside */

/* ------------------------------------------------------ a parked thread */

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static int parked, released;
static struct kmm_thread *parked_state;

/* Frees NR_OBJS objects onto its list, then waits, in no kmm call. */
static void *park(void *arg)
{
	void *p[NR_OBJS];
	unsigned int i;

	(void)arg;
	for (i = 0; i < NR_OBJS; i++) {
		p[i] = kmem_cache_alloc(cache, GFP_KERNEL);
		if (!p[i])
			test_error("kmem_cache_alloc failed");
	}
	for (i = 0; i < NR_OBJS; i++)
		kmem_cache_free(cache, p[i]);
	pthread_mutex_lock(&park_lock);
	parked_state = kmm_thread_or_null();
	parked = 1;
	pthread_cond_broadcast(&park_cond);
	while (!released)
		pthread_cond_wait(&park_cond, &park_lock);
	pthread_mutex_unlock(&park_lock);
	return NULL;
}

/* ------------------------------------------------------------ the child */

struct list_case {
	void *lost[NR_OBJS + 1];	/* never to be handed out */
	unsigned int nr_lost;
	void *back[NR_OBJS];		/* to be handed out again */
	unsigned int nr_back;
};

/*
 * Allocates as many objects as the cache's slabs hold: past every free
 * object the child can reach (its own list, then the partial slabs).
 */
static void list_child(void *arg)
{
	struct list_case *lc = arg;
	unsigned long n, i;
	unsigned int j, found = 0;
	void **got;

	alarm(10);
	n = (unsigned long)atomic_load(&s->nr_slabs) * s->objects;
	got = calloc(n, sizeof(*got));
	if (!got)
		test_error("calloc failed");
	for (i = 0; i < n; i++) {
		got[i] = kmem_cache_alloc(cache, GFP_KERNEL);
		expect_nonnull(got[i]);
		memset(got[i], 0x5a, s->object_size);
		for (j = 0; j < lc->nr_lost; j++)
			expect(got[i] != lc->lost[j],
			       "object %p of the torn list never handed out, "
			       "got it at allocation %lu", lc->lost[j], i);
		for (j = 0; j < lc->nr_back; j++)
			found += got[i] == lc->back[j];
	}
	expect_eq(found, lc->nr_back);
	for (i = 0; i < n; i++)
		kmem_cache_free(cache, got[i]);
	free(got);
}

static void run(const char *what, void (*fn)(void *), void *arg)
{
	char *err;
	int st = ut_run_child(fn, arg, &err);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		test_fail("%s: child expected to exit 0, got %s %d%s; its "
			  "stderr: %s", what,
			  WIFEXITED(st) ? "status" : "signal",
			  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			  !WIFEXITED(st) && WTERMSIG(st) == SIGALRM ?
				  " (deadlock: killed by its alarm)" : "",
			  err);
	free(err);
}

/* ---------------------------------------------------------------- cases */

static unsigned int read_list(struct kmm_objlist *c, void **objs)
{
	uintptr_t *w;
	unsigned int n = 0;
	void *o;

	for (o = c->freelist; o && n < NR_OBJS; o = freeptr_decode(w, w[0])) {
		w = free_words(s->offset, o);
		objs[n++] = o;
	}
	return n;
}

/* The parked thread was stopped in a push, between its stores. */
static void test_torn_push(struct kmm_objlist *c)
{
	struct list_case lc = { .nr_lost = 0 };
	void *objs[NR_OBJS], *x = kmem_cache_alloc(cache, GFP_KERNEL);
	uintptr_t *w;
	unsigned int i, n = read_list(c, objs);

	expect_eq(n, NR_OBJS);
	expect_nonnull(x);
	memset(x, FILL, s->object_size);
	w = free_words(s->offset, x);
	/* Mark and head written, the free pointer not yet. */
	w[1] = free_mark(x, freeptr_encode(w, c->freelist));
	c->freelist = x;
	lc.lost[lc.nr_lost++] = x;
	for (i = 0; i < n; i++)
		lc.lost[lc.nr_lost++] = objs[i];
	run("push cut short", list_child, &lc);
	/* What the push goes on to do in the parent. */
	w[0] = freeptr_encode(w, objs[0]);
	c->count++;
}

/* The parked thread was stopped in a cut of its list, between stores. */
static void test_torn_link(struct kmm_objlist *c)
{
	struct list_case lc = { .nr_lost = 0 };
	void *objs[NR_OBJS];
	uintptr_t *w, saved;
	unsigned int i, n = read_list(c, objs);

	expect(n >= 6, "a list of at least 6 objects, got %u", n);
	w = free_words(s->offset, objs[3]);
	saved = w[0];
	w[0] = 0;
	for (i = 0; i < 3; i++)
		lc.back[lc.nr_back++] = objs[i];
	for (i = 3; i < n; i++)
		lc.lost[lc.nr_lost++] = objs[i];
	run("link cut short", list_child, &lc);
	w[0] = saved;
}

/* ---------------------------------------------------------- fork storm */

static atomic_int stop;

static void *hammer(void *arg)
{
	void *p[4] = { NULL };
	unsigned int i = 0;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		void **slot = &p[i++ % 4];

		/* A free on the fast path: a push over the program's data. */
		kfree(*slot);
		*slot = kmalloc(16, GFP_KERNEL);
		if (*slot)
			memset(*slot, FILL, 16);
	}
	for (i = 0; i < 4; i++)
		kfree(p[i]);
	return NULL;
}

static void test_fork_storm(void)
{
	unsigned int forks = (unsigned int)test_scale(3000, 600), i;
	pthread_t th[2];

	for (i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, hammer, NULL))
			test_error("pthread_create failed");
	for (i = 0; i < forks; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			test_error("fork: %s", strerror(errno));
		if (pid == 0) {
			void *p;

			alarm(10);
			p = kmalloc(16, GFP_KERNEL);
			kfree(p);
			_exit(p ? 0 : 3);
		}
		if (waitpid(pid, &status, 0) != pid)
			test_error("waitpid: %s", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			test_fail("fork %u of %u: child expected to exit 0, "
				  "got %s %d", i, forks,
				  WIFEXITED(status) ? "status" : "signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) :
						      WTERMSIG(status));
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
}

int main(void)
{
	struct kmm_objlist *c;
	pthread_t th;

	test_init();
	if (!ut_native())
		test_skip("every thread shares one state under memcheck");
	cache = kmem_cache_create("fork_thread_lists", 64, 0, 0, NULL);
	expect_nonnull(cache);
	s = (struct kmm_cache *)cache;
	if (pthread_create(&th, NULL, park, NULL))
		test_error("pthread_create failed");
	pthread_mutex_lock(&park_lock);
	while (!parked)
		pthread_cond_wait(&park_cond, &park_lock);
	pthread_mutex_unlock(&park_lock);
	expect_nonnull(parked_state);
	c = &parked_state->objs[s->index];

	test_torn_push(c);
	test_torn_link(c);

	pthread_mutex_lock(&park_lock);
	released = 1;
	pthread_cond_broadcast(&park_cond);
	pthread_mutex_unlock(&park_lock);
	pthread_join(th, NULL);

	test_fork_storm();
	printf("fork_thread_lists: children took over torn lists of other "
	       "threads and exited 0\n");
	return 0;
}
