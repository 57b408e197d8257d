#!/bin/bash
# Property: after `make install`, kmm is usable the documented ways: the
# library (shared and static), <kmm.h>, kmm.pc, the kmm script and the man
# pages are installed; a C program and a C++ program built with
# `pkg-config --cflags --libs kmm` compile cleanly against <kmm.h> (kernel
# names, extern "C"), and their malloc and operator new come from kmm.
# The install goes to a temporary DESTDIR, read through pkg-config's sysroot.
# shellcheck source=lib/test.sh
. "${srcdir:-.}/lib/test.sh"

need_lib
cc=${CC:-cc}
need_cmd "${cc%% *}"
pkgconf=${PKG_CONFIG:-pkg-config}
[ -n "$pkgconf" ] || skip "pkg-config not found"
need_cmd "${pkgconf%% *}"
make_tmpdir
t=$TEST_TMPDIR
dest=$t/dest

# Install from the top of the build tree; our parent make's jobserver is
# not ours to use.  MAKE may carry options.
# shellcheck disable=SC2086
if ! (cd "$abs_top_builddir" &&
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${MAKE:-make} install \
		DESTDIR="$dest") >"$t/install.log" 2>&1; then
	tail -n 30 "$t/install.log" >&2
	fail "make install DESTDIR=$dest" "exit status 0" "failure (log above)"
fi

pc=$(find "$dest" -name kmm.pc)
[ -n "$pc" ] || fail "kmm.pc installed" "a file named kmm.pc" "none under $dest"
pcdir=$(dirname "$pc")
pkg() {
	PKG_CONFIG_LIBDIR=$pcdir PKG_CONFIG_PATH='' PKG_CONFIG_SYSROOT_DIR=$dest \
		$pkgconf "$@" kmm
}
version=$(pkg --modversion) || fail "pkg-config --modversion kmm" "$VERSION" "failure"
expect_eq "pkg-config --modversion kmm" "$VERSION" "$version"
cflags=$(pkg --cflags) || fail "pkg-config --cflags kmm" "flags" "failure"
libs=$(pkg --libs) || fail "pkg-config --libs kmm" "flags" "failure"
libdir=$(pkg --variable=libdir)
includedir=$(pkg --variable=includedir)
prefix=$(pkg --variable=prefix)
# --variable does not prepend the sysroot.
case $libdir in "$dest"/*) ;; *) libdir=$dest$libdir ;; esac
case $includedir in "$dest"/*) ;; *) includedir=$dest$includedir ;; esac
case $prefix in "$dest"/*) ;; *) prefix=$dest$prefix ;; esac
expect_match "pkg-config --libs kmm" "-lkmm" "$libs"

# libkmm.a unless configure was told --disable-static.
static=
[ -f "${KMM_STATIC_LIB:-}" ] && static=$libdir/libkmm.a
for f in "$libdir/libkmm.so" $static "$includedir/kmm.h" \
	"$prefix/bin/kmm"; do
	[ -e "$f" ] || fail "installed files" "$f" "missing"
done
[ -x "$prefix/bin/kmm" ] || fail "bin/kmm" "an executable script" "not executable"
soname=$(objdump -p "$libdir/libkmm.so" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
if [ -n "$soname" ]; then
	expect_match "SONAME of libkmm.so" '^libkmm\.so\.[0-9]+$' "$soname"
	[ -e "$libdir/$soname" ] || fail "the soname link" "$libdir/$soname" "missing"
fi
for page in "$top_srcdir"/man/*.[1-9]; do
	[ -e "$page" ] || continue
	base=${page##*/}
	section=${base##*.}
	[ -e "$prefix/share/man/man$section/$base" ] ||
		fail "man page $base installed" "$prefix/share/man/man$section/$base" "missing"
done

cat >"$t/prog.c" <<'PROG'
#include <kmm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	char *addr, *m;

	if (page == NULL) {
		fprintf(stderr, "alloc_pages(GFP_KERNEL, 2): expected a page, got NULL\n");
		return 1;
	}
	addr = page_address(page);
	if (virt_to_page(addr + 3 * PAGE_SIZE) == NULL) {
		fprintf(stderr, "virt_to_page(%p): expected a page, got NULL\n",
			(void *)(addr + 3 * PAGE_SIZE));
		return 1;
	}
	memset(addr, 0x5a, 4 * PAGE_SIZE);
	__free_pages(page, 2);

	/* Linked with -lkmm, malloc is kmm's: its memory lies in a zone. */
	m = malloc(100);
	if (m == NULL || kmm_virt_to_page(m) == NULL) {
		fprintf(stderr, "malloc(100) = %p: expected memory of a kmm zone\n",
			(void *)m);
		return 1;
	}
	free(m);
	return kmm_dump(1, "buddyinfo") == 0 ? 0 : 1;
}
PROG

cat >"$t/prog.cc" <<'PROG'
#include <kmm.h>
#include <cstdio>
#include <string>
#include <vector>

static int check(const void *p, const char *what)
{
	if (p == nullptr || kmm_virt_to_page(p) == nullptr) {
		std::fprintf(stderr, "%s = %p: expected memory of a kmm zone\n",
			     what, p);
		return 1;
	}
	return 0;
}

int main()
{
	int *n = new int[100];
	std::vector<std::string> v;
	void *k = kmalloc(200, GFP_KERNEL);
	int bad = 0;

	for (int i = 0; i < 100; i++)
		v.push_back(std::string(40, 'a' + i % 26));
	bad |= check(n, "new int[100]");
	bad |= check(v.data(), "std::vector data");
	bad |= check(v[7].data(), "std::string data");
	bad |= check(k, "kmalloc(200)");
	if (k != nullptr && ksize(k) < 200) {
		std::fprintf(stderr, "ksize: expected >= 200, got %zu\n", ksize(k));
		bad = 1;
	}
	kfree(k);
	delete[] n;
	if (!bad)
		std::puts("c++ ok");
	return bad;
}
PROG

run() {
	LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} kmm_run "$@"
}

# C, shared: strict flags, so <kmm.h> stays warning-free for its users.
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Wpedantic -Werror $cflags -o "$t/prog" "$t/prog.c" \
	$libs >"$t/cc.log" 2>&1 ||
	{ cat "$t/cc.log" >&2; fail "cc prog.c \$(pkg-config --cflags --libs kmm)" "a clean build" "errors above"; }
out=$(run "$t/prog") || fail "the C program linked -lkmm" "exit 0" "exit $? (output: $out)"
expect_match "buddyinfo from the C program" '^Node 0, zone +Normal' "$out"

# C, static: libkmm.a gives the same program.
if [ -n "$static" ]; then
	# shellcheck disable=SC2086
	$cc -std=c11 $cflags -o "$t/prog-static" "$t/prog.c" "$static" \
		-lpthread >"$t/cc-static.log" 2>&1 ||
		{ cat "$t/cc-static.log" >&2; fail "cc prog.c libkmm.a" "a clean build" "errors above"; }
	out=$(kmm_run "$t/prog-static") ||
		fail "the C program linked with libkmm.a" "exit 0" "exit $? (output: $out)"
	expect_match "buddyinfo from the static program" '^Node 0, zone +Normal' "$out"
fi

# C++: the header from C++, operator new from kmm.
if [ -n "${HAVE_CXX:-}" ] && [ -n "${CXX:-}" ]; then
	# shellcheck disable=SC2086
	$CXX -std=c++11 -Wall -Wextra -Wpedantic -Werror $cflags -o "$t/prog++" \
		"$t/prog.cc" $libs >"$t/cxx.log" 2>&1 ||
		{ cat "$t/cxx.log" >&2; fail "c++ prog.cc \$(pkg-config --cflags --libs kmm)" "a clean build" "errors above"; }
	out=$(run "$t/prog++") || fail "the C++ program linked -lkmm" "exit 0" "exit $? (output: $out)"
	expect_eq "output of the C++ program" "c++ ok" "$out"
else
	echo "no C++ compiler: C++ part not run"
fi
echo "installed, found by pkg-config, used from C and C++"
