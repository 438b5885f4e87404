"""Serve the shop on 0.0.0.0:$PORT (8000) with the standard library's threaded WSGI server; SIGTERM stops it."""

from __future__ import annotations

import os
import signal
import sys
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from shop.wsgi import application


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        if os.environ.get("LOG_LEVEL") == "debug":
            super().log_message(format, *args)


def main() -> None:
    server = make_server("0.0.0.0", int(os.environ.get("PORT", "8000")), application, _Server, _Quiet)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"shop listening on :{server.server_port}", file=sys.stderr, flush=True)
    server.serve_forever()


main()
