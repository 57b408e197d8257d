#!/bin/bash
# badfree.sh - an invalid or double free is caught, never a silent
# corruption.  Each case runs in its own process with libkmm.so preloaded
# and must die of SIGABRT with a one-line report on stderr naming the
# pointer: "kmm: free(): invalid pointer 0x..." for a pointer kmm does not
# own or that is not the start of a block, "kmm: free(): double free of
# 0x..." (or, once a block's memory went back to the system, "invalid
# pointer 0x...") for a second free.  The same cases on glibc must also
# end the process abnormally, so the program really does the bad free.
. "$(dirname "$0")/common.sh"

need_lib
# integration/slab_debug.sh checks the reports of debug caches.
skip_under_kmm_debug "bad frees get slab_debug's reports"
prog=$(need_bin badfree) || exit $?
make_tmpdir
ulimit -c 0 2>/dev/null	# the aborts are expected: no core files

# kmm's own reports are checked, so the programs run without memcheck,
# also in make check-valgrind.

hex_norm() {
	# 0x00007f.. and 0x7f.. are the same pointer.
	printf '%s\n' "$1" | sed -e 's/^0x0*/0x/' | tr 'A-F' 'a-f'
}

run_case() {
	what=$1
	shift
	out=$TEST_TMPDIR/$what.out
	err=$TEST_TMPDIR/$what.err
	"$@" "$prog" "$what" >"$out" 2>"$err"
	rc=$?
}

# glibc catches these itself (SIGABRT); a never-allocated address may
# also fault (SIGSEGV).  Either way the process must not go on.
for what in stack interior double never; do
	run_case "$what" env
	case $rc in
	134 | 139) ;;
	*) fail "glibc, free case $what: process ends abnormally" \
		"exit 134 (SIGABRT) or 139 (SIGSEGV)" "exit $rc" ;;
	esac
done

for what in stack interior interior-page never double double-page \
	double-vmalloc; do
	run_case "$what" env LD_PRELOAD="$KMM_LIB"
	addr=$(sed -n 's/^bad //p' "$out")
	[ -n "$addr" ] || hard_error "case $what printed no pointer"
	[ "$rc" = 134 ] || fail "kmm, free case $what: dies of SIGABRT" \
		"exit 134" "exit $rc, stderr: $(head -3 "$err")"
	line=$(grep '^kmm: free(): ' "$err" | head -1)
	case $what in
	double*) pattern='^kmm: free\(\): (double free of|invalid pointer) 0x[0-9a-fA-F]+' ;;
	*) pattern='^kmm: free\(\): invalid pointer 0x[0-9a-fA-F]+' ;;
	esac
	expect_match "kmm, free case $what: report" "$pattern" "$line"
	got=$(printf '%s\n' "$line" | grep -oE '0x[0-9a-fA-F]+' | head -1)
	expect_eq "kmm, free case $what: pointer in the report" \
		"$(hex_norm "$addr")" "$(hex_norm "$got")"
	echo "kmm, $what: $line"
done
exit 0
