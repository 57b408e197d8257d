#!/bin/sh
# valgrind-wrap.sh - LOG_COMPILER of make check-valgrind: runs one test
# program under memcheck.  Any memcheck error, or memory definitely lost
# at exit, fails the test (exit 1); otherwise the program's own exit code
# (0, 77, 99) passes through.
#
# Memcheck by default replaces malloc in every library that defines it,
# kmm included; --soname-synonyms=somalloc=nouserintercepts keeps kmm's
# malloc in place, so what runs is kmm, described to memcheck by its
# annotations (configure --enable-valgrind).
#
# Test programs are linked -no-install, so "$1" is the program itself.
# A libtool wrapper script is run through libtool --mode=execute, so that
# memcheck still traces the program and not the shell.

prog=$1
[ -n "$prog" ] || { echo "usage: valgrind-wrap.sh program [args]" >&2; exit 99; }

vg=${VALGRIND:-valgrind}
command -v "$vg" >/dev/null 2>&1 || { echo "valgrind not found" >&2; exit 99; }

here=$(cd "$(dirname "$0")" && pwd)
set -- --quiet --error-exitcode=1 --leak-check=full \
	--soname-synonyms=somalloc=nouserintercepts \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--num-callers=30 "$@"
if [ -f "$here/valgrind.supp" ]; then
	set -- --suppressions="$here/valgrind.supp" "$@"
fi

if head -c 2 "$prog" 2>/dev/null | grep -q '^#!' &&
	grep -q 'libtool' "$prog" 2>/dev/null && [ -n "$LIBTOOL" ]; then
	exec $LIBTOOL --mode=execute "$vg" "$@"
fi
exec "$vg" "$@"
