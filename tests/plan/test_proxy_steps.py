"""The proxy steps as the executor runs them (``engine.execute.dispatch``), against the shipped fake gateway and
its fake runtime API (``engine.testing.FakeProxyRuntime``), which records what HAProxy would be told; the real
HAProxy is covered by tests/proxy and the e2e test."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from engine.desire.types import ContainerSpec, PortBinding
from engine.errors import StepFailure
from engine.execute.canary import POLL_S as CANARY_POLL_S
from engine.execute.dispatch import proxy_add, proxy_remove, undo_step, watch_canary
from engine.plan.steps import Pause, ProxyAddServer, ProxyRemoveServer
from engine.testing import FakeClock, FakeGateway, FakeServer

IMAGE = "sha256:" + "a" * 64


def _gateway() -> FakeGateway:
    gw = FakeGateway(images={"img": IMAGE})
    proxy = ContainerSpec(name="shop-shipspec-proxy-1", image=IMAGE, labels={}, config_hash="",
                          ports=(PortBinding(9999, "tcp", 0, "127.0.0.1"),))
    web = ContainerSpec(name="shop-web-1-next", image=IMAGE, labels={}, config_hash="", network="shop")
    for spec in (proxy, web):
        gw.create_container(spec)
        gw.start(spec.name)
    return gw


ADD = ProxyAddServer(id="a", service="web", cause="c", proxy="shop-shipspec-proxy-1", backend="web-8080",
                     server="web-1-r2", container="shop-web-1-next", network="shop", port=8080, deadline_s=5.0,
                     drain_s=7.0)
REMOVE = ProxyRemoveServer(id="r", service="web", cause="c", proxy="shop-shipspec-proxy-1", backend="web-8080",
                           server="web-1-r1", drain_s=3.0, container="shop-web-1-next", network="shop", port=8080)


def test_add_checks_first_then_sets_ready() -> None:
    gw = _gateway()
    proxy_add(ADD, gw, FakeClock())
    ip = gw.container_ip("shop-web-1-next", "shop")
    assert gw.proxy.log == [f"add web-8080/web-1-r2 {ip}:8080 check=True ready=False", "ready web-8080/web-1-r2"]


def test_add_is_idempotent_and_replaces_a_leftover_at_another_address() -> None:
    gw = _gateway()
    proxy_add(ADD, gw, FakeClock())
    proxy_add(ADD, gw, FakeClock())
    assert [line.split()[0] for line in gw.proxy.log] == ["add", "ready", "ready"]
    gw.proxy.backends["web-8080"]["web-1-r2"].addr = "10.9.9.9:8080"
    proxy_add(ADD, gw, FakeClock())
    assert [line.split()[0] for line in gw.proxy.log[3:]] == ["del", "add", "ready"]


def test_add_whose_proxy_check_fails_is_removed_and_fails_the_step() -> None:
    gw = _gateway()
    gw.proxy.backends["web-8080"] = {"web-1-r2": FakeServer("web-1-r2", "", checked=False)}
    gw.proxy.backends["web-8080"]["web-1-r2"].addr = f"{gw.container_ip('shop-web-1-next', 'shop')}:8080"
    with pytest.raises(StepFailure, match="did not pass"):
        proxy_add(ADD, gw, FakeClock())
    assert "web-1-r2" not in gw.proxy.backends["web-8080"]


def test_remove_retires_and_a_missing_proxy_is_fine() -> None:
    gw = _gateway()
    proxy_remove(REMOVE, gw, FakeClock())
    assert gw.proxy.log == ["retire web-8080/web-1-r1 3"]
    gw.remove("shop-shipspec-proxy-1")
    proxy_remove(REMOVE, gw, FakeClock())
    assert len(gw.proxy.log) == 1


def test_undo_of_add_removes_and_undo_of_remove_adds_back() -> None:
    gw = _gateway()
    undo_add = undo_step(ADD, gw, FakeClock())
    undo_remove = undo_step(REMOVE, gw, FakeClock())
    assert undo_add is not None and undo_remove is not None
    undo_remove()
    assert "web-1-r1" in gw.proxy.backends["web-8080"]
    undo_add()
    assert gw.proxy.log[-1] == "retire web-8080/web-1-r2 7"  # drained like any leaving replica
    assert undo_step(ProxyRemoveServer(id="s", service="web", cause="stale", proxy="p", backend="b", server="s",
                                       drain_s=0.0), gw, FakeClock()) is None


class Traffic(FakeClock):
    """Time-driven load on the fake proxy: per second, ``rate`` requests to the canary of which ``failing`` fail
    (counted the way ServerStat counts them), and the old replica's own (unwatched) errors."""

    def __init__(self, gw: FakeGateway, rate: float, failing: float) -> None:
        super().__init__()
        self.gw, self.rate, self.failing, self.began = gw, rate, failing, self.mono

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        new, old = self.gw.proxy.backends["web-8080"]["web-1-r2"], self.gw.proxy.backends["web-8080"]["web-2-r1"]
        if new.state == "ready":  # a drained canary gets no new request
            elapsed = self.mono - self.began
            new.requests, new.errors = int(self.rate * elapsed), int(self.failing * elapsed)
        old.requests, old.errors = 1000, 1000  # not watched: the old version's errors do not count


def _canary_proxy() -> FakeGateway:
    gw = _gateway()
    gw.proxy.backends["web-8080"] = {"web-1-r2": FakeServer("web-1-r2", "x", state="ready"),
                                     "web-2-r1": FakeServer("web-2-r1", "y", state="ready")}
    return gw


PAUSE = Pause(id="p", service="web", cause="c", seconds=2.0, proxy="shop-shipspec-proxy-1",
              watch=("web-8080/web-1-r2",), joined=("web-8080/web-1-r2",))


@pytest.mark.parametrize(("rate", "failing", "fails"), [(50, 0, False), (50, 2.5, False), (50, 3.5, True),
                                                        (5, 5, False)])
def test_canary_window_judges_the_error_rate_of_the_watched_servers(rate: float, failing: float,
                                                                    fails: bool) -> None:
    """5% of 50/s passes, 7% fails; 5 failing requests a second never reach the 20 requests judging needs."""
    gw = _canary_proxy()
    if fails:
        with pytest.raises(StepFailure, match="canary error rate"):
            watch_canary(PAUSE, gw, Traffic(gw, rate, failing))
    else:
        watch_canary(PAUSE, gw, Traffic(gw, rate, failing))


def test_a_failing_canary_is_drained_at_the_first_poll_past_the_threshold() -> None:
    """Every request fails: at 100/s the 20 requests judging needs come after 0.2 s, so the window fails at the
    first poll after that, long before its 2 s, and the canary is drained then; the rate never exceeds 100%."""
    gw = _canary_proxy()
    clock = Traffic(gw, 100, 100)
    with pytest.raises(StepFailure, match=r"canary error rate (\d+)/(\d+) \(100\.0%\)") as failed:
        watch_canary(PAUSE, gw, clock)
    errors, requests = map(int, re.search(r"(\d+)/(\d+)", str(failed.value)).groups())  # type: ignore[union-attr]
    assert errors == requests
    assert PAUSE.min_requests <= requests <= PAUSE.min_requests + 100 * CANARY_POLL_S
    assert clock.mono - clock.began <= 0.2 + CANARY_POLL_S + 1e-9
    assert gw.proxy.log[-1] == "drain web-8080/web-1-r2"
    assert gw.proxy.backends["web-8080"]["web-2-r1"].state == "ready"  # the old version keeps serving


def test_servers_of_an_earlier_step_are_judged_from_the_window_start() -> None:
    """A canary that joined for an earlier pause has its history judged already: only what it answers in this
    window counts (100 old failures do not fail it), while the newly joined one counts from zero."""
    gw = _canary_proxy()
    gw.proxy.backends["web-8080"]["web-1-r2"].requests = 100
    gw.proxy.backends["web-8080"]["web-1-r2"].errors = 100
    earlier = dataclasses.replace(PAUSE, seconds=0.5, joined=())

    class Quiet(FakeClock):
        def sleep(self, seconds: float) -> None:
            super().sleep(seconds)
            gw.proxy.backends["web-8080"]["web-1-r2"].requests += 10

    watch_canary(earlier, gw, Quiet())
    with pytest.raises(StepFailure, match="100/150"):  # 100 failed before the first window, 50 fine in it
        watch_canary(dataclasses.replace(earlier, joined=PAUSE.joined), gw, FakeClock())


def test_canary_pauses_behind_the_proxy_watch_the_servers_that_joined_before_them(tmp_path: Path) -> None:
    from engine.plan.plan import make_plan
    from tests.plan.casekit import desired_from, observed_from

    web = {"image": "nginx:1.27", "replicas": 3, "ports": [{"container": 80, "host": 8080}],
           "health": {"http": {"path": "/"}}, "strategy": {"type": "canary", "steps": [33, 66, 100], "pause": "2s"}}
    images = {"nginx:1.27": IMAGE, "haproxy:2.6": "sha256:" + "c" * 64}
    spec = {"version": 1, "name": "shop", "proxy": {"enabled": True}, "services": {"web": web}}
    then = {"version": 1, "name": "shop", "proxy": {"enabled": True},
            "services": {"web": {**web, "env": {"V": "1"}}}}
    case = {"spec": spec, "images": images, "deployed": {"spec": then}}
    desired = desired_from(tmp_path, spec, {}, case)
    plan = make_plan(desired, observed_from(tmp_path, case, desired))
    pauses = [s for s in plan.steps if isinstance(s, Pause)]
    assert [p.watch for p in pauses] == [("web-8080/web-1-r2",), ("web-8080/web-1-r2", "web-8080/web-2-r2")]
    assert [p.joined for p in pauses] == [("web-8080/web-1-r2",), ("web-8080/web-2-r2",)]
    assert all(p.proxy == "shop-shipspec-proxy-1" for p in pauses)

    # The window opens the moment the canary joined (not after the old replica drained and stopped), and the old
    # replica leaves the proxy only once the window passed.
    by_id = {s.id: s for s in plan.steps}
    assert pauses[0].after == ("proxy-add:web-8080/web-1-r2",)
    assert by_id["proxy-remove:web-8080/web-1-r1"].after == ("pause:web:1",)
    assert pauses[1].after == ("proxy-add:web-8080/web-2-r2",)
    assert by_id["proxy-remove:web-8080/web-2-r1"].after == ("pause:web:2",)
    order = [s.id for s in plan.steps]
    assert "proxy-remove:web-8080/web-3-r1" in order and "pause:web:3" not in order  # the last step is not held


@pytest.mark.parametrize(("rtime", "rate", "fails"), [(800, 50, True), (300, 50, False), (800, 5, False)])
def test_canary_window_judges_the_response_time_once_enough_requests_answered(rtime: int, rate: float,
                                                                             fails: bool) -> None:
    """max_latency 500 ms against HAProxy's rtime: 800 ms fails, 300 ms passes; 5 requests a second never reach the
    20 requests judging needs, however slow they are."""
    gw = _canary_proxy()
    gw.proxy.backends["web-8080"]["web-1-r2"].rtime = rtime
    pause = dataclasses.replace(PAUSE, max_latency_s=0.5)
    if fails:
        with pytest.raises(StepFailure, match=r"canary response time 800 ms on average .* above 500 ms"):
            watch_canary(pause, gw, Traffic(gw, rate, 0))
        assert gw.proxy.log[-1] == "drain web-8080/web-1-r2"
    else:
        watch_canary(pause, gw, Traffic(gw, rate, 0))
