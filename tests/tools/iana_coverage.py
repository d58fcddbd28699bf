#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Measure the embedded snapshot against an IANA CSV, through the built command.

    iana_coverage.py PORTKIT IANA.csv [--min-coverage PCT] [--max-stale N] [--columns]

coverage: of IANA's (name, port, protocol) triples (named records, ranges expanded), the
share that `portkit list --json` carries: every name IANA lists on a port, not just one of
them (631/tcp is ipp and ipps). The share of (port, protocol) pairs with at least one of
IANA's names is reported beside it.
stale: (name, port, protocol) triples portkit has that IANA no longer lists.
--columns: every record of IANA's CSV, all 12 columns, is one of portkit's records (from
`portkit --json list` and, for names without a port, `portkit --json name`).
Exits 1 when a limit is missed.
"""
import csv
import json
import subprocess
import sys


def expand(port):
    lo, _, hi = port.partition("-")
    return range(int(lo), int(hi or lo) + 1)


KEYS = ["service", "port", "protocol", "description", "assignee", "contact", "registered",
        "modified", "reference", "service_code", "unauthorized", "assignment_notes"]


def columns(portkit, csv_path):
    """IANA's records (all 12 columns) that portkit does not carry, as a list."""
    def key(o):
        return tuple(("" if o.get(k) is None else str(o.get(k))) for k in KEYS) + (
            "" if o.get("port_end") is None else str(o["port_end"]),)
    ours = set()
    out = subprocess.run([portkit, "--json", "list"], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        ours.add(key(json.loads(line)))
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    noport = sorted({r[0] for r in rows if not r[1]})
    out = subprocess.run([portkit, "--json", "name"] + noport, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        ours.add(key(json.loads(line)))
    missing = []
    for r in rows:
        lo, _, hi = r[1].partition("-")
        for proto in [r[2]] if r[2] or not r[1] else ["tcp", "udp"]:
            o = dict(zip(KEYS, r))
            o["port"], o["protocol"] = (int(lo) if lo else None), proto or None
            o["port_end"] = int(hi or lo) if lo else None
            if not o["service"]:
                o["service"] = None
            if key(o) not in ours:
                missing.append(r)
    return missing, len(rows)


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
    if "--columns" in argv:
        missing_rows, nrows = columns(portkit, csv_path)
        print(f"columns: {nrows - len(missing_rows)} of {nrows} of IANA's records are in portkit "
              f"with all 12 columns")
        for r in missing_rows[:20]:
            print(f"  not whole: {r}")
        if missing_rows:
            print(f"FAIL: {len(missing_rows)} records of IANA's are not whole in portkit")
            ok = False
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
