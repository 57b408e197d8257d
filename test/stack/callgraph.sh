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
# when python3 or readelf are missing.
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$srcdir/lib/test.sh"

top_srcdir=${abs_top_srcdir:-${top_srcdir:-$srcdir/..}}
top_builddir=${abs_top_builddir:-${top_builddir:-..}}
CC=${CC:-gcc}
LIMIT=1024
LIBC_ALLOWANCE=256

need_cmd python3 readelf
[ -f "$top_builddir/config.h" ] ||
	hard_error "$top_builddir/config.h not found: configure first"
make_tmpdir

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
