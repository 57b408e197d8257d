#!/bin/bash
# slab_debug.sh - each KMM_DEBUG letter catches the bug it exists for, in
# a process of its own, with the kernel's report: Z an overrun and an
# underrun by one byte ("Redzone overwritten", "Left Redzone
# overwritten", the first bad byte and the one expected), P a write after
# free ("Poison overwritten", found when the object is handed out again)
# and fresh blocks filled with 0x5a (calloc and __GFP_ZERO still zero),
# F a double free ("Object already free"), a free of a pointer inside an
# object ("Invalid object pointer") and a free to the wrong cache, U the
# allocation and free sites as module+offset that addr2line resolves to
# this test's source, T a TRACE line per allocation and free of a named
# cache.  Each report names the object, dumps its bytes, and aborts;
# with KMM_DEBUG_CONTINUE=1 the program goes on and the damaged object
# is never handed out again.  KMM_DEBUG=FZ,kmalloc-128 checks that cache
# and no other; kmem_cache_create's flags check one cache without
# KMM_DEBUG.  A bad letter is warned about by name.
. "$(dirname "$0")/common.sh"

prog=$(need_bin slab_debug) || exit $?
make_tmpdir
ulimit -c 0 2>/dev/null	# the aborts are expected: no core files

# kmm's own reports are checked: no memcheck, also in make check-valgrind.
out=$TEST_TMPDIR/out
err=$TEST_TMPDIR/err

hex_norm() {
	printf '%s\n' "$1" | sed -e 's/^0x0*/0x/' | tr 'A-F' 'a-f'
}

# run CASE [VAR=VALUE...]: the case with those settings; sets rc, ptr.
run() {
	what=$1
	shift
	env -u KMM_DEBUG -u KMM_DEBUG_CONTINUE "$@" timeout -k 5 60 \
		"$prog" "$what" >"$out" 2>"$err"
	rc=$?
	ptr=$(sed -n 's/^ptr //p' "$out")
	ptr=$(hex_norm "$ptr")
}

# expect_abort CASE WHAT: the case died of SIGABRT with a report of WHAT
# naming the object, with a dump.
expect_abort() {
	[ "$rc" = 134 ] ||
		fail "$1: dies of SIGABRT" "exit 134" "exit $rc, stderr: $(head -5 "$err")"
	expect_match "$1: report" "^BUG $2 \(Not tainted\): $3" "$(cat "$err")"
	expect_match "$1: the end" \
		"^kmm: $2: aborting \(KMM_DEBUG_CONTINUE=1 reports and goes on\)$" \
		"$(cat "$err")"
	grep -q '^survived' "$out" && fail "$1: stops" "no 'survived'" "survived"
	return 0
}

# The object line names ptr (the report's address of the object).
expect_object() {
	got=$(sed -n 's/^Object \(0x[0-9a-f]*\) @offset=.*/\1/p' "$err")
	expect_eq "$1: object in the report" "$ptr" "$(hex_norm "$got")"
}

# The "Allocated in" (or "Freed in") site resolves to this test's source.
expect_site() {
	line=$(grep "^$2 in " "$err")
	# A path too long for the line gives way to the program's name.
	expect_match "$1: $2 site" "^$2 in ([^ ]*/)?slab_debug\+0x[0-9a-f]+ thread=[0-9]+$" "$line"
	if command -v addr2line >/dev/null 2>&1; then
		mod=${line#"$2 in "}
		mod=${mod%%+*}
		case $mod in */*) ;; *) mod=$prog ;; esac
		off=${line#*+}
		off=${off%% *}
		src=$(addr2line -e "$mod" "$off")
		expect_match "$1: $2 site, addr2line" 'slab_debug\.c:[0-9]+' "$src"
	fi
}

# Z: one byte past a 64-byte block, then free.
run redzone KMM_DEBUG=FZPU
expect_abort redzone kmalloc-64 'Redzone overwritten'
expect_match "redzone: first bad byte" \
	'@offset=[0-9]+\. First byte 0x21 instead of 0xcc$' "$(cat "$err")"
expect_object redzone
expect_match "redzone: dump of the red zone" \
	'^Redzone +0x[0-9a-f]+: 21 cc cc' "$(cat "$err")"
expect_match "redzone: dump of the object" \
	'^Object +0x[0-9a-f]+: 5a 5a 5a .* ZZZZZZZZZZZZZZZZ$' "$(cat "$err")"
expect_site redzone Allocated

# Z: one byte before it.
run left KMM_DEBUG=Z
expect_abort left kmalloc-64 'Left Redzone overwritten'
expect_match "left: first bad byte" 'First byte 0x21 instead of 0xcc$' \
	"$(cat "$err")"
expect_object left

# P: a write after free, found when the object is handed out again.
run poison KMM_DEBUG=FZPU
expect_abort poison kmalloc-64 'Poison overwritten'
expect_match "poison: first bad byte" \
	'First byte 0x21 instead of 0x6b$' "$(cat "$err")"
expect_match "poison: dump" \
	'^Object +0x[0-9a-f]+: 6b 6b 6b 6b 6b 6b 6b 6b 21 6b' "$(cat "$err")"
expect_object poison
expect_site poison Allocated
expect_site poison Freed

# P: fresh blocks read 0x5a, zeroed ones zero.
run fill KMM_DEBUG=P
expect_eq "fill: exit" 0 "$rc"
expect_eq "fill: malloc, calloc, kzalloc" \
	"malloc 5a 1 calloc 00 1 kzalloc 00 1" \
	"$(grep -E '^(malloc|calloc|kzalloc)' "$out" | tr '\n' ' ' | sed 's/ $//')"

# F: double free, free inside an object, free to another cache.
run double KMM_DEBUG=F
expect_abort double kmalloc-64 "Object already free $ptr"
run interior KMM_DEBUG=F
expect_abort interior kmalloc-64 "Invalid object pointer $ptr"
run wrong KMM_DEBUG=F
[ "$rc" = 134 ] || fail "wrong: dies of SIGABRT" "exit 134" "exit $rc"
expect_match "wrong: report" \
	"^kmm: kmem_cache_free\(\): $ptr belongs to cache ut_dbg_a, not ut_dbg_b$" \
	"$(cat "$err")"

# KMM_DEBUG_CONTINUE: reported, and the object never comes back.
run continue KMM_DEBUG=FZPU KMM_DEBUG_CONTINUE=1
expect_eq "continue: exit" 0 "$rc"
expect_match "continue: report" '^BUG kmalloc-64 \(Not tainted\): Poison overwritten' \
	"$(cat "$err")"
expect_match "continue: goes on" \
	'^kmm: kmalloc-64: object kept out of use; going on \(KMM_DEBUG_CONTINUE\)$' \
	"$(cat "$err")"
grep -q '^reused' "$out" && fail "continue: the object stays out of use" \
	"never handed out again" "handed out again"

# T: a line per allocation and free of the named cache.
run trace KMM_DEBUG=T,kmalloc-64
expect_eq "trace: exit" 0 "$rc"
expect_match "trace: alloc" \
	"^TRACE kmalloc-64 alloc $ptr size=64 from ([^ ]*/)?slab_debug\+0x[0-9a-f]+ thread=[0-9]+$" \
	"$(cat "$err")"
expect_match "trace: free" "^TRACE kmalloc-64 free $ptr size=64 from " \
	"$(cat "$err")"

# A list of caches: those and no other.
run redzone KMM_DEBUG=FZ,kmalloc-128
expect_eq "kmalloc-128 only: kmalloc-64 is not checked" 0 "$rc"
run redzone128 KMM_DEBUG=FZ,kmalloc-128
expect_abort redzone128 kmalloc-128 'Redzone overwritten'

# The flags of kmem_cache_create, without KMM_DEBUG.
run flags
expect_abort flags ut_dbg_flags 'Redzone overwritten'
expect_eq "flags: object filled with 0x5a" "filled 1" "$(grep '^filled' "$out")"
expect_object flags
expect_site flags Allocated

# Large blocks (F or P for every cache): a freed 1 MiB page run or 8 MiB
# vmalloc area faults when written; the next run does not hand on the
# last one's bytes.
for what in run-uaf area-uaf; do
	run $what KMM_DEBUG=FZPU
	[ "$rc" = 139 ] || fail "$what: a write after free faults" \
		"exit 139 (SIGSEGV)" "exit $rc, stderr: $(head -3 "$err")"
done
run run-reuse KMM_DEBUG=P
expect_eq "run-reuse: exit" 0 "$rc"
expect_eq "run-reuse: the new run reads 0x5a" "reused 5a 1" \
	"$(grep '^reused' "$out")"

# A bad letter: one warning naming it; the others apply.
run redzone KMM_DEBUG=ZQ
expect_match "bad letter: warning" \
	"^kmm: warning: KMM_DEBUG=ZQ: 'Q' is not a debug flag \(F, Z, P, U, T\); ignored$" \
	"$(cat "$err")"
expect_abort "bad letter" kmalloc-64 'Redzone overwritten'
echo "slab_debug: every letter reports its bug"
exit 0
