"""The proxy steps as the executor runs them (``engine.execute.dispatch``), against the shipped fake gateway and
its fake runtime API (``engine.testing.FakeProxyRuntime``), which records what HAProxy would be told; the real
HAProxy is covered by tests/proxy and the e2e test."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.desire.types import ContainerSpec, PortBinding
from engine.errors import StepFailure
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


@pytest.mark.parametrize(("requests", "errors", "fails"), [(100, 0, False), (100, 5, False), (100, 6, True),
                                                            (10, 10, False)])
def test_canary_pause_judges_the_error_rate_of_the_watched_servers(requests: int, errors: int, fails: bool) -> None:
    gw = _gateway()
    gw.proxy.backends["web-8080"] = {"web-1-r2": FakeServer("web-1-r2", "x", 50, 1),
                                     "web-2-r1": FakeServer("web-2-r1", "y")}

    class Clock(FakeClock):
        def sleep(self, seconds: float) -> None:
            super().sleep(seconds)
            new, old = gw.proxy.backends["web-8080"]["web-1-r2"], gw.proxy.backends["web-8080"]["web-2-r1"]
            new.requests, new.errors = new.requests + requests, new.errors + errors
            old.requests, old.errors = 1000, 1000  # not watched: the old version's errors do not count

    pause = Pause(id="p", service="web", cause="c", seconds=2.0, proxy="shop-shipspec-proxy-1",
                  watch=("web-8080/web-1-r2",))
    if fails:
        with pytest.raises(StepFailure, match="canary error rate"):
            watch_canary(pause, gw, Clock())
    else:
        watch_canary(pause, gw, Clock())


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
    assert all(p.proxy == "shop-shipspec-proxy-1" for p in pauses)
