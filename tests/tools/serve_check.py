#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""HTTP checks of portkit serve (run by tests/cli/serve.test).

Starts `portkit serve` on 127.0.0.1 port 0 (reading the real port from its first line),
and a child process named `<b>x</b>` listening on a port 0 socket, then checks every route,
status codes, headers, escaping, the Host check, the limits, HEAD, ETag/304 and gzip, the
header deadline, --public, socket activation; every server is stopped by pid.
"""
import ctypes
import gzip
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

PORTKIT = os.environ["PORTKIT"]
FAILS = []
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def check(cond, what):
    if cond:
        print("ok:", what)
    else:
        print("FAIL:", what)
        FAILS.append(what)


def start(*args, env=None, pass_fds=()):
    """Starts portkit serve; returns (process, port) once it printed its URL."""
    p = subprocess.Popen([PORTKIT, "serve", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, pass_fds=pass_fds)
    line = p.stdout.readline().decode()
    if not line.startswith("http://"):
        p.kill()
        raise SystemExit("FAIL: serve printed %r, stderr %r" % (line, p.stderr.read()))
    return p, int(line.strip().rstrip("/").rsplit(":", 1)[1])


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        return -1


def get(port, path, method="GET", headers=None, host="127.0.0.1"):
    c = http.client.HTTPConnection(host, port, timeout=10)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def marked_child():
    """A process named <b>x</b> listening on 127.0.0.1 port 0. Returns (process, port)."""
    code = ("import ctypes, socket, sys, time\n"
            "ctypes.CDLL(None).prctl(15, b'<b>x</b>', 0, 0, 0)\n"
            "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)\n"
            "print(s.getsockname()[1], flush=True)\n"
            "time.sleep(600)\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    return p, int(p.stdout.readline())


def routes(port):
    want = {
        "/": "text/html", "/search?q=printer": "text/html", "/search": "text/html",
        "/port/631": "text/html", "/port/80/tcp": "text/html", "/port/721": "text/html",
        "/port/793": "text/html", "/name/ipp": "text/html", "/range/788-799": "text/html",
        "/map": "text/html", "/map?lo=0&hi=255": "text/html", "/map.png": "image/png",
        "/local": "text/html", "/api/": "application/json", "/api/port/22": "application/json",
        "/api/search?q=printer": "application/json", "/api/name/ssh": "application/json",
        "/api/range/788-799": "application/json", "/api/map": "application/octet-stream",
        "/api/map/names": "application/json", "/api/listening": "application/json",
        "/static/style.css": "text/css", "/static/map.js": "text/javascript",
        "/static/openapi.yaml": "application/yaml",
    }
    for path, ctype in want.items():
        st, h, body = get(port, path)
        check(st == 200 and h.get("content-type", "").startswith(ctype),
              "%s: 200 %s (got %d %s)" % (path, ctype, st, h.get("content-type")))
        check(h.get("content-security-policy") == CSP and h.get("x-content-type-options") ==
              "nosniff" and h.get("referrer-policy") == "no-referrer" and "set-cookie" not in h,
              "%s: CSP, nosniff, no-referrer, no cookie" % path)
        if ctype == "application/json":
            check(h["content-type"] == "application/json; charset=utf-8",
                  "%s: JSON is application/json; charset=utf-8" % path)
            json.loads(body)
    st, h, body = get(port, "/map.png")
    check(body.startswith(b"\x89PNG\r\n\x1a\n"), "/map.png is a PNG")
    st, h, body = get(port, "/api/map")
    check(len(body) == 65536, "/api/map: one byte per port (%d)" % len(body))
    check(body[22] & 3 == 2 and body[793] & 3 == 0, "/api/map: 22 assigned, 793 unassigned")
    names = json.loads(get(port, "/api/map/names")[2])
    check(names.get("22") == "ssh" and "793" not in names, "/api/map/names: 22 is ssh")
    st, h, body = get(port, "/port/631")
    check(b"ipps" in body and b"/name/ipp" in body and b"CUPS" in body,
          "/port/631 names ipp and ipps, links the name, tells CUPS")
    st, h, body = get(port, "/port/721")
    check(b"Windows NT 3.5" in body and b"The block 721-731" in body and
          b"netviewdm1" in body and b"IBM NetView DM/6000" in body,
          "/port/721: Windows NT 3.5, the block 721-731 with NetView DM/6000 on 729-731")
    check(b'href="/port/720"' in body and b'href="/port/722"' in body, "/port/721 links 720, 722")
    st, h, body = get(port, "/port/793")
    check(b"The block 788-799" in body and b"about port <a href=\"/port/796\">796</a>" in body,
          "/port/793: the block 788-799, unauthorized use said to be about 796")
    check(b"2015 data" in body, "/port/793 says which columns are 2015 data")
    for p in ("/port/0", "/port/65535"):
        check(get(port, p)[0] == 200, p)
    # The JSON API is the command's JSON, byte for byte.
    for spec in ("721", "793", "788-799", "80/tcp"):
        cli = subprocess.run([PORTKIT, "--json", spec], capture_output=True).stdout
        api = get(port, "/api/port/" + spec)[2]
        check(cli == api, "/api/port/%s is exactly portkit --json %s" % (spec, spec))
    cli = subprocess.run([PORTKIT, "--json", "788-799"], capture_output=True).stdout
    check(get(port, "/api/range/788-799")[2] == cli, "/api/range/788-799 is portkit --json 788-799")
    recs = json.loads(get(port, "/api/name/ssh")[2])
    check(isinstance(recs, list) and all(r["service"] == "ssh" for r in recs) and
          any(r["port"] == 22 for r in recs), "/api/name/ssh: records of ssh, 22 among them")
    res = json.loads(get(port, "/api/search?q=printer")[2])
    cli = [json.loads(l) for l in subprocess.run([PORTKIT, "--json", "search", "printer"],
                                                 capture_output=True).stdout.splitlines()]
    check(res["results"] == cli[:50] and res["total"] >= len(res["results"]),
          "/api/search ranks as portkit search does")


def not_found(port):
    st, h, body = get(port, "/port/70000")
    check(st == 404 and b"out of range (0-65535)" in body, "/port/70000: 404 saying why")
    st, h, body = get(port, "/port/abc")
    check(st == 404 and b"abc" in body and b"not a port" in body, "/port/abc: 404 saying why")
    st, h, body = get(port, "/api/port/70000")
    check(st == 404 and json.loads(body)["error"] and h["content-type"].startswith(
        "application/json"), "/api/port/70000: 404 with a JSON error")
    for p in ("/nosuch", "/name/nosuchservice", "/static/nosuch.css", "/api/name/nosuch"):
        check(get(port, p)[0] == 404, "%s: 404" % p)
    check(get(port, "/api/search")[0] == 400, "/api/search without q: 400")
    check(get(port, "/map?lo=9&hi=3")[0] == 400, "/map?lo=9&hi=3: 400")


def escaping(port, child_port):
    st, h, body = get(port, "/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    check(st == 200 and b"<script>alert" not in body and b"&lt;script&gt;alert(1)" in body,
          "a query of <script> is escaped in the page and the search box")
    st, h, body = get(port, "/name/%3Cb%3E")
    check(b"<b>" not in body.split(b"<main>")[1].replace(b"<b>(this port)</b>", b"") and
          b"&lt;b&gt;" in body, "a name of <b> is escaped")
    st, h, body = get(port, "/local")
    check(b"&lt;b&gt;x&lt;/b&gt;" in body and b"<b>x</b>" not in body,
          "/local: the process named <b>x</b> is escaped")
    st, h, body = get(port, "/port/%d" % child_port)
    check(b"&lt;b&gt;x&lt;/b&gt;" in body and b"<b>x</b>" not in body,
          "/port/%d: its here section escapes <b>x</b>" % child_port)
    socks = json.loads(get(port, "/api/listening")[2])
    mine = [s for s in socks if s["local_port"] == child_port]
    check(mine and mine[0]["processes"] and mine[0]["processes"][0]["command"] == "<b>x</b>",
          "/api/listening: the child with its name as JSON text")
    here = json.loads(get(port, "/api/port/%d" % child_port)[2])["here"]
    check(here and here[0]["processes"][0]["command"] == "<b>x</b>",
          "/api/port/%d: here lists the child" % child_port)


def http_rules(port):
    for host, want in (("evil.example", 421), ("localhost:%d" % port, 200),
                       ("127.0.0.1", 200), ("[::1]:%d" % port, 200), ("127.0.0.1.evil.example", 421),
                       ("localhost.evil", 421), ("app.localhost", 200)):
        st = get(port, "/api/port/22", headers={"Host": host})[0]
        check(st == want, "Host: %s -> %d (got %d)" % (host, want, st))
    check(get(port, "/port/" + "1" * 3000)[0] == 414, "a 3000-byte target: 414")
    check(get(port, "/", headers={"X-Big": "a" * 20000})[0] == 431, "20 KB of headers: 431")
    for m in ("POST", "PUT", "DELETE", "OPTIONS"):
        st, h, body = get(port, "/port/22", method=m)
        check(st == 405 and h.get("allow") == "GET, HEAD", "%s: 405 with Allow: GET, HEAD" % m)
    st, h, body = get(port, "/port/22", method="HEAD")
    g = get(port, "/port/22")
    check(st == 200 and body == b"" and h["content-length"] == str(len(g[2])),
          "HEAD: headers of GET, no body")
    etag = g[1].get("etag")
    check(etag and get(port, "/port/22", headers={"If-None-Match": etag})[0] == 304,
          "ETag and 304 on a page")
    st, h, _ = get(port, "/api/port/22")
    check(get(port, "/api/port/22", headers={"If-None-Match": h["etag"]})[0] == 304,
          "ETag and 304 on the API")
    st, h, _ = get(port, "/static/style.css")
    check("max-age" in h.get("cache-control", "") and get(
        port, "/static/style.css", headers={"If-None-Match": h["etag"]})[0] == 304,
        "static assets: Cache-Control, ETag, 304")
    check(get(port, "/port/22")[1].get("cache-control") == "no-cache",
          "a page with the here section: no-cache (revalidated with its ETag)")
    check(get(port, "/range/788-799")[1].get("cache-control", "").startswith("public"),
          "a registry page: public, max-age")
    for path in ("/port/631", "/api/port/631", "/static/style.css", "/api/map"):
        plain = get(port, path)
        st, h, z = get(port, path, headers={"Accept-Encoding": "gzip, deflate"})
        check(h.get("content-encoding") == "gzip" and gzip.decompress(z) == plain[2] and
              "Accept-Encoding" in h.get("vary", ""), "%s: gzip when accepted" % path)
        st, h, z = get(port, path, headers={"Accept-Encoding": "gzip;q=0, identity"})
        check("content-encoding" not in h, "%s: no gzip for gzip;q=0" % path)


def deadline(port):
    """A client trickling its headers is cut at the deadline; others are served meanwhile."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
    t0 = time.monotonic()
    closed = None
    served = True
    while time.monotonic() - t0 < 8:
        try:
            s.sendall(b"X-a: b\r\n")
            s.settimeout(0.3)
            if s.recv(1) == b"":
                closed = time.monotonic() - t0
                break
        except socket.timeout:
            pass
        except OSError:
            closed = time.monotonic() - t0
            break
        served &= get(port, "/api/port/22")[0] == 200
    s.close()
    check(closed is not None and closed < 3.5,
          "a slow client is cut at the 1.5 s header deadline (after %s s)" % closed)
    check(served, "requests of others are answered meanwhile")


def per_client():
    p, port = start("--listen", "127.0.0.1:0", "--max-per-client", "3", "--header-timeout", "20")
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    time.sleep(0.3)
    extra = socket.create_connection(("127.0.0.1", port))
    extra.settimeout(3)
    extra.sendall(b"GET /api/port/22 HTTP/1.1\r\nHost: localhost\r\n\r\n")
    try:
        got = extra.recv(100)
    except OSError:
        got = b""
    check(not got.startswith(b"HTTP/1.1 200"), "a 4th connection from one address is refused")
    for s in held + [extra]:
        s.close()
    time.sleep(0.3)
    check(get(port, "/api/port/22")[0] == 200, "once they close, the address is served again")
    check(stop(p) == 0, "serve exits 0 on SIGTERM")


def public():
    p, port = start("--listen", "127.0.0.1:0", "--public")
    check(get(port, "/local")[0] == 404 and get(port, "/api/listening")[0] == 404,
          "--public: /local and /api/listening are 404")
    body = get(port, "/port/22")[2]
    check(b"Here, now" not in body, "--public: no here section")
    check("here" not in json.loads(get(port, "/api/port/22")[2]), "--public: no here in JSON")
    check(get(port, "/port/22", headers={"Host": "portkit.example"})[0] == 200,
          "--public: any Host")
    stop(p)
    r = subprocess.run([PORTKIT, "serve", "--listen", "0.0.0.0:0"], capture_output=True, timeout=10)
    check(r.returncode == 2 and b"--public" in r.stderr, "a non-loopback address needs --public")
    r = subprocess.run([PORTKIT, "serve", "--listen", "localhost:x"], capture_output=True, timeout=10)
    check(r.returncode == 2, "a bad --listen is a usage error")


def activation():
    """systemd socket activation: LISTEN_FDS/LISTEN_PID for this process, fd 3."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    port = ls.getsockname()[1]
    pid = os.fork()
    if pid == 0:
        os.dup2(ls.fileno(), 3)
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_PID"] = str(os.getpid())
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(PORTKIT, [PORTKIT, "serve"])
    ls.close()
    ok = False
    for _ in range(50):
        try:
            ok = get(port, "/api/port/22")[0] == 200
            break
        except OSError:
            time.sleep(0.1)
    check(ok, "socket activation: serves on the socket systemd passed")
    os.kill(pid, signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "activated server exits 0")


def main():
    child, child_port = marked_child()
    server, port = start("--listen", "127.0.0.1:0", "--header-timeout", "1.5")
    try:
        routes(port)
        not_found(port)
        escaping(port, child_port)
        http_rules(port)
        deadline(port)
        check(server.poll() is None, "the server is still up")
    finally:
        rc = stop(server)
        child.kill()
        child.wait()
    check(rc == 0, "serve exits 0 on SIGTERM (%s)" % rc)
    per_client()
    public()
    activation()
    if FAILS:
        print("%d failed" % len(FAILS))
        return 1
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
