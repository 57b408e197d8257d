/*
 * real_cxx.cc - a C++ program of the ordinary kind: several std::threads
 * build word counts of a generated text in std::unordered_map, merge them
 * into a std::map under a mutex, and sort, splice and print; the output
 * depends only on the text, so real-cxx.sh compares the run on glibc with
 * the run on kmm.  argv[1] is the number of lines (default 200000).
 */
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

static std::vector<std::string> make_text(std::size_t lines)
{
	static const char *syl[] = { "ka", "lo", "mi", "ne", "su", "ta", "ri",
				     "po", "zu", "vel", "dor", "an" };
	std::vector<std::string> text;
	std::uint64_t x = 42;

	text.reserve(lines);
	for (std::size_t i = 0; i < lines; i++) {
		std::string line;
		unsigned words = 3 + i % 11;

		for (unsigned w = 0; w < words; w++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			unsigned n = 1 + (x >> 60) % 4;
			for (unsigned s = 0; s < n; s++)
				line += syl[(x >> (20 + 4 * s)) % 12];
			line += ' ';
		}
		text.push_back(std::move(line));
	}
	return text;
}

int main(int argc, char **argv)
{
	std::size_t lines = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200000;
	std::vector<std::string> text = make_text(lines);
	const unsigned nthreads = 4;
	std::map<std::string, long> total;
	std::mutex mu;
	std::vector<std::thread> th;
	std::deque<std::string> longest;

	for (unsigned t = 0; t < nthreads; t++) {
		th.emplace_back([&, t] {
			std::unordered_map<std::string, long> local;
			std::list<std::string> mine;

			for (std::size_t i = t; i < text.size(); i += nthreads) {
				std::istringstream in(text[i]);
				std::string w;

				while (in >> w) {
					local[w]++;
					if (w.size() >= 10)
						mine.push_back(w);
				}
			}
			mine.sort();
			mine.unique();
			std::lock_guard<std::mutex> g(mu);
			for (auto &kv : local)
				total[kv.first] += kv.second;
			for (auto &w : mine)
				longest.push_back(w);
		});
	}
	for (auto &t : th)
		t.join();

	std::vector<std::pair<long, std::string>> byfreq;
	for (auto &kv : total)
		byfreq.emplace_back(-kv.second, kv.first);
	std::sort(byfreq.begin(), byfreq.end());
	std::set<std::string> uniq(longest.begin(), longest.end());
	long words = 0;
	for (auto &kv : total)
		words += kv.second;

	std::printf("lines %zu words %ld distinct %zu long %zu\n", lines, words,
		    total.size(), uniq.size());
	for (std::size_t i = 0; i < byfreq.size() && i < 30; i++)
		std::printf("%8ld %s\n", -byfreq[i].first,
			    byfreq[i].second.c_str());
	if (!uniq.empty())
		std::printf("first long %s last long %s\n", uniq.begin()->c_str(),
			    uniq.rbegin()->c_str());
	return 0;
}
