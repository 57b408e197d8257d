#!/bin/bash
# limit.sh - under KMM_MEMORY_LIMIT, allocation fails with ENOMEM at the
# limit, never crashes, and freed memory can be had again (see limit.c),
# with libkmm.so preloaded and linked with -lkmm.  KMM_MEMORY_LIMIT is
# kmm's own setting: there is no glibc run to compare with.
. "$(dirname "$0")/common.sh"

need_lib
skip_under_kmm_debug "checked objects take more room than the limit expects"
# Under memcheck freed blocks wait in a quarantine (src/track.c) that
# counts against the limit: its reclaimer must empty it when a charge
# would fail, or memory freed is not available again ("after freeing").
plain=$(need_bin limit) || exit $?
linked=$(need_bin limit_kmm) || exit $?
mib=64
quick && mib=32
status=0
for mode in preload linked; do
	prog=$plain
	[ "$mode" = linked ] && prog=$linked
	echo "== limit on $mode, KMM_MEMORY_LIMIT=${mib}M"
	KMM_MEMORY_LIMIT=${mib}M run_on "$mode" 300 "$prog" "$mib"
	rc=$?
	if [ "$rc" != 0 ]; then
		echo "limit on $mode: expected exit 0, got $rc" >&2
		status=1
	fi
done
exit $status
