#!/bin/bash
# settings.sh - the conformance and thread tests also pass on kmm under
# other settings of its documented variables: vmalloc from 64 KiB up
# (KMM_VMALLOC_THRESHOLD=64K, so realloc crosses page runs and vmalloc
# areas at other sizes), free pages given back at once (KMM_RETAIN=0),
# and kept (KMM_RETAIN=1G).  Each setting must print no warning.
. "$(dirname "$0")/common.sh"

need_lib
conform=$(need_bin conform) || exit $?
threads=$(need_bin threads) || exit $?
make_tmpdir
status=0
for setting in KMM_VMALLOC_THRESHOLD=64K KMM_RETAIN=0 KMM_RETAIN=1G; do
	for prog in "$conform" "$threads"; do
		echo "== $setting $(basename "$prog")"
		env "$setting" KMM_TEST_QUICK=1 LD_PRELOAD="$KMM_LIB" \
			timeout -k 10 600 "$prog" kmm >"$TEST_TMPDIR/out" 2>"$TEST_TMPDIR/err"
		rc=$?
		if [ "$rc" != 0 ]; then
			echo "$setting $(basename "$prog"): expected exit 0, got $rc" >&2
			tail -5 "$TEST_TMPDIR/err" >&2
			status=1
		fi
		if grep -q '^kmm: warning' "$TEST_TMPDIR/err"; then
			echo "$setting: expected no warning, got: $(grep -m1 '^kmm: warning' "$TEST_TMPDIR/err")" >&2
			status=1
		fi
	done
done
exit $status
