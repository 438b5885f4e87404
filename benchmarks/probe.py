"""A bounded HTTP load on a loopback port that measures what a fault costs the client.

Each thread sends ``GET /`` over a fresh connection, pauses ``pace_s`` and goes on until ``stop()``, ``max_seconds``
or ``max_requests`` (it stops by itself). ``mark()`` notes the moment a fault is injected; ``report()`` gives, since
that mark: requests sent and failed, the longest gap between two successful answers, and the time until the app
served again (from the mark to the first success after the last failure; 0 when nothing failed). Used by the
reliability benchmark and by the restart tests; it reports and never asserts.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FaultReport:
    sent: int
    failed: int
    longest_gap_s: float
    serve_again_s: float
    bodies: dict[str, int]

    def line(self, label: str) -> str:
        return (f"{label}: {self.sent} requests, {self.failed} failed, longest gap {self.longest_gap_s:.2f} s, "
                f"serving again after {self.serve_again_s:.2f} s")


class Probe:
    """Load against 127.0.0.1:``port``; thread-safe marks and reports."""

    def __init__(self, port: int, *, threads: int = 2, pace_s: float = 0.01, timeout_s: float = 2.0,
                 max_seconds: float = 180.0, max_requests: int = 60_000) -> None:
        self.port = port
        self.pace_s = pace_s
        self.timeout_s = timeout_s
        self.max_seconds = max_seconds
        self.max_requests = max_requests
        self._events: list[tuple[float, bool, str]] = []  # (monotonic time of the answer, ok, body)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._mark = time.monotonic()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self) -> Probe:
        self._began = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout_s + 5)

    def mark(self) -> None:
        with self._lock:
            self._mark = time.monotonic()

    def settled(self, window_s: float) -> set[str]:
        """The bodies of the successes in the last ``window_s`` when nothing failed in it (else empty), and only
        once ``window_s`` has passed since the mark: how a caller waits for the app to serve again."""
        now = time.monotonic()
        with self._lock:
            if now - self._mark < window_s:
                return set()
            recent = [(ok, body) for t, ok, body in self._events if t >= now - window_s]
        if not recent or not all(ok for ok, _ in recent):
            return set()
        return {body for _, body in recent}

    def _one(self) -> tuple[bool, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout_s)
        try:
            conn.request("GET", "/")
            answer = conn.getresponse()
            body = answer.read().decode("utf-8", "replace").strip()
            return answer.status == 200, body if answer.status == 200 else f"HTTP {answer.status}"
        except (OSError, http.client.HTTPException) as exc:
            return False, type(exc).__name__
        finally:
            conn.close()

    def _run(self) -> None:
        end = time.monotonic() + self.max_seconds
        while not self._stop.is_set() and time.monotonic() < end:
            with self._lock:
                if len(self._events) >= self.max_requests:
                    return
            ok, body = self._one()
            with self._lock:
                self._events.append((time.monotonic(), ok, body))
            self._stop.wait(self.pace_s)

    def report(self) -> FaultReport:
        """Figures for the answers since the last ``mark()``."""
        with self._lock:
            mark = self._mark
            events = sorted(e for e in self._events if e[0] >= mark)
        last_ok, gap, last_failure = mark, 0.0, None
        for t, ok, _ in events:
            if ok:
                gap = max(gap, t - last_ok)
                last_ok = t
            else:
                last_failure = t
        again = 0.0
        if last_failure is not None:
            later = [t for t, ok, _ in events if ok and t > last_failure]
            again = (later[0] - mark) if later else float("inf")
        failed = sum(1 for _, ok, _ in events if not ok)
        bodies = Counter(body for _, _, body in events)
        return FaultReport(len(events), failed, gap, again, dict(bodies))


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.probe PORT``: mark at once, load until the app failed and then served again for
    ``--settle`` seconds (or ``--max-seconds``), print the report as JSON. For faults injected from outside, in
    a network namespace the caller cannot reach (``scripts/private-engine exec``)."""
    import argparse
    import dataclasses
    import json

    parser = argparse.ArgumentParser(prog="python -m benchmarks.probe")
    parser.add_argument("port", type=int)
    parser.add_argument("--settle", type=float, default=4.0)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    args = parser.parse_args(argv)
    with Probe(args.port, max_seconds=args.max_seconds) as probe:
        probe.mark()
        end = time.monotonic() + args.max_seconds
        while time.monotonic() < end:
            time.sleep(0.2)
            if probe.report().failed and probe.settled(args.settle):
                break
    print(json.dumps(dataclasses.asdict(probe.report())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
