#!/bin/bash
# stats.sh - KMM_STATS=1 prints kmm's reports at exit on stderr
# (a header naming program, pid, version and every option; meminfo-style
# totals, slabinfo, buddyinfo, vmallocinfo listing the areas still live),
# KMM_STATS_FILE sends them to a file instead (%p and %e expanded, the
# reason given when it cannot be opened), and a bad KMM_MEMORY_LIMIT
# prints one "kmm: warning:" line while the program still runs normally.
# The report reaches the standard error the program started with even
# when the program closes it first (kmm --stats ls, sort), puts a data
# file on fd 2, or takes over every descriptor it finds open; it never
# lands in the program's own files.  vmallocinfo's caller is the
# program's call of malloc, as module+0xoffset that addr2line resolves.
. "$(dirname "$0")/common.sh"

need_lib
hold=$(need_bin hold) || exit $?
reusefd=$(need_bin reusefd) || exit $?
# kmm's own output is checked: no memcheck, also in make check-valgrind.
make_tmpdir
err=$TEST_TMPDIR/err

# check_header FILE PROGRAM: the report's header names PROGRAM, a pid,
# kmm's version, the elapsed time and every option with its source.
check_header() {
	local h
	h=$(sed -n '/^== kmm ==$/,/^== meminfo ==$/p' "$1")
	expect_match "$2: header Program" "(^|$(printf '\n'))Program: +$2($(printf '\n')|$)" "$h"
	expect_match "$2: header Pid" "Pid: +[0-9]+" "$h"
	[ -z "$VERSION" ] || expect_match "$2: header Version" "Version: +$VERSION" "$h"
	expect_match "$2: header Elapsed" "Elapsed: +[0-9]+\.[0-9]{6} s" "$h"
	expect_match "$2: header KMM_STATS" "KMM_STATS=1 \(environment\)" "$h"
	expect_match "$2: header KMM_RETAIN" "KMM_RETAIN=[0-9]+[KMGT]? \(default\)" "$h"
}

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

# 5. Programs that close their standard error before exit: the report
# still comes, through kmm's own copy of the descriptor.
check_header "$err.true" true
kmm=$abs_top_builddir/src/kmm
[ -x "$kmm" ] || hard_error "$kmm missing: build first"
out=$(timeout -k 10 60 "$kmm" --stats ls "$TEST_TMPDIR" 2>"$err")
expect_eq "kmm --stats ls: exit status" 0 "$?"
expect_match "kmm --stats ls: stdout" '(^|[[:space:]])err([[:space:]]|$)' "$out"
check_header "$err" ls
grep -q '^== buddyinfo ==$' "$err" ||
	fail "kmm --stats ls: stderr" "the report at exit" "$(head -c 300 "$err")"
printf '3\n1\n2\n' >"$TEST_TMPDIR/numbers"
out=$(KMM_STATS=1 LD_PRELOAD=$KMM_LIB timeout -k 10 60 sort -n \
	"$TEST_TMPDIR/numbers" 2>"$err")
expect_eq "sort file: stdout" "1 2 3" "$(echo $out)"
check_header "$err" sort
grep -q '^slabinfo - version: 2.1$' "$err" ||
	fail "KMM_STATS=1 sort: stderr" "the report at exit" "$(head -c 300 "$err")"

# 6. A program that opens a data file as fd 2, and one that puts a data
# file on every descriptor it finds open: the data files hold their data
# only, the report goes to the standard error the program started with.
for mode in stderr all; do
	data=$TEST_TMPDIR/data.$mode
	KMM_STATS=1 LD_PRELOAD=$KMM_LIB timeout -k 10 60 "$reusefd" $mode \
		"$data" 2>"$err"
	expect_eq "reusefd $mode: exit status" 0 "$?"
	grep -vqx data "$data" &&
		fail "reusefd $mode: data file" "only 'data' lines" "$(head -c 300 "$data")"
	check_header "$err" reusefd
	grep -q '^== vmallocinfo ==$' "$err" ||
		fail "reusefd $mode: stderr" "the report" "$(head -c 300 "$err")"
done

# 7. KMM_STATS_FILE with %p and %e, and a program that takes over its
# descriptor: the report goes to the file named by pid and program.
rm -f "$TEST_TMPDIR"/report.*
KMM_STATS=1 KMM_STATS_FILE="$TEST_TMPDIR/report.%e.%p" LD_PRELOAD=$KMM_LIB \
	timeout -k 10 60 "$reusefd" all "$TEST_TMPDIR/data.file" 2>"$err"
expect_eq "reusefd all, KMM_STATS_FILE: exit status" 0 "$?"
set -- "$TEST_TMPDIR"/report.reusefd.*
[ $# = 1 ] && [ -f "$1" ] ||
	fail "KMM_STATS_FILE=report.%e.%p" "one file report.reusefd.PID" "$(ls "$TEST_TMPDIR")"
check_header "$1" reusefd
expect_match "KMM_STATS_FILE: the pid in its name" \
	"Pid: +${1##*.}\$" "$(grep '^Pid:' "$1")"
grep -vqx data "$TEST_TMPDIR/data.file" &&
	fail "reusefd all, KMM_STATS_FILE: data file" "only 'data' lines" \
		"$(head -c 300 "$TEST_TMPDIR/data.file")"
[ -s "$err" ] && fail "reusefd all, KMM_STATS_FILE: stderr" "empty" "$(head -3 "$err")"

# The reason a file cannot be opened, and the report on stderr instead.
KMM_STATS=1 KMM_STATS_FILE=$TEST_TMPDIR/no/such/dir/stats LD_PRELOAD=$KMM_LIB \
	/bin/true 2>"$err"
expect_eq "unwritable KMM_STATS_FILE: its warning" \
	"kmm: warning: cannot open KMM_STATS_FILE $TEST_TMPDIR/no/such/dir/stats: No such file or directory; reports go to standard error" \
	"$(grep '^kmm: warning' "$err")"
check_header "$err" true

# 8. vmallocinfo names the program's call of malloc as module+0xoffset,
# and addr2line takes it back to the line in hold.c.
caller=$(KMM_STATS=1 LD_PRELOAD=$KMM_LIB "$hold" 2>&1 >/dev/null |
	sed -n 's/^0x[0-9a-f]*-0x[0-9a-f]* *[0-9]* \(hold+0x[0-9a-f]*\) pages=2048 vmalloc$/\1/p')
expect_match "vmallocinfo: caller of the 8 MiB block" '^hold\+0x[0-9a-f]+$' "$caller"
if command -v addr2line >/dev/null 2>&1; then
	where=$(addr2line -f -e "$hold" "${caller#hold+}" | tr '\n' ' ')
	expect_match "addr2line $caller" '^main .*hold\.c:[0-9]+ $' "$where"
	echo "vmallocinfo caller $caller -> $where"
fi

# 9. KMM_STATS_FORMAT=json: the whole report as one JSON document with the
# schema of kmm_dump(3).
if command -v python3 >/dev/null 2>&1; then
	out=$(KMM_STATS=1 KMM_STATS_FORMAT=json LD_PRELOAD=$KMM_LIB "$hold" 2>"$err")
	expect_eq "KMM_STATS_FORMAT=json hold: stdout" held "$out"
	python3 -m json.tool "$err" >/dev/null ||
		fail "KMM_STATS_FORMAT=json" "one JSON document" "$(head -c 500 "$err")"
	python3 - "$err" <<'PY' || fail "KMM_STATS_FORMAT=json" "kmm_dump(3)'s schema" "$(head -c 800 "$err")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["program"] == "hold", d["program"]
assert isinstance(d["pid"], int) and d["pid"] > 0
assert isinstance(d["elapsed_s"], float) and d["elapsed_s"] >= 0
assert d["reason"] == "exit"
assert d["options"]["KMM_STATS"] == {"value": "1", "source": "environment"}
assert d["options"]["KMM_STATS_FORMAT"] == {"value": "json", "source": "environment"}
assert d["options"]["KMM_RETAIN"]["source"] == "default"
mi = d["meminfo"]
for k in ("MemTotal", "MemFree", "MemReleased", "MemUsed", "Slab",
          "MemMap", "VmallocUsed", "AddressSpace"):
    assert isinstance(mi[k], int), k
assert mi["VmallocUsed"] >= 8 << 20
slabs = {c["name"]: c for c in d["slabinfo"]}
k = slabs["kmalloc-112"] if "kmalloc-112" in slabs else slabs["kmalloc-128"]
assert k["active_objs"] >= 1 and k["num_objs"] >= k["active_objs"]
for c in d["slabinfo"]:
    assert c["num_objs"] == c["num_slabs"] * c["objperslab"], c
assert len(d["buddyinfo"]["Normal"]) == 11
assert len(d["buddyinfo"]["DMA32"]) == 11
big = [a for a in d["vmallocinfo"] if a["size"] >= 8 << 20]
assert big, d["vmallocinfo"]
a = big[0]
assert int(a["end"], 16) - int(a["start"], 16) == a["size"]
assert a["pages"] * 4096 + 4096 == a["size"]
assert a["caller"].startswith("hold+0x"), a["caller"]
PY
fi
exit 0
