#!/usr/bin/env python3
"""A misbehaving registry for benches/hostile.sh (issue 18's campaign).

    hostile_registry.py UPSTREAM PORTFILE

Listens on a free 127.0.0.1 port (written to PORTFILE once listening) and
forwards the Docker Registry HTTP API v2 to UPSTREAM (host:port of a real
docker-registry), misbehaving according to the first path component after
/v2/: /v2/MODE/REPO/... is /v2/REPO/... upstream, served as MODE says (the
blob modes misbehave on layers only, blobs over 64 KiB; configs pass):

  ok            passed through unchanged
  stall         blobs: the headers and half the body, then nothing (the
                connection stays open until the client gives up)
  baddigest     blobs: one byte flipped (same length)
  wrongsize     blobs: 4096 bytes more than upstream's body and length
  endless       blobs: random bytes forever, no Content-Length
  redirectloop  blobs: 307 to the same URL, forever
  err500        manifests and blobs: 500 with an HTML body
  badjson       manifests: `{not json` as an OCI manifest
  hugemanifest  manifests: 64 MiB of spaces as an OCI manifest

Standard library only; one thread per connection.
"""

import http.client
import http.server
import os
import socketserver
import sys
import time

UPSTREAM = sys.argv[1]
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def split(self):
        """(mode, upstream path, kind) of the request; kind is manifests,
        blobs or other."""
        parts = self.path.split("/")
        # ['', 'v2', MODE, REPO..., 'manifests'|'blobs', REF]
        if len(parts) < 4 or parts[1] != "v2":
            return "ok", self.path, "other"
        mode = parts[2]
        rest = "/".join(["", "v2"] + parts[3:])
        kind = parts[-2] if len(parts) >= 5 else "other"
        return mode, rest, kind

    def upstream(self, method, path):
        conn = http.client.HTTPConnection(UPSTREAM, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "range")}
        conn.request(method, path, headers=headers)
        return conn.getresponse()

    def send_plain(self, status, ctype, body, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        if self.path.rstrip("/") == "/v2":
            return self.send_plain(200, "application/json", b"{}")
        mode, path, kind = self.split()
        if mode == "err500" and kind in ("manifests", "blobs"):
            return self.send_plain(500, "text/html", b"<html><body>Internal Server Error</body></html>")
        if kind == "manifests" and mode == "badjson":
            return self.send_plain(200, MANIFEST_TYPE, b"{not json")
        if kind == "manifests" and mode == "hugemanifest":
            size = 64 << 20
            self.send_response(200)
            self.send_header("Content-Type", MANIFEST_TYPE)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if self.command != "HEAD":
                chunk = b" " * (1 << 20)
                for _ in range(size >> 20):
                    self.wfile.write(chunk)
            return
        r = self.upstream("GET" if kind == "blobs" else self.command, path)
        body = r.read() if self.command == "GET" or kind == "blobs" else b""
        layer = kind == "blobs" and len(body) > 65536
        if layer and mode == "redirectloop":
            self.send_response(307)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if layer and mode == "endless" and self.command == "GET":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            junk = os.urandom(1 << 16)
            try:
                while True:
                    self.wfile.write(junk)
            except OSError:
                return
        headers = {k: v for k, v in r.getheaders()
                   if k.lower() in ("content-type", "docker-content-digest", "location", "www-authenticate",
                                    "content-range", "accept-ranges")}
        if layer and self.command == "GET" and r.status in (200, 206):
            if mode == "baddigest" and body:
                i = len(body) // 2
                body = body[:i] + bytes([body[i] ^ 0xFF]) + body[i + 1:]
            elif mode == "wrongsize":
                body = body + b"\0" * 4096
            elif mode == "stall":
                self.send_response(r.status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                # Keep the connection open and silent until the client leaves.
                deadline = time.time() + 600
                while time.time() < deadline:
                    time.sleep(0.5)
                    try:
                        self.connection.settimeout(0.01)
                        if self.connection.recv(1, 0x40) == b"":  # MSG_DONTWAIT
                            return
                    except (BlockingIOError, TimeoutError):
                        continue
                    except OSError:
                        return
                return
        self.send_response(r.status)
        for k, v in headers.items():
            self.send_header(k, v)
        length = r.getheader("Content-Length") if self.command == "HEAD" and kind != "blobs" else str(len(body))
        self.send_header("Content-Length", length or "0")
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that give up mid-body are expected here


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    srv.serve_forever()


if __name__ == "__main__":
    main()
