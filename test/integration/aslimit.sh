#!/bin/bash
# aslimit.sh - under an address-space limit (ulimit -v), a program on kmm
# gets what it gets on glibc: the largest single malloc and the bytes
# reachable in 64 B, 64 KiB and 8 MiB blocks are each at least 95% of
# glibc's, and after everything is freed one malloc of half the limit
# succeeds (kmm gives back the zones it no longer needs).  Measured by
# aslimit.c, each figure in a child of its own under the limit, with
# libkmm.so preloaded and without; the table is printed for the log.
# Limits: 256 MiB in quick mode, 256 MiB, 512 MiB and 1 GiB otherwise.
. "$(dirname "$0")/common.sh"

need_lib
skip_under_kmm_debug "checked objects take more room: less fits under the limit"
if under_valgrind; then
	skip "RLIMIT_AS would limit memcheck's own mappings too"
fi
prog=$(need_bin aslimit) || exit $?
make_tmpdir
limits="256 512 1024"
quick && limits=256
min_ratio=0.95
status=0

# measure MODE MIB WHAT: prints "bytes half" of one child run.
measure() {
	local out rc
	out=$( (ulimit -v $(($2 * 1024)) &&
		stats_file=${stats:-} run_on "$1" 120 "$prog" "$3" $(($2 << 20))))
	rc=$?
	[ "$rc" = 0 ] || hard_error "aslimit $3 under ulimit -v ${2}M on $1: exit $rc"
	set -- $out
	echo "$2 $3"
}

printf '%-9s %-8s %12s %12s %9s %6s\n' "ulimit -v" what glibc kmm kmm/glibc half
for mib in $limits; do
	for what in largest fill64 fill64k fill8m; do
		g=$(measure glibc "$mib" "$what") || exit $?
		stats=
		[ "$what" = fill64 ] && stats=$TEST_TMPDIR/stats.$mib
		k=$(measure preload "$mib" "$what") || exit $?
		set -- $g $k
		ratio=$(awk -v g="$1" -v k="$3" 'BEGIN { printf "%.3f", k / g }')
		printf '%-9s %-8s %12s %12s %9s %6s\n' "${mib}M" "$what" "$1" "$3" \
			"$ratio" "$2/$4"
		if awk -v r="$ratio" -v m="$min_ratio" 'BEGIN { exit !(r < m) }'; then
			echo "aslimit: $what under ulimit -v ${mib}M: expected kmm/glibc >= $min_ratio, got $ratio" >&2
			status=1
		fi
		if [ "$4" != 1 ]; then
			echo "aslimit: after $what under ulimit -v ${mib}M: expected malloc of half the limit to succeed on kmm, got failure" >&2
			status=1
		fi
	done
	check_served_by_kmm "$TEST_TMPDIR/stats.$mib" "aslimit under ulimit -v ${mib}M"
done
exit $status
