"""A minimal Redis client (RESP2): one command per call, replies as Python values."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit


class RedisError(Exception):
    """Redis answered with an error reply."""


class Redis:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.address = (parts.hostname or "localhost", parts.port or 6379)
        self.db = int(parts.path.strip("/") or 0)

    def command(self, *args: str | bytes | int) -> object:
        with socket.create_connection(self.address, timeout=5) as sock:
            stream = sock.makefile("rb")
            if self.db:
                sock.sendall(_encode("SELECT", self.db))
                _reply(stream)
            sock.sendall(_encode(*args))
            return _reply(stream)


def _encode(*args: str | bytes | int) -> bytes:
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"".join([b"*%d\r\n" % len(parts), *(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)])


def _reply(stream: object) -> object:
    line = stream.readline()  # type: ignore[attr-defined]
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else stream.read(size + 2)[:-2]  # type: ignore[attr-defined]
    if kind == b"*":
        return [_reply(stream) for _ in range(int(rest))]
    raise RedisError(f"unexpected reply {line!r}")
