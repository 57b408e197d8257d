#!/bin/bash
# Property: <kmm.h> compiles without a single warning under
# -Wall -Wextra -pedantic -Werror as every C standard from C89 to C2x and
# every C++ standard from C++11 to C++23 that the compilers accept, with
# the kernel names and without them (KMM_NO_KERNEL_NAMES), in gcc and
# g++ (configure's CC and CXX) and in clang and clang++ when installed.
# test/headers.c uses every function, macro and constant of the header.
# A standard a compiler does not know (-std=c++23 in clang 14) is listed
# as skipped; one that no compiler knows is not a failure either.
# shellcheck source=lib/test.sh
. "${srcdir:-.}/lib/test.sh"

make_tmpdir
t=$TEST_TMPDIR
src=${srcdir:-.}/headers.c
inc=${top_srcdir:-..}/include
[ -f "$src" ] || hard_error "$src not found"

c_stds="c89 c99 c11 c17 c2x"
cxx_stds="c++11 c++14 c++17 c++20 c++2b c++23"
ccs=${CC:-cc}
command -v clang >/dev/null 2>&1 && ccs="$ccs clang"
cxxs=
[ -n "${HAVE_CXX:-}" ] && [ -n "${CXX:-}" ] && cxxs=$CXX
command -v clang++ >/dev/null 2>&1 && cxxs="$cxxs clang++"

status=0
compiled=0
# try COMPILER LANG STD: compiles headers.c both ways.
try() {
	local cc=$1 lang=$2 std=$3 def
	# shellcheck disable=SC2086
	if ! $cc -x "$lang" -std="$std" -E - </dev/null >/dev/null 2>&1; then
		echo "skip: $cc does not know -std=$std"
		return
	fi
	for def in "" -DKMM_NO_KERNEL_NAMES; do
		# shellcheck disable=SC2086
		if $cc -x "$lang" -std="$std" -Wall -Wextra -pedantic -Werror \
			$def -I"$inc" -c "$src" -o "$t/h.o" >"$t/log" 2>&1; then
			echo "ok: $cc -std=$std $def"
			compiled=$((compiled + 1))
		else
			echo "FAIL: $cc -x $lang -std=$std -Wall -Wextra -pedantic -Werror $def" >&2
			head -20 "$t/log" >&2
			status=1
		fi
	done
}

for cc in $ccs; do
	for std in $c_stds; do
		try "$cc" c "$std"
	done
done
for cxx in $cxxs; do
	for std in $cxx_stds; do
		try "$cxx" c++ "$std"
	done
done
[ $compiled -gt 0 ] || hard_error "no compiler compiled anything"
if [ $status -eq 0 ]; then
	echo "kmm.h: $compiled clean compilations"
else
	echo "expected: kmm.h compiles cleanly each way; got: the failures above" >&2
fi
exit $status
