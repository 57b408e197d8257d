#!/bin/bash
# Property: calls between the library's object files go down the layers
# only.  Each object's undefined symbols (nm) that another object of the
# library defines must belong to a file of a lower layer in the table
# below, or be listed as an exception with its reason.  A reference up or
# sideways fails, naming the object, the symbol and both layers; an
# object the table does not know fails too.  The headers of src/ are
# held to the same direction: each includes only headers below it.  The
# check tests itself first on small objects and headers of its own, one
# calling or including up.
# shellcheck source=lib/test.sh
. "${srcdir:-.}/lib/test.sh"

# The layer table: rank, source file (without .c), what it is.  A file
# may reference the files of lower rank; files of equal rank are siblings
# and reference each other only through an exception.  One line per file:
# a new file gets its line here (ranks leave room between them).
LAYERS='
10 os          every system call
20 printk      formatting and reports, without stdio or allocation
25 lockdep     the lock order, checked in --enable-debug builds
30 debug       options: the KMM_* variables, read once
35 mm_account  the memory-limit charge and the list of reclaimers
37 track       tracking hooks as memcheck requests, the layout, the quarantine
40 zone        reservations, mem_map[], the zone table
50 page_alloc  buddy allocator, per-thread page lists
55 page_runs   kmalloc page runs and the run cache of each thread
58 slab_debug  the checks of debug caches (KMM_DEBUG), their reports
60 slab        object caches, per-thread object lists
60 vmalloc     areas in mappings of their own, the vmap_area registry
70 kmalloc     size classes; routes to slab, page runs or vmalloc
75 util        kvmalloc, kstrdup, kmemdup: mm/util.c of the kernel
80 stats       the /proc formats of kmm_dump
82 leak        leak reports: the scan of roots and heap, after kmemleak
85 thread      start-up, per-thread state, thread exit, fork handlers
90 malloc      the malloc family: C semantics, errno
95 new         the C++ operators, over malloc.c
'

# Exceptions: referencing file, defining file, symbol (a shell pattern),
# reason.  "*" as the referencing file stands for any.  Every line is a
# reference up or sideways that the code makes today on purpose.
EXCEPTIONS='
*          thread     kmm                 the one global, struct kmm_global, is defined in thread.c with the state every layer reads
*          thread     kmm_current         the per-thread pointer the fast paths of every layer read
*          thread     kmm_boot_thread     the stand-in state of a thread that has none, compared against kmm_current
*          thread     kmm_dead_thread     the shared state of threads whose own is torn down
*          thread     kmm_init_slow       every entry point starts kmm on first use (kmm_init)
slab       thread     kmm_thread_slow     the slab slow path makes a thread'"'"'s state at its first allocation
page_runs  thread     kmm_thread_slow     the run cache is a thread'"'"'s: a thread whose first allocations are runs makes its state there
zone       page_alloc kmm_zone_add_fresh  a new zone'"'"'s first blocks go onto the buddy free lists
slab_debug slab       kmm_free_cookie     the free mark'"'"'s secret: the checks walk free lists as slab.h'"'"'s pops do
slab_debug slab       kmm_freelist_secret the free pointers'"'"' secret, to decode the links they walk
slab_debug slab       kmm_harden          KMM_HARDEN says whether links are encoded and marked
'

need_cmd awk
# configure's NM may carry options ("nm -B"); -P is asked for below.
nm=${NM:-nm}
nm=${nm%% *}
need_cmd "$nm"
make_tmpdir
t=$TEST_TMPDIR

# check_objects LIST: LIST has lines "name path" (name: the source file
# without .c).  Prints every reference that breaks the layering, and
# notes on exceptions nothing uses; returns 1 if anything breaks it.
check_objects() {
	local list=$1 name path from to sym f ra rb ef et es status=0
	: >"$t/syms"
	while read -r name path; do
		"$nm" -P -g "$path" >"$t/nm.out" ||
			hard_error "$nm -P -g $path failed"
		awk -v f="$name" '{ print f, $2, $1 }' "$t/nm.out" >>"$t/syms"
	done <"$list"
	# "from to symbol" for each reference up or sideways; "? name" for
	# a file the table does not know.
	printf '%s\n' "$LAYERS" | awk 'NF >= 2 { print $1, $2 }' >"$t/table"
	awk '
	FILENAME == ARGV[1] { rank[$2] = $1; next }
	{
		if (!($1 in rank) && !($1 in told)) { print "?", $1; told[$1] = 1 }
		if ($2 ~ /^[Uwv]$/) { ref[++n] = $1 " " $3 }
		else if (!($3 in def)) def[$3] = $1
	}
	END {
		for (i = 1; i <= n; i++) {
			split(ref[i], r, " ")
			if (!(r[2] in def) || def[r[2]] == r[1]) continue
			if (!(r[1] in rank) || !(def[r[2]] in rank)) continue
			if (rank[r[1]] <= rank[def[r[2]]])
				print r[1], def[r[2]], r[2]
		}
	}' "$t/table" "$t/syms" | sort -u >"$t/up"
	printf '%s\n' "$EXCEPTIONS" | awk 'NF >= 3' >"$t/exceptions"
	: >"$t/used"
	while read -r from to sym; do
		if [ "$from" = "?" ]; then
			echo "unknown object $to: add it to the layer table in test/layers.sh" >&2
			status=1
			continue
		fi
		f=
		while read -r ef et es _; do
			# shellcheck disable=SC2254
			case $from in $ef) ;; *) continue ;; esac
			[ "$to" = "$et" ] || continue
			# shellcheck disable=SC2254
			case $sym in $es) f="$ef $et $es" ;; *) continue ;; esac
			break
		done <"$t/exceptions"
		if [ -n "$f" ]; then
			echo "$f" >>"$t/used"
			continue
		fi
		read -r ra rb < <(awk -v a="$from" -v b="$to" '
			$2 == a { ra = $1 } $2 == b { rb = $1 }
			END { print ra, rb }' "$t/table")
		echo "$from.o (layer $ra $from) references $sym of $to.o (layer $rb $to): calls go down only; fix it or list an exception with its reason" >&2
		status=1
	done <"$t/up"
	while read -r ef et es _; do
		grep -qxF "$ef $et $es" "$t/used" ||
			echo "note: exception '$ef -> $et $es' is not used by this build"
	done <"$t/exceptions"
	return $status
}

# Self-test: a zone.o that calls a function of kmalloc.o must fail, and
# an object outside the table must be named.
if [ -n "${CC:-}" ]; then
	mkdir "$t/self"
	printf 'void kmm_self_up(void);\nvoid kmm_self_zone(void) { kmm_self_up(); }\n' \
		>"$t/self/zone.c"
	printf 'void kmm_self_up(void) { }\n' >"$t/self/kmalloc.c"
	printf 'void kmm_self_stray(void) { }\n' >"$t/self/stray.c"
	for f in zone kmalloc stray; do
		$CC -c -o "$t/self/$f.o" "$t/self/$f.c" ||
			hard_error "$CC cannot compile the self-test objects"
		echo "$f $t/self/$f.o"
	done >"$t/self/list"
	if (check_objects "$t/self/list") >"$t/self/out" 2>&1; then
		hard_error "self-test: an upward call passed"
	fi
	for want in \
		'zone.o (layer 40 zone) references kmm_self_up of kmalloc.o (layer 70 kmalloc)' \
		'unknown object stray: add it to the layer table'; do
		grep -qF "$want" "$t/self/out" ||
			hard_error "self-test: expected '$want', got: $(cat "$t/self/out")"
	done
fi

# Headers: each src/*.h includes only headers of a lower rank in this
# table (the headers below it), so that a layer's header never drags in
# an upper layer's.  thread.h ranks below slab.h although thread.c ranks
# near the top: every layer's fast path reads its list in struct
# kmm_thread, while thread.c's code calls every layer.
HEADERS='
1 compiler    config.h, kmm.h, attributes, page geometry, KMM_BUG_ON
1 list        the kernel'"'"'s list_head
2 internal    the one global, kmm_init, the layer map and lock order
10 os
20 printk
25 lockdep
35 mm_account
37 track
40 mm_types   struct kmm_page, flags, zones, virt_to_page
50 page_alloc
55 page_runs
57 thread     struct kmm_thread, kmm_current
60 slab
60 vmalloc
70 kmalloc
'

# check_headers DIR: every "#include "x.h"" of DIR/*.h names a header of
# lower rank; returns 1 (naming the line) if one does not.
check_headers() {
	local dir=$1 h name status=0
	printf '%s\n' "$HEADERS" | awk 'NF >= 2 { print $1, $2 }' >"$t/htable"
	for h in "$dir"/*.h; do
		[ -f "$h" ] || continue
		name=$(basename "$h" .h)
		# "inc" lines: the quoted includes of h.
		sed -n 's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)\.h".*/\1/p' "$h" |
			awk -v f="$name" '
			FILENAME == ARGV[1] { rank[$2] = $1; next }
			!($1 in rank) { next }	# config.h, kmm.h: outside src/
			(f in rank) && rank[$1] >= rank[f] {
				print f ".h (rank " rank[f] ") includes " $1 ".h (rank " rank[$1] "): headers include lower ones only"
				bad = 1
			}
			END { exit bad }' "$t/htable" - >&2 || status=1
		# A header without includes is still looked up.
		grep -q "^[0-9]* $name\$" "$t/htable" || {
			echo "unknown header $name.h: add it to HEADERS in test/layers.sh" >&2
			status=1
		}
	done
	return $status
}

# Self-test: a header that includes one above it must fail.
mkdir "$t/hself"
printf '#include "kmalloc.h"\n' >"$t/hself/mm_types.h"
printf '#include "compiler.h"\n' >"$t/hself/kmalloc.h"
if (check_headers "$t/hself") >"$t/hself/out" 2>&1; then
	hard_error "self-test: a header including an upper one passed"
fi
grep -qF 'mm_types.h (rank 40) includes kmalloc.h (rank 70)' "$t/hself/out" ||
	hard_error "self-test: expected the upward include, got: $(cat "$t/hself/out")"

hdir=$top_srcdir/src
[ -f "$hdir/internal.h" ] || hard_error "no src/internal.h under $hdir"
if ! check_headers "$hdir"; then
	fail "the includes of $hdir/*.h" "lower headers only" "the lines above"
fi

# The library's objects, as libtool recorded them: PIC objects in
# src/.libs, non-PIC ones in src (--disable-shared builds only these).
src=${abs_top_builddir:-..}/src
: >"$t/list"
for lo in "$src"/*.lo; do
	[ -f "$lo" ] || continue
	# Automake names objects of per-target flags <target>-<file>.
	name=$(basename "$lo" .lo)
	name=${name#*_la-}
	obj=$(sed -n "s/^pic_object='\\(.*\\)'\$/\\1/p" "$lo")
	if [ -z "$obj" ] || [ "$obj" = none ]; then
		obj=$(sed -n "s/^non_pic_object='\\(.*\\)'\$/\\1/p" "$lo")
	fi
	if [ -z "$obj" ] || [ "$obj" = none ]; then
		hard_error "$lo names no object file"
	fi
	[ -f "$src/$obj" ] || hard_error "$lo names $src/$obj, which is missing: build first"
	echo "$name $src/$obj" >>"$t/list"
done
[ -s "$t/list" ] || hard_error "no libtool objects in $src: build first"
for must in os page_alloc slab malloc; do
	grep -q "^$must " "$t/list" || hard_error "no object for $must.c in $src"
done

if ! check_objects "$t/list"; then
	fail "references between the objects of $src" \
		"down the layer table, or listed exceptions" "the lines above"
fi
echo "$(wc -l <"$t/list") objects; $(wc -l <"$t/used") references up or sideways, each a listed exception; the rest go down"
