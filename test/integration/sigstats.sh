#!/bin/bash
# sigstats.sh - KMM_STATS_SIGNAL=SIGUSR2: a program busy in malloc and
# free in two threads gets SIGUSR2 many times mid-run and neither hangs
# nor crashes; each signal writes the report (header with "Reason:
# SIGUSR2") to the stats destination and to a per-process file
# kmm-PID.stats, mode 0600, under $XDG_RUNTIME_DIR (or /tmp when unset),
# which is gone once the program exits; "kmm stat PID" sends the signal
# and prints that report, as JSON with KMM_STATS_FORMAT=json; a process
# without KMM_STATS_SIGNAL is refused rather than killed by the signal.
# Every run is a child with a time limit.
. "$(dirname "$0")/common.sh"

need_lib
busy=$(need_bin sigbusy) || exit $?
kmm=$abs_top_builddir/src/kmm
[ -x "$kmm" ] || hard_error "$kmm missing: build first"
make_tmpdir
t=$TEST_TMPDIR
mkdir -p "$t/run"
chmod 700 "$t/run"

# start NAME ENV...: starts sigbusy on kmm with ENV, in the background,
# with a time limit; sets pid, and waits for its "ready".
start() {
	local name=$1 n=0
	shift
	rm -f "$t/stop" "$t/$name.out"
	env "$@" LD_PRELOAD="$KMM_LIB" timeout -k 5 120 "$busy" "$t/stop" \
		>"$t/$name.out" 2>"$t/$name.err" &
	pid=$!
	until grep -q ready "$t/$name.out" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 600 ] && kill -0 $pid 2>/dev/null ||
			fail "$name: start" "ready" "$(cat "$t/$name.err")"
		sleep 0.05
	done
}

# finish NAME: stops the program; it must exit 0 within the limit.
finish() {
	local rc
	touch "$t/stop"
	wait $pid
	rc=$?
	expect_eq "$1: exit status" 0 "$rc"
}

# 1. Many signals mid-run, to stderr and to the per-process file.
start sig KMM_STATS_SIGNAL=SIGUSR2 XDG_RUNTIME_DIR="$t/run"
# sigbusy runs under timeout: the program is timeout's child.
prog=$(pgrep -P $pid -x sigbusy || pgrep -P $pid)
[ -n "$prog" ] || hard_error "no sigbusy under timeout $pid"
for i in $(seq 40); do
	kill -USR2 "$prog"
	sleep 0.02
done
n=0
until [ -f "$t/run/kmm-$prog.stats" ] || [ $n -gt 100 ]; do
	sleep 0.05; n=$((n + 1))
done
file=$t/run/kmm-$prog.stats
[ -f "$file" ] || fail "per-process file" "$file" "$(ls -la "$t/run")"
expect_eq "mode of $file" 600 "$(stat -c %a "$file")"
expect_match "per-process file: header" "Reason: +SIGUSR2" "$(cat "$file")"
expect_match "per-process file: pid" "Pid: +$prog" "$(cat "$file")"
grep -q '^== vmallocinfo ==$' "$file" ||
	fail "per-process file" "the whole report" "$(head -c 400 "$file")"

# 2. kmm stat PID: the report, fresh.
out=$(timeout -k 5 30 "$kmm" stat "$prog")
expect_eq "kmm stat: exit status" 0 "$?"
expect_match "kmm stat: header" "Program: +sigbusy" "$out"
expect_match "kmm stat: reason" "Reason: +SIGUSR2" "$out"
expect_match "kmm stat: slabinfo" "kmalloc-" "$out"
out=$(timeout -k 5 30 "$kmm" stat -i 0.2 "$prog" | head -c 100000 &
	sleep 1; touch "$t/stop"; wait)
[ "$(grep -c '^== kmm ==$' <<<"$out")" -ge 2 ] ||
	fail "kmm stat -i 0.2" "a report every 0.2 s" "$(head -c 300 <<<"$out")"
finish sig
[ -e "$file" ] && fail "per-process file after exit" "removed" "$(ls -la "$file")"
count=$(grep -c '^Reason: *SIGUSR2$' "$t/sig.err")
[ "$count" -ge 1 ] || fail "reports on stderr" "one per signal taken" "$(head -c 300 "$t/sig.err")"
echo "$count reports on stderr for the signals sent"

# 3. JSON, in /tmp when XDG_RUNTIME_DIR is unset, any signal by name.
start json -u XDG_RUNTIME_DIR KMM_STATS_SIGNAL=winch KMM_STATS_FORMAT=json
prog=$(pgrep -P $pid -x sigbusy || pgrep -P $pid)
out=$(timeout -k 5 30 "$kmm" stat "$prog")
expect_eq "kmm stat (json): exit status" 0 "$?"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["reason"] == "SIGWINCH", d["reason"]; assert d["program"] == "sigbusy"' "$out" ||
		fail "kmm stat (json)" "a JSON report, reason SIGWINCH" "$(head -c 300 <<<"$out")"
fi
[ -f "/tmp/kmm-$prog.stats" ] || fail "per-process file without XDG_RUNTIME_DIR" "/tmp/kmm-$prog.stats" "none"
finish json
[ -e "/tmp/kmm-$prog.stats" ] && fail "/tmp/kmm-$prog.stats after exit" "removed" "still there"

# 4. A process without KMM_STATS_SIGNAL: refused, and not signalled.
start none
prog=$(pgrep -P $pid -x sigbusy || pgrep -P $pid)
err=$(timeout -k 5 30 "$kmm" stat "$prog" 2>&1)
expect_eq "kmm stat without KMM_STATS_SIGNAL: exit status" 1 "$?"
expect_match "its message" "not started with KMM_STATS_SIGNAL" "$err"
finish none
exit 0
