#!/bin/sh
# Every benchmark program still builds, runs and reports: each benchmark
# runs one iteration (KB_ITERATIONS=1), malloc_bench also with kmm
# preloaded, pair/kpair run a few pairs and ops each operation a few
# times (with kmm preloaded too).  Nothing is timed or compared here;
# bench/compare does that.  Skipped under Valgrind (the programs are
# benchmarks, not tests, and the fixed iteration still spawns 8 threads
# and maps a gigabyte-scale workload's smaller variant).

if [ "${KMM_TEST_VALGRIND:-0}" = 1 ]; then
	echo "smoke: skipped under Valgrind"
	exit 77
fi

KB_ITERATIONS=1
export KB_ITERATIONS
status=0
out=smoke.out.$$
trap 'rm -f "$out"' EXIT

# run NAME EXPECTED_ROWS COMMAND...: the command exits 0 and its JSON
# output names at least EXPECTED_ROWS benchmarks, none with an error.
run() {
	name=$1 rows=$2
	shift 2
	if ! "$@" --benchmark_format=json >"$out" 2>&1; then
		echo "FAIL: $name: exit status $? (expected 0)"
		cat "$out"
		status=1
		return
	fi
	got=$(grep -c '"run_type": "iteration"' "$out")
	if [ "$got" -lt "$rows" ]; then
		echo "FAIL: $name: expected $rows benchmark results, got $got"
		cat "$out"
		status=1
	fi
	if grep -q '"error_occurred": true' "$out"; then
		echo "FAIL: $name: expected no benchmark error, got:"
		grep -A1 '"error_occurred": true' "$out"
		status=1
	fi
	echo "ok: $name ($got results)"
}

run malloc_bench 40 ./malloc_bench
# The small variants of the memory workloads, each in its own process.
run "membench frag" 1 ./membench --benchmark_filter='^mem/frag/32/'
run "membench free_most" 1 ./membench --benchmark_filter='^mem/free_most/128/'
run "membench obj64" 1 ./membench --benchmark_filter='^mem/obj64/'
run kapi_bench 25 ./kapi_bench

if [ "$KB_SANITIZE" != yes ] && [ -n "$KMM_LIB" ] && [ -f "$KMM_LIB" ]; then
	run "malloc_bench (kmm preloaded)" 40 env LD_PRELOAD="$KMM_LIB" \
		./malloc_bench
	if ! grep -q "\"malloc_from\": \"$KMM_LIB\"" "$out"; then
		echo "FAIL: expected malloc from $KMM_LIB, got:"
		grep malloc_from "$out"
		status=1
	fi
fi

for prog in "./pair 64 1000" "./kpair kmalloc 64 1000" \
	"./kpair cache 64 1000" "./ops pair 4096 100" "./ops batch 10" \
	"./ops realloc 1" "./ops calloc 10" "./ops big 2" "./ops empty 10" \
	"./retain large 2" "./retain churn 1" "./retain perthread 4"; do
	# With kmm preloaded too, where this build has it.
	if [ "$KB_SANITIZE" != yes ] && [ -n "$KMM_LIB" ] &&
	    [ -f "$KMM_LIB" ] && [ "${prog#./*pair}" = "$prog" ] &&
	    ! env LD_PRELOAD="$KMM_LIB" $prog; then
		echo "FAIL: $prog with kmm preloaded: exit status $? (expected 0)"
		status=1
	fi
	if ! $prog; then
		echo "FAIL: $prog: exit status $? (expected 0)"
		status=1
	else
		echo "ok: $prog"
	fi
done
exit $status
