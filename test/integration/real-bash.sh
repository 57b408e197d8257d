#!/bin/bash
# real-bash.sh - bash (which Debian builds on the C library's malloc)
# running a script heavy in strings, arrays and associative arrays prints
# the same with libkmm.so preloaded as on glibc.
. "$(dirname "$0")/common.sh"

need_lib
[ -x /bin/bash ] || skip "/bin/bash is not installed"
skip_slow_under_valgrind bash
make_tmpdir
n=30000
quick && n=5000

# shellcheck disable=SC2016 # the script runs in the child bash
script='
n=$1
declare -A h
a=()
s=""
for ((i = 0; i < n; i++)); do
	k="key$(( (i * 7919) % 4093 ))"
	h[$k]+="${i: -1}"
	a+=("$k:${#h[$k]}")
	(( i % 100 == 0 )) && s+="${a[-1]}"
done
unset "a[1]" "a[2]"
b=("${a[@]/key/K}")
t=${s//:/;}
printf "%s %s %s %s\n" "${#h[@]}" "${#a[@]}" "${#t}" "${b[-1]}"
for k in $(printf "%s\n" "${!h[@]}" | sort | head -5); do
	printf "%s=%s\n" "$k" "${#h[$k]}"
done
'
run_on glibc 600 /bin/bash -c "$script" bash "$n" >"$TEST_TMPDIR/glibc.out" ||
	hard_error "bash failed on glibc"
stats_file=$TEST_TMPDIR/stats run_on preload 600 /bin/bash -c "$script" bash "$n" \
	>"$TEST_TMPDIR/kmm.out" || fail "bash on kmm" "exit 0" "failure"
check_served_by_kmm "$TEST_TMPDIR/stats" bash
compare_runs bash "$TEST_TMPDIR/glibc.out" "$TEST_TMPDIR/kmm.out"
head -1 "$TEST_TMPDIR/kmm.out"
