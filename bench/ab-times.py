#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Times two portkit builds alternately (ABBA), for ls-bench's before column:

    ab-times.py PAIRS PORT NOW BEFORE

For each command (who PORT, ls, ls --all, --json who PORT, --json ls --all) runs NOW and
BEFORE in turn, PAIRS times each after 3 warm-ups, and prints a Markdown table of the median
wall time and the median CPU time (user + system, from wait4) of each, with before/now.
Alternating keeps load that comes and goes from landing on one build more than the other."""
import statistics
import sys

import proctime


def run(binary, args):
    wall, cpu, _ = proctime.run([binary] + args)
    return wall, cpu


def main():
    pairs, port, now, before = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    cmds = [["who", port], ["ls"], ["ls", "--all"], ["--json", "who", port],
            ["--json", "ls", "--all"]]
    print("| command | now: wall | before: wall | before/now | now: CPU | before: CPU | before/now |")
    print("|---|---|---|---|---|---|---|")
    for args in cmds:
        for b in (now, before):
            for _ in range(3):
                run(b, args)
        res = {now: [], before: []}
        for i in range(pairs):
            for b in ((now, before) if i % 2 == 0 else (before, now)):
                res[b].append(run(b, args))
        wall = {b: statistics.median(x[0] for x in res[b]) for b in res}
        cpu = {b: statistics.median(x[1] for x in res[b]) for b in res}
        print(f"| `portkit {' '.join(args)}` | {wall[now]:.1f} ms | {wall[before]:.1f} ms | "
              f"{wall[before] / wall[now]:.2f}x | {cpu[now]:.1f} ms | {cpu[before]:.1f} ms | "
              f"{cpu[before] / cpu[now]:.2f}x |")


if __name__ == "__main__":
    main()
