#!/usr/bin/env python3
"""callgraph.py - worst-case stack depth of every exported kmm function.

Reads the .ci files gcc -fcallgraph-info=su wrote for the library's
sources (VCG graphs: one node per function with its frame size, one edge
per call) and the symbol tables of the matching objects (which functions
are exported, and which names are aliases of which), then walks the call
graph from every exported function down through kmm's own functions.

    callgraph.py [--limit BYTES] [--libc BYTES] OBJDIR

Frame sizes are gcc's -fstack-usage figures, which on x86-64 include the
return address, so the sum along a chain is the stack the chain needs.
They leave out the red zone, the 128 bytes below the stack pointer that
x86-64 functions may use without moving it: the disassembly (objdump)
shows how much of it each function touches, and that counts where the
function calls nothing deeper.
A call that gcc turned into a jump (a tail call) is still counted as a
nested call: the bound is conservative there.

Calls out of kmm are not walked:
  - libc (memset, memcpy, pthread_mutex_lock, mmap, write, abort, ...):
    leaf calls, each given a fixed allowance (--libc, default 256 bytes;
    glibc's syscall wrappers, string functions and uncontended or
    contended mutex paths use well under that, as test/stack/paint
    measures); the chain total with the allowance is printed, the bound
    applies to kmm's own frames;
  - calls through pointers (a kmem_cache constructor, the C++
    new-handler) and the C++ runtime (std::__throw_bad_alloc): the
    user's code, listed with the kmm stack beneath them.

Fails (exit 1) when a chain of kmm's own frames exceeds --limit (1024),
when a function has an unbounded (dynamic) frame, or when the graph has a
cycle (recursion).  Exit 99 when the input cannot be read.
"""

import argparse
import glob
import os
import re
import subprocess
import sys

NODE_RE = re.compile(r'^node: \{ title: "([^"]*)" label: "([^"]*)"(.*)\}\s*$')
EDGE_RE = re.compile(
    r'^edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"'
    r'(?: label: "([^"]*)")? \}\s*$')
SIZE_RE = re.compile(r'\\n(\d+) bytes \(([a-z,]+)\)$')

# Calls that leave kmm for code that is not libc's: the user's (function
# pointers) or the C++ runtime's (which unwinds with the user's handlers).
OUT_OF_KMM = {
    '__indirect_call': 'call through a pointer (user code)',
    '_ZSt17__throw_bad_allocv': 'C++ runtime: throws std::bad_alloc',
    '_ZSt15get_new_handlerv': 'C++ runtime: std::get_new_handler',
}


# kmm's error reporters (printk.c): warnings and the messages before abort.
REPORTERS = ('kmm_report', 'kmm_fatal')


def hard_error(msg):
    print('ERROR: ' + msg, file=sys.stderr)
    sys.exit(99)


class Func:
    def __init__(self, title, name, where, size, kind):
        self.title = title
        self.name = name
        self.where = where
        self.size = size
        self.kind = kind
        self.red_zone = 0	# bytes used below the stack pointer
        self.calls = []		# (target title, call site)

    def display(self):
        # Static functions are titled "path:name": show the file.
        if self.title != self.name:
            base = os.path.basename(self.where.split(':')[0])
            return '%s(%s)' % (self.name, base)
        return self.name


def parse_ci(path, funcs, externs):
    base = os.path.basename(path)[:-3]
    edges = []
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = NODE_RE.match(line)
            if m:
                title, label, rest = m.groups()
                sm = SIZE_RE.search(label)
                parts = label.split('\\n')
                if sm and 'ellipse' not in rest:
                    if title in funcs:
                        hard_error('%s defined twice (%s, %s)' %
                                   (title, funcs[title].where, parts[1]))
                    funcs[title] = Func(title, parts[0], parts[1],
                                        int(sm.group(1)), sm.group(2))
                    funcs[title].obj = base
                else:
                    externs.setdefault(title, parts[0])
                continue
            m = EDGE_RE.match(line)
            if m:
                edges.append(m.groups())
    return edges


def red_zones(objdir):
    """Bytes below the stack pointer each function touches, by object and
    symbol: x86-64 leaf functions keep locals in the 128-byte red zone
    without moving the stack pointer, and gcc's frame sizes leave that
    out.  Found as the lowest -N(%rsp) operand in the disassembly."""
    zones = {}
    head = re.compile(r'^[0-9a-f]+ <([^>]+)>:$')
    operand = re.compile(r'-0x([0-9a-f]+)\(%rsp')
    for obj in sorted(glob.glob(os.path.join(objdir, '*.o'))):
        try:
            out = subprocess.run(['objdump', '-d', '--no-show-raw-insn',
                                  '-w', obj], check=True,
                                 capture_output=True, text=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            hard_error('objdump -d %s: %s' % (obj, e))
        base = os.path.basename(obj)[:-2]
        name = None
        for line in out.splitlines():
            m = head.match(line)
            if m:
                name = m.group(1)
                if name.endswith('.cold'):
                    name = name[:-5]
                continue
            if name is None:
                continue
            for off in operand.findall(line):
                key = (base, name)
                zones[key] = max(zones.get(key, 0), int(off, 16))
    return zones


def exported(objdir):
    """Exported functions of the objects, aliases mapped to their
    targets: {name: [aliases]} keyed by the name gcc used in the graph."""
    result = {}
    for obj in sorted(glob.glob(os.path.join(objdir, '*.o'))):
        try:
            out = subprocess.run(['readelf', '-sW', obj], check=True,
                                 capture_output=True, text=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            hard_error('readelf -sW %s: %s' % (obj, e))
        by_addr = {}
        for line in out.splitlines():
            f = line.split()
            # Num: Value Size Type Bind Vis Ndx Name
            if len(f) < 8 or f[3] != 'FUNC' or f[6] == 'UND':
                continue
            by_addr.setdefault((f[6], f[1]), []).append(
                (f[7], f[4], f[5]))
        for syms in by_addr.values():
            pub = [n for n, bind, vis in syms
                   if bind in ('GLOBAL', 'WEAK') and vis == 'DEFAULT']
            if not pub:
                continue
            result[(obj, tuple(sorted(n for n, _, _ in syms)))] = pub
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--limit', type=int, default=1024)
    ap.add_argument('--libc', type=int, default=256)
    ap.add_argument('--verbose', '-v', action='store_true',
                    help='also print the chain behind each +libc total')
    ap.add_argument('objdir')
    args = ap.parse_args()

    cis = sorted(glob.glob(os.path.join(args.objdir, '*.ci')))
    if not cis:
        hard_error('no .ci files in %s' % args.objdir)
    funcs, externs, edges = {}, {}, []
    for ci in cis:
        edges += parse_ci(ci, funcs, externs)
    zones = red_zones(args.objdir)
    for fn in funcs.values():
        fn.red_zone = zones.get((fn.obj, fn.name), 0)
    for src, dst, site in edges:
        if src not in funcs:
            hard_error('edge from unknown function %s' % src)
        funcs[src].calls.append((dst, site or '?'))

    failures = []
    for fn in funcs.values():
        if fn.kind not in ('static', 'dynamic,bounded'):
            failures.append('%s (%s): %s frame: unbounded stack '
                            '(variable-length array or alloca)' %
                            (fn.display(), fn.where, fn.kind))

    # Entry points: exported symbols, each under the name the graph uses.
    entries = []		# (graph title, [exported names])
    for (obj, names), pub in sorted(exported(args.objdir).items()):
        titles = [n for n in names if n in funcs]
        if not titles:
            hard_error('%s: exported %s has no node in the call graph' %
                       (os.path.basename(obj), ', '.join(pub)))
        entries.append((titles[0], pub))
    if not entries:
        hard_error('no exported functions found in %s' % args.objdir)
    # Roots: functions no kmm function calls.  Besides dead code and the
    # helpers only unit tests call, these run from outside: the ELF
    # constructor (through the dynamic loader), the pthread_atfork
    # handlers (in the forking thread), the pthread key destructor (at
    # thread exit, on the thread's own stack).  They must fit too.
    called = set(dst for f in funcs.values() for dst, _ in f.calls)
    listed = set(t for t, _ in entries)
    for t in sorted(funcs):
        if t not in called and t not in listed:
            entries.append((t, ['(' + funcs[t].display() + ')']))

    # Depth-first walk with memoization; grey nodes on the stack reveal
    # cycles.  own[t] = (bytes, chain) using kmm's frames only; lib[t] =
    # (bytes, chain, libc callee) with the libc allowance at the end.
    own, lib, outs = {}, {}, {}
    state = {}
    cycles = []

    def walk(t, path):
        if state.get(t) == 'done':
            return
        if state.get(t) == 'grey':
            i = path.index(t)
            cycles.append(path[i:] + [t])
            return
        state[t] = 'grey'
        path.append(t)
        fn = funcs[t]
        # A function's own red zone is as deep as it goes without a call.
        best_own, best_own_chain = fn.red_zone, []
        best_lib, best_lib_chain, best_lib_callee = fn.red_zone, [], None
        for dst, site in fn.calls:
            if dst in funcs:
                walk(dst, path)
                if state.get(dst) != 'done':
                    continue	# part of a cycle, already reported
                o, oc = own[dst]
                if o > best_own:
                    best_own, best_own_chain = o, oc
                l, lc, lcallee = lib[dst]
                if l > best_lib:
                    best_lib, best_lib_chain, best_lib_callee = l, lc, lcallee
            elif dst in OUT_OF_KMM:
                outs.setdefault((t, dst), site)
            else:
                if args.libc > best_lib:
                    best_lib, best_lib_chain = args.libc, []
                    best_lib_callee = externs.get(dst, dst)
        own[t] = (fn.size + best_own, [t] + best_own_chain)
        # lib[dst] >= own[dst], so best_lib >= best_own.
        lib[t] = (fn.size + best_lib, [t] + best_lib_chain, best_lib_callee)
        path.pop()
        state[t] = 'done'

    for t, _ in entries:
        walk(t, [])
    for t in funcs:		# functions no entry reaches, for cycles
        walk(t, [])

    for c in cycles:
        failures.append('recursion: ' +
                        ' -> '.join(funcs[t].display() for t in c))

    def chain_text(chain):
        # The last function's red zone counts: nothing is called below it.
        last = chain[-1] if chain else None
        return ' > '.join(
            '%s %d%s' % (funcs[t].display(), funcs[t].size,
                         '+%d red zone' % funcs[t].red_zone
                         if t == last and funcs[t].red_zone else '')
            for t in chain)

    reporters = set(t for t in REPORTERS if t in funcs)
    quiet_memo = {}

    print('kmm stack per exported function, in bytes: "kmm" sums kmm\'s own '
          'frames along the worst chain (the bound: %d); "no-err" the same '
          'on chains that report no error (none through %s); "+libc" adds '
          '%d bytes for a libc call at the bottom' %
          (args.limit, '/'.join(sorted(reporters)) or '-', args.libc))
    print('%-36s %5s %6s %6s  %s' %
          ('entry point', 'kmm', 'no-err', '+libc', 'worst chain'))
    worst = (0, None)
    for t, names in sorted(entries, key=lambda e: (-own[e[0]][0], e[0])):
        if state.get(t) != 'done':
            continue
        o, chain = own[t]
        l, lchain, lcallee = lib[t]
        q = depth_avoiding(funcs, t, reporters, quiet_memo)[0] \
            if not cycles else o
        label = ', '.join(names)
        if len(label) > 36:
            label = names[0] + ' (+%d aliases)' % (len(names) - 1)
        print('%-36s %5d %6d %6d  %s' % (label, o, q, l, chain_text(chain)))
        if args.verbose and (lchain != chain or lcallee):
            print('%-36s %5s %6s %6s  %s%s' % ('', '', '', '+libc:',
                  chain_text(lchain),
                  ' > %s [%d]' % (lcallee, args.libc) if lcallee else ''))
        if o > worst[0]:
            worst = (o, t)
        if o > args.limit:
            failures.append('%s: %d bytes > %d (chain above)' %
                            (label, o, args.limit))

    if outs:
        print('\ncalls out of kmm (user code and the C++ runtime; not in the '
              'totals), with the deepest kmm stack beneath them:')
        for (t, dst), site in sorted(outs.items()):
            below = 0
            for e, _ in entries:
                d = depth_to(funcs, own, e, t)
                if d is not None and d > below:
                    below = d
            print('  %s at %s: %s; %d bytes of kmm stack beneath' %
                  (funcs[t].display(), site, OUT_OF_KMM[dst], below))

    if worst[1] is not None:
        print('\nworst: %s, %d bytes: %s' %
              (funcs[worst[1]].display(), worst[0],
               chain_text(own[worst[1]][1])))
    # For whoever has to shrink a chain: how deep the paths go that do not
    # report an error (the reporters keep a varargs save area and a line
    # buffer on the stack, at the bottom of the deepest chains).
    if reporters and not cycles:
        best = (0, [])
        for t, _ in entries:
            d = depth_avoiding(funcs, t, reporters, quiet_memo)
            if d[0] > best[0]:
                best = d
        print('worst chain reporting no error: %d bytes: %s' %
              (best[0], chain_text(best[1])))
    if failures:
        print('\nFAIL:', file=sys.stderr)
        for f in failures:
            print('  ' + f, file=sys.stderr)
        return 1
    print('all %d entry points and roots within %d bytes' %
          (len(entries), args.limit))
    return 0


def depth_avoiding(funcs, t, avoid, memo):
    """(bytes, chain) of the deepest chain from t through kmm's own
    functions that calls none of avoid."""
    if t in memo:
        return memo[t]
    best = (funcs[t].red_zone, [])
    for dst, _ in funcs[t].calls:
        if dst in funcs and dst not in avoid:
            d = depth_avoiding(funcs, dst, avoid, memo)
            if d[0] > best[0]:
                best = d
    memo[t] = (funcs[t].size + best[0], [t] + best[1])
    return memo[t]


def depth_to(funcs, own, start, target):
    """Deepest stack (frames of start .. target, target's included) on a
    path from start to target; None if target cannot be reached."""
    memo = {}

    def go(t):
        if t in memo:
            return memo[t]
        memo[t] = None		# the graph is acyclic once checked
        if t == target:
            memo[t] = funcs[t].size
            return memo[t]
        best = None
        for dst, _ in funcs[t].calls:
            if dst in funcs:
                d = go(dst)
                if d is not None and (best is None or d > best):
                    best = d
        if best is not None:
            memo[t] = funcs[t].size + best
        return memo[t]

    return go(start)


if __name__ == '__main__':
    sys.exit(main())
