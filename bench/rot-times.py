#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Times whole-process commands in rotation:

    rot-times.py ROUNDS 'CMD A' 'CMD B' ...

Each round runs every command once, starting one further along each round (A B C, B C A,
C A B, ...), after 20 warm-up rounds, so that load which comes and goes on a shared machine
lands on every command alike (hyperfine runs all runs of one command, then the next).
Prints one line per command: the median and the mean wall time and the median CPU time
(user + system, from wait4) in milliseconds. Commands are split on white space and run
without a shell, output discarded."""
import statistics
import sys

import proctime


def run(argv):
    wall, cpu, status = proctime.run(argv)
    if status != 0:
        sys.exit("rot-times: %s: exit status %d" % (" ".join(argv), status))
    return wall, cpu


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds, cmds = int(sys.argv[1]), [c.split() for c in sys.argv[2:]]
    res = [[] for _ in cmds]
    for r in range(-20, rounds):
        for k in range(len(cmds)):
            i = (k + r) % len(cmds)
            t = run(cmds[i])
            if r >= 0:
                res[i].append(t)
    for i in range(len(cmds)):
        wall = [x[0] for x in res[i]]
        cpu = [x[1] for x in res[i]]
        print("%.3f %.3f %.3f" % (statistics.median(wall), statistics.mean(wall),
                                  statistics.median(cpu)))


if __name__ == "__main__":
    main()
