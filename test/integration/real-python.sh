#!/bin/bash
# real-python.sh - Debian's python3, with PYTHONMALLOC=malloc so that its
# objects come from the C heap, runs an allocation-heavy script
# (alloc_heavy.py: dicts, lists, strings, json, re, big integers) with the
# same output on kmm as on glibc, and some standard library test modules
# pass on kmm as they do on glibc.
#
# Needs: python3 (the script), libpython3.11-testsuite (the test modules;
# that part is skipped with a note when it is not installed).
. "$(dirname "$0")/common.sh"

need_lib
py=/usr/bin/python3
[ -x "$py" ] || skip "$py is not installed"
skip_slow_under_valgrind python3
make_tmpdir
export PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
scale=5
quick && scale=1

script=$srcdir/integration/alloc_heavy.py
run_on glibc 600 "$py" "$script" "$scale" >"$TEST_TMPDIR/glibc.out" ||
	hard_error "alloc_heavy.py failed on glibc"
stats_file=$TEST_TMPDIR/stats run_on preload 600 "$py" "$script" "$scale" >"$TEST_TMPDIR/kmm.out"
rc=$?
expect_eq "alloc_heavy.py exit status on kmm" 0 "$rc"
check_served_by_kmm "$TEST_TMPDIR/stats" python
compare_runs alloc_heavy.py "$TEST_TMPDIR/glibc.out" "$TEST_TMPDIR/kmm.out"
echo "alloc_heavy.py: same output on kmm and glibc ($(wc -l <"$TEST_TMPDIR/kmm.out") lines)"

# The regression test modules, when the test suite package is installed.
mods="test_json test_re test_list test_dict test_set test_unicode"
quick && mods="test_json test_list test_dict"
if ! "$py" -c 'import test.test_json' >/dev/null 2>&1; then
	echo "NOTE: libpython3.11-testsuite is not installed: standard library tests skipped"
	exit 0
fi
# The summary names the tests and their result; durations vary.
summary() {
	grep -E '^(All [0-9]+ tests OK|[0-9]+ tests? (OK|failed)|Result: |Tests result: )' "$1" |
		sed -e 's/ in [0-9.]* *[a-z]*$//'
}
# shellcheck disable=SC2086 # $mods is a list of module names
(cd "$TEST_TMPDIR" && run_on glibc 900 "$py" -m test -q $mods) \
	>"$TEST_TMPDIR/t-glibc.log" 2>&1
rc_glibc=$?
# shellcheck disable=SC2086
(cd "$TEST_TMPDIR" && run_on preload 900 "$py" -m test -q $mods) \
	>"$TEST_TMPDIR/t-kmm.log" 2>&1
rc_kmm=$?
if [ "$rc_glibc" != 0 ]; then
	tail -30 "$TEST_TMPDIR/t-glibc.log" >&2
	hard_error "python3 -m test $mods fails on glibc (exit $rc_glibc)"
fi
if [ "$rc_kmm" != 0 ]; then
	tail -30 "$TEST_TMPDIR/t-kmm.log" >&2
	fail "python3 -m test $mods: exit status on kmm" "0 (as on glibc)" "$rc_kmm"
fi
summary "$TEST_TMPDIR/t-glibc.log" >"$TEST_TMPDIR/s-glibc"
summary "$TEST_TMPDIR/t-kmm.log" >"$TEST_TMPDIR/s-kmm"
compare_runs "python3 -m test $mods" "$TEST_TMPDIR/s-glibc" "$TEST_TMPDIR/s-kmm"
echo "python3 -m test $mods: exit $rc_kmm on kmm and glibc"
cat "$TEST_TMPDIR/s-kmm"
