/*
 * tls.cc - allocation keeps working during thread teardown.
 *
 * Property checked: pthread_key destructors and C++ thread_local
 * destructors that allocate and free across routes (16 bytes to 5 MiB)
 * work at thread exit, including after the allocator's own per-thread
 * cleanup: each key destructor re-arms its key for glibc's four
 * destructor rounds, keys are made both before and after the first
 * allocation of the process, and some threads allocate for the first time
 * only inside a destructor.  Every destructor call is counted and must
 * have run, and every block it touched must have kept its content.
 *
 * tls.sh runs it on glibc, preloaded and linked with -lkmm.
 */
#include <pthread.h>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "test.h"

enum { KEYS = 4, ROUNDS = 4 };

static pthread_key_t keys[KEYS];
static std::atomic<long> key_calls, tl_calls, bad;

struct node {
	int round;
	std::size_t n;
	unsigned char *data;
};

static const std::size_t route[] = { 16, 100, 4000, 40000, 300000,
				     5u << 20 };

/* Allocate, fill, check and free one block of each route. */
static void churn(int salt)
{
	for (std::size_t n : route) {
		unsigned char *p = static_cast<unsigned char *>(std::malloc(n));

		if (!p) {
			bad++;
			continue;
		}
		std::memset(p, salt, n);
		p = static_cast<unsigned char *>(std::realloc(p, n + 1000));
		if (!p || p[0] != (unsigned char)salt ||
		    p[n - 1] != (unsigned char)salt)
			bad++;
		std::free(p);
	}
}

static node *node_new(int round)
{
	node *nd = static_cast<node *>(std::malloc(sizeof(node)));

	nd->round = round;
	nd->n = route[round % 6];
	nd->data = static_cast<unsigned char *>(std::malloc(nd->n));
	std::memset(nd->data, round + 1, nd->n);
	return nd;
}

static void key_dtor(void *v)
{
	key_calls++;
	if (v == reinterpret_cast<void *>(1)) {
		/* The thread's first allocation happens here. */
		churn(9);
		return;
	}
	node *nd = static_cast<node *>(v);
	for (std::size_t i = 0; i < nd->n; i += 97)
		if (nd->data[i] != (unsigned char)(nd->round + 1))
			bad++;
	churn(nd->round);
	int round = nd->round;
	std::free(nd->data);
	std::free(nd);
	if (round + 1 < ROUNDS) {
		/* Re-arm: glibc calls us again in its next round. */
		for (int i = 0; i < KEYS; i++)
			if (pthread_getspecific(keys[i]) == nullptr) {
				pthread_setspecific(keys[i], node_new(round + 1));
				break;
			}
	}
}

struct tl_obj {
	std::vector<std::string> v;
	bool armed = false;
	~tl_obj()
	{
		if (!armed)
			return;
		tl_calls++;
		churn(3);
		std::vector<int> big(300000, 7);
		std::string s(5000, 'q');
		for (auto &x : v)
			if (x.size() != 100)
				bad++;
		v.clear();
		v.shrink_to_fit();
		if (big[299999] != 7 || s[4999] != 'q')
			bad++;
	}
};

static thread_local tl_obj tl;

static void thread_main(int mode)
{
	if (mode == 0) {
		/* Normal thread: blocks live in every key and thread_local. */
		for (int i = 0; i < KEYS; i++)
			pthread_setspecific(keys[i], node_new(0));
		tl.armed = true;
		for (int i = 0; i < 50; i++)
			tl.v.emplace_back(100, 'x');
	} else {
		/* First allocation only inside the destructors. */
		pthread_setspecific(keys[0], reinterpret_cast<void *>(1));
	}
}

int main()
{
	unsigned rounds = (unsigned)test_scale(40, 8), threads = 6;
	long want_keys = 0, want_tl = 0;

	test_init();
	/* Keys made before this program's first own allocation ... */
	for (int i = 0; i < KEYS / 2; i++)
		if (pthread_key_create(&keys[i], key_dtor))
			test_error("pthread_key_create failed");
	std::free(std::malloc(10));
	/* ... and after it, so some run after the allocator's own. */
	for (int i = KEYS / 2; i < KEYS; i++)
		if (pthread_key_create(&keys[i], key_dtor))
			test_error("pthread_key_create failed");

	for (unsigned r = 0; r < rounds; r++) {
		std::vector<std::thread> th;

		for (unsigned t = 0; t < threads; t++)
			th.emplace_back(thread_main, t % 3 == 2 ? 1 : 0);
		for (auto &t : th)
			t.join();
		for (unsigned t = 0; t < threads; t++) {
			if (t % 3 == 2) {
				want_keys += 1;
			} else {
				/*
				 * KEYS nodes of round 0; each destructor call
				 * re-arms one key until round ROUNDS - 1.
				 */
				want_keys += KEYS * ROUNDS;
				want_tl += 1;
			}
		}
	}
	expect_eq_i(bad.load(), 0);
	expect_eq_i(tl_calls.load(), want_tl);
	/*
	 * A re-armed node goes to the first free key, one already visited in
	 * glibc's current round, so each chain advances one step per round
	 * and needs ROUNDS (= PTHREAD_DESTRUCTOR_ITERATIONS, 4) rounds.
	 */
	expect_eq_i(key_calls.load(), want_keys);
	std::printf("tls: %ld key destructor calls, %ld thread_local destructors\n",
		    key_calls.load(), tl_calls.load());
	return 0;
}
