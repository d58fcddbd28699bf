#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Measure the embedded snapshot against an IANA CSV, through the built command.

    iana_coverage.py PORTKIT IANA.csv [--min-coverage PCT] [--max-stale N]

coverage: of IANA's (name, port, protocol) triples (named records, ranges expanded), the
share that `portkit list --json` carries: every name IANA lists on a port, not just one of
them (631/tcp is ipp and ipps). The share of (port, protocol) pairs with at least one of
IANA's names is reported beside it.
stale: (name, port, protocol) triples portkit has that IANA no longer lists.
Exits 1 when a limit is missed.
"""
import csv
import json
import subprocess
import sys


def expand(port):
    lo, _, hi = port.partition("-")
    return range(int(lo), int(hi or lo) + 1)


def main(argv):
    portkit, csv_path = argv[0], argv[1]
    min_cov = float(argv[argv.index("--min-coverage") + 1]) if "--min-coverage" in argv else None
    max_stale = int(argv[argv.index("--max-stale") + 1]) if "--max-stale" in argv else None

    iana = {}
    iana_reserved = set()
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        for r in rows:
            name, port, proto = r[0].strip(), r[1].strip(), r[2].strip()
            if not port:
                continue
            reserved = not name and "reserved" in r[3].lower()
            if not name and not reserved:
                continue
            for p in expand(port):
                for pr in [proto] if proto else ["tcp", "udp"]:
                    if reserved:
                        iana_reserved.add((p, pr))
                    else:
                        iana.setdefault((p, pr), set()).add(name.lower())

    ours = {}
    out = subprocess.run([portkit, "--json", "list", "--status", "assigned"], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        o = json.loads(line)
        if not o["service"]:
            continue
        for p in range(o["port"], o.get("port_end", o["port"]) + 1):
            ours.setdefault((p, o["protocol"]), set()).add(o["service"].lower())

    ours_reserved = set()
    out = subprocess.run([portkit, "--json", "list", "--status", "reserved"], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        o = json.loads(line)
        for p in range(o["port"], o.get("port_end", o["port"]) + 1):
            ours_reserved.add((p, o["protocol"]))
    # A pair IANA reserves that portkit shows as assigned (IANA assigned it since) counts.
    res_ok = sum(1 for k in iana_reserved if k in ours_reserved or k in ours)

    pairs_covered = sum(1 for k, names in iana.items() if ours.get(k, set()) & names)
    triples = [(n, k) for k, names in iana.items() for n in names]
    missing = sorted((k[0], k[1], n) for n, k in triples if n not in ours.get(k, set()))
    covered = len(triples) - len(missing)
    coverage = 100.0 * covered / len(triples)
    stale = sorted((n, p, pr) for (p, pr), names in ours.items() for n in names
                   if n not in iana.get((p, pr), set()))
    print(f"coverage: {covered} of {len(triples)} of IANA's (name, port, protocol) triples are "
          f"in portkit: {coverage:.2f}%")
    print(f"pairs: {pairs_covered} of {len(iana)} assigned (port, protocol) pairs carry one of "
          f"IANA's names: {100.0 * pairs_covered / len(iana):.2f}%")
    for p, pr, n in missing[:40]:
        print(f"  missing: {n} {p}/{pr}")
    print(f"stale: {len(stale)} (name, port, protocol) triples IANA no longer lists")
    res_pct = 100.0 * res_ok / max(len(iana_reserved), 1)
    print(f"reserved: {res_ok} of {len(iana_reserved)} pairs IANA reserves are reserved (or "
          f"since assigned) in portkit: {res_pct:.2f}%")
    for k in sorted(iana_reserved - ours_reserved - set(ours))[:50]:
        print(f"  reserved in IANA, not in portkit: {k[0]}/{k[1]}")
    for s in stale[:200]:
        print(f"  {s[0]} {s[1]}/{s[2]}")
    ok = True
    # Reserved pairs: neither package lists 8010, so the bar there is the older 98%.
    if min_cov is not None and res_pct < min(min_cov, 98.0):
        print(f"FAIL: reserved coverage {res_pct:.2f}% is under {min(min_cov, 98.0)}%")
        ok = False
    if min_cov is not None and coverage < min_cov:
        print(f"FAIL: coverage {coverage:.2f}% is under {min_cov}%")
        ok = False
    if max_stale is not None and len(stale) > max_stale:
        print(f"FAIL: {len(stale)} stale names, more than {max_stale}")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
