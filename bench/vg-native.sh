#!/bin/sh
# Under Valgrind tools that do not check memory (callgrind, massif), kmm
# keeps the layout it has natively, so bench/valgrind-compare measures kmm
# as it runs: malloc_usable_size(malloc(SIZE)) is the same natively and
# under each tool, for several sizes.  (Under memcheck kmm adds red zones
# and a quarantine; that is for memcheck alone.)  Each allocator's
# preload must also take under callgrind (pair --which).

if [ "${KMM_TEST_VALGRIND:-0}" = 1 ]; then
	echo "vg-native: skipped under Valgrind"
	exit 77
fi
if ! command -v valgrind >/dev/null 2>&1; then
	echo "vg-native: valgrind not installed"
	exit 77
fi
if [ "$KB_SANITIZE" = yes ] || [ -z "$KMM_LIB" ] || [ ! -f "$KMM_LIB" ]; then
	echo "vg-native: no libkmm.so to preload in this build"
	exit 77
fi

status=0
which=$(LD_PRELOAD="$KMM_LIB" valgrind -q --tool=callgrind \
	--callgrind-out-file=/dev/null ./pair --which) || exit 99
if [ "$which" != "$KMM_LIB" ]; then
	echo "FAIL: under callgrind expected malloc from $KMM_LIB, got $which"
	status=1
fi
for size in 1 24 100 1000 5000 40000; do
	native=$(LD_PRELOAD="$KMM_LIB" ./pair --usable $size) || exit 99
	cg=$(LD_PRELOAD="$KMM_LIB" valgrind -q --tool=callgrind \
		--callgrind-out-file=/dev/null ./pair --usable $size) || exit 99
	ms=$(LD_PRELOAD="$KMM_LIB" valgrind -q --tool=massif \
		--pages-as-heap=yes --massif-out-file=/dev/null \
		./pair --usable $size) || exit 99
	if [ "$cg" != "$native" ] || [ "$ms" != "$native" ]; then
		echo "FAIL: malloc_usable_size(malloc($size)) on kmm:" \
			"expected $native (native) under callgrind and massif," \
			"got $cg (callgrind), $ms (massif): the memcheck" \
			"layout is on under a tool that checks nothing"
		status=1
	else
		echo "ok: malloc_usable_size(malloc($size)) = $native everywhere"
	fi
done
exit $status
