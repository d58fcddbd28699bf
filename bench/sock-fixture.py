#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The fixtures of bench/ls-bench, on loopback, all on ports the kernel picks (port 0).

  sock-fixture.py CONNS READY          3 processes: a server opens 50 listeners and accepts
      CONNS connections, taken round-robin over its listeners as a busy server would; two
      clients open CONNS/2 connections each, spread over the 50 ports. 2 * CONNS
      established TCP sockets.
  sock-fixture.py --busy CONNS READY   1 process with one listener, connected to itself CONNS
      times: both ends of every connection in one process, 2 * CONNS + 1 descriptors.
  sock-fixture.py --udp N READY        N bound UDP sockets on 127.0.0.1 in SO_REUSEPORT groups
      of 60 (N / 60 ports), over processes of at most 15,000 sockets each.

Writes {"ports": [...], "pids": [...]} to READY when ready and lives until its stdin
closes."""
import json
import os
import resource
import select
import socket
import sys


def ready(path, info):
    with open(path + ".tmp", "w") as f:
        json.dump(info, f)
    os.rename(path + ".tmp", path)


def busy(conns, path):
    resource.setrlimit(resource.RLIMIT_NOFILE, (2 * conns + 4096, 2 * conns + 4096))
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4096)
    port = srv.getsockname()[1]
    held = []
    for _ in range(conns):
        c = socket.create_connection(("127.0.0.1", port))
        a, _ = srv.accept()
        held.append((c, a))
    ready(path, {"ports": [port], "pids": [os.getpid()], "accepted": len(held)})
    sys.stdin.read()


def udp(n, path):
    per, group = 15000, 60
    resource.setrlimit(resource.RLIMIT_NOFILE, (per + 1024, per + 1024))
    pids, ports = [], []
    ready_r, ready_w = os.pipe()
    for start in range(0, n, per):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            os.close(ready_w)
            held = []
            for i in range(start, min(start + per, n), group):
                port = 0
                for _ in range(min(group, n - i)):
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                    s.bind(("127.0.0.1", port))
                    port = s.getsockname()[1]
                    held.append(s)
                os.write(w, b"%d\n" % port)
            os.close(w)
            os.read(ready_r, 1)  # until the parent goes away
            os._exit(0)
        os.close(w)
        with os.fdopen(r) as f:
            ports += [int(l) for l in f]
        pids.append(pid)
    ready(path, {"ports": ports, "pids": pids})
    sys.stdin.read()
    os.close(ready_w)
    for pid in pids:
        os.waitpid(pid, 0)


def spread(conns, path):
    nlisten = 50
    resource.setrlimit(resource.RLIMIT_NOFILE, (conns + 4096, conns + 4096))
    listeners = []
    for _ in range(nlisten):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(4096)
        listeners.append(s)
    ports = [s.getsockname()[1] for s in listeners]

    clients = []
    ready_r, ready_w = os.pipe()
    hold_r, hold_w = os.pipe()
    for k in range(2):
        pid = os.fork()
        if pid == 0:
            os.close(hold_w)
            os.close(ready_r)
            for s in listeners:
                s.close()
            held = []
            for i in range(conns // 2):
                held.append(socket.create_connection(("127.0.0.1", ports[(2 * i + k) % nlisten])))
            os.write(ready_w, b"x")
            os.read(hold_r, 1)  # until the server goes away
            os._exit(0)
        clients.append(pid)
    os.close(ready_w)
    os.close(hold_r)

    accepted = []
    done = 0
    for s in listeners:
        s.setblocking(False)
    while done < 2:
        # Accept round-robin while the clients connect; their backlogs hold the rest.
        for s in listeners:
            try:
                accepted.append(s.accept()[0])
            except BlockingIOError:
                pass
        r, _, _ = select.select([ready_r], [], [], 0)
        if r:
            done += len(os.read(ready_r, 2))
    while len(accepted) < (conns // 2) * 2:
        for s in listeners:
            try:
                accepted.append(s.accept()[0])
            except BlockingIOError:
                pass

    ready(path, {"ports": ports, "pids": [os.getpid()] + clients, "accepted": len(accepted)})
    sys.stdin.read()
    os.close(hold_w)
    for pid in clients:
        os.waitpid(pid, 0)


args = sys.argv[1:]
if args and args[0] == "--busy":
    busy(int(args[1]), args[2])
elif args and args[0] == "--udp":
    udp(int(args[1]), args[2])
else:
    spread(int(args[0]), args[1])
