#!/bin/bash
# callgraph.sh - no call chain inside kmm uses more than 1 KiB of stack,
# and there is no recursion.
#
# Property checked: compiled as the library is (the build's CFLAGS, -O2
# if they do not optimize, -fvisibility=hidden, -ftls-model=initial-exec,
# -fno-plt, -fexceptions for the malloc front and the C++ operators; once
# with -fPIC as in libkmm.so and once without as in libkmm.a), the
# deepest chain of kmm's own stack frames from any exported function
# (the kmm_* API, the malloc family, the C++ operators) is at most 1024
# bytes.  gcc's -fcallgraph-info=su gives each function's frame and its
# calls; callgraph.py walks the graph, prints the worst chain of every
# entry point, and fails on a longer chain, an unbounded frame or a cycle.
# Calls into libc are leaves with a 256-byte allowance, shown apart (the
# "+libc" column); calls through pointers (kmem_cache constructors, the
# C++ new-handler) run user code and are listed apart too.
#
# Skips when the compiler has no -fcallgraph-info (clang, gcc < 10) or
# when python3, readelf or objdump (binutils) are missing.
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$srcdir/lib/test.sh"

top_srcdir=${abs_top_srcdir:-${top_srcdir:-$srcdir/..}}
top_builddir=${abs_top_builddir:-${top_builddir:-..}}
CC=${CC:-gcc}
LIMIT=1024
LIBC_ALLOWANCE=256

need_cmd python3 readelf objdump
[ -f "$top_builddir/config.h" ] ||
	hard_error "$top_builddir/config.h not found: configure first"
make_tmpdir

# An --enable-debug build adds KMM_BUG_ON reports and the lock-order check
# (lockdep.c) under the deepest chains: it gets 256 bytes more.  The bound
# that programs on small stacks rely on is the release build's.
if grep -q '^#define KMM_DEBUG_BUILD 1' "$top_builddir/config.h"; then
	LIMIT=$((LIMIT + 256))
	echo "debug build: limit $LIMIT bytes"
fi

# The compiler must write a call graph with stack sizes.
echo 'int f(int x); int f(int x) { return x + 1; }' >"$TEST_TMPDIR/probe.c"
# shellcheck disable=SC2086
if ! (cd "$TEST_TMPDIR" && $CC -fcallgraph-info=su -c probe.c -o probe.o) \
	>/dev/null 2>&1 || ! grep -q 'bytes (static)' "$TEST_TMPDIR/probe.ci"; then
	skip "$CC has no -fcallgraph-info=su"
fi

# The build's CFLAGS, unless they do not optimize: the bound is the
# release build's (configure's default -g -O2).
flags=${CFLAGS--g -O2}
opt=
for w in $flags; do
	case $w in -O*) opt=$w ;; esac
done
case $opt in
'' | -O0)
	echo "CFLAGS ($flags) do not optimize: measuring with -O2 added"
	flags="$flags -O2"
	;;
esac

# First, the analysis must catch what it looks for: a recursion, and a
# chain deeper than the bound through a hidden helper.
mkdir -p "$TEST_TMPDIR/canary"
cat >"$TEST_TMPDIR/canary/canary.c" <<'EOF'
#define API __attribute__((visibility("default")))
API int canary_recursive(int n);
API int canary_deep(int n);
static int ping(int n);
__attribute__((noinline)) static int pong(int n)
{
	return n > 0 ? ping(n - 1) : 0;
}
__attribute__((noinline)) static int ping(int n)
{
	return n > 0 ? pong(n - 1) + 1 : 0;
}
int canary_recursive(int n)
{
	return ping(n);
}
__attribute__((noinline, visibility("hidden"))) int canary_leaf(int n);
int canary_leaf(int n)
{
	volatile char buf[1500];
	buf[n % 1500] = (char)n;
	return buf[0];
}
int canary_deep(int n)
{
	return canary_leaf(n) + 1;
}
EOF
# shellcheck disable=SC2086
(cd "$TEST_TMPDIR/canary" && $CC $flags -fvisibility=hidden \
	-fcallgraph-info=su -c canary.c -o canary.o) ||
	hard_error "cannot compile the canary"
canary=$(python3 "$srcdir/stack/callgraph.py" --limit $LIMIT \
	"$TEST_TMPDIR/canary" 2>&1)
rc=$?
[ $rc = 1 ] && printf '%s\n' "$canary" | grep -q 'recursion: ping' &&
	printf '%s\n' "$canary" | grep -q 'canary_deep: [0-9]* bytes > ' ||
	hard_error "callgraph.py missed a recursion or a deep chain:
$canary"

sources=("$top_srcdir"/src/*.c)
[ -f "${sources[0]}" ] || hard_error "no sources in $top_srcdir/src"

status=0
for variant in pic nopic; do
	dir=$TEST_TMPDIR/$variant
	mkdir -p "$dir"
	pic=
	[ $variant = pic ] && pic="-fPIC -DPIC"
	for src in "${sources[@]}"; do
		name=$(basename "$src" .c)
		extra=
		case $name in malloc | new) extra=-fexceptions ;; esac
		# shellcheck disable=SC2086
		$CC $flags $pic $extra -DHAVE_CONFIG_H \
			-I"$top_srcdir/include" -I"$top_srcdir/src" \
			-I"$top_builddir" -fvisibility=hidden \
			-ftls-model=initial-exec -fno-plt \
			-fcallgraph-info=su -c "$src" -o "$dir/$name.o" ||
			hard_error "cannot compile $src"
		[ -f "$dir/$name.ci" ] || hard_error "no call graph for $src"
	done
	echo "== $variant ($CC $flags $pic)"
	python3 "$srcdir/stack/callgraph.py" --limit $LIMIT \
		--libc $LIBC_ALLOWANCE "$dir"
	rc=$?
	case $rc in
	0) ;;
	1) status=1 ;;
	*) exit 99 ;;
	esac
	echo
done
exit $status
