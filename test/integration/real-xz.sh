#!/bin/bash
# real-xz.sh - xz compressing with two threads and decompressing a
# generated file gives the same bytes with libkmm.so preloaded as on
# glibc, and the round trip gives the input back.
. "$(dirname "$0")/common.sh"

need_lib
need_cmd xz awk cmp
skip_slow_under_valgrind xz
make_tmpdir
n=400000
quick && n=60000

awk -v n="$n" 'BEGIN {
	x = 7
	for (i = 0; i < n; i++) {
		x = (x * 1103515245 + 12345) % 2147483648
		printf "%d %s %x\n", i, substr("lorem ipsum dolor sit amet consectetur", x % 20 + 1, 8), x
	}
}' >"$TEST_TMPDIR/in" || hard_error "awk failed"

run_on glibc 600 xz -T2 --block-size=1MiB -6 -c "$TEST_TMPDIR/in" >"$TEST_TMPDIR/glibc.xz" ||
	hard_error "xz failed on glibc"
stats_file=$TEST_TMPDIR/stats run_on preload 600 xz -T2 --block-size=1MiB -6 -c \
	"$TEST_TMPDIR/in" >"$TEST_TMPDIR/kmm.xz" || fail "xz -T2 on kmm" "exit 0" "failure"
check_served_by_kmm "$TEST_TMPDIR/stats" xz
cmp "$TEST_TMPDIR/glibc.xz" "$TEST_TMPDIR/kmm.xz" ||
	fail "xz -T2 -6" "the same compressed bytes on kmm as on glibc" "different bytes"
run_on preload 600 xz -T2 -d -c "$TEST_TMPDIR/kmm.xz" >"$TEST_TMPDIR/back" ||
	fail "xz -d on kmm" "exit 0" "failure"
cmp "$TEST_TMPDIR/in" "$TEST_TMPDIR/back" ||
	fail "xz round trip on kmm" "the input back" "different bytes"
echo "xz: $(wc -c <"$TEST_TMPDIR/in") bytes, same archive on kmm and glibc, round trip exact"
