#!/bin/bash
# real-git.sh - git on a temporary repository (init, add, commit, branch,
# merge, log, diff, gc, fsck) gives the same commits and output with
# libkmm.so preloaded as on glibc: dates and identities are fixed, so the
# object names are the same.
. "$(dirname "$0")/common.sh"

need_lib
need_cmd git
skip_slow_under_valgrind git
make_tmpdir
files=300
quick && files=40

export HOME=$TEST_TMPDIR GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=Kmm GIT_AUTHOR_EMAIL=kmm@example.org
export GIT_COMMITTER_NAME=Kmm GIT_COMMITTER_EMAIL=kmm@example.org
export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
export LC_ALL=C TZ=UTC

session() {
	repo=$1
	g() { git -C "$repo" -c init.defaultBranch=main -c gc.auto=0 "$@"; }
	git -c init.defaultBranch=main init -q "$repo" || return 1
	i=0
	while [ $i -lt "$files" ]; do
		d=$repo/dir$((i % 7))
		mkdir -p "$d"
		seq $((i * 3)) $((i * 3 + 200 + i % 50)) >"$d/file$i.txt"
		i=$((i + 1))
	done
	g add -A && g commit -q -m "initial: $files files" || return 1
	g checkout -q -b topic
	for c in 1 2 3 4 5; do
		i=$c
		while [ $i -lt "$files" ]; do
			echo "change $c of $i" >>"$repo/dir$((i % 7))/file$i.txt"
			i=$((i + 5 + c))
		done
		g commit -q -a -m "topic change $c" || return 1
	done
	g checkout -q main
	echo "main only" >"$repo/README"
	g add README && g commit -q -m "readme" || return 1
	g merge -q --no-edit topic || return 1
	g log --format='%H %T %s' --graph
	g diff --stat HEAD~3 HEAD | tail -1
	g show --stat --format='%H' HEAD~1 | tail -3
	g gc -q || return 1
	g fsck --full --strict 2>&1
	g rev-list --all --objects | sort | cksum
	g grep -c 'change 3' | sort | tail -5
	g archive --format=tar HEAD | tar -tf - | wc -l
	g count-objects -v | grep -E '^(count|in-pack|garbage):'
}

session "$TEST_TMPDIR/glibc" >"$TEST_TMPDIR/glibc.out" 2>&1 ||
	hard_error "git failed on glibc: $(tail -5 "$TEST_TMPDIR/glibc.out")"
(
	export LD_PRELOAD="$KMM_LIB${LD_PRELOAD:+:$LD_PRELOAD}"
	export KMM_STATS=1 KMM_STATS_FILE=$TEST_TMPDIR/stats
	session "$TEST_TMPDIR/kmm"
) >"$TEST_TMPDIR/kmm.out" 2>&1
rc=$?
expect_eq "git session exit status on kmm" 0 "$rc"
check_served_by_kmm "$TEST_TMPDIR/stats" git
compare_runs git "$TEST_TMPDIR/glibc.out" "$TEST_TMPDIR/kmm.out"
echo "git: $(grep -c '^[*|]' "$TEST_TMPDIR/kmm.out") log lines, same on kmm and glibc"
