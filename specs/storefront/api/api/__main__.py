"""Serve the catalogue on port 8080: GET /items (JSON) and GET /healthz."""

from __future__ import annotations

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ITEMS = [
    {"id": 1, "name": "Teapot", "price": "24.00"},
    {"id": 2, "name": "Cup", "price": "6.50"},
]
CURRENCY = os.environ.get("CATALOGUE_CURRENCY", "EUR")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._send(200, b"ok\n", "text/plain")
        elif self.path == "/items":
            body = json.dumps([{**item, "currency": CURRENCY} for item in ITEMS]).encode()
            self._send(200, body, "application/json")
        else:
            self._send(404, b"not found\n", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        if os.environ.get("LOG_LEVEL") == "debug":
            super().log_message(format, *args)


def main() -> None:
    server = ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("catalogue API listening on 8080", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
