#!/bin/bash
# ulimit.sh - under an address-space limit (ulimit -v) too small for a
# 1 GiB zone reservation, kmm retries smaller reservations instead of
# failing: sort(1) of a generated file gives the same bytes as on glibc,
# and kmm's meminfo shows a zone smaller than 1 GiB.
. "$(dirname "$0")/common.sh"

need_lib
need_cmd sort awk cksum
skip_slow_under_valgrind "an address-space limit"
make_tmpdir
export LC_ALL=C
n=400000
quick && n=100000

awk -v n="$n" 'BEGIN { x = 7; for (i = 0; i < n; i++) {
	x = (x * 1103515245 + 12345) % 2147483648; print x, i } }' \
	>"$TEST_TMPDIR/in" || hard_error "awk failed"

# 768 MiB of address space: room for the program and smaller zones only.
limit_kb=786432
for mode in glibc preload; do
	( ulimit -v "$limit_kb" &&
		stats_file=$TEST_TMPDIR/stats.$mode run_on "$mode" 300 \
			sort -n "$TEST_TMPDIR/in" ) | cksum >"$TEST_TMPDIR/$mode.sum" ||
		fail "sort under ulimit -v $limit_kb on $mode" "exit 0" "failure"
done
compare_runs "sort under ulimit -v" "$TEST_TMPDIR/glibc.sum" \
	"$TEST_TMPDIR/preload.sum"
check_served_by_kmm "$TEST_TMPDIR/stats.preload" sort
total=$(awk '/^AddressSpace:/ { print $2; exit }' "$TEST_TMPDIR/stats.preload")
[ -n "$total" ] && [ "$total" -gt 0 ] && [ "$total" -lt 1048576 ] ||
	fail "AddressSpace under ulimit -v" "a zone under 1 GiB" "${total:-none} kB"
echo "ulimit: sort under ulimit -v $limit_kb on kmm, zones of ${total} kB"
