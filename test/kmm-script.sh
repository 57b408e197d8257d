#!/bin/bash
# Property: the kmm script (src/kmm.in) run from the build tree preloads
# the build tree's libkmm.so in front of an LD_PRELOAD already set,
# --stats sets KMM_STATS=1 and makes a program (perl) print kmm's statistics
# at exit, --help and --version answer, and a copy outside the build
# tree looks for the installed library instead.
# shellcheck source=lib/test.sh
. "${srcdir:-.}/lib/test.sh"

need_lib
kmm=$abs_top_builddir/src/kmm
[ -x "$kmm" ] || hard_error "$kmm missing: build first"
make_tmpdir
t=$TEST_TMPDIR

out=$("$kmm" --version) || fail "kmm --version" "exit 0" "exit $?"
expect_eq "kmm --version" "kmm $VERSION" "$out"
out=$("$kmm" --help) || fail "kmm --help" "exit 0" "exit $?"
expect_match "kmm --help" '^usage: kmm \[--stats\]' "$out"
"$kmm" >/dev/null 2>&1 && fail "kmm without a program" "exit 2" "exit 0"
"$kmm" --bogus true >/dev/null 2>&1
expect_eq "exit status of kmm --bogus" 2 $?

# LD_PRELOAD: ours first, the caller's kept (ld.so complains on stderr
# about the made-up one and goes on).
# shellcheck disable=SC2016 # expanded by the program run
out=$(LD_PRELOAD=/nonexistent/libother.so "$kmm" sh -c 'printf %s "$LD_PRELOAD"' 2>/dev/null)
expect_eq "LD_PRELOAD seen by the program" "$KMM_LIB:/nonexistent/libother.so" "$out"
# shellcheck disable=SC2016 # expanded by the program run
out=$(env -u LD_PRELOAD "$kmm" -- sh -c 'printf %s "$LD_PRELOAD"')
expect_eq "LD_PRELOAD without a previous one" "$KMM_LIB" "$out"
# shellcheck disable=SC2016 # expanded by the program run
out=$(env -u KMM_STATS "$kmm" --stats -- sh -c 'printf %s "$KMM_STATS"' 2>/dev/null)
expect_eq "KMM_STATS with --stats" 1 "$out"

# A real program on kmm, with its statistics at exit.  (perl exits
# through exit(3), so destructors run; sh and coreutils end with _exit or
# close stderr first.)
if command -v perl >/dev/null 2>&1; then
	# shellcheck disable=SC2016 # expanded by the program run
	script='my @a = map { "x" x $_ } 1..2000; print scalar(@a), "\n"'
	"$kmm" --stats perl -e "$script" >"$t/out" 2>"$t/err" ||
		fail "kmm --stats perl" "exit 0" "exit $? ($(head -c 300 "$t/err"))"
	expect_eq "output of perl on kmm" 2000 "$(cat "$t/out")"
	grep -Eq '^Node 0, zone +Normal' "$t/err" ||
		fail "statistics at exit on stderr" \
			"buddyinfo lines (Node 0, zone   Normal ...)" \
			"$(head -c 500 "$t/err")"
fi

# Installed, the script looks in its configured libdir.
cp "$kmm" "$t/kmm"
libdir=$(sed -n "s/^libdir='\\(.*\\)'\$/\\1/p" "$kmm")
[ -n "$libdir" ] || hard_error "no libdir line in $kmm"
if [ -f "$libdir/libkmm.so" ]; then
	# shellcheck disable=SC2016 # expanded by the program run
	out=$(env -u LD_PRELOAD "$t/kmm" sh -c 'printf %s "$LD_PRELOAD"')
	expect_eq "LD_PRELOAD of an installed kmm" "$libdir/libkmm.so" "$out"
else
	err=$("$t/kmm" true 2>&1)
	expect_eq "exit status of kmm without an installed library" 127 $?
	expect_match "its message" "$libdir/libkmm.so not found" "$err"
fi
echo "kmm script ok"
