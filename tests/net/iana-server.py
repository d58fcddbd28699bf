#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A small HTTP server for tests/net/update.test, on 127.0.0.1 port 0.

    iana-server.py PORTFILE REGISTRY [--tls CERT KEY]

Writes its port to PORTFILE and serves REGISTRY's bytes in the ways a real server can fail:
  /reg.csv          200 with ETag and Last-Modified; 304 for If-None-Match or
                    If-Modified-Since that match
  /404              404
  /truncated        Content-Length over the body, then the connection closes
  /oversize         Content-Length of 40 MiB
  /oversize-stream  33 MiB without Content-Length
  /stall            the headers and 100 bytes, then silence
  /loop             a redirect to itself
  /slow             half the body, then PORTFILE.slow is created and nothing more comes
  /garbage          200 with an HTML page
Every request is logged to PORTFILE.log as "PATH STATUS".
"""
import http.server
import os
import ssl
import sys
import time

ETAG = '"portkit-test-1"'
LAST_MODIFIED = "Fri, 13 Feb 2026 00:00:00 GMT"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status):
        with open(self.server.portfile + ".log", "a") as f:
            f.write(f"{self.path} {status}\n")

    def head(self, status, length=None, extra=()):
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        if length is not None:
            self.send_header("Content-Length", str(length))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.note(status)

    def do_GET(self):
        body = self.server.body
        p = self.path
        if p == "/reg.csv":
            if (self.headers.get("If-None-Match") == ETAG or
                    self.headers.get("If-Modified-Since") == LAST_MODIFIED):
                self.head(304, 0, [("ETag", ETAG)])
                return
            self.head(200, len(body), [("ETag", ETAG), ("Last-Modified", LAST_MODIFIED)])
            self.wfile.write(body)
        elif p == "/truncated":
            self.head(200, len(body) + 1000)
            self.wfile.write(body)
            self.close_connection = True
        elif p == "/oversize":
            self.head(200, 40 << 20)
            self.wfile.write(b"x" * 65536)
            self.close_connection = True
        elif p == "/oversize-stream":
            self.head(200)
            chunk = b"Service Name," + b"x" * (1 << 20)
            try:
                for _ in range(33):
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
        elif p == "/stall":
            self.head(200, len(body))
            self.wfile.write(body[:100])
            self.wfile.flush()
            time.sleep(60)
        elif p == "/loop":
            self.head(302, 0, [("Location", "/loop")])
        elif p == "/slow":
            self.head(200, len(body))
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            open(self.server.portfile + ".slow", "w").close()
            time.sleep(60)
        elif p == "/garbage":
            page = b"<html><body>Service temporarily unavailable</body></html>\n"
            self.head(200, len(page))
            self.wfile.write(page)
        else:
            self.head(404, 0)


def main():
    portfile, registry = sys.argv[1], sys.argv[2]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.portfile = portfile
    with open(registry, "rb") as f:
        srv.body = f.read()
    if "--tls" in sys.argv:
        i = sys.argv.index("--tls")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[i + 1], sys.argv[i + 2])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
