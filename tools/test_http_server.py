#!/usr/bin/python3
"""A small HTTP server on 127.0.0.1 for the download tests (tests/cli/models_test.cpp).

Serves the files of a folder by name, with byte ranges (Range: bytes=S- and bytes=S-E), and can
misbehave on request: cut the connection after N body bytes, stall, or ignore ranges. The port
is chosen by the OS and printed as the first line on standard output. Each request is appended
to a log as one JSON object per line, so that a test can count requests and see their ranges.

    test_http_server.py --root DIR [--log FILE] [--cut-after N [--cut-times K]]
                        [--stall-after N] [--no-range]

Paths: /NAME serves DIR/NAME; /moved/NAME answers 302 to /NAME; anything else is 404.
"""

import argparse
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--log")
    parser.add_argument("--cut-after", type=int, default=-1,
                        help="close the connection after this many body bytes")
    parser.add_argument("--cut-times", type=int, default=1,
                        help="how many responses are cut (the later ones complete)")
    parser.add_argument("--stall-after", type=int, default=-1,
                        help="stop sending after this many body bytes, keeping the connection")
    parser.add_argument("--no-range", action="store_true", help="ignore Range headers")
    args = parser.parse_args()

    lock = threading.Lock()
    state = {"cuts_left": args.cut_times}

    def log(entry):
        if args.log:
            with lock, open(args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *fmt_args):  # quiet: the JSON log is the record
            pass

        def do_GET(self):
            rng = self.headers.get("Range")
            log({"method": "GET", "path": self.path, "range": rng})
            if self.path.startswith("/moved/"):
                self.send_response(302)
                self.send_header("Location", "/" + self.path[len("/moved/"):])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            name = self.path.lstrip("/")
            path = os.path.join(args.root, name)
            if "/" in name or name.startswith(".") or not os.path.isfile(path):
                body = b"not found\n"
                self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            with open(path, "rb") as f:
                data = f.read()
            size = len(data)
            start, end = 0, size - 1
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng or "")
            if m and not args.no_range:
                start = int(m.group(1))
                if m.group(2):
                    end = min(int(m.group(2)), size - 1)
                if start >= size:
                    self.send_response(416)
                    self.send_header("Content-Range", "bytes */%d" % size)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
            else:
                self.send_response(200)
                self.send_header("Accept-Ranges", "none" if args.no_range else "bytes")
            body = data[start:end + 1]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()

            limit = len(body)
            cut = False
            with lock:
                if args.cut_after >= 0 and state["cuts_left"] > 0:
                    state["cuts_left"] -= 1
                    limit, cut = min(limit, args.cut_after), True
            if args.stall_after >= 0:
                limit = min(limit, args.stall_after)
            self.wfile.write(body[:limit])
            self.wfile.flush()
            if cut:
                self.close_connection = True
                self.connection.shutdown(2)  # the client sees the body end early
            elif limit < len(body):
                time.sleep(3600)  # stall: the client's timeout has to act

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
