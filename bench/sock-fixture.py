#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The fixture of bench/ls-bench: 3 processes on loopback. A server opens 50 listeners (port 0)
and accepts CONNS connections, taken round-robin over its listeners as a busy server would;
two clients open CONNS/2 connections each, spread over the 50 ports. That is 2 * CONNS
established TCP sockets. Writes {"ports": [...], "pids": [...]} to argv[2] when ready and
lives until its stdin closes."""
import json
import os
import resource
import socket
import sys

conns = int(sys.argv[1])
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
while done < 2:
    # Accept round-robin while the clients connect; their backlogs hold the rest.
    for s in listeners:
        s.setblocking(False)
        try:
            accepted.append(s.accept()[0])
        except BlockingIOError:
            pass
    if len(accepted) % 1000 == 0 or True:
        import select
        r, _, _ = select.select([ready_r], [], [], 0)
        if r:
            done += len(os.read(ready_r, 2))
while len(accepted) < (conns // 2) * 2:
    for s in listeners:
        try:
            accepted.append(s.accept()[0])
        except BlockingIOError:
            pass

with open(sys.argv[2] + ".tmp", "w") as f:
    json.dump({"ports": ports, "pids": [os.getpid()] + clients, "accepted": len(accepted)}, f)
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
sys.stdin.read()
os.close(hold_w)
for pid in clients:
    os.waitpid(pid, 0)
