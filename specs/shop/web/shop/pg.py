"""A minimal PostgreSQL client (protocol 3.0, SCRAM-SHA-256 or trust): connect, run simple queries, get text rows.

The shop needs a handful of statements, and the standard library is all a slim Python image is sure to have.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import socket
import struct


class PgError(Exception):
    """The server refused a statement or the login; the message is the server's."""


class Connection:
    def __init__(self, host: str, user: str, password: str, dbname: str, port: int = 5432) -> None:
        self.sock = socket.create_connection((host, port), timeout=10)
        body = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in (("user", user), ("database", dbname)))
        payload = struct.pack("!i", 196608) + body + b"\0"
        self.sock.sendall(struct.pack("!i", len(payload) + 4) + payload)
        self._login(password)

    def _send(self, kind: bytes, payload: bytes) -> None:
        self.sock.sendall(kind + struct.pack("!i", len(payload) + 4) + payload)

    def _read(self) -> tuple[bytes, bytes]:
        head = self._exactly(5)
        (length,) = struct.unpack("!i", head[1:])
        return head[:1], self._exactly(length - 4)

    def _exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise PgError("server closed the connection")
            data += chunk
        return data

    def _login(self, password: str) -> None:
        scram: _Scram | None = None
        while True:
            kind, body = self._read()
            if kind == b"E":
                raise PgError(_error(body))
            if kind == b"Z":
                return
            if kind != b"R":
                continue
            (code,) = struct.unpack("!i", body[:4])
            if code == 10:
                scram = _Scram(password)
                first = scram.client_first().encode()
                self._send(b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first)
            elif code == 11 and scram is not None:
                self._send(b"p", scram.client_final(body[4:].decode()).encode())
            elif code == 12 and scram is not None:
                scram.verify(body[4:].decode())
            elif code != 0:
                raise PgError(f"unsupported authentication method {code}")

    def query(self, sql: str) -> list[tuple[str | None, ...]]:
        """Run one or more statements; the rows of the last one that returned any, as text."""
        self._send(b"Q", sql.encode() + b"\0")
        rows: list[tuple[str | None, ...]] = []
        failure = None
        while True:
            kind, body = self._read()
            if kind == b"D":
                rows.append(_row(body))
            elif kind == b"E":
                failure = _error(body)
            elif kind == b"Z":
                if failure:
                    raise PgError(failure)
                return rows

    def close(self) -> None:
        try:
            self._send(b"X", b"")
        finally:
            self.sock.close()


class _Scram:
    def __init__(self, password: str) -> None:
        self.password = password.encode()
        self.nonce = base64.b64encode(os.urandom(18)).decode()
        self.bare = f"n=,r={self.nonce}"
        self.expected = b""

    def client_first(self) -> str:
        return "n,," + self.bare

    def client_final(self, server_first: str) -> str:
        fields = dict(item.split("=", 1) for item in server_first.split(","))
        if not fields["r"].startswith(self.nonce):
            raise PgError("server nonce does not extend ours")
        salted = hashlib.pbkdf2_hmac("sha256", self.password, base64.b64decode(fields["s"]), int(fields["i"]))
        client_key = hmac.digest(salted, b"Client Key", "sha256")
        without_proof = f"c=biws,r={fields['r']}"
        message = f"{self.bare},{server_first},{without_proof}".encode()
        signature = hmac.digest(hashlib.sha256(client_key).digest(), message, "sha256")
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        self.expected = hmac.digest(hmac.digest(salted, b"Server Key", "sha256"), message, "sha256")
        return f"{without_proof},p={base64.b64encode(proof).decode()}"

    def verify(self, server_final: str) -> None:
        if base64.b64decode(server_final.partition("v=")[2]) != self.expected:
            raise PgError("server signature does not match: not the server we authenticated to")


def _row(body: bytes) -> tuple[str | None, ...]:
    (count,) = struct.unpack("!h", body[:2])
    offset, values = 2, []
    for _ in range(count):
        (length,) = struct.unpack("!i", body[offset:offset + 4])
        offset += 4
        if length < 0:
            values.append(None)
            continue
        values.append(body[offset:offset + length].decode())
        offset += length
    return tuple(values)


def _error(body: bytes) -> str:
    fields = {part[:1]: part[1:].decode(errors="replace") for part in body.split(b"\0") if part}
    return fields.get(b"M", "unknown error")
