# memcheck.sh - sourced by the test/valgrind scripts: runs a program under
# memcheck three ways and compares what memcheck reports.
#
#   glibc    the program as is: memcheck replaces glibc's malloc.
#   preload  LD_PRELOAD=libkmm.so: kmm stays the allocator.
#   static   the program linked with libkmm.a: kmm in the executable.
#
# Memcheck by default replaces the malloc family in whatever object
# defines it, kmm included; --soname-synonyms=somalloc=nouserintercepts
# limits that to libc, so on kmm memcheck learns about blocks only from
# kmm's client requests (configure --enable-valgrind).  --error-exitcode
# is not used: the report itself is parsed.
#
# Each error is reduced to its kind and whether its stack goes through
# bug_in_here(), e.g. "Invalid write @bug_in_here"; the sorted list of
# those must be the same on kmm as on glibc.

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=../lib/test.sh
. "$srcdir/lib/test.sh"
: "${builddir:=.}"
vgbindir=$builddir/valgrind

need_memcheck() {
	vg=${VALGRIND:-valgrind}
	command -v "$vg" >/dev/null 2>&1 || skip "valgrind not found"
	need_lib
}

# memcheck_run MODE NAME OUT: runs NAME (or NAME_static) under memcheck,
# memcheck's report to OUT.  The exit status is the program's.
memcheck_run() {
	mode=$1
	prog=$vgbindir/$2
	[ "$mode" = static ] && prog=${prog}_static
	[ -x "$prog" ] || hard_error "$prog not built"
	set -- --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--track-origins=yes \
		--soname-synonyms=somalloc=nouserintercepts --num-callers=40 \
		--log-file="$3" "$prog"
	case $mode in
	preload) env LD_PRELOAD="$KMM_LIB" "$vg" "$@" >/dev/null 2>&1 ;;
	*) "$vg" "$@" >/dev/null 2>&1 ;;
	esac
}

# error_kinds REPORT: one line per error, "kind @bug_in_here" when its
# stack goes through bug_in_here, "kind @elsewhere" otherwise, sorted.
error_kinds() {
	awk '
	function flush() {
		if (kind != "")
			print kind (ours ? " @bug_in_here" : " @elsewhere")
		kind = ""; ours = 0
	}
	{ sub(/^==[0-9]+== ?/, "") }
	/^Invalid read of size/ { flush(); kind = "Invalid read"; next }
	/^Invalid write of size/ { flush(); kind = "Invalid write"; next }
	/^Invalid free\(\)/ { flush(); kind = "Invalid free"; next }
	/^Mismatched free\(\)/ { flush(); kind = "Mismatched free"; next }
	/^Conditional jump or move depends on uninitialised value/ {
		flush(); kind = "Conditional jump or move depends on uninitialised value"; next }
	/^Use of uninitialised value of size/ {
		flush(); kind = "Use of uninitialised value"; next }
	/^Syscall param .* uninitialised/ { flush(); kind = "Syscall param uninitialised"; next }
	/bytes in [0-9,]+ blocks are definitely lost/ { flush(); kind = "definitely lost"; next }
	/bytes in [0-9,]+ blocks are indirectly lost/ { flush(); kind = "indirectly lost"; next }
	/bytes in [0-9,]+ blocks are possibly lost/ { flush(); kind = "possibly lost"; next }
	/^$/ { flush(); next }
	/(at|by) 0x[0-9A-Fa-f]+: bug_in_here[ .]/ { ours = 1 }
	END { flush() }
	' "$1" | sort
}

# check_kmm_served MODE LOG: on kmm no stack in memcheck's report passes
# through memcheck's own malloc family (its vgpreload library): if it did,
# memcheck would have replaced kmm and the comparison would mean nothing.
check_kmm_served() {
	if grep -Eq ': (malloc|calloc|realloc|free|memalign|posix_memalign|aligned_alloc|operator new[^(]*|operator delete[^(]*) \(in .*vgpreload_memcheck' "$2"; then
		echo "$1: expected kmm to stay the allocator under memcheck, got memcheck's malloc:" >&2
		grep -m3 'vgpreload_memcheck' "$2" >&2
		return 1
	fi
	return 0
}

# check_bug NAME "kind": memcheck reports on kmm, preloaded and static,
# the same errors as on glibc, and among them "kind @bug_in_here".
check_bug() {
	name=$1
	want="$2 @bug_in_here"
	need_memcheck
	make_tmpdir
	status=0
	for mode in glibc preload static; do
		memcheck_run "$mode" "$name" "$TEST_TMPDIR/$mode.log"
		error_kinds "$TEST_TMPDIR/$mode.log" >"$TEST_TMPDIR/$mode.kinds"
		echo "== $name on $mode:"
		sed 's/^/   /' "$TEST_TMPDIR/$mode.kinds"
	done
	grep -qxF "$want" "$TEST_TMPDIR/glibc.kinds" ||
		hard_error "$name on glibc: memcheck did not report \"$want\"; the program does not do what it should"
	for mode in preload static; do
		check_kmm_served "$name on kmm ($mode)" "$TEST_TMPDIR/$mode.log" ||
			status=1
		if ! cmp -s "$TEST_TMPDIR/glibc.kinds" "$TEST_TMPDIR/$mode.kinds"; then
			echo "$name on kmm ($mode): expected memcheck's errors as on glibc, got:" >&2
			diff "$TEST_TMPDIR/glibc.kinds" "$TEST_TMPDIR/$mode.kinds" | sed 's/^/   /' >&2
			echo "memcheck's report on kmm ($mode):" >&2
			grep -v '^==[0-9]*== *$' "$TEST_TMPDIR/$mode.log" | head -60 >&2
			status=1
		fi
	done
	return $status
}

# check_clean NAME: no error and no leak under memcheck, on glibc and kmm.
check_clean() {
	name=$1
	need_memcheck
	make_tmpdir
	status=0
	for mode in glibc preload static; do
		memcheck_run "$mode" "$name" "$TEST_TMPDIR/$mode.log"
		rc=$?
		errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) error.*/\1/p' "$TEST_TMPDIR/$mode.log" | tail -1)
		lost=$(grep -E '(definitely|indirectly|possibly) lost: [1-9]' "$TEST_TMPDIR/$mode.log")
		echo "== $name on $mode: exit $rc, ${errs:-?} errors${lost:+, leaks: $lost}"
		if [ "$mode" != glibc ]; then
			check_kmm_served "$name on kmm ($mode)" "$TEST_TMPDIR/$mode.log" ||
				status=1
		fi
		if [ "$rc" != 0 ] || [ "$errs" != 0 ] || [ -n "$lost" ]; then
			echo "$name on $mode: expected exit 0, 0 errors and no leak, got exit $rc, ${errs:-no summary} errors ${lost:+and leaks}" >&2
			grep -v '^==[0-9]*== *$' "$TEST_TMPDIR/$mode.log" | head -60 >&2
			status=1
		fi
	done
	return $status
}
