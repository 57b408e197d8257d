/*
 * clean_cxx.cc - a correct C++ program: under memcheck it must report no
 * error and no leak, on kmm as on glibc.  It uses the standard containers,
 * every form of new and delete (aligned, sized, nothrow, arrays), strings
 * and threads that hand objects to each other.
 */
#include <cstdio>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct alignas(128) Wide {
	char c[200];
};

int main()
{
	std::vector<std::unique_ptr<std::string>> handed;
	std::mutex mu;
	long total = 0;

	{
		std::vector<std::thread> th;
		for (int t = 0; t < 3; t++)
			th.emplace_back([&, t] {
				std::map<int, std::string> m;
				std::unordered_map<std::string, std::vector<int>> u;
				std::list<std::string> l;
				for (int i = 0; i < 2000; i++) {
					m[i] = std::to_string(i * t);
					u[m[i]].push_back(i);
					if (i % 7 == 0)
						l.push_back(std::string(i % 300, 'a'));
				}
				std::lock_guard<std::mutex> g(mu);
				for (int i = 0; i < 100; i++)
					handed.emplace_back(new std::string(m[i]));
				total += long(m.size() + u.size() + l.size());
			});
		for (auto &t : th)
			t.join();
	}
	handed.clear();

	Wide *w = new Wide[5];
	std::memset(w, 1, sizeof(Wide) * 5);
	total += w[4].c[199];
	delete[] w;
	Wide *one = new Wide;
	std::memset(one, 2, sizeof(*one));
	total += one->c[0];
	delete one;
	void *p = ::operator new(1 << 20, std::align_val_t(65536));
	std::memset(p, 3, 1 << 20);
	::operator delete(p, 1 << 20, std::align_val_t(65536));
	int *n = new (std::nothrow) int[1000]();
	total += n[999];
	delete[] n;
	char *big = new char[6 << 20];
	std::memset(big, 4, 6 << 20);
	total += big[(6 << 20) - 1];
	delete[] big;
	std::printf("clean_cxx: %ld\n", total);
	return 0;
}
