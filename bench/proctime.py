# SPDX-License-Identifier: BSD-2-Clause
"""One whole-process run, timed: what bench/ab-times.py and bench/rot-times.py share."""
import os
import subprocess
import time


def run(argv):
    """Runs argv (no shell, output discarded) and returns (wall ms, CPU ms, exit status);
    the CPU time is the child's user + system time, from wait4."""
    t = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return (time.perf_counter() - t) * 1000, (ru.ru_utime + ru.ru_stime) * 1000, status
