#!/bin/bash
# run-all.sh - the whole test suite, as CI runs it.
#
#   release build:     make check, then make distcheck
#   kmm-debug:         the release build's unit and integration tests again,
#                      with KMM_DEBUG=FZPU (every slab cache checked)
#   --enable-debug:    make check (internal assertions on)
#   --enable-sanitizers: make check (the tests that do not replace malloc)
#   release build:     make check-valgrind (everything under memcheck)
#   fuzz:              make fuzz (test/fuzz.am: each libFuzzer target for
#                      KMM_FUZZ_TIME seconds, 60 by default), when clang
#                      can build with -fsanitize=fuzzer; one test counted
#
# Each build gets its own directory under _build/ (or $KMM_BUILD_ROOT).
# Tests run in quick mode (KMM_TEST_QUICK=1) unless --full is given.
# The last line printed is "N passed, N failed, N skipped", summed over
# the test-suite.log of every run (XFAIL counts as passed, XPASS and ERROR
# as failed); a build or configure step that fails counts as one failure.
# The exit status is 0 only when nothing failed.
#
# Usage: test/run-all.sh [--full] [-j N] [--only release|kmm-debug|debug|sanitize|valgrind|distcheck|fuzz]...

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
root=${KMM_BUILD_ROOT:-$top/_build}
jobs=2
only=
export KMM_TEST_QUICK=1
# A test that hangs must not hold CI forever: each make step has a limit.
step_timeout=${KMM_STEP_TIMEOUT:-1500}

while [ $# -gt 0 ]; do
	case $1 in
	--full) KMM_TEST_QUICK= ;;
	-j) jobs=$2; shift ;;
	-j*) jobs=${1#-j} ;;
	--only) only="$only $2"; shift ;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
		exit 0 ;;
	*) echo "run-all.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

passed=0
failed=0
skipped=0
start=$(date +%s)

say() { echo "run-all: $*"; }

totals() {
	echo "$passed passed, $failed failed, $skipped skipped"
}

wanted() {
	[ -z "$only" ] && return 0
	case " $only " in *" $1 "*) return 0 ;; esac
	return 1
}

# Adds the counts of every test-suite.log of a build (one per directory
# with tests; distcheck's copy is not one of them) and prints the logs of
# tests that did not pass.  Sets run_failed to this run's failures.
collect() {
	local dir=$1 name=$2 pattern=${3:-test-suite.log} log counts p f s
	run_failed=0
	while IFS= read -r log; do
		# The header holds the totals; the test logs below it may
		# contain lines of the same shape, so only the first counts.
		counts=$(awk '/^# (PASS|XFAIL|FAIL|XPASS|ERROR|SKIP):/ {
				k = $2; sub(":", "", k)
				if (!(k in c)) c[k] = $3 + 0
			}
			END {
				printf "%d %d %d\n", c["PASS"] + c["XFAIL"],
					c["FAIL"] + c["XPASS"] + c["ERROR"], c["SKIP"]
			}' "$log")
		read -r p f s <<<"$counts"
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
		run_failed=$((run_failed + f))
		say "  ${log#"$dir"/}: $p passed, $f failed, $s skipped"
		if [ "$f" -gt 0 ]; then
			say "  --- $name: ${log#"$dir"/} (tests that did not pass) ---"
			sed -n '/^\(FAIL\|XPASS\|ERROR\): /,$p' "$log" | head -n 100
			say "  --- end of ${log#"$dir"/} ---"
		fi
	done < <(find "$dir" -maxdepth 2 -name "$pattern" | sort)
}

# step NAME DIR LOGFILE command...: runs a command in DIR, output to
# LOGFILE; on failure shows the end of the log (unless quiet_fail is set:
# the caller shows what matters).  Returns its status.
step() {
	local name=$1 dir=$2 logfile=$3 t0 rc
	shift 3
	t0=$(date +%s)
	(cd "$dir" && timeout --kill-after=30 "$step_timeout" "$@") \
		>"$logfile" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		say "$name: ok ($(($(date +%s) - t0))s)"
	else
		[ $rc -eq 124 ] && say "$name: timed out after ${step_timeout}s"
		if [ -n "${quiet_fail:-}" ]; then
			say "$name: FAILED (exit $rc, $(($(date +%s) - t0))s)"
		else
			say "$name: FAILED (exit $rc, $(($(date +%s) - t0))s); end of $logfile:"
			tail -n 60 "$logfile"
		fi
	fi
	return $rc
}

# build NAME TARGET CONFIGURE-ARGS...: configures and builds in its own
# directory, runs make TARGET, and adds its test results.
build() {
	local name=$1 target=$2 dir=$root/$1 rc
	shift 2
	rm -rf "$dir"
	mkdir -p "$dir"
	say "$name: configure${*:+ $*} && make && make $target (in $dir)"
	if ! step "$name: configure" "$dir" "$dir/configure.out" \
		"$srcdir/configure" "$@"; then
		failed=$((failed + 1))
		return 1
	fi
	if ! step "$name: build" "$dir" "$dir/build.out" make -j"$jobs"; then
		failed=$((failed + 1))
		return 1
	fi
	# -k: a failing directory does not keep the others from running.
	quiet_fail=1 step "$name: make $target" "$dir" "$dir/$target.out" \
		make -k -j"$jobs" "$target"
	rc=$?
	collect "$dir" "$name"
	if [ $rc -ne 0 ] && [ "$run_failed" -eq 0 ]; then
		# Failed outside the tests the harness counts (a build of
		# test programs, a check-local rule): one failure.
		failed=$((failed + 1))
		say "$name: make $target failed outside the tests; end of $dir/$target.out:"
		tail -n 60 "$dir/$target.out"
	fi
	if [ "$target" != all ] && [ $rc -eq 0 ] &&
		[ -z "$(find "$dir" -maxdepth 2 -name test-suite.log)" ]; then
		say "$name: no test-suite.log written"
		failed=$((failed + 1))
		rc=1
	fi
	return $rc
}

say "kmm $(sed -n 's/^AC_INIT(\[kmm\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac"): quick mode ${KMM_TEST_QUICK:-off}, make -j$jobs, builds in $root"
mkdir -p "$root"

# The tree as cloned needs autoreconf.
if ! step "autoreconf" "$top" "$root/autoreconf.out" autoreconf -fi; then
	failed=$((failed + 1))
	totals
	exit 1
fi

# A tree configured in place refuses out-of-tree builds, and its objects
# would shadow ours through VPATH: build from a clean copy instead.
srcdir=$top
if [ -f "$top/config.status" ]; then
	srcdir=$root/src
	say "the source tree is configured in place: building from a copy in $srcdir"
	rm -rf "$srcdir"
	mkdir -p "$srcdir"
	if ! (tar -C "$top" --exclude=./_build --exclude=./.git -cf - . |
		tar -C "$srcdir" -xf - &&
		make -C "$srcdir" distclean) >"$root/copy.out" 2>&1; then
		tail -n 30 "$root/copy.out"
		failed=$((failed + 1))
		totals
		exit 1
	fi
fi

if wanted release || wanted distcheck; then
	if wanted release; then
		build release check
	else
		build release all
	fi
	if wanted distcheck && [ -f "$root/release/Makefile" ]; then
		step "release: make distcheck" "$root/release" \
			"$root/release/distcheck.out" make -j"$jobs" distcheck ||
			failed=$((failed + 1))
	fi
fi
# The unit and integration tests of the release build once more, with
# KMM_DEBUG=FZPU set for each (KMM_TEST_DEBUG: test/Makefile.am): the
# suite passes with every cache checked.  Its own suite log.
if wanted kmm-debug; then
	[ -f "$root/release/Makefile" ] || build release all
	if [ -f "$root/release/test/Makefile" ]; then
		rm -f "$root/release/test/kmm-debug-suite.log"
		quiet_fail=1 step "kmm-debug: make check with KMM_DEBUG=FZPU" \
			"$root/release/test" "$root/release/kmm-debug.out" \
			env KMM_TEST_DEBUG=FZPU make -k -j"$jobs" check \
			'TESTS=$(KMM_DEBUG_TESTS)' \
			TEST_SUITE_LOG=kmm-debug-suite.log
		rc=$?
		collect "$root/release" kmm-debug kmm-debug-suite.log
		if [ $rc -ne 0 ] && [ "$run_failed" -eq 0 ]; then
			failed=$((failed + 1))
			tail -n 60 "$root/release/kmm-debug.out"
		fi
	fi
fi
wanted debug && build debug check --enable-debug
wanted sanitize && build sanitize check --enable-sanitizers
wanted valgrind && build valgrind check-valgrind

# fuzz: its own configured tree; make fuzz builds the targets with clang
# and runs each for KMM_FUZZ_TIME seconds.  Counted as one test.
fuzz_ok() {
	local t
	command -v clang >/dev/null 2>&1 || return 1
	t=$(mktemp -d) || return 1
	printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n' \
		>"$t/t.c"
	clang -fsanitize=fuzzer -o "$t/t" "$t/t.c" >/dev/null 2>&1
	local rc=$?
	rm -rf "$t"
	return $rc
}
if wanted fuzz; then
	if fuzz_ok; then
		rm -rf "$root/fuzz"
		mkdir -p "$root/fuzz"
		say "fuzz: configure && make fuzz (in $root/fuzz)"
		if step "fuzz: configure" "$root/fuzz" "$root/fuzz/configure.out" \
			"$srcdir/configure" &&
			step "fuzz: make fuzz" "$root/fuzz" "$root/fuzz/fuzz.out" \
				make fuzz FUZZ_TIME="${KMM_FUZZ_TIME:-60}"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	else
		say "fuzz: skipped (no clang with libFuzzer)"
		skipped=$((skipped + 1))
	fi
fi

say "done in $(($(date +%s) - start))s"
totals
[ "$failed" -eq 0 ]
