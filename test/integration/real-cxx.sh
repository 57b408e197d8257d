#!/bin/bash
# real-cxx.sh - a g++-compiled program using the standard containers from
# several threads (real_cxx.cc) prints the same with libkmm.so preloaded
# as on glibc.
. "$(dirname "$0")/common.sh"

need_lib
prog=$(need_bin real_cxx) || exit $?
make_tmpdir
lines=1000000
quick && lines=100000

run_on glibc 300 "$prog" "$lines" >"$TEST_TMPDIR/glibc.out" ||
	hard_error "real_cxx failed on glibc"
stats_file=$TEST_TMPDIR/stats \
	run_on preload 300 "$prog" "$lines" >"$TEST_TMPDIR/kmm.out"
rc=$?
expect_eq "real_cxx exit status on kmm" 0 "$rc"
check_served_by_kmm "$TEST_TMPDIR/stats" real_cxx
compare_runs real_cxx "$TEST_TMPDIR/glibc.out" "$TEST_TMPDIR/kmm.out"
head -1 "$TEST_TMPDIR/kmm.out"
