#!/bin/bash
# mallinfo.sh - malloc_info(), mallinfo2(), malloc_stats() and mallopt()
# report and set kmm's own heap (mallinfo.c states each check); the XML of
# malloc_info() is well formed, in glibc's shape, and lists the free
# 100-byte objects and the 8 MiB block; malloc_stats() writes glibc's lines.
. "$(dirname "$0")/common.sh"
# Freed runs wait in KMM_DEBUG's quarantine: trim and the counters differ.
skip_under_kmm_debug "the quarantine holds freed runs"

need_lib
prog=$(need_bin mallinfo) || exit $?
make_tmpdir
xml=$TEST_TMPDIR/info.xml
out=$(LD_PRELOAD=$KMM_LIB timeout -k 5 60 "$prog" "$xml" 2>"$TEST_TMPDIR/err")
rc=$?
[ "$rc" = 0 ] || fail "mallinfo on kmm: exit status" 0 "$rc ($(head -3 "$TEST_TMPDIR/err"))"
expect_eq "mallinfo: stdout" ok "$out"
err=$(cat "$TEST_TMPDIR/err")
expect_match "malloc_stats" "^Arena 0:" "$err"
expect_match "malloc_stats: in use" "in use bytes     = +[0-9]+" "$err"
expect_match "malloc_stats: the 8 MiB block" "max mmap regions = +[1-9]" "$err"
expect_match "malloc_info: head" '^<malloc version="1">' "$(cat "$xml")"
expect_match "malloc_info: the 100-byte objects" \
	'<size from="97" to="112" total="[0-9]+" count="[1-9][0-9]*"/>' "$(cat "$xml")"
expect_match "malloc_info: the 8 MiB block" \
	'<total type="mmap" count="[1-9][0-9]*" size="[0-9]{7,}"/>' "$(cat "$xml")"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$xml" <<'PY' || fail "malloc_info" "glibc's XML shape" "$(head -c 600 "$xml")"
import sys, xml.etree.ElementTree as ET
m = ET.parse(sys.argv[1]).getroot()
assert m.tag == "malloc" and m.get("version") == "1"
heap = m.find("heap")
assert heap.get("nr") == "0"
sizes = heap.find("sizes").findall("size")
assert sizes and all(int(s.get("from")) <= int(s.get("to")) for s in sizes)
types = [(t.tag, t.get("type")) for t in m if t.tag != "heap"]
assert types == [("total", "fast"), ("total", "rest"), ("total", "mmap"),
                 ("system", "current"), ("system", "max"),
                 ("aspace", "total"), ("aspace", "mprotect")], types
rest = m.find("total[@type='rest']")
assert int(rest.get("count")) == sum(int(s.get("count")) for s in sizes)
cur = int(m.find("system[@type='current']").get("size"))
mx = int(m.find("system[@type='max']").get("size"))
assert mx >= cur > 8 << 20, (cur, mx)
PY
fi
exit 0
