# test.sh - helpers for kmm's test scripts, sourced as
#   . "$srcdir/lib/test.sh"
# The harness (test/Makefile.am) exports srcdir, abs_top_builddir, KMM_LIB,
# KMM_TEST_QUICK, KMM_TEST_VALGRIND, VALGRIND, CC, CXX and friends.
# Exit codes as Automake reads them: 0 pass, 77 skip, 99 hard error.

: "${srcdir:=.}"
# By hand, from the build tree's test/ directory, the defaults do.
: "${top_srcdir:=$srcdir/..}"
: "${abs_top_builddir:=$(cd .. && pwd)}"
: "${KMM_LIB:=$abs_top_builddir/src/.libs/libkmm.so}"
: "${VERSION:=}"

# skip "reason": this system cannot run the test.
skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# hard_error "reason": the test itself could not run as intended.
hard_error() {
	echo "ERROR: $*" >&2
	exit 99
}

# fail "what" "expected" "got": prints the three and fails the test.
fail() {
	printf '%s\n  expected: %s\n  got:      %s\n' "$1" "$2" "$3" >&2
	exit 1
}

# expect_eq "what" expected got
expect_eq() {
	[ "$2" = "$3" ] || fail "$1" "$2" "$3"
}

# expect_match "what" pattern text: text contains the extended regex.
expect_match() {
	printf '%s\n' "$3" | grep -Eq -- "$2" ||
		fail "$1" "text matching /$2/" "$3"
}

# quick: true in quick mode (CI, Valgrind).
quick() {
	case "${KMM_TEST_QUICK:-}" in
	'' | 0) return 1 ;;
	*) return 0 ;;
	esac
}

# under_valgrind: true in make check-valgrind.
under_valgrind() {
	case "${KMM_TEST_VALGRIND:-}" in
	'' | 0) return 1 ;;
	*) return 0 ;;
	esac
}

# need_cmd cmd...: skips unless every command exists.
need_cmd() {
	for c; do
		command -v "$c" >/dev/null 2>&1 || skip "$c not found"
	done
}

# need_lib: skips unless the build produced the shared library.
need_lib() {
	if [ -z "${KMM_LIB:-}" ] || [ ! -f "$KMM_LIB" ]; then
		hard_error "KMM_LIB (${KMM_LIB:-unset}) is not a file: build first"
	fi
}

# make_tmpdir: sets TEST_TMPDIR to a fresh directory removed at exit.
make_tmpdir() {
	TEST_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/kmm-test.XXXXXX") ||
		hard_error "mktemp failed"
	trap 'rm -rf "$TEST_TMPDIR"' EXIT
}

# VALGRIND_ARGS: the memcheck options of make check-valgrind (as in
# valgrind-wrap.sh: kmm's malloc stays in place, not memcheck's).
VALGRIND_ARGS="--quiet --error-exitcode=1 --leak-check=full \
--soname-synonyms=somalloc=nouserintercepts \
--errors-for-leak-kinds=definite --show-leak-kinds=definite --num-callers=30"
if [ -f "$srcdir/valgrind.supp" ]; then
	VALGRIND_ARGS="$VALGRIND_ARGS --suppressions=$srcdir/valgrind.supp"
fi

# kmm_run cmd args...: runs a command, under memcheck in check-valgrind.
kmm_run() {
	if under_valgrind; then
		# shellcheck disable=SC2086
		"${VALGRIND:-valgrind}" $VALGRIND_ARGS "$@"
	else
		"$@"
	fi
}

# kmm_preload cmd args...: runs a command with libkmm.so preloaded in
# front of any LD_PRELOAD already set, under memcheck in check-valgrind.
kmm_preload() {
	need_lib
	LD_PRELOAD="$KMM_LIB${LD_PRELOAD:+:$LD_PRELOAD}" kmm_run "$@"
}
