#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Measures portkit search against tests/search/queries.tsv: the share of queries whose
expected port is the first result, and within the first three; beside it, what
`getent services WORD` answers for the same queries (it knows exact names only).

    search_queries.py PORTKIT QUERIES.tsv [--min-first PCT] [--min-top3 PCT] [--getent]
"""
import json
import subprocess
import sys


def results(portkit, query, n=3):
    out = subprocess.run([portkit, "--json", "search", "--limit", str(n), "--", query],
                         capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines()]


def hit(r, ports):
    return r["port"] is not None and any(r["port"] <= p <= r["port_end"] for p in ports)


def getent_port(query):
    """The port getent gives for the query as a service name, or None."""
    p = subprocess.run(["getent", "services", query], capture_output=True, text=True)
    if p.returncode != 0 or not p.stdout.split():
        return None
    return int(p.stdout.split()[1].split("/")[0])


def main(argv):
    portkit, path = argv[0], argv[1]
    min_first = float(argv[argv.index("--min-first") + 1]) if "--min-first" in argv else None
    min_top3 = float(argv[argv.index("--min-top3") + 1]) if "--min-top3" in argv else None
    with_getent = "--getent" in argv
    queries = []
    for line in open(path, encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        q, ports = line.rstrip("\n").split("\t")[:2]
        queries.append((q, [int(p) for p in ports.split(",")]))
    first = top3 = getent_first = 0
    misses = []
    for q, ports in queries:
        rs = results(portkit, q)
        if rs and hit(rs[0], ports):
            first += 1
        else:
            got = [(r["port"], r["services"][:1]) for r in rs]
            misses.append(f"  {q!r}: want {ports}, got {got}")
        if any(hit(r, ports) for r in rs[:3]):
            top3 += 1
        if with_getent:
            gp = getent_port(q)
            getent_first += gp is not None and gp in ports
    n = len(queries)
    pf, p3 = 100.0 * first / n, 100.0 * top3 / n
    print(f"queries: {n}")
    print(f"first: {first} of {n} ({pf:.1f}%) have an expected port first")
    print(f"top3: {top3} of {n} ({p3:.1f}%) have one in the first three")
    if with_getent:
        print(f"getent: {getent_first} of {n} ({100.0 * getent_first / n:.1f}%) answered by "
              f"getent services WORD with an expected port")
    if misses:
        print("not first:")
        print("\n".join(misses))
    ok = (min_first is None or pf >= min_first) and (min_top3 is None or p3 >= min_top3)
    if not ok:
        print(f"FAIL: first {pf:.1f}% (need {min_first}), top 3 {p3:.1f}% (need {min_top3})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
