"""One host port on two addresses (127.0.0.1:8080 for one service, 127.0.0.2:8080 for another) is a valid layout:
validation accepts it, and so must the plan (the proxy used to refuse two frontends binding one port)."""

from __future__ import annotations

from pathlib import Path

from engine.desire.build import build_desired
from engine.desire.types import PROXY_SERVICE
from engine.observe.types import ObservedState
from engine.plan.plan import make_plan
from engine.spec.validate import load_and_validate

SPEC = """\
version: 1
name: shop
services:
  web:
    image: nginx:1.27
    ports: [{container: 80, host: 8080, host_ip: 127.0.0.1}, {container: 81, host: 8080, host_ip: 127.0.0.3}]
  api:
    image: nginx:1.27
    ports: [{container: 80, host: 8080, host_ip: 127.0.0.2}, {container: 82, host: 20000}]
"""


def test_two_addresses_on_one_port_plan(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(SPEC)
    valid = load_and_validate(tmp_path / "app.yaml")
    desired = build_desired(valid, image_ids={}, build_digests={}, secret_digests={}, revision=1)
    proxy = desired.services[PROXY_SERVICE].template
    published = sorted((p.host_ip, p.host, p.container) for p in proxy.ports if p.host)
    assert [(ip, host) for ip, host, _ in published] == [
        ("127.0.0.1", 8080), ("127.0.0.1", 20000), ("127.0.0.2", 8080), ("127.0.0.3", 8080)
    ]
    inside = [container for _, _, container in published]
    assert len(set(inside)) == len(inside), f"each published address needs its own port in the proxy: {published}"
    config = proxy.files[0].content
    assert config.count("frontend ") == 4
    plan = make_plan(desired, ObservedState(app="shop", engine_id="e"))
    assert plan.has_changes
