/*
 * cxx.cc - the C++ allocation operators keep the standard's contracts.
 *
 * Property checked: new and delete in every form (single, array, sized,
 * aligned up to 1 MiB, nothrow) return usable, correctly aligned memory;
 * for an impossible size operator new calls the installed new-handler
 * until it is removed and then throws std::bad_alloc, while the nothrow
 * forms return nullptr; standard containers built, handed between and
 * destroyed by several std::threads keep their content.
 *
 * cxx.sh runs it on glibc, with libkmm.so preloaded and linked with -lkmm.
 * The first argument names the allocator expected ("glibc" or "kmm"); on
 * kmm the program also checks that operator new resolves to kmm's.
 * KMM_TEST_QUICK=1 makes the threaded part smaller.
 */
#include <dlfcn.h>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <condition_variable>
#include <deque>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "test.h"

#define CHECK(cond, ...) expect(cond, __VA_ARGS__)

static bool is_aligned(const void *p, std::size_t a)
{
	return (reinterpret_cast<std::uintptr_t>(p) & (a - 1)) == 0;
}

static std::size_t opaque(std::size_t n)
{
	volatile std::size_t v = n;
	return v;
}

struct alignas(256) Wide {
	char bytes[300];
};

static void test_forms()
{
	// Single and array, with and without sizes.
	for (std::size_t n = 1; n <= (std::size_t(4) << 20); n = n * 3 + 1) {
		char *p = static_cast<char *>(::operator new(n));
		CHECK(is_aligned(p, 16), "operator new(%zu) expected 16-aligned, got %p",
		      n, static_cast<void *>(p));
		std::memset(p, 0x3c, n);
		::operator delete(p, n);
		p = static_cast<char *>(::operator new[](n));
		std::memset(p, 0x3d, n);
		::operator delete[](p, n);
		p = new char[n];
		p[0] = p[n - 1] = 1;
		delete[] p;
	}
	int *i = new int(42);
	CHECK(*i == 42, "new int(42) expected 42, got %d", *i);
	delete i;
	std::string *s = new std::string(1000, 'x');
	CHECK(s->size() == 1000, "string size expected 1000, got %zu", s->size());
	delete s;

	// Aligned forms up to 1 MiB.
	for (std::size_t a = 1; a <= (std::size_t(1) << 20); a <<= 1) {
		std::align_val_t al{a};
		std::size_t sizes[3] = { 1, a, 3 * a };

		for (std::size_t n : sizes) {
			void *p = ::operator new(n, al);
			CHECK(is_aligned(p, a), "operator new(%zu, align %zu) got %p", n,
			      a, p);
			std::memset(p, 0x11, n);
			::operator delete(p, n, al);
			p = ::operator new[](n, al);
			CHECK(is_aligned(p, a), "operator new[](%zu, align %zu) got %p",
			      n, a, p);
			std::memset(p, 0x12, n);
			::operator delete[](p, al);
			p = ::operator new(n, al, std::nothrow);
			CHECK(p && is_aligned(p, a),
			      "nothrow aligned new(%zu, %zu) got %p", n, a, p);
			::operator delete(p, al, std::nothrow);
			p = ::operator new[](n, al, std::nothrow);
			CHECK(p && is_aligned(p, a),
			      "nothrow aligned new[](%zu, %zu) got %p", n, a, p);
			::operator delete[](p, n, al);
		}
	}
	Wide *w = new Wide[7];
	CHECK(is_aligned(w, alignof(Wide)), "new Wide[7] expected 256-aligned, got %p",
	      static_cast<void *>(w));
	std::memset(w, 1, sizeof(Wide) * 7);
	delete[] w;
	w = new Wide;
	CHECK(is_aligned(w, alignof(Wide)), "new Wide expected 256-aligned, got %p",
	      static_cast<void *>(w));
	delete w;

	void *p = ::operator new(100, std::nothrow);
	CHECK(p != nullptr, "nothrow new(100) expected non-null");
	::operator delete(p, std::nothrow);
	p = ::operator new[](100, std::nothrow);
	CHECK(p != nullptr, "nothrow new[](100) expected non-null");
	::operator delete[](p, std::nothrow);
	::operator delete(nullptr);
	::operator delete[](nullptr);
}

static int handler_calls;

static void handler()
{
	// Give up on the third call: the next failure must throw.
	if (++handler_calls == 3)
		std::set_new_handler(nullptr);
}

static void test_failure()
{
	std::size_t huge = opaque(std::size_t(PTRDIFF_MAX) + 1);
	bool thrown = false;

	handler_calls = 0;
	std::set_new_handler(handler);
	try {
		void *p = ::operator new(huge);
		CHECK(p == nullptr, "operator new(PTRDIFF_MAX+1) returned %p", p);
	} catch (const std::bad_alloc &) {
		thrown = true;
	}
	CHECK(thrown, "operator new(huge) expected std::bad_alloc, got none");
	CHECK(handler_calls == 3, "new-handler expected 3 calls, got %d",
	      handler_calls);

	thrown = false;
	try {
		void *p = ::operator new(huge, std::align_val_t{64});
		CHECK(p == nullptr, "aligned operator new(huge) returned %p", p);
	} catch (const std::bad_alloc &) {
		thrown = true;
	}
	CHECK(thrown, "aligned operator new(huge) expected std::bad_alloc");

	thrown = false;
	try {
		void *p = ::operator new[](huge);
		CHECK(p == nullptr, "operator new[](huge) returned %p", p);
	} catch (const std::bad_alloc &) {
		thrown = true;
	}
	CHECK(thrown, "operator new[](huge) expected std::bad_alloc");

	void *p = ::operator new(huge, std::nothrow);
	CHECK(p == nullptr, "nothrow new(huge) expected nullptr, got %p", p);
	p = ::operator new[](huge, std::nothrow);
	CHECK(p == nullptr, "nothrow new[](huge) expected nullptr, got %p", p);
	p = ::operator new(huge, std::align_val_t{4096}, std::nothrow);
	CHECK(p == nullptr, "nothrow aligned new(huge) expected nullptr, got %p",
	      p);

	// A handler is also called by the nothrow form.
	handler_calls = 0;
	std::set_new_handler(handler);
	p = ::operator new(huge, std::nothrow);
	CHECK(p == nullptr && handler_calls == 3,
	      "nothrow new with handler expected nullptr after 3 calls, got %p after %d",
	      p, handler_calls);
	std::set_new_handler(nullptr);
}

/* Containers built by producers, destroyed by consumers. */
struct Item {
	std::vector<int> v;
	std::string s;
	std::map<int, std::string> m;
	long sum;
	unsigned seed;
};

static std::mutex mu;
static std::condition_variable cv;
static std::deque<std::unique_ptr<Item>> queue_;
static int producers_left;

static std::unique_ptr<Item> make_item(unsigned seed)
{
	auto it = std::make_unique<Item>();
	unsigned n = 1 + seed % 300;

	it->sum = 0;
	it->seed = seed;
	for (unsigned k = 0; k < n; k++) {
		it->v.push_back(int(k * seed));
		it->sum += long(k * seed);
	}
	it->s.assign(seed % 5000, char('a' + seed % 26));
	for (unsigned k = 0; k < seed % 20; k++)
		it->m[int(k)] = std::to_string(k * seed);
	return it;
}

static bool item_ok(const Item &it)
{
	long sum = 0;

	for (int x : it.v)
		sum += x;
	if (sum != it.sum)
		return false;
	if (it.s.size() != it.seed % 5000 ||
	    it.s.find_first_not_of(char('a' + it.seed % 26)) != std::string::npos)
		return false;
	if (it.m.size() != it.seed % 20)
		return false;
	for (auto &kv : it.m)
		if (kv.second != std::to_string(unsigned(kv.first) * it.seed))
			return false;
	return true;
}

static void producer(unsigned id, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		auto it = make_item(id * 7919 + i * 31 + 1);
		std::unordered_map<std::string, std::vector<char>> scratch;

		for (unsigned k = 0; k < 8; k++)
			scratch[std::to_string(k + i)].resize((i * k) % 9000);
		std::lock_guard<std::mutex> g(mu);
		queue_.push_back(std::move(it));
		cv.notify_one();
	}
	std::lock_guard<std::mutex> g(mu);
	producers_left--;
	cv.notify_all();
}

static void consumer(long *bad, long *seen)
{
	for (;;) {
		std::unique_ptr<Item> it;
		{
			std::unique_lock<std::mutex> l(mu);
			cv.wait(l, [] { return !queue_.empty() || producers_left == 0; });
			if (queue_.empty())
				return;
			it = std::move(queue_.front());
			queue_.pop_front();
		}
		if (!item_ok(*it))
			(*bad)++;
		(*seen)++;
		// it is destroyed here, by a thread that did not build it.
	}
}

static void test_threads(bool quick)
{
	const unsigned np = 4, nc = 3, per = quick ? 500 : 10000;
	std::vector<std::thread> th;
	long bad[nc] = {}, seen[nc] = {}, total_bad = 0, total_seen = 0;

	producers_left = np;
	for (unsigned i = 0; i < np; i++)
		th.emplace_back(producer, i, per);
	for (unsigned i = 0; i < nc; i++)
		th.emplace_back(consumer, &bad[i], &seen[i]);
	for (auto &t : th)
		t.join();
	for (unsigned i = 0; i < nc; i++) {
		total_bad += bad[i];
		total_seen += seen[i];
	}
	CHECK(total_seen == long(np * per), "consumed items expected %u, got %ld",
	      np * per, total_seen);
	CHECK(total_bad == 0, "corrupted items expected 0, got %ld", total_bad);
}

static void test_allocator(const char *want)
{
	bool on_kmm = dlsym(RTLD_DEFAULT, "kmm_dump") != nullptr;
	void *nw = dlsym(RTLD_DEFAULT, "_Znwm");
	Dl_info info;

	CHECK(on_kmm == (std::strcmp(want, "kmm") == 0),
	      "expected to run on %s, got %s", want, on_kmm ? "kmm" : "glibc");
	if (!on_kmm)
		return;
	CHECK(nw && dladdr(nw, &info) && info.dli_fname &&
		      std::strstr(info.dli_fname, "libkmm"),
	      "operator new expected from libkmm, got %s",
	      nw && dladdr(nw, &info) && info.dli_fname ? info.dli_fname : "?");
}

int main(int argc, char **argv)
{
	test_init();
	test_allocator(argc > 1 ? argv[1] : "glibc");
	test_forms();
	test_failure();
	test_threads(test_quick());
	std::printf("cxx: all checks passed\n");
	return 0;
}
