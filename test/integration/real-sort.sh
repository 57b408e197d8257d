#!/bin/bash
# real-sort.sh - sort(1) of a large generated file (LC_ALL=C, whole lines,
# numeric keys, unique, several threads) gives the same bytes with
# libkmm.so preloaded as on glibc, and its output is sorted.
. "$(dirname "$0")/common.sh"

need_lib
need_cmd sort awk
skip_slow_under_valgrind sort
make_tmpdir
export LC_ALL=C
n=1500000
quick && n=150000

awk -v n="$n" 'BEGIN {
	x = 12345
	for (i = 0; i < n; i++) {
		x = (x * 1103515245 + 12345) % 2147483648
		printf "%s%d %d %s\n", substr("qwertyuiopasdfghjklzxcvbnm", x % 26 + 1, 1 + x % 9), x % 100003, x, substr("abcdefghij", 1, x % 10)
	}
}' >"$TEST_TMPDIR/in" || hard_error "awk failed"

for mode in glibc preload; do
	out=$TEST_TMPDIR/$mode
	{
		run_on "$mode" 600 sort "$TEST_TMPDIR/in" | cksum
		run_on "$mode" 600 sort -n -k2,2 -k3,3 "$TEST_TMPDIR/in" | cksum
		run_on "$mode" 600 sort -u -k1,1 "$TEST_TMPDIR/in" | cksum
		run_on "$mode" 600 sort --parallel=2 -S 8M -r "$TEST_TMPDIR/in" | cksum
	} >"$out.sum" 2>"$out.err" || fail "sort on $mode" "exit 0" "failure: $(head -3 "$out.err")"
	[ -s "$out.err" ] && fail "sort on $mode: stderr" "empty" "$(head -3 "$out.err")"
done
stats_file=$TEST_TMPDIR/stats run_on preload 600 sort "$TEST_TMPDIR/in" \
	>"$TEST_TMPDIR/sorted" || fail "sort on kmm" "exit 0" "failure"
check_served_by_kmm "$TEST_TMPDIR/stats" sort
sort -c "$TEST_TMPDIR/sorted" || fail "sort on kmm: output order" "sorted" "not sorted"
compare_runs sort "$TEST_TMPDIR/glibc.sum" "$TEST_TMPDIR/preload.sum"
echo "sort: $n lines, 4 orders, same output on kmm and glibc"
