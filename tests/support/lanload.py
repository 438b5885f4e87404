"""A bounded HTTP load generator meant to run inside the swarm's ``lan`` namespace (``ip netns exec``), so its
traffic goes only to the namespaces' own addresses.

``python -m tests.support.lanload HOST PORT STOP_FILE MAX_SECONDS`` sends sequential ``GET /`` requests (HTTP/1.0,
a new connection each) until ``STOP_FILE`` exists or ``MAX_SECONDS`` passed, then prints one JSON line: requests,
failures (anything but a 200 within 3 s) and the first few failure reasons, plus every distinct body seen.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path


def one(host: str, port: int) -> tuple[bool, str]:
    try:
        with socket.create_connection((host, port), timeout=3) as conn:
            conn.sendall(b"GET / HTTP/1.0\r\nHost: load\r\n\r\n")
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
    except OSError as exc:
        return False, f"{type(exc).__name__}: {exc}"
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.") or b" 200 " not in head.split(b"\r\n")[0]:
        return False, head.split(b"\r\n")[0].decode(errors="replace") or "empty response"
    return True, body.decode(errors="replace").strip()


def main(host: str, port: int, stop: Path, max_seconds: float) -> None:
    end = time.monotonic() + max_seconds
    total, failures, reasons, bodies = 0, 0, [], set()
    while time.monotonic() < end and not stop.exists():
        ok, text = one(host, port)
        total += 1
        if ok:
            bodies.add(text.split(" from ")[0])
        else:
            failures += 1
            if len(reasons) < 10:
                reasons.append(text)
        time.sleep(0.02)
    print(json.dumps({"requests": total, "failures": failures, "reasons": reasons, "bodies": sorted(bodies)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4]))
