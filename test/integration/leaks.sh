#!/bin/bash
# leaks.sh - the leak report names exactly what a program lost (see
# leaks.c): with libkmm.so preloaded and linked with -lkmm, by
# kmm_leak_scan() and at exit with KMM_LEAKS=1.  The lost objects come in
# one group per cache or kind, with counts and bytes, the largest first,
# those reached only from lost objects (a lost list's nodes) last;
# objects kept in a global, inside a reachable object or in another live
# thread's thread-local variable, and objects freed, are not reported;
# a program that loses nothing gets a report of none; with KMM_HARDEN=0
# (free objects carry no mark) as well.
. "$(dirname "$0")/common.sh"

# Under memcheck the tool's own mappings, which kmm cannot tell from the
# program's, hold the address of every block kmm describes to it: the
# scan finds nothing lost (kmm_leak_scan(3), CAVEATS).
if under_valgrind; then
	skip "memcheck's mappings are roots too: its own leak check applies"
fi
# Under KMM_DEBUG=FZPU freed runs and areas wait in a quarantine and
# objects carry red zones: the report's groups are not the ones counted.
skip_under_kmm_debug "the quarantine and red zones change the report"

need_lib
make_tmpdir
plain=$(need_bin leaks) || exit $?
linked=$(need_bin leaks_kmm) || exit $?

# The group lines expected for "lost", in order (largest first).
want_groups='kmm: 5242880 bytes in 1 unreferenced object of 5242880 bytes, vmalloc area
kmm: 40960 bytes in 1 unreferenced object of 40960 bytes, kmalloc page run
kmm: 3072 bytes in 1 unreferenced object of 3072 bytes, kmalloc-3k
kmm: 224 bytes in 2 unreferenced objects of 112 bytes, kmalloc-112
kmm: 96 bytes in 3 unreferenced objects of 32 bytes, kmalloc-32
kmm: 72 bytes in 1 unreferenced object of 72 bytes, leak_test
kmm: 64 bytes in 1 unreferenced object of 64 bytes, kmalloc-64
kmm: 128 bytes in 2 unreferenced objects of 64 bytes, kmalloc-64 (indirect: reached only from unreferenced objects)'

# check WHAT FILE SCENARIO: the report in FILE is the one SCENARIO calls for.
check() {
	what=$1 file=$2
	summary=$(grep '^kmm: leak summary:' "$file")
	groups=$(grep -E '^kmm: [0-9]+ bytes in' "$file")
	if [ "$3" = lost ]; then
		expect_eq "$what: groups" "$want_groups" "$groups"
		expect_match "$what: summary" \
			'^kmm: leak summary: 12 unreferenced objects \(2 indirect\), 5287496 bytes, in 8 groups ' \
			"$summary"
		# Every sample shown is a lost one: its tag leads its dump.
		tags=$(grep -A2 'unreferenced object' "$file" |
			grep -oE '(lost|kept|freed)-?[a-z0-9]*' | sort -u |
			tr '\n' ' ')
		expect_eq "$what: tags of the objects shown" \
			"lost-112 lost-32 lost-3k lost-area lost-cache lost-list lost-node lost-run " "$tags"
	else
		expect_eq "$what: groups" "" "$groups"
		expect_match "$what: summary" \
			'^kmm: leak summary: no unreferenced objects ' "$summary"
	fi
}

for mode in preload linked; do
	prog=$plain
	[ "$mode" = linked ] && prog=$linked
	for scenario in lost none; do
		out=$TEST_TMPDIR/$mode-$scenario
		run_on "$mode" 60 "$prog" "$scenario" scan >"$out.scan" 2>"$out.err"
		rc=$?
		[ $rc = 77 ] && skip "leaks on $mode: kmm not loaded"
		[ $rc = 0 ] || fail "leaks $scenario scan on $mode: exit" 0 "$rc ($(head -3 "$out.err"))"
		check "kmm_leak_scan, $scenario, $mode" "$out.scan" "$scenario"
		n=$([ "$scenario" = lost ] && echo 12 || echo 0)
		expect_eq "kmm_leak_scan's return, $scenario, $mode" \
			"scan returned $n" "$(grep '^scan returned' "$out.scan")"

		# KMM_HARDEN=0: no free marks; the scan walks the free lists.
		KMM_HARDEN=0 run_on "$mode" 60 "$prog" "$scenario" scan \
			>"$out.soft" 2>"$out.err"
		rc=$?
		[ $rc = 0 ] || fail "leaks $scenario scan on $mode, KMM_HARDEN=0: exit" 0 "$rc ($(head -3 "$out.err"))"
		check "kmm_leak_scan, KMM_HARDEN=0, $scenario, $mode" \
			"$out.soft" "$scenario"

		KMM_LEAKS=1 run_on "$mode" 60 "$prog" "$scenario" exit \
			>/dev/null 2>"$out.exit"
		rc=$?
		[ $rc = 0 ] || fail "leaks $scenario exit on $mode: exit" 0 "$rc ($(head -3 "$out.exit"))"
		check "KMM_LEAKS=1 at exit, $scenario, $mode" "$out.exit" "$scenario"
	done
	# Off by default: nothing at exit.
	run_on "$mode" 60 "$prog" lost exit >/dev/null 2>"$TEST_TMPDIR/off"
	expect_eq "no KMM_LEAKS, $mode: report" "" \
		"$(grep '^kmm: leak' "$TEST_TMPDIR/off")"
done
echo "leaks: the reports name what was lost, and only that"
