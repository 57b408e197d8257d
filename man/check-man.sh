#!/bin/sh
# Checks the manual pages: each page formats without a warning from mandoc
# (when installed) and from groff; each link page is ".so man3/<page>" for a
# page in the list whose NAME section names it; and every name in the NAME
# section of a section 3 page (kmm(3) excepted: its names are the C
# library's) has a page or a link page.
#
# Usage: check-man.sh srcdir page... -- link...
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

have mandoc || echo "check-man: mandoc not found, mandoc -Tlint skipped"
have groff || echo "check-man: groff not found, groff check skipped"

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
done

for l in $links; do
	target=$(sed -n 's|^\.so man3/\(.*\)$|\1|p' "$l")
	case " $pages " in
	*" $target "*) ;;
	*)
		echo "FAIL: $l points to '$target', which is not a page"
		fail=1
		continue
		;;
	esac
	if ! names "$srcdir/$target" | grep -qx "${l%.3}"; then
		echo "FAIL: $l: ${l%.3} is not in the NAME section of $target"
		fail=1
	fi
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
