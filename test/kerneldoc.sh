#!/bin/bash
# Property: every function and macro include/kmm.h declares has a
# kernel-doc comment, as include/linux/slab.h has: a /** block right
# before it that opens with "name - summary", names each parameter as
# @param:, and for a function says Context: and, unless it returns void,
# Return:.  A constant may instead be named as %NAME in a "DOC:" block
# (the kernel's way with flag sets).  The check tests itself first, on a
# header with an undocumented function, parameter, return and constant.
# shellcheck source=lib/test.sh
. "${srcdir:-.}/lib/test.sh"

need_cmd awk
make_tmpdir
header=${top_srcdir:-..}/include/kmm.h
[ -f "$header" ] || hard_error "$header not found"

# check FILE: prints one line per problem; exits 1 if any.
check() {
	awk '
	function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
	function problem(what) { print FILENAME ":" decl_line ": " what; bad = 1 }
	# The name a parameter declaration declares ("" for void, ...).
	function param_name(p,    q) {
		p = trim(p)
		if (p == "void" || p == "..." || p == "") return ""
		if (match(p, /\(\*[ \t]*[A-Za-z_][A-Za-z0-9_]*/)) {
			q = substr(p, RSTART + 2, RLENGTH - 2)
			return trim(q)
		}
		sub(/\[.*$/, "", p)
		if (match(p, /[A-Za-z_][A-Za-z0-9_]*$/))
			return substr(p, RSTART, RLENGTH)
		return ""
	}
	# Splits the parameter list of decl (after name) into params[].
	function split_params(decl, name,    i, c, depth, start, cur, n) {
		i = index(decl, name "(")
		if (!i) { i = index(decl, name " ("); }
		start = index(substr(decl, i), "(") + i
		depth = 1; cur = ""; n = 0
		for (i = start; i <= length(decl) && depth > 0; i++) {
			c = substr(decl, i, 1)
			if (c == "(") depth++
			if (c == ")") { depth--; if (!depth) break }
			if (c == "," && depth == 1) { params[++n] = cur; cur = ""; continue }
			cur = cur c
		}
		params[++n] = cur
		return n
	}
	function check_doc(name, kind, decl,    n, i, p) {
		if (doc_name != name) {
			if (doc_name == "")
				problem(name ": no kernel-doc comment right before it")
			else
				problem(name ": the comment before it documents " doc_name)
			return
		}
		if (doc_summary == "")
			problem(name ": no summary after \"" name " -\"")
		if (kind == "object")
			return
		n = split_params(decl, name)
		for (i = 1; i <= n; i++) {
			p = param_name(params[i])
			if (p != "" && index(doc, "@" p ":") == 0)
				problem(name ": parameter " p " not described as @" p ":")
		}
		if (kind == "function") {
			if (doc !~ /Context:/)
				problem(name ": no Context: line")
			if (decl !~ /^((static inline|KMM_INLINE) )?void[ \t]/ && doc !~ /Return:/)
				problem(name ": returns a value but has no Return: line")
		}
	}
	BEGIN { in_doc = 0; in_comment = 0; doc_name = ""; decl = ""; last_def = "" }
	# Comments.
	in_doc {
		if ($0 ~ /\*\//) { in_doc = 0; if (doc_is_DOC) doc_name = ""; next }
		line = $0; sub(/^[ \t]*\*[ \t]?/, "", line)
		doc = doc "\n" line
		if (doc_first) {
			doc_first = 0
			if (line ~ /^DOC:/) doc_is_DOC = 1
			else if (match(line, /^[A-Za-z_][A-Za-z0-9_]*(\(\))? - /)) {
				doc_name = substr(line, 1, RLENGTH - 3)
				sub(/\(\)$/, "", doc_name)
				doc_summary = trim(substr(line, RLENGTH + 1))
			}
		}
		if (doc_is_DOC) {
			rest = line
			while (match(rest, /%[A-Za-z_][A-Za-z0-9_]*/)) {
				named[substr(rest, RSTART + 1, RLENGTH - 1)] = 1
				rest = substr(rest, RSTART + RLENGTH)
			}
			while (match(rest, /[A-Za-z_][A-Za-z0-9_]*\(\)/)) {
				named[substr(rest, RSTART, RLENGTH - 2)] = 1
				rest = substr(rest, RSTART + RLENGTH)
			}
		}
		next
	}
	in_comment { if ($0 ~ /\*\//) in_comment = 0; next }
	/^[ \t]*\/\*\*([ \t]|$)/ {
		in_doc = 1; doc_first = 1; doc_is_DOC = 0; doc = ""
		doc_name = ""; doc_summary = ""
		next
	}
	/^[ \t]*\/\*/ { if ($0 !~ /\*\//) in_comment = 1; next }
	# Macros.
	/^#[ \t]*define[ \t]/ {
		decl_line = FNR
		line = $0; sub(/^#[ \t]*define[ \t]+/, "", line)
		match(line, /^[A-Za-z_][A-Za-z0-9_]*/)
		name = substr(line, 1, RLENGTH)
		rest = substr(line, RLENGTH + 1)
		if (trim(rest) == "") { doc_name = ""; next }	# include guard
		# The same macro again, in another branch of an #if: its
		# comment is the one before the first definition.
		if (name == last_def) next
		last_def = name
		if (rest ~ /^\(/) {
			check_doc(name, "macro", line)
		} else if (doc_name == name) {
			check_doc(name, "object", line)
		} else {
			objects[name] = FNR
		}
		doc_name = ""
		next
	}
	decl == "" && (/^#/ || /^[ \t]*$/ || /^extern "C"/ || /^}/ || /^[ \t]/) {
		next
	}
	/^typedef / || /^struct [A-Za-z_0-9]+;/ { doc_name = ""; last_def = ""; next }
	# A function declaration or definition: up to ";" or "{".
	{
		if (decl == "") decl_line = FNR
		decl = decl " " $0
		if (decl !~ /[;{]/) next
		d = trim(decl); decl = ""
		i = index(d, "(")
		pre = substr(d, 1, i - 1)
		if (!match(pre, /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/)) next
		name = trim(substr(pre, RSTART, RLENGTH))
		check_doc(name, "function", d)
		doc_name = ""; last_def = ""
	}
	END {
		for (o in objects)
			if (!(o in named)) {
				print FILENAME ":" objects[o] ": " o \
				    ": no kernel-doc comment, and no DOC: block names %" o
				bad = 1
			}
		exit bad
	}' "$1"
}

# Self-test: the check must catch what it is for.
cat >"$TEST_TMPDIR/bad.h" <<'EOF'
/**
 * good - documented.
 * @a: a.
 *
 * Context: Any.
 * Return: 0.
 */
int good(int a);
int undocumented(int b);
/**
 * half - lacks a parameter and the return line.
 *
 * Context: Any.
 */
int half(int c);
#define LONELY 1
EOF
check "$TEST_TMPDIR/bad.h" >"$TEST_TMPDIR/bad.out" 2>&1 &&
	hard_error "the check passed a header with undocumented functions"
for want in 'undocumented: no kernel-doc' 'half: parameter c' \
	'half: returns a value' 'LONELY: no kernel-doc'; do
	grep -q "$want" "$TEST_TMPDIR/bad.out" ||
		hard_error "self-test: expected a line with '$want', got: $(cat "$TEST_TMPDIR/bad.out")"
done
grep -q 'good:' "$TEST_TMPDIR/bad.out" &&
	hard_error "self-test: a documented function was reported"

if ! check "$header" >"$TEST_TMPDIR/out" 2>&1; then
	cat "$TEST_TMPDIR/out" >&2
	fail "kernel-doc of $header" "every function and macro documented" \
		"$(wc -l <"$TEST_TMPDIR/out") problems (above)"
fi
echo "every function and macro of kmm.h has its kernel-doc comment"
