#!/bin/bash
# Property: libkmm.so exports exactly the symbols in test/symbols.allow
# (the kmm_* API, the malloc family with glibc's __libc_* aliases, the C++
# allocation operators), and the kmm_* names there are exactly the
# functions include/kmm.h declares.  Everything else must stay hidden.
# shellcheck source=lib/test.sh
. "${srcdir:-.}/lib/test.sh"

need_lib
# configure's NM may carry options ("nm -B").
nm=${NM:-nm}
need_cmd "${nm%% *}"
make_tmpdir
t=$TEST_TMPDIR

# Defined dynamic symbols, without symbol versions; the linker's own
# section markers and init/fini stubs are not kmm's to choose.
# shellcheck disable=SC2086
$nm -D --defined-only "$KMM_LIB" >"$t/nm" ||
	hard_error "$nm -D --defined-only $KMM_LIB failed"
awk 'NF >= 3 { print $3 }' "$t/nm" | sed 's/@.*//' |
	grep -Ev '^(_init|_fini|__bss_start|_edata|_end)$' |
	sort -u >"$t/exported"

sed -e 's/#.*//' -e 's/[[:space:]]//g' "$srcdir/symbols.allow" |
	grep -v '^$' | sort -u >"$t/allowed"
[ -s "$t/allowed" ] || hard_error "$srcdir/symbols.allow is empty"

status=0
comm -23 "$t/exported" "$t/allowed" >"$t/extra"
comm -13 "$t/exported" "$t/allowed" >"$t/missing"
if [ -s "$t/extra" ]; then
	echo "exported but not in symbols.allow (hide them or add them):" >&2
	sed 's/^/  + /' "$t/extra" >&2
	status=1
fi
if [ -s "$t/missing" ]; then
	echo "in symbols.allow but not exported by $KMM_LIB:" >&2
	sed 's/^/  - /' "$t/missing" >&2
	status=1
fi

# The kmm_* functions <kmm.h> declares, without its inline kernel names.
if [ -n "${CC:-}" ]; then
	header=$top_srcdir/include/kmm.h
	$CC -E -P -DKMM_NO_KERNEL_NAMES "$header" >"$t/kmm.i" ||
		hard_error "$CC -E $header failed"
	grep -o '\bkmm_[a-z0-9_]*[[:space:]]*(' "$t/kmm.i" |
		sed 's/[[:space:]]*($//' | sort -u >"$t/declared"
	[ -s "$t/declared" ] || hard_error "no kmm_ function found in $header"
	grep '^kmm_' "$t/allowed" >"$t/allowed_kmm"
	comm -23 "$t/declared" "$t/allowed_kmm" >"$t/undeclared"
	comm -13 "$t/declared" "$t/allowed_kmm" >"$t/unlisted"
	if [ -s "$t/undeclared" ]; then
		echo "declared in kmm.h but not in symbols.allow:" >&2
		sed 's/^/  ! /' "$t/undeclared" >&2
		status=1
	fi
	if [ -s "$t/unlisted" ]; then
		echo "in symbols.allow but not declared in kmm.h:" >&2
		sed 's/^/  ? /' "$t/unlisted" >&2
		status=1
	fi
fi

if [ $status -eq 0 ]; then
	echo "$(wc -l <"$t/exported") symbols exported, all allowed, none missing"
else
	echo "expected: the symbols of symbols.allow; got: the differences above" >&2
fi
exit $status
