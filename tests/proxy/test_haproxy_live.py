"""The proxy against the real thing: HAProxy 2.6 from Debian in a container, busybox httpd replicas behind it, and
the runtime API moving traffic between them. The last test is the property rollouts rely on: while one replica is
drained, removed and replaced, no request fails."""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter

import pytest

from engine.errors import ProxyError
from tests.proxy.conftest import BACKEND, BACKEND_PORT, Lab

pytestmark = pytest.mark.docker


def shares(lab: Lab, count: int) -> Counter[str]:
    seen: Counter[str] = Counter()
    for _ in range(count):
        status, body = lab.get()
        assert status == 200, body
        seen[body] += 1
    return seen


def add(lab: Lab, name: str, weight: int = 100) -> None:
    """The order a rollout uses: add in maintenance with checks on, wait until HAProxy's check passed, then ready."""
    lab.runtime.add_server(BACKEND, name, lab.start_backend(name), BACKEND_PORT, weight, check=True, ready=False)
    assert lab.runtime.wait_checked(BACKEND, name, deadline_s=10)
    lab.runtime.ready(BACKEND, name)


def test_version_and_empty_backend(lab: Lab) -> None:
    assert lab.runtime.version().startswith("2.6")
    assert lab.runtime.servers(BACKEND) == []
    assert lab.get()[0] == 503  # no server yet: HAProxy answers, nothing is forwarded


def test_added_server_starts_in_maintenance_until_made_ready(lab: Lab) -> None:
    lab.runtime.add_server(BACKEND, "a", lab.start_backend("a"), BACKEND_PORT, ready=False)
    assert lab.runtime.server(BACKEND, "a").status == "MAINT"
    assert lab.get()[0] == 503
    lab.runtime.ready(BACKEND, "a")
    assert lab.get() == (200, "a")
    assert lab.runtime.server(BACKEND, "a").weight == 100


def test_round_robin_over_three_replicas(lab: Lab) -> None:
    for name in ("a", "b", "c"):
        add(lab, name)
    seen = shares(lab, 30)
    assert seen == Counter({"a": 10, "b": 10, "c": 10})
    stats = {server.name: server for server in lab.runtime.servers(BACKEND)}
    assert {name: stat.hrsp_2xx for name, stat in stats.items()} == {"a": 10, "b": 10, "c": 10}
    assert all(stat.serving and stat.check_passed for stat in stats.values()), stats


def test_drained_server_gets_nothing_new_then_deletes(lab: Lab) -> None:
    for name in ("a", "b", "c"):
        add(lab, name)
    lab.runtime.drain(BACKEND, "a")
    assert lab.runtime.server(BACKEND, "a").status == "DRAIN"
    before = lab.runtime.server(BACKEND, "a").hrsp_2xx
    seen = shares(lab, 20)
    assert seen == Counter({"b": 10, "c": 10})
    assert lab.runtime.server(BACKEND, "a").hrsp_2xx == before
    assert lab.runtime.wait_drained(BACKEND, "a", deadline_s=5)
    with pytest.raises(ProxyError, match="maintenance"):  # HAProxy's own rule, surfaced with its words
        lab.runtime.command(f"del server {BACKEND}/a", "Server deleted.")
    lab.runtime.del_server(BACKEND, "a")
    assert [server.name for server in lab.runtime.servers(BACKEND)] == ["b", "c"]
    lab.runtime.del_server(BACKEND, "a")  # already gone: no error, so a retried step converges
    assert set(shares(lab, 10)) == {"b", "c"}


def test_weights_shift_the_share(lab: Lab) -> None:
    add(lab, "old", weight=9)
    add(lab, "new", weight=1)
    seen = shares(lab, 200)
    assert 10 <= seen["new"] <= 30, seen  # 10% of 200 = 20
    lab.runtime.set_weight(BACKEND, "new", 9)
    lab.runtime.set_weight(BACKEND, "old", 1)
    seen = shares(lab, 200)
    assert 170 <= seen["new"] <= 190, seen
    assert lab.runtime.server(BACKEND, "new").weight == 9


def test_connection_refused_is_retried_elsewhere_and_counted(lab: Lab) -> None:
    """A server whose port is closed: every request still succeeds (retries + redispatch), and the redispatches
    (``wredis``) give that server an error rate of 1.0, the per-server signal a canary check reads."""
    add(lab, "a")
    lab.runtime.add_server(BACKEND, "broken", lab.backends["a"], 9, check=False)  # nothing listens on port 9
    assert set(shares(lab, 20)) == {"a"}
    broken = lab.runtime.server(BACKEND, "broken")
    assert broken.wredis >= 1
    assert broken.hrsp_2xx == 0
    assert broken.error_rate == 1.0
    assert lab.runtime.server(BACKEND, "a").error_rate == 0


def test_checks_run_in_maintenance_and_keep_a_failing_server_out(lab: Lab) -> None:
    """A dynamic server with checks counts as up before its first check; added in maintenance it is checked
    first. One whose check fails goes DOWN when made ready and receives nothing."""
    add(lab, "a")
    lab.start_backend("sick")
    lab.runtime.add_server(BACKEND, "sick", lab.backends["sick"], 9, check=True, ready=False)  # port 9: closed
    assert not lab.runtime.wait_checked(BACKEND, "sick", deadline_s=3)
    assert lab.runtime.server(BACKEND, "sick").status == "MAINT"
    lab.runtime.ready(BACKEND, "sick")
    deadline = time.monotonic() + 5
    while lab.runtime.server(BACKEND, "sick").status != "DOWN" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert lab.runtime.server(BACKEND, "sick").status == "DOWN"
    assert set(shares(lab, 10)) == {"a"}
    assert lab.runtime.server(BACKEND, "sick").stot == 0


def test_errors_carry_command_and_answer(lab: Lab) -> None:
    add(lab, "a")
    with pytest.raises(ProxyError) as raised:
        lab.runtime.drain(BACKEND, "nope")
    assert raised.value.command == f"set server {BACKEND}/nope state drain"
    assert raised.value.answer == "No such server."
    with pytest.raises(ProxyError, match=r"(?i)already exists"):
        lab.runtime.add_server(BACKEND, "a", lab.backends["a"], BACKEND_PORT)
    with pytest.raises(ProxyError, match="No such backend"):
        lab.runtime.add_server("other", "x", "10.0.0.1", 80)


def test_zero_failed_requests_while_a_replica_is_drained_removed_and_replaced(lab: Lab) -> None:
    """At least N=300 requests on loopback (a fresh connection each, like a load tool), sequential, while the
    rollout's traffic moves run in parallel: add a new replica (checked in maintenance first), drain an old one,
    wait until it is idle, delete it, remove its container; twice, so every original replica is replaced."""
    for name in ("a", "b"):
        add(lab, name)
    minimum, cap = 300, 5000
    outcomes: list[tuple[float, int, str]] = []
    started, moved = threading.Event(), threading.Event()

    def load() -> None:  # at least `minimum` requests, and on until the traffic moves are done (at most `cap`)
        for index in range(cap):
            if index == 30:
                started.set()
            if index >= minimum and moved.is_set():
                break
            try:
                outcomes.append((time.monotonic(), *lab.get(timeout=10)))
            except OSError as exc:
                outcomes.append((time.monotonic(), 0, repr(exc)))
        started.set()

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    try:
        assert started.wait(60)
        add(lab, "c")
        removed_at = 0.0
        for old in ("a", "b"):
            assert lab.runtime.retire(BACKEND, old, deadline_s=10)
            removed_at = time.monotonic()
            lab.stop_backend(old)
            if old == "a":
                add(lab, "d")
    finally:
        moved.set()
        worker.join(180)
    assert not worker.is_alive()

    failures = [(status, body) for _, status, body in outcomes if status != 200]
    assert minimum <= len(outcomes) < cap
    assert failures == []
    served = Counter(body for _, _, body in outcomes)
    assert set(served) == {"a", "b", "c", "d"}, served
    assert all(body in {"c", "d"} for at, _, body in outcomes if at > removed_at + 0.05)
    assert [server.name for server in lab.runtime.servers(BACKEND)] == ["c", "d"]


ANSWERS = {  # kind → (what the server does after reading the request head, the client sees a failure)
    "ok": ('printf "HTTP/1.0 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\nok\\n"', False),
    "500": ('printf "HTTP/1.0 500 Boom\\r\\nContent-Length: 5\\r\\n\\r\\nboom\\n"', True),
    "200 cut short": ('printf "HTTP/1.0 200 OK\\r\\nContent-Length: 1000\\r\\n\\r\\npartial"', True),
    "500 cut short": ('printf "HTTP/1.0 500 Boom\\r\\nContent-Length: 1000\\r\\n\\r\\npartial"', True),
    "closed without answer": ("exit 0", True),
}


def _status(lab: Lab) -> int | None:
    """One request on a fresh connection: its status, or None for an answer that ends before its length."""
    try:
        return lab.get()[0]
    except (OSError, http.client.HTTPException):
        return None


def _client_failed(lab: Lab) -> bool:
    status = _status(lab)
    return status is None or status >= 500


def test_each_request_counts_once_in_the_error_rate(lab: Lab) -> None:
    """The counters a canary is judged by, against what clients saw: each request once in ``requests``, each
    failed one once in ``errors`` (a 500 cut short is in both hrsp_5xx and eresp), so the rate stays in [0, 1]."""
    for number, (kind, (answer, fails)) in enumerate(ANSWERS.items()):
        name = f"s{number}"
        lab.runtime.add_server(BACKEND, name, lab.start_scripted_backend(name, answer), BACKEND_PORT, check=False)
        deadline = time.monotonic() + 10
        while _status(lab) == 503 and time.monotonic() < deadline:  # nc listens a moment after the container starts
            time.sleep(0.1)
        before = lab.runtime.server(BACKEND, name)
        seen = [_client_failed(lab) for _ in range(5)]
        window = lab.runtime.server(BACKEND, name).since(before)
        assert seen == [fails] * 5, kind
        assert (window.requests, window.errors) == (5, 5 if fails else 0), (kind, window)
        lab.runtime.del_server(BACKEND, name)
    refused = lab.backends["s0"]
    lab.runtime.add_server(BACKEND, "s0", refused, BACKEND_PORT, check=False)
    lab.runtime.add_server(BACKEND, "closed", refused, 9, check=False)  # nothing listens: moved to s0, unseen
    seen = [_client_failed(lab) for _ in range(6)]
    closed = lab.runtime.server(BACKEND, "closed")
    assert not any(seen) and closed.requests == closed.errors == closed.wredis >= 1


def test_response_time_is_measured_per_server(lab: Lab) -> None:
    """``rtime``, what ``strategy.max_latency`` is judged by: a server that takes a second to answer shows at least
    that (HAProxy cannot see it answer sooner than it does), a prompt one far less, and each from its first
    request, since a server added at run time starts with no history."""
    answer = 'sleep 1; printf "HTTP/1.0 200 OK\\r\\nContent-Length: 5\\r\\n\\r\\nslow\\n"'
    lab.runtime.add_server(BACKEND, "slow", lab.start_scripted_backend("slow", answer), BACKEND_PORT, check=False)
    add(lab, "quick")
    statuses = [_status(lab) for _ in range(6)]
    assert statuses == [200] * 6, statuses
    slow, quick = lab.runtime.server(BACKEND, "slow"), lab.runtime.server(BACKEND, "quick")
    assert slow.requests == quick.requests == 3
    assert slow.rtime >= 990 and quick.rtime < slow.rtime / 2, (slow.rtime, quick.rtime)
