#!/bin/bash
# stats.sh - KMM_STATS=1 prints kmm's reports at exit on stderr
# (meminfo-style totals, slabinfo, buddyinfo, vmallocinfo listing the
# areas still live), KMM_STATS_FILE sends them to a file instead, and a
# bad KMM_MEMORY_LIMIT prints one "kmm: warning:" line while the program
# still runs normally.
. "$(dirname "$0")/common.sh"

need_lib
hold=$(need_bin hold) || exit $?
# kmm's own output is checked: no memcheck, also in make check-valgrind.
make_tmpdir
err=$TEST_TMPDIR/err

check_reports() {
	# $1: file holding the reports
	grep -q '^slabinfo - version: 2.1' "$1" ||
		fail "KMM_STATS: slabinfo header" "slabinfo - version: 2.1" "$(head -5 "$1")"
	grep -Eq '^kmalloc-[0-9]+k? +[0-9]+ +[0-9]+ +[0-9]+' "$1" ||
		fail "KMM_STATS: slabinfo" "a kmalloc-* line" "$(head -5 "$1")"
	grep -Eq '^Node 0, zone +Normal( +[0-9]+){11}$' "$1" ||
		fail "KMM_STATS: buddyinfo" "Node 0, zone   Normal and 11 counts" \
			"$(grep -m3 Node "$1")"
	grep -Eq '^[A-Za-z_()]+: +[0-9]+ kB$' "$1" ||
		fail "KMM_STATS: meminfo" "lines such as 'Name:   123 kB'" "$(head -5 "$1")"
	# The 8 MiB block hold keeps: an area of at least 8 MiB.
	grep -Eq '^0x[0-9a-f]+-0x[0-9a-f]+ +([89][0-9]{6}|[0-9]{8,})( |$)' "$1" ||
		fail "KMM_STATS: vmallocinfo" "a line '0x...-0x... size' for the 8 MiB block" \
			"$(grep -m3 '^0x' "$1")"
}

# 1. KMM_STATS=1: reports on stderr, the program's output unchanged.
out=$(KMM_STATS=1 LD_PRELOAD=$KMM_LIB "$hold" 2>"$err")
rc=$?
expect_eq "KMM_STATS=1 hold: exit status" 0 "$rc"
expect_eq "KMM_STATS=1 hold: stdout" held "$out"
check_reports "$err"

# A program that barely allocates still runs and exits 0.
KMM_STATS=1 LD_PRELOAD=$KMM_LIB /bin/true 2>"$err.true"
expect_eq "KMM_STATS=1 /bin/true: exit status" 0 "$?"

# 2. KMM_STATS_FILE: the reports go to the file, not to stderr.
out=$(KMM_STATS=1 KMM_STATS_FILE=$TEST_TMPDIR/stats LD_PRELOAD=$KMM_LIB \
	"$hold" 2>"$err")
expect_eq "KMM_STATS_FILE hold: stdout" held "$out"
[ -f "$TEST_TMPDIR/stats" ] ||
	fail "KMM_STATS_FILE" "file $TEST_TMPDIR/stats written" "no file"
check_reports "$TEST_TMPDIR/stats"
grep -q 'slabinfo' "$err" &&
	fail "KMM_STATS_FILE: stderr" "no reports" "$(head -3 "$err")"

# A file that cannot be written: a warning, and the program runs.
out=$(KMM_STATS=1 KMM_STATS_FILE=$TEST_TMPDIR/no/such/dir/stats \
	LD_PRELOAD=$KMM_LIB "$hold" 2>"$err")
rc=$?
expect_eq "unwritable KMM_STATS_FILE hold: exit status" 0 "$rc"
expect_eq "unwritable KMM_STATS_FILE hold: stdout" held "$out"
expect_eq "unwritable KMM_STATS_FILE: warnings" 1 "$(grep -c '^kmm: warning: ' "$err")"

# 3. Without KMM_STATS nothing is printed.
out=$(LD_PRELOAD=$KMM_LIB "$hold" 2>"$err")
expect_eq "hold without KMM_STATS: stdout" held "$out"
[ -s "$err" ] && fail "hold without KMM_STATS: stderr" "empty" "$(head -3 "$err")"

# 4. A bad value: one warning line, the default, and the program runs.
for var in KMM_MEMORY_LIMIT=abc KMM_MEMORY_LIMIT=12Q KMM_RETAIN=-x \
	KMM_VMALLOC_THRESHOLD=lots; do
	out=$(env "$var" LD_PRELOAD="$KMM_LIB" "$hold" 2>"$err")
	rc=$?
	expect_eq "$var hold: exit status" 0 "$rc"
	expect_eq "$var hold: stdout" held "$out"
	expect_eq "$var: lines on stderr" 1 "$(wc -l <"$err")"
	expect_match "$var: stderr" '^kmm: warning: ' "$(cat "$err")"
	echo "$var -> $(cat "$err")"
done
out=$(echo hello | KMM_MEMORY_LIMIT=abc LD_PRELOAD=$KMM_LIB sort 2>"$err")
expect_eq "KMM_MEMORY_LIMIT=abc sort: stdout" hello "$out"
expect_match "KMM_MEMORY_LIMIT=abc sort: stderr" '^kmm: warning: ' "$(cat "$err")"
exit 0
