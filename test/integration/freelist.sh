#!/bin/bash
# freelist.sh - a free list corrupted through malloc's blocks is caught,
# never followed: one NUL byte, 8 bytes of 0x41 or 8 zero bytes written
# past a 64-byte block into its free neighbour, a write after free that
# clears the double-free mark of a 16-byte or 2 KiB block before it is
# freed again, a list made to loop that way, and a write after free that
# puts the address of a live block in a free block's pointer (neither of
# the next two mallocs may return it).  And KMM_HARDEN: the free pointer
# is stored encoded by default and with KMM_HARDEN=1 or a bad value (one
# warning), in clear with KMM_HARDEN=0.  Each case (see
# freelist.c) runs with libkmm.so preloaded and linked with -lkmm and must
# die of SIGABRT, having been given no live or misaligned block, with a
# one-line report naming the cache and the block spoilt:
# "kmm: freelist corrupted in kmalloc-64 at 0x..." or, for the block
# freed again at the head of the list, "kmm: free(): double free of 0x...
# (cache kmalloc-16)".
. "$(dirname "$0")/common.sh"

need_lib
skip_under_kmm_debug "debug caches keep free pointers past their objects"
plain=$(need_bin freelist) || exit $?
linked=$(need_bin freelist_kmm) || exit $?
make_tmpdir
ulimit -c 0 2>/dev/null	# the aborts are expected: no core files

# kmm's own reports are checked, so the programs run without memcheck,
# also in make check-valgrind (memcheck's red zones and quarantine would
# keep the writes away from the lists).

hex_norm() {
	# 0x00007f.. and 0x7f.. are the same pointer.
	printf '%s\n' "$1" | sed -e 's/^0x0*/0x/' | tr 'A-F' 'a-f'
}

for mode in preload linked; do
	for what in nul x41 zero uaf16 uaf2048 loop chosen; do
		out=$TEST_TMPDIR/$mode-$what.out
		err=$TEST_TMPDIR/$mode-$what.err
		if [ "$mode" = preload ]; then
			env LD_PRELOAD="$KMM_LIB" "$plain" "$what" >"$out" 2>"$err"
		else
			"$linked" "$what" >"$out" 2>"$err"
		fi
		rc=$?
		[ "$rc" = 99 ] && hard_error "$mode, case $what: $(cat "$err")"
		addr=$(sed -n 's/^victim //p' "$out")
		[ -n "$addr" ] || hard_error "$mode, case $what printed no pointer"
		[ "$rc" = 134 ] || fail "$mode, case $what: dies of SIGABRT" \
			"exit 134" "exit $rc, stderr: $(head -3 "$err")"
		expect_eq "$mode, case $what: lines on stderr" 1 \
			"$(wc -l <"$err")"
		line=$(cat "$err")
		case $what in
		uaf16) pattern='^kmm: free\(\): double free of 0x[0-9a-f]+ \(cache kmalloc-16\)$' ;;
		uaf2048) pattern='^kmm: free\(\): double free of 0x[0-9a-f]+ \(cache kmalloc-2k\)$' ;;
		*) pattern='^kmm: freelist corrupted in kmalloc-64 at 0x[0-9a-f]+' ;;
		esac
		expect_match "$mode, case $what: report" "$pattern" "$line"
		got=$(printf '%s\n' "$line" | grep -oE '0x[0-9a-fA-F]+' | head -1)
		expect_eq "$mode, case $what: block in the report" \
			"$(hex_norm "$addr")" "$(hex_norm "$got")"
		echo "$mode, $what: $line"
	done
done

for setting in "" KMM_HARDEN=1 KMM_HARDEN=0 KMM_HARDEN=maybe; do
	want=encoded
	[ "$setting" = KMM_HARDEN=0 ] && want=clear
	err=$TEST_TMPDIR/word.err
	out=$(env $setting LD_PRELOAD="$KMM_LIB" "$plain" word 2>"$err")
	rc=$?
	[ "$rc" = 0 ] || fail "word, ${setting:-default}: exit status" 0 "$rc"
	expect_eq "word, ${setting:-default}: free pointer" "stored $want" \
		"$(printf '%s\n' "$out" | sed -n 's/^stored/stored/p')"
	if [ "$setting" = KMM_HARDEN=maybe ]; then
		expect_match "word, $setting: warning" \
			'^kmm: .*KMM_HARDEN.*maybe' "$(cat "$err")"
	else
		expect_eq "word, ${setting:-default}: stderr" "" "$(cat "$err")"
	fi
done
exit 0
