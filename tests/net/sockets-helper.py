#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Opens the sockets tests/net/sockets.test looks at, all on loopback or the wildcard address,
all on port 0, then writes their ports as JSON to argv[1] and waits until stdin closes.
A forked worker shares one listener; the process names itself with an escape sequence.
As root it also holds a listener made by nobody (uid 65534) and passed to it ("passed"):
the socket's user is not its holder's."""
import json
import os
import socket
import sys


def bound(fam, typ, addr, v6only=None, reuseport=False, port=0):
    s = socket.socket(fam, typ)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((addr, port))
    if typ == socket.SOCK_STREAM:
        s.listen(16)
    return s


def passed_by_nobody(keep):
    """A child turns into nobody, opens a listener and hands it over (SCM_RIGHTS); returns
    its port."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        a.close()
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
        s = bound(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1")
        socket.send_fds(b, [b"x"], [s.fileno()])
        os._exit(0)
    b.close()
    _, fds, _, _ = socket.recv_fds(a, 1, 1)
    os.waitpid(pid, 0)
    a.close()
    s = socket.socket(fileno=fds[0])
    keep.append(s)
    return s.getsockname()[1]


def main():
    out = {}
    keep = []
    lst = bound(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1")
    out["tcp4"] = lst.getsockname()[1]
    udp = bound(socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1")
    out["udp4"] = udp.getsockname()[1]
    r1 = bound(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1", reuseport=True)
    r2 = bound(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1", reuseport=True,
               port=r1.getsockname()[1])
    out["reuse"] = r1.getsockname()[1]
    shared = bound(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1")
    out["shared"] = shared.getsockname()[1]
    cli = socket.create_connection(("127.0.0.1", out["tcp4"]))
    acc, _ = lst.accept()
    out["client_port"] = cli.getsockname()[1]
    keep += [lst, udp, r1, r2, shared, cli, acc]
    try:
        d = bound(socket.AF_INET6, socket.SOCK_STREAM, "::", v6only=0)
        o = bound(socket.AF_INET6, socket.SOCK_STREAM, "::1", v6only=1)
        out["dual"] = d.getsockname()[1]
        out["v6only"] = o.getsockname()[1]
        keep += [d, o]
    except OSError:
        pass
    if os.geteuid() == 0:
        out["passed"] = passed_by_nobody(keep)
    rfd, wfd = os.pipe()
    worker = os.fork()
    if worker == 0:
        # The worker holds everything its parent holds; it lives until the pipe closes.
        os.close(wfd)
        os.read(rfd, 1)
        os._exit(0)
    os.close(rfd)
    out["worker"] = worker
    out["pid"] = os.getpid()
    with open("/proc/self/comm", "w") as f:
        f.write("pk\x1b[31mhelper")
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.rename(tmp, sys.argv[1])
    sys.stdin.read()
    os.close(wfd)
    os.waitpid(worker, 0)


main()
