"""Per-server counters from the runtime API's ``show stat`` CSV: what a rollout reads to know that a drained replica
has no sessions left, and what a canary step reads to judge the error rate of the new version.

Pure: parses text, no I/O. Counters are cumulative since the server was added (a deleted and re-added server starts
from zero), so a canary compares two snapshots with ``ServerStat.since``.

How HAProxy 2.6 counts one request on the server it chose (measured on Debian's 2.6.12, six requests of each kind:
tests/proxy/data/show_stat_outcomes_2.6.csv, and live by tests/proxy/test_haproxy_live.py): ``lbtot`` +1 whenever the
server is chosen (once per request, keep-alive or not, also for a request later moved elsewhere); then exactly one of
an answer (``hrsp_<class>``, and ``req_tot``), an answer cut short (``hrsp_<class>`` *and* ``eresp`` *and*
``srv_abrt``), no answer at all (closed, or not HTTP: ``eresp`` only, ``req_tot`` unchanged), a connection refused and
moved to another server (``wredis`` only), or refused for good (``econ``). ``stot`` counts connection attempts, retries
included (4 for one request that got no answer after 3 retries), so it is no measure of requests. Summing
``hrsp_5xx + eresp`` counts a 5xx cut short twice; :attr:`ServerStat.errors` counts every request once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace

from engine.errors import ProxyError

_COUNTERS = (
    "stot", "lbtot", "req_tot", "hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other", "eresp",
    "srv_abrt", "econ", "wretr", "wredis",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ServerStat:
    """One server of one backend. ``status`` is HAProxy's: ``UP``, ``DOWN``, ``DRAIN``, ``MAINT``, ``no check``
    (up, checks off) or a transition such as ``UP 1/3``; ``scur`` is the number of sessions in flight now, ``stot``
    the connection attempts, ``lbtot`` the times HAProxy chose this server (one per request), ``req_tot`` the HTTP
    requests answered (0 in TCP mode); ``eresp`` counts responses that failed while being read (no answer, or
    ``srv_abrt``: an answer the server cut short), ``econ`` connections that failed for good, ``wretr`` connection
    retries on this server and ``wredis`` requests moved to another server after this one failed (retries plus
    ``option redispatch`` hide those from the client: with a live peer, a server refusing connections shows only
    there). See the module docstring for how one request lands in these."""

    backend: str
    name: str
    status: str
    weight: int
    scur: int
    stot: int = 0
    lbtot: int = 0
    req_tot: int = 0
    hrsp_1xx: int = 0
    hrsp_2xx: int = 0
    hrsp_3xx: int = 0
    hrsp_4xx: int = 0
    hrsp_5xx: int = 0
    hrsp_other: int = 0
    eresp: int = 0
    srv_abrt: int = 0
    econ: int = 0
    wretr: int = 0
    wredis: int = 0
    rtime: int = 0  # a gauge: average ms to the first byte of the answer over the last 1024 requests (0 in TCP mode)
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
    def _answered_ok(self) -> int:
        return self.hrsp_1xx + self.hrsp_2xx + self.hrsp_3xx + self.hrsp_4xx

    @property
    def _cut(self) -> int:
        """Answers counted under their status that the server then cut short (``srv_abrt``, part of ``eresp``)."""
        return min(self.srv_abrt, self.eresp)

    @property
    def _ended(self) -> int:
        """Requests sent here that ended, each once: answered (cut short or not), unanswered, refused."""
        answered = self._answered_ok + self.hrsp_5xx + self.hrsp_other
        return answered + (self.eresp - self._cut) + self.econ + self.wredis

    @property
    def requests(self) -> int:
        """Requests (HTTP) or connections (TCP) sent to this server, each once, including those HAProxy then moved
        elsewhere: ``lbtot`` (chosen once per request), never fewer than the requests that ended here."""
        return max(self.lbtot, self._ended)

    @property
    def errors(self) -> int:
        """Requests that failed here, each once: 5xx (and non-HTTP status) answers, answers cut short, no answer,
        connections that failed for the client (``econ``), and those HAProxy redispatched to another server after
        this one refused (``wredis``: the client never saw it, but a canary that refuses connections must not look
        healthy). A cut-short answer is a failure whatever its status, but the counters do not say which class it
        had: six cut-short 200s beside six whole 500s read exactly like six whole 200s beside six cut-short 500s.
        Cut-short answers are taken as 2xx-4xx ones as far as there are any (the reading that misses no failure: 12
        of 12 for both), and as the 5xx already counted beyond that, so no request counts twice within what the
        counters can tell and the result never exceeds :attr:`requests`."""
        cut_errors = max(0, self._cut - self._answered_ok)  # cut short, and could only have been a 5xx/other
        return self.hrsp_5xx + self.hrsp_other + self.eresp - cut_errors + self.econ + self.wredis

    @property
    def error_rate(self) -> float:
        """``errors / requests``, in [0, 1] (0.0 before the first request)."""
        return self.errors / self.requests if self.requests else 0.0

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
                rtime=_int(row, "rtime"),
                addr=row.get("addr") or "",
                check_status=row.get("check_status") or "",
                **{key: _int(row, key) for key in _COUNTERS},
            )
        )
    return servers
