"""Canaries end to end, behind shipspec's proxy with an HTTP load on loopback: a canary answering 500 is judged
from its first request and taken out of rotation the moment its window fails, so the errors clients see are
bounded by the threshold (not by how long the rollout took); and the rollback's undo of its join drains, so a
slow request in flight on it completes.

The new version is a busybox ``nc`` server running a shell script per connection (``ANSWER``): 500 on ``/``, a
slow answer on ``/slow`` (headers and half the body at once, the rest after ``SLOW_S``: cut in the middle, the
client sees it fail; HAProxy retries a request elsewhere only while nothing was answered), 200 on ``/healthz``
(so its health gate passes and it joins).
"""

from __future__ import annotations

import contextlib
import http.client
import math
import re
import subprocess
import threading
import time
from typing import Any

import pytest

from engine.execute.canary import POLL_S
from engine.proxy import ADMIN_PORT, HaproxyRuntime
from tests.e2e.conftest import Project, free_port, http_get
from tests.e2e.test_zero_downtime import ENV, FAST, Load

pytestmark = [pytest.mark.docker, pytest.mark.slow]

MIN_REQUESTS = 20
MAX_ERROR_RATE = 0.05
REACT_S = 1.0  # allowance, on a loaded 2-core machine, for one `show stat` and the drain after the failing poll
SLOW_S = 4

ANSWER = """\
read -r line
while read -r header; do [ "${#header}" -le 1 ] && break; done
case "$line" in
  *" /healthz "*) printf 'HTTP/1.0 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\nok\\n' ;;
  *" /slow "*) printf 'HTTP/1.0 200 OK\\r\\nContent-Length: 8\\r\\n\\r\\nslow'; sleep SLOW; printf ' v2\\n' ;;
  *" / "*) printf 'HTTP/1.0 500 Internal Server Error\\r\\nContent-Length: 5\\r\\n\\r\\nboom\\n' ;;
  *) printf 'HTTP/1.0 404 Not Found\\r\\nContent-Length: 0\\r\\n\\r\\n' ;;
esac
""".replace("SLOW", str(SLOW_S))


def _web(port: int, strategy: dict[str, Any], new: bool) -> dict[str, Any]:
    web: dict[str, Any] = {
        "image": "busybox:1.36",
        "replicas": 3,
        "ports": [{"container": 8080, "host": port}],
        "health": {"http": {"path": "/healthz", "port": 8080}, **FAST},
        "stop_grace_period": "2s",
        "strategy": {"type": "canary", "steps": [33, 66, 100], "health_deadline": "20s", "drain": "8s",
                     "max_error_rate": MAX_ERROR_RATE, "min_requests": MIN_REQUESTS, **strategy},
    }
    if new:
        web["command"] = ["nc", "-ll", "-p", "8080", "-e", "sh", "/srv/answer.sh"]
        web["files"] = [{"target": "/srv/answer.sh", "content": ANSWER}]
    else:
        web["command"] = ["httpd", "-f", "-p", "8080", "-h", "/www"]
        web["files"] = [{"target": f"/www/{name}", "content": text} for name, text in
                        (("index.html", "v1\n"), ("healthz", "ok\n"), ("slow", "slow v1\n"))]
    return web


def _spec(project: Project, port: int, new: bool, **strategy: Any) -> dict[str, Any]:
    return {"version": 1, "name": project.app, "proxy": {"enabled": True},
            "services": {"web": _web(port, strategy, new)}}


def _ids(project: Project) -> dict[str, str]:
    done = subprocess.run(["docker", "ps", "-q", "--no-trunc", "--filter", f"label=dev.shipspec.app={project.app}",
                           "--format", "{{.Names}} {{.ID}}"], capture_output=True, text=True, timeout=30, check=True)
    return dict(line.split() for line in done.stdout.splitlines() if "-web-" in line)


def _judged(output: str) -> tuple[int, int]:
    found = re.search(r"canary error rate (\d+)/(\d+) \(([\d.]+)%\)", output)
    assert found, output
    errors, requests, percent = int(found[1]), int(found[2]), float(found[3])
    assert errors <= requests and percent <= 100.0, found[0]
    return errors, requests


def test_a_canary_answering_500_is_judged_from_its_first_request(project: Project) -> None:
    port = free_port()
    project.write(_spec(project, port, new=False))
    project.run("apply", "-y", env=ENV, timeout=300)
    assert http_get(port) == "v1\n"
    before = _ids(project)

    project.write(_spec(project, port, new=True, pause="6s"))
    with Load(port, {"v1\n"}) as load:
        done = project.run("apply", "-y", check=None, env=ENV, timeout=300)
        result = load.stop()
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    errors, requests = _judged(output)

    # Bound: the canary (1 of 4 servers while its window is open) gets requests from its join until the first
    # poll at which it answered MIN_REQUESTS, all failed; then one poll interval and the drain. Before, it took
    # traffic for its whole window and for the old replica's drain and stop before that (1,660 errors).
    rate = result.sent / result.seconds
    share = 1 / 4
    bound = MIN_REQUESTS + math.ceil(share * rate * (POLL_S + REACT_S))
    print(f"\n{result.line('500 canary')}; judged {errors}/{requests}; client errors {result.failed} <= {bound}")
    assert requests >= MIN_REQUESTS
    assert 0 < result.failed <= bound, result.errors
    assert all("HTTP 500: " in e for e in result.errors), result.errors  # the first ten: no 502/503 from the undo
    assert http_get(port) == "v1\n"
    assert _ids(project) == before  # the window failed before any old replica left: none was replaced


def _slow(port: int, out: list[tuple[int | None, str, float]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=SLOW_S + 20)
    try:
        conn.request("GET", "/slow", headers={"Connection": "close"})
        response = conn.getresponse()
        out.append((response.status, response.read().decode(), time.monotonic()))
    except (OSError, http.client.HTTPException) as exc:
        out.append((None, f"{type(exc).__name__}: {exc}", time.monotonic()))
    finally:
        conn.close()


def _admin(project: Project) -> HaproxyRuntime:
    done = subprocess.run(["docker", "port", f"{project.app}-shipspec-proxy-1", f"{ADMIN_PORT}/tcp"],
                          capture_output=True, text=True, timeout=30, check=True)
    host, _, number = done.stdout.splitlines()[0].rpartition(":")
    assert host == "127.0.0.1", done.stdout
    return HaproxyRuntime("127.0.0.1", int(number))


def test_undoing_a_join_drains_a_request_in_flight(project: Project) -> None:
    """The canary passes for a while (its ``/`` is never asked here), a slow request lands on it, then the test
    makes the window fail (requests to ``/`` answer 500): the rollback undoes its join while that request is in
    flight, and the request completes instead of being cut (a 502 before)."""
    port = free_port()
    project.write(_spec(project, port, new=False))
    project.run("apply", "-y", env=ENV, timeout=300)
    api = _admin(project)
    old = set(api.server_names()[f"web-{port}"])

    project.write(_spec(project, port, new=True, pause="40s"))
    applied: list[subprocess.CompletedProcess[str]] = []
    apply = threading.Thread(target=lambda: applied.append(project.run("apply", "-y", check=None, env=ENV,
                                                                       timeout=300)))
    apply.start()
    slow: list[tuple[int | None, str, float]] = []
    senders: list[threading.Thread] = []
    try:
        deadline = time.monotonic() + 120
        canary = ""
        while not canary and time.monotonic() < deadline and apply.is_alive():
            up = [s for s in api.servers(f"web-{port}") if s.name not in old and s.serving]
            canary = up[0].name if up else ""
            time.sleep(0.2)
        assert canary, "the canary never joined"
        while api.server(f"web-{port}", canary).scur == 0 and time.monotonic() < deadline:
            senders += [threading.Thread(target=_slow, args=(port, slow)) for _ in range(4)]
            for t in senders[-4:]:
                t.start()
            time.sleep(0.3)
        assert api.server(f"web-{port}", canary).scur > 0, "no slow request reached the canary"
        failing = time.monotonic()
        while apply.is_alive() and time.monotonic() < deadline:  # 500s on / until the window fails
            with contextlib.suppress(OSError):
                http_get(port)
    finally:
        apply.join(timeout=300)
        for t in senders:
            t.join(timeout=SLOW_S + 30)
    assert applied and applied[0].returncode != 0, applied
    _judged(applied[0].stdout + applied[0].stderr)
    print(f"\nslow requests: {[(status, body.strip()) for status, body, _ in slow]}")
    assert all(status == 200 for status, _, _ in slow), slow
    assert any(body == "slow v2\n" and ended > failing for _, body, ended in slow), slow
    assert http_get(port) == "v1\n"
