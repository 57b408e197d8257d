// shim.cc - Google Benchmark behind the C interface of shim.h.
//
// A kb_state is a benchmark::State and a kb_bench a
// benchmark::internal::Benchmark; the C side only ever holds pointers.
// Registered benchmarks are remembered so that kb_run() can impose the
// fixed iteration count of a smoke run on all of them.

#include "shim.h"

#include <benchmark/benchmark.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

namespace {

benchmark::State &S(kb_state *st)
{
	return *reinterpret_cast<benchmark::State *>(st);
}

benchmark::internal::Benchmark *B(kb_bench *b)
{
	return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

kb_bench *K(benchmark::internal::Benchmark *b)
{
	return reinterpret_cast<kb_bench *>(b);
}

std::vector<benchmark::internal::Benchmark *> &registered()
{
	static std::vector<benchmark::internal::Benchmark *> v;
	return v;
}

int64_t fixed_iterations = -1;	// -1: not looked up yet

int64_t parse_count(const char *s, const char *what)
{
	char *end;
	long long n = strtoll(s, &end, 10);

	if (end == s || *end != '\0' || n < 1) {
		fprintf(stderr, "kb: ignoring %s=%s (want a count >= 1)\n",
			what, s);
		return 0;
	}
	return n;
}

// The file that defines the malloc this process calls: a check that
// LD_PRELOAD took effect.
std::string malloc_origin()
{
	void *sym = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info info;

	if (sym && dladdr(sym, &info) && info.dli_fname)
		return info.dli_fname;
	return "unknown";
}

}  // namespace

extern "C" {

kb_bench *kb_register(const char *name, kb_fn fn, void *udata)
{
	benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(
		name, [fn, udata](benchmark::State &st) {
			fn(reinterpret_cast<kb_state *>(&st), udata);
		});
	registered().push_back(b);
	return K(b);
}

kb_bench *kb_add_arg(kb_bench *b, int64_t arg)
{
	return K(B(b)->Arg(arg));
}

kb_bench *kb_add_args2(kb_bench *b, int64_t a0, int64_t a1)
{
	return K(B(b)->Args({a0, a1}));
}

kb_bench *kb_arg_names(kb_bench *b, const char *n0, const char *n1)
{
	if (n1)
		return K(B(b)->ArgNames({n0, n1}));
	return K(B(b)->ArgName(n0));
}

kb_bench *kb_threads(kb_bench *b, int nthreads)
{
	return K(B(b)->Threads(nthreads));
}

kb_bench *kb_iterations_fixed(kb_bench *b, int64_t n)
{
	return K(B(b)->Iterations(n));
}

kb_bench *kb_use_real_time(kb_bench *b)
{
	return K(B(b)->UseRealTime());
}

kb_bench *kb_unit_ms(kb_bench *b)
{
	return K(B(b)->Unit(benchmark::kMillisecond));
}

int64_t kb_fixed_iterations(void)
{
	if (fixed_iterations < 0) {
		const char *env = getenv("KB_ITERATIONS");

		fixed_iterations =
			env && *env ? parse_count(env, "KB_ITERATIONS") : 0;
	}
	return fixed_iterations;
}

int kb_run(int argc, char **argv)
{
	int out = 1;

	// --kb_iterations=N is ours: take it out before Google Benchmark
	// sees the command line.
	kb_fixed_iterations();
	for (int i = 1; i < argc; i++) {
		const char *flag = "--kb_iterations=";

		if (strncmp(argv[i], flag, strlen(flag)) == 0)
			fixed_iterations = parse_count(argv[i] + strlen(flag),
						       "--kb_iterations");
		else
			argv[out++] = argv[i];
	}
	argc = out;
	argv[argc] = nullptr;

	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	if (fixed_iterations > 0)
		for (auto *b : registered())
			b->Iterations(fixed_iterations);
	benchmark::AddCustomContext("malloc_from", malloc_origin());
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}

int kb_keep_running_batch(kb_state *st, int64_t n)
{
	return S(st).KeepRunningBatch(n);
}

int64_t kb_arg(kb_state *st, int i)
{
	return S(st).range(i);
}

int kb_thread_index(kb_state *st)
{
	return S(st).thread_index();
}

int kb_nthreads(kb_state *st)
{
	return S(st).threads();
}

int64_t kb_iterations(kb_state *st)
{
	return S(st).iterations();
}

int64_t kb_max_iterations(kb_state *st)
{
	return S(st).max_iterations;
}

void kb_set_items_processed(kb_state *st, int64_t items)
{
	S(st).SetItemsProcessed(items);
}

void kb_set_bytes_processed(kb_state *st, int64_t bytes)
{
	S(st).SetBytesProcessed(bytes);
}

void kb_set_label(kb_state *st, const char *label)
{
	S(st).SetLabel(label);
}

void kb_skip_with_error(kb_state *st, const char *msg)
{
	S(st).SkipWithError(msg);
}

void kb_counter(kb_state *st, const char *name, double value, int flags)
{
	S(st).counters[name] = benchmark::Counter(
		value, static_cast<benchmark::Counter::Flags>(flags));
}

}  // extern "C"
