# common.sh - helpers of the integration scripts, on top of lib/test.sh
# (skip, hard_error, fail, quick, under_valgrind, need_cmd, need_lib,
# make_tmpdir, kmm_run, kmm_preload).  Sourced as
#   . "$(dirname "$0")/common.sh"
# The harness runs the scripts from the test build directory.

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=../lib/test.sh
. "$srcdir/lib/test.sh"
: "${builddir:=.}"
bindir=$builddir/integration

# need_bin NAME: prints the path of a test program of this directory.
need_bin() {
	[ -x "$bindir/$1" ] || hard_error "$bindir/$1 not built"
	echo "$bindir/$1"
}

# run_on MODE SECONDS cmd...: runs cmd on one allocator with a time limit
# (exit 124 when it runs out).  MODE is glibc (as is), preload (libkmm.so
# in LD_PRELOAD) or linked (the program is linked with -lkmm).  In make
# check-valgrind the preload and linked runs are under memcheck and get
# twenty times longer.  When stats_file is set, a preloaded kmm writes its
# reports there at exit (see check_served_by_kmm).
run_on() {
	mode=$1
	t=$2
	shift 2
	pre=()
	if [ "$mode" != glibc ] && under_valgrind; then
		# shellcheck disable=SC2206
		pre=("${VALGRIND:-valgrind}" $VALGRIND_ARGS)
		t=$((t * 20))
	fi
	if [ "$mode" = preload ]; then
		need_lib
		pre=(env "LD_PRELOAD=$KMM_LIB${LD_PRELOAD:+:$LD_PRELOAD}"
			${stats_file:+KMM_STATS=1 "KMM_STATS_FILE=$stats_file"}
			"${pre[@]}")
	fi
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 10 "$t" "${pre[@]}" "$@"
	else
		"${pre[@]}" "$@"
	fi
}

# compare_runs WHAT GLIBC_FILE KMM_FILE: the two outputs are identical.
compare_runs() {
	if ! cmp -s "$2" "$3"; then
		echo "$1: output on kmm differs from glibc" >&2
		echo "--- expected (glibc)  +++ got (kmm)" >&2
		diff -u "$2" "$3" | head -40 >&2
		exit 1
	fi
}

# skip_slow_under_valgrind WHAT: real programs too slow for memcheck.
skip_slow_under_valgrind() {
	if under_valgrind; then
		skip "$1 is too slow under memcheck"
	fi
}

# skip_under_kmm_debug WHY: run-all.sh's pass with KMM_DEBUG=FZPU
# (KMM_TEST_DEBUG) changes what the test measures.
skip_under_kmm_debug() {
	if [ -n "${KMM_TEST_DEBUG:-}" ]; then
		skip "KMM_DEBUG is set: $1"
	fi
}

# run_three NAME SECONDS: runs the test program NAME on glibc, with
# libkmm.so preloaded, and its twin NAME_kmm linked with -lkmm, each with
# the allocator it must be on ("glibc" or "kmm") as its argument.
# Passes when all three exit 0; a skip of one is a skip of the test.
run_three() {
	name=$1
	t=$2
	need_lib
	plain=$(need_bin "$name") || exit $?
	linked=$(need_bin "${name}_kmm") || exit $?
	status=0
	for mode in glibc preload linked; do
		prog=$plain
		[ "$mode" = linked ] && prog=$linked
		echo "== $name on $mode"
		want=kmm
		[ "$mode" = glibc ] && want=glibc
		run_on "$mode" "$t" "$prog" "$want"
		rc=$?
		case $rc in
		0) ;;
		77) skip "$name on $mode skipped" ;;
		124) echo "$name on $mode: expected to finish within ${t}s, got a timeout" >&2
			status=1 ;;
		*) echo "$name on $mode: expected exit 0, got $rc" >&2
			status=1 ;;
		esac
	done
	return $status
}

# check_served_by_kmm FILE WHAT: FILE holds the reports kmm wrote at exit
# (run_on preload with stats_file=FILE, or KMM_STATS=1 KMM_STATS_FILE=FILE)
# and shows a kmalloc cache with active objects: kmm really served the
# program, and a preload that silently did not happen cannot pass.
check_served_by_kmm() {
	[ -s "$1" ] || fail "$2: kmm's statistics at exit" "file $1 written" "none"
	awk '/^kmalloc-/ && $2 > 0 { found = 1 } END { exit !found }' "$1" ||
		fail "$2: kmm's slabinfo at exit" "a kmalloc cache with active objects" \
			"$(grep -m3 '^kmalloc-' "$1")"
}
