"""Per-server counters from the runtime API's ``show stat`` CSV: what a rollout reads to know that a drained replica
has no sessions left, and what a canary step reads to compare the error rate of the new version with the old.

Pure: parses text, no I/O. Counters are cumulative since the server was added (a deleted and re-added server starts
from zero), so a canary compares two snapshots with ``ServerStat.since``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace

from engine.errors import ProxyError

_COUNTERS = (
    "stot", "req_tot", "hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "eresp", "econ", "wretr", "wredis"
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ServerStat:
    """One server of one backend. ``status`` is HAProxy's: ``UP``, ``DOWN``, ``DRAIN``, ``MAINT``, ``no check``
    (up, checks off) or a transition such as ``UP 1/3``; ``scur`` is the number of sessions in flight now, ``stot``
    the sessions ever opened, ``req_tot`` the HTTP requests answered (0 in TCP mode); ``eresp`` counts responses
    that failed while being read, ``econ`` connections that failed for good, ``wretr`` connection retries on this
    server and ``wredis`` requests moved to another server after this one failed (retries plus ``option
    redispatch`` hide those from the client: with a live peer, a server refusing connections shows only there)."""

    backend: str
    name: str
    status: str
    weight: int
    scur: int
    stot: int = 0
    req_tot: int = 0
    hrsp_1xx: int = 0
    hrsp_2xx: int = 0
    hrsp_3xx: int = 0
    hrsp_4xx: int = 0
    hrsp_5xx: int = 0
    eresp: int = 0
    econ: int = 0
    wretr: int = 0
    wredis: int = 0
    addr: str = ""
    check_status: str = ""

    @property
    def serving(self) -> bool:
        """Takes new traffic: up (checked or not) and not drained or in maintenance."""
        return self.status.startswith("UP") or self.status == "no check"

    @property
    def check_passed(self) -> bool:
        """HAProxy's last health check of this server passed (``L4OK``/``L6OK``/``L7OK``; a leading ``* `` marks a
        check in progress). Checks run in maintenance too, so a server added with ``ready=False`` can prove itself
        before it takes traffic."""
        return self.check_status.removeprefix("* ") in ("L4OK", "L6OK", "L7OK")

    @property
    def requests(self) -> int:
        """Requests (HTTP) or sessions (TCP) sent to this server, including those HAProxy then moved elsewhere."""
        return max(self.req_tot, self.stot)

    @property
    def errors(self) -> int:
        """Requests that failed here: 5xx answers, broken responses, connections that failed for the client
        (``econ``), and those HAProxy redispatched to another server after this one refused (``wredis``: the client
        never saw it, but a canary that refuses connections must not look healthy)."""
        return self.hrsp_5xx + self.eresp + self.econ + self.wredis

    @property
    def error_rate(self) -> float:
        """``errors / requests`` (0.0 before the first request)."""
        return min(1.0, self.errors / self.requests) if self.requests else 0.0

    def since(self, earlier: ServerStat) -> ServerStat:
        """The counters accumulated after ``earlier`` (a snapshot of the same server); gauges stay current."""
        if (earlier.backend, earlier.name) != (self.backend, self.name):
            raise ValueError(f"cannot subtract {earlier.backend}/{earlier.name} from {self.backend}/{self.name}")
        deltas = {key: max(0, getattr(self, key) - getattr(earlier, key)) for key in _COUNTERS}
        return replace(self, **deltas)


def _int(row: dict[str, str], key: str) -> int:
    text = row.get(key) or ""
    try:
        return int(text) if text else 0
    except ValueError:
        raise ProxyError(f"show stat: field {key} is not a number: {text!r}", "show stat", text) from None


def parse_show_stat(text: str, backend: str | None = None) -> list[ServerStat]:
    """The server rows of ``show stat`` output (FRONTEND and BACKEND aggregate rows are skipped), optionally of one
    backend only, in HAProxy's order. The header line starts with ``# ``; the column set varies by version, so
    columns are read by name."""
    body = text.lstrip()
    rows = csv.DictReader(io.StringIO(body[2:]))
    if not body.startswith("# ") or not {"pxname", "svname"} <= set(rows.fieldnames or ()):
        raise ProxyError(f"show stat: unexpected answer: {text.strip()[:200]!r}", "show stat", text)
    servers = []
    for row in rows:
        name = row.get("svname") or ""
        if not name or name in ("FRONTEND", "BACKEND") or (backend is not None and row.get("pxname") != backend):
            continue
        servers.append(
            ServerStat(
                backend=row.get("pxname") or "",
                name=name,
                status=row.get("status") or "",
                weight=_int(row, "weight"),
                scur=_int(row, "scur"),
                addr=row.get("addr") or "",
                check_status=row.get("check_status") or "",
                **{key: _int(row, key) for key in _COUNTERS},
            )
        )
    return servers
