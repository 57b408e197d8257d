#!/bin/bash
# real-gcc.sh - gcc (and g++) compiling with kmm preloaded into the driver
# and, through the environment, into cc1, as and ld, writes the same
# object files as on glibc, and the program linked from them prints the
# same.
. "$(dirname "$0")/common.sh"

need_lib
need_cmd gcc cmp
skip_slow_under_valgrind gcc
make_tmpdir
cd "$TEST_TMPDIR" || hard_error "cd failed"

cat >prog.c <<'CEOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { struct node *l, *r; int key; char name[24]; };

static struct node *insert(struct node *t, int key)
{
	if (!t) {
		t = calloc(1, sizeof(*t));
		t->key = key;
		snprintf(t->name, sizeof(t->name), "n%d", key);
		return t;
	}
	if (key < t->key)
		t->l = insert(t->l, key);
	else if (key > t->key)
		t->r = insert(t->r, key);
	return t;
}

static long walk(const struct node *t, int depth)
{
	return t ? walk(t->l, depth + 1) + walk(t->r, depth + 1) +
		   (long)t->key * depth + (long)strlen(t->name) : 0;
}

int main(void)
{
	struct node *root = NULL;
	unsigned x = 1;
	int i;

	for (i = 0; i < 100000; i++) {
		x = x * 1103515245u + 12345u;
		root = insert(root, (int)(x >> 8) % 50000);
	}
	printf("%ld\n", walk(root, 0));
	return 0;
}
CEOF

cat >tmpl.cc <<'CEOF'
#include <map>
#include <string>
#include <vector>
#include <algorithm>
#include <sstream>

template <int N> struct fib { static const long v = fib<N - 1>::v + fib<N - 2>::v; };
template <> struct fib<1> { static const long v = 1; };
template <> struct fib<0> { static const long v = 0; };

std::string report(const std::vector<int> &v)
{
	std::map<int, std::vector<std::string>> m;
	for (int x : v)
		m[x % 17].push_back(std::to_string(x));
	std::ostringstream out;
	for (auto &kv : m)
		out << kv.first << ':' << kv.second.size() << ' ';
	out << fib<80>::v;
	return out.str();
}
CEOF

for mode in glibc preload; do
	mkdir "$mode"
	# stats_file is read by run_on.
	stats_file=
	# shellcheck disable=SC2034
	[ "$mode" = preload ] && stats_file=$TEST_TMPDIR/stats
	run_on "$mode" 600 gcc -O2 -frandom-seed=kmm -c prog.c -o "$mode/prog.o" ||
		fail "gcc -O2 -c prog.c on $mode" "exit 0" "failure"
	if command -v g++ >/dev/null 2>&1; then
		run_on "$mode" 600 g++ -O2 -frandom-seed=kmm -c tmpl.cc -o "$mode/tmpl.o" ||
			fail "g++ -O2 -c tmpl.cc on $mode" "exit 0" "failure"
	fi
	run_on "$mode" 600 gcc -O2 "$mode/prog.o" -o "$mode/prog" ||
		fail "gcc link on $mode" "exit 0" "failure"
	"./$mode/prog" >"$mode/run.out" || fail "program built on $mode" "exit 0" "failure"
done
check_served_by_kmm "$TEST_TMPDIR/stats" gcc
cmp glibc/prog.o preload/prog.o ||
	fail "gcc -O2 -c prog.c" "the same object file on kmm as on glibc" "different bytes"
if [ -f glibc/tmpl.o ]; then
	cmp glibc/tmpl.o preload/tmpl.o ||
		fail "g++ -O2 -c tmpl.cc" "the same object file on kmm as on glibc" "different bytes"
fi
compare_runs "program compiled by gcc" glibc/run.out preload/run.out
echo "gcc: same objects on kmm and glibc; the program prints $(cat preload/run.out)"
