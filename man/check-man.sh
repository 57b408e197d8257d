#!/bin/sh
# Checks the manual pages: each page formats without a warning from mandoc
# -Tlint and from groff -ww (each when installed), and opens with man -l
# (when man is installed); each alias page exists in the source tree as
# the page of a family in the list (a link to it, or a copy in a tarball)
# whose NAME section names it, so that "man -l man/<alias>.3" works there;
# and every name in the NAME section of a section 3 page (kmm(3) excepted:
# its names are the C library's) has a page or an alias.
#
# Usage: check-man.sh srcdir page... -- alias...
# Exit 0 when all is well, 1 otherwise.

srcdir=$1
shift
pages=
while test $# -gt 0 && test "$1" != --; do
	pages="$pages $1"
	shift
done
test $# -gt 0 && shift
links=$*
fail=0

have() { command -v "$1" >/dev/null 2>&1; }

# The names in the NAME section of a page, one per line.
names() {
	sed -n '/^\.Sh NAME/,/^\.Sh /s/^\.Nm \([^ ,]*\).*/\1/p' "$1"
}

# man_l FILE: man -l formats FILE without a word on standard error.
man_l() {
	out=$(MANWIDTH=80 man -l "$1" 2>&1 >/dev/null)
	if test $? -ne 0 || test -n "$out"; then
		printf '%s\n' "$out"
		echo "FAIL: man -l $1"
		fail=1
	fi
}

have mandoc || echo "check-man: mandoc not found, mandoc -Tlint skipped"
have groff || echo "check-man: groff not found, groff check skipped"
have man || echo "check-man: man not found, man -l skipped"

for p in $pages; do
	f=$srcdir/$p
	if have mandoc; then
		out=$(mandoc -Tlint -Wwarning "$f" 2>&1)
		if test $? -ne 0 || test -n "$out"; then
			printf '%s\n' "$out"
			echo "FAIL: mandoc -Tlint $p"
			fail=1
		fi
	fi
	if have groff; then
		out=$(groff -mandoc -Tutf8 -ww -z "$f" 2>&1)
		if test $? -ne 0 || test -n "$out"; then
			printf '%s\n' "$out"
			echo "FAIL: groff -ww $p"
			fail=1
		fi
	fi
	have man && man_l "$f"
done

# Each alias: the content of a family page, which names it.  man -l on
# the first alias of each family shows that the links resolve.
tried=
for l in $links; do
	f=$srcdir/$l
	if ! test -f "$f"; then
		echo "FAIL: $f is missing or a dangling link"
		fail=1
		continue
	fi
	target=
	for p in $pages; do
		case $p in *.3) ;; *) continue ;; esac
		if cmp -s "$f" "$srcdir/$p"; then
			target=$p
			break
		fi
	done
	if test -z "$target"; then
		echo "FAIL: $l is no family page (expected a link to one)"
		fail=1
		continue
	fi
	if ! names "$srcdir/$target" | grep -qx "${l%.3}"; then
		echo "FAIL: $l: ${l%.3} is not in the NAME section of $target"
		fail=1
	fi
	case " $tried " in
	*" $target "*) ;;
	*)
		tried="$tried $target"
		have man && man_l "$f"
		;;
	esac
done

for p in $pages; do
	case $p in
	kmm.3 | *.[17]) continue ;;
	esac
	for n in $(names "$srcdir/$p"); do
		case " $pages $links " in
		*" $n.3 "*) ;;
		*)
			echo "FAIL: $n (NAME of $p) has no page"
			fail=1
			;;
		esac
	done
done

test $fail -eq 0 && echo "check-man: all pages clean"
exit $fail
