"""A canary's judged window at the proxy: poll the canary servers' counters, fail the moment the error rate is
over the threshold, and take the canary out of rotation right then.

How much traffic a failing canary can receive (the README's canary section): it takes requests from its join
(the window opens then) until the first poll at which its servers answered at least ``min_requests`` requests and
more than ``max_error_rate`` of them failed, plus the runtime API round trip that drains it. A canary that fails
every request is stopped once it answered ``min_requests``, plus at most one poll interval (``POLL_S``) of its
share of the traffic; one that fails a share ``f`` above the threshold, once ``f·n > max_error_rate·n`` for ``n``
at least ``min_requests``; one below the threshold is never stopped and passes, having failed at most
``max_error_rate`` of what it answered. And never beyond its window: ``pause`` seconds of its share.

``max_latency_s`` is judged at the same polls, against HAProxy's ``rtime`` of the watched servers (average time to
the first byte of the answer over each server's last 1024 requests, so from its first request for a server that
just joined), weighted by the requests each answered in the window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.errors import ProxyError, StepFailure
from engine.plan.steps import Pause
from engine.ports import Clock, ProxyApi

Counts = tuple[int, int, int]  # requests, failures (cumulative), rtime (a gauge)
POLL_S = 0.1  # how often the window is judged: one `show stat` over loopback costs about a millisecond


def watch_window(step: Pause, api: ProxyApi, clock: Clock) -> None:
    """Judge the watched servers every ``POLL_S`` from the moment the window opens (the servers that just joined
    from their first request, see ``Pause``) until ``seconds`` passed. The moment the window fails, the canary is
    drained, so it gets no new request while the apply rolls back."""
    start = clock.monotonic()
    first = _counters(api, step.watch)
    before = {key: (0, 0, 0) if key in step.joined else first.get(key, (0, 0, 0)) for key in step.watch}
    while True:
        elapsed = clock.monotonic() - start
        now = _counters(api, step.watch)
        requests, errors = _window(before, now)
        problem = _judge(step, requests, errors, _latency_ms(before, now))
        if problem:
            stopped = _stop_traffic(api, step.watch)
            raise StepFailure(
                f"{problem} after {elapsed:.1f}s of its {step.seconds:g}s window ({', '.join(step.watch)}){stopped}"
            )
        if elapsed >= step.seconds:
            return
        clock.sleep(min(POLL_S, step.seconds - elapsed))


def _judge(step: Pause, requests: int, errors: int, latency_ms: float) -> str:
    """Why the window fails now ("" while it holds): nothing is judged before ``min_requests`` answered."""
    if requests < step.min_requests:
        return ""
    if errors > step.max_error_rate * requests:
        return (
            f"canary error rate {errors}/{requests} ({errors / requests:.1%}) at the proxy is above "
            f"{step.max_error_rate:.1%}"
        )
    if step.max_latency_s is not None and latency_ms > step.max_latency_s * 1000:
        return (
            f"canary response time {latency_ms:.0f} ms on average (HAProxy's rtime, {requests} requests) is above "
            f"{step.max_latency_s * 1000:g} ms"
        )
    return ""


def _latency_ms(before: Mapping[str, Counts], now: Mapping[str, Counts]) -> float:
    """The watched servers' ``rtime``, weighted by the requests each answered since ``before``."""
    weighted = total = 0
    for key, (req, _err, rtime) in now.items():
        answered = max(0, req - before.get(key, (0, 0, 0))[0])
        weighted += rtime * answered
        total += answered
    return weighted / total if total else 0.0


def _window(before: Mapping[str, Counts], now: Mapping[str, Counts]) -> tuple[int, int]:
    """Requests and failures of the watched servers since ``before``, each request once: a request in flight when
    the window opened that fails inside it counts in both (never more failures than requests)."""
    requests = errors = 0
    for key, (req, err, _rtime) in now.items():
        req0, err0, _ = before.get(key, (0, 0, 0))
        failed = max(0, err - err0)
        requests += max(failed, req - req0)
        errors += failed
    return requests, errors


def _stop_traffic(api: ProxyApi, watch: Sequence[str]) -> str:
    """Drain every watched server; returns what could not be drained (the rollback removes them anyway)."""
    problems = []
    for key in watch:
        backend, _, server = key.partition("/")
        try:
            api.drain(backend, server)
        except ProxyError as exc:
            problems.append(f"{key}: {exc}")
    return f"; could not drain {'; '.join(problems)}" if problems else "; drained, the rollback removes it"


def _counters(api: ProxyApi, watch: Sequence[str]) -> dict[str, Counts]:
    out: dict[str, Counts] = {}
    for backend in sorted({w.partition("/")[0] for w in watch}):
        for stat in api.servers(backend):
            key = f"{backend}/{stat.name}"
            if key in watch:
                out[key] = (stat.requests, stat.errors, stat.rtime)
    return out
