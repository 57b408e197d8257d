#!/bin/bash
# limit_idle.sh - under KMM_MEMORY_LIMIT=256M, 32 idle threads that
# allocated and freed leave the main thread at least 90% of the limit
# (see limit_idle.c), with libkmm.so preloaded and linked with -lkmm.
. "$(dirname "$0")/common.sh"

need_lib
# As under memcheck, freed page runs wait in a quarantine.
skip_under_kmm_debug "quarantined runs count against KMM_MEMORY_LIMIT"
# Memcheck mode counts its quarantine against the limit (see limit.sh).
if under_valgrind; then
	skip "quarantined blocks count against KMM_MEMORY_LIMIT under memcheck"
fi
plain=$(need_bin limit_idle) || exit $?
linked=$(need_bin limit_idle_kmm) || exit $?
mib=256
status=0
for mode in preload linked; do
	prog=$plain
	[ "$mode" = linked ] && prog=$linked
	echo "== limit_idle on $mode, KMM_MEMORY_LIMIT=${mib}M"
	KMM_MEMORY_LIMIT=${mib}M run_on "$mode" 300 "$prog" "$mib"
	rc=$?
	if [ "$rc" != 0 ]; then
		echo "limit_idle on $mode: expected exit 0, got $rc" >&2
		status=1
	fi
done
exit $status
