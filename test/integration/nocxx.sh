#!/bin/bash
# nocxx.sh - a C program run with libkmm.so preloaded does not load the
# C++ runtime: kmm's operators new and delete reach libstdc++ only
# through weak references.  LD_DEBUG=files lists what the loader opens;
# libkmm.so must be among them (the listing works) and libstdc++ not.
. "$(dirname "$0")/common.sh"

need_lib
hold=$(need_bin hold) || exit $?
make_tmpdir
LD_PRELOAD=$KMM_LIB LD_DEBUG=files "$hold" >"$TEST_TMPDIR/out" 2>"$TEST_TMPDIR/ld"
rc=$?
expect_eq "hold with libkmm.so preloaded: exit status" 0 "$rc"
grep -q 'libkmm' "$TEST_TMPDIR/ld" ||
	skip "LD_DEBUG=files lists nothing here"
if grep -q 'libstdc++' "$TEST_TMPDIR/ld"; then
	fail "libraries loaded into a C program with kmm preloaded" \
		"no libstdc++" "$(grep -m2 'libstdc++' "$TEST_TMPDIR/ld")"
fi
echo "nocxx: $(grep -c 'file=' "$TEST_TMPDIR/ld") loader lines, no libstdc++"
