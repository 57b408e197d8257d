"""alloc_heavy.py - an allocation-heavy Python workload with deterministic
output, run by real-python.sh on glibc and on kmm (PYTHONMALLOC=malloc,
so every object comes from the C heap) and compared line by line.

Usage: python3 alloc_heavy.py [scale]   (scale 1 is the quick mode)
"""
import hashlib
import json
import re
import sys
from collections import Counter, OrderedDict, defaultdict, deque


def rng(seed):
    # A linear congruential generator: the same numbers on every platform.
    x = seed
    while True:
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        yield x >> 33


def digest(obj):
    return hashlib.sha256(repr(obj).encode()).hexdigest()[:16]


def dicts_and_lists(scale, r):
    d = {}
    for i in range(20000 * scale):
        k = "k%d_%d" % (next(r) % 5000, i % 97)
        d.setdefault(k, []).append(i)
        if i % 7 == 0:
            d.pop("k%d_%d" % (next(r) % 5000, (i + 3) % 97), None)
    sizes = sorted(len(v) for v in d.values())
    nested = [[j * i for j in range(i % 50)] for i in range(3000 * scale)]
    total = sum(sum(x) for x in nested)
    od = OrderedDict((str(i), i * i) for i in range(5000))
    for i in range(0, 5000, 3):
        od.move_to_end(str(i))
    dq = deque(maxlen=1000)
    for i in range(50000 * scale):
        dq.append((i, str(i)))
    dd = defaultdict(set)
    for i in range(30000 * scale):
        dd[i % 313].add(i % 1777)
    return ("dicts", len(d), sizes[-10:], total, list(od)[:5], dq[0],
            sum(len(s) for s in dd.values()))


def strings(scale, r):
    parts = []
    for i in range(40000 * scale):
        n = next(r) % 64
        parts.append(chr(97 + i % 26) * n + str(i))
    s = "|".join(parts)
    words = s.split("|")
    up = [w.upper() for w in words if len(w) % 3 == 0]
    c = Counter(w[:2] for w in words)
    joined = "".join(reversed(up[:5000]))
    b = bytearray()
    for w in words[:20000]:
        b += w.encode()
        if len(b) > 1 << 20:
            del b[: len(b) // 2]
    return ("strings", len(s), len(words), len(up), c.most_common(5),
            len(joined), digest(bytes(b)))


def json_round_trip(scale, r):
    docs = []
    for i in range(2000 * scale):
        docs.append({
            "id": i,
            "name": "item-%d" % (next(r) % 100000),
            "tags": ["t%d" % (next(r) % 50) for _ in range(next(r) % 8)],
            "nested": {"a": [1.5 * i, None, True, "x" * (i % 40)],
                       "b": {"c": i % 13}},
        })
    text = json.dumps(docs, sort_keys=True)
    back = json.loads(text)
    text2 = json.dumps(back, sort_keys=True, indent=1)
    again = json.loads(text2)
    assert again == docs
    return ("json", len(text), len(text2), digest(text))


def regexes(scale, r):
    lines = ["user%d@host%d.example.org said %d things at %02d:%02d"
             % (next(r) % 900, next(r) % 40, next(r) % 1000,
                next(r) % 24, next(r) % 60) for _ in range(20000 * scale)]
    mail = re.compile(r"(\w+)@(\w+)\.example\.org")
    times = re.compile(r"(\d\d):(\d\d)$")
    hosts = Counter()
    minutes = 0
    for line in lines:
        m = mail.search(line)
        hosts[m.group(2)] += 1
        t = times.search(line)
        minutes += int(t.group(1)) * 60 + int(t.group(2))
    subbed = [re.sub(r"\d+", lambda m: str(len(m.group())), l)
              for l in lines[:5000]]
    found = re.findall(r"said (\d+)", "\n".join(lines))
    return ("re", hosts.most_common(3), minutes, digest(subbed), len(found))


def big_ints(scale, r):
    f = 1
    for i in range(1, 1500 * scale):
        f *= i
    fib = [0, 1]
    for _ in range(3000 * scale):
        fib.append(fib[-1] + fib[-2])
    p = pow(3, 20000 * scale, (1 << 4096) - 159)
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    s = str(f)
    return ("ints", len(s), s[:20], s[-5:], fib[-1] % 1000000007,
            p % 1000003)


def churn(scale, r):
    # Objects of many sizes created and dropped in waves.
    keep = []
    for wave in range(20 * scale):
        objs = [bytes(next(r) % 3000) for _ in range(2000)]
        objs += [list(range(next(r) % 300)) for _ in range(500)]
        objs += [bytearray(100000 + next(r) % (1 << 20)) for _ in range(3)]
        keep.append(objs[:: 50])
        if len(keep) > 5:
            keep.pop(0)
    return ("churn", sum(len(k) for k in keep))


def main():
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    r = rng(12345)
    for step in (dicts_and_lists, strings, json_round_trip, regexes,
                 big_ints, churn):
        print(step(scale, r))
    print("done")


if __name__ == "__main__":
    main()
