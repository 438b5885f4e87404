"""The Redis list the scheduler pushes to and the workers pop from, over one connection speaking RESP2."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit


class Queue:
    def __init__(self, url: str, name: str) -> None:
        parts = urlsplit(url)
        self.name = name.encode()
        self.sock = socket.create_connection((parts.hostname or "localhost", parts.port or 6379), timeout=30)
        self.replies = self.sock.makefile("rb")
        if parts.path.strip("/"):
            self._call(b"SELECT", parts.path.strip("/").encode())

    def push(self, item: bytes) -> None:
        self._call(b"RPUSH", self.name, item)

    def pop(self, timeout_s: int) -> bytes | None:
        """The oldest item, waiting up to ``timeout_s``; None when the list stayed empty."""
        reply = self._call(b"BLPOP", self.name, str(timeout_s).encode())
        return reply[1] if isinstance(reply, list) else None

    def _call(self, *words: bytes) -> object:
        request = b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words)
        self.sock.sendall(request)
        return self._read()

    def _read(self) -> object:
        line = self.replies.readline().rstrip(b"\r\n")
        marker, value = line[:1], line[1:]
        if marker == b"-":
            raise RuntimeError(f"redis: {value.decode()}")
        if marker == b"$":
            return None if int(value) < 0 else self.replies.read(int(value) + 2)[:-2]
        if marker == b"*":
            return None if int(value) < 0 else [self._read() for _ in range(int(value))]
        return value
