#!/bin/bash
# options.sh - kmm's options as a user meets them, in real programs:
# KMM_STATS takes no/yes (KMM_STATS=no prints nothing, KMM_STATS=YES the
# reports); an unknown KMM_* name gets one warning naming the closest
# option, and the program runs as usual; a memory limit below a page is
# refused with a warning; a program's own kmm_conf turns the statistics
# on whether it is linked with -lkmm or kmm is preloaded (it is linked
# -rdynamic), and the environment overrides it.  test/unit/options.c
# checks each rule of the parser on its own.
. "$(dirname "$0")/common.sh"

need_lib
conf=$(need_bin conf) || exit $?
conf_kmm=$(need_bin conf_kmm) || exit $?
# kmm's own output is checked: no memcheck, also in make check-valgrind.
make_tmpdir
err=$TEST_TMPDIR/err
out=$TEST_TMPDIR/out

# run NAME cmd...: runs cmd, stdout to $out, stderr to $err; checks exit 0.
run() {
	local name=$1 rc
	shift
	timeout -k 10 120 "$@" >"$out" 2>"$err"
	rc=$?
	[ "$rc" = 0 ] || fail "$name: exit status" 0 "$rc ($(head -3 "$err"))"
}

# 1. Booleans in words.
run "KMM_STATS=no" env KMM_STATS=no LD_PRELOAD="$KMM_LIB" /bin/true
expect_eq "KMM_STATS=no: stderr" "" "$(cat "$err")"
run "KMM_STATS=YES" env KMM_STATS=YES LD_PRELOAD="$KMM_LIB" /bin/true
expect_match "KMM_STATS=YES: stderr" 'slabinfo - version: 2\.1' "$(cat "$err")"

# 2. An unknown name: one warning with the closest option, the program as usual.
run "KMM_STAST=1" env KMM_STAST=1 LD_PRELOAD="$KMM_LIB" sort -n <<'IN'
3
1
2
IN
expect_eq "KMM_STAST=1 sort: stdout" "1 2 3" "$(tr '\n' ' ' <"$out" | sed 's/ $//')"
expect_eq "KMM_STAST=1 sort: stderr" \
	"kmm: warning: KMM_STAST is not a kmm option (did you mean KMM_STATS?); ignored" \
	"$(cat "$err")"

# 3. A memory limit below one page is refused: the program still runs.
run "KMM_MEMORY_LIMIT=100" env KMM_MEMORY_LIMIT=100 LD_PRELOAD="$KMM_LIB" \
	sort -n /dev/null
expect_eq "KMM_MEMORY_LIMIT=100: stderr" \
	"kmm: warning: KMM_MEMORY_LIMIT=100 is below one page (4096 bytes); using the default 0" \
	"$(cat "$err")"

# 4. kmm_conf: linked, preloaded, and overridden by the environment.
run "conf_kmm" "$conf_kmm"
expect_eq "conf_kmm: stdout" "conf ran" "$(cat "$out")"
expect_match "conf_kmm (kmm_conf stats=1): stderr" 'slabinfo - version: 2\.1' "$(cat "$err")"
run "conf preloaded" env LD_PRELOAD="$KMM_LIB" "$conf"
expect_eq "conf preloaded: stdout" "conf ran" "$(cat "$out")"
expect_match "conf preloaded (kmm_conf stats=1): stderr" 'slabinfo - version: 2\.1' "$(cat "$err")"
run "conf_kmm KMM_STATS=off" env KMM_STATS=off "$conf_kmm"
expect_eq "conf_kmm with KMM_STATS=off: stderr" "" "$(cat "$err")"
# Without kmm, kmm_conf is an ordinary variable.
run "conf on glibc" "$conf"
expect_eq "conf on glibc: stderr" "" "$(cat "$err")"
echo "options: all rules hold in real programs"
