"""The rendered haproxy.cfg: shape, input checks, byte stability, and HAProxy's own verdict (``haproxy -c``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from engine.errors import RenderError
from engine.proxy import CONFIG_PATH, ProxyFrontend, ProxyTimeouts, proxy_argv, render_proxy_config

FRONTENDS = [
    ProxyFrontend("web", 80, 8000, health_path="/healthz"),
    ProxyFrontend("api", 8080, 9000),
    ProxyFrontend("db", 5432, 5432, mode="tcp"),
]


def test_one_frontend_and_one_empty_backend_per_port() -> None:
    text = render_proxy_config(FRONTENDS)
    assert "stats socket ipv4@0.0.0.0:9999 level admin" in text
    for fe in FRONTENDS:
        assert f"frontend {fe.name}\n    mode {fe.mode}\n    bind :{fe.bind_port}\n" in text
        assert f"    default_backend {fe.name}\n" in text
        assert f"backend {fe.name}\n    mode {fe.mode}\n" in text
    assert text.count("balance roundrobin") == 3
    assert text.count("option http-server-close") == 2  # http backends only
    assert text.count("option httpchk GET /healthz") == 1
    assert "\n    server " not in text and "default-server" not in text.replace("no default-server", "")
    assert "daemon" not in text.replace("no `daemon`", "")
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_byte_stable_and_options() -> None:
    assert render_proxy_config(FRONTENDS) == render_proxy_config(list(FRONTENDS))
    text = render_proxy_config(FRONTENDS[:1], admin_port=7000, timeouts=ProxyTimeouts(connect="500ms"))
    assert "ipv4@0.0.0.0:7000" in text and "timeout connect 500ms" in text


def test_empty_list_renders_a_valid_file_with_only_the_admin_socket() -> None:
    assert "frontend" not in render_proxy_config([])


@pytest.mark.parametrize(
    "build",
    [
        lambda: ProxyFrontend("web;x", 80, 80),
        lambda: ProxyFrontend("web\n  bind :1", 80, 80),
        lambda: ProxyFrontend("", 80, 80),
        lambda: ProxyFrontend("9web", 80, 80),
        lambda: ProxyFrontend("web", 0, 80),
        lambda: ProxyFrontend("web", 80, 70000),
        lambda: ProxyFrontend("web", True, 80),  # type: ignore[arg-type]
        lambda: ProxyFrontend("web", 80, 80, mode="udp"),
        lambda: ProxyFrontend("db", 80, 80, mode="tcp", health_path="/h"),
        lambda: ProxyFrontend("web", 80, 80, health_path="/h ealth"),
        lambda: ProxyFrontend("web", 80, 80, health_path="healthz"),
        lambda: ProxyTimeouts(client="1 h"),
        lambda: render_proxy_config([ProxyFrontend("a", 80, 80), ProxyFrontend("a", 81, 80)]),
        lambda: render_proxy_config([ProxyFrontend("a", 80, 80), ProxyFrontend("b", 80, 80)]),
        lambda: render_proxy_config([ProxyFrontend("a", 9999, 80)]),
    ],
)
def test_unsafe_or_inconsistent_input_is_refused(build: object) -> None:
    with pytest.raises(RenderError):
        build()  # type: ignore[operator]


def test_command_line_is_the_official_layout() -> None:
    assert proxy_argv() == ("/usr/local/sbin/haproxy", "-db", "-f", CONFIG_PATH)


@pytest.mark.docker
@pytest.mark.parametrize(
    "frontends",
    [FRONTENDS, [], [ProxyFrontend("only", 1, 65535, mode="tcp")]],
    ids=["mixed", "empty", "tcp-edge-ports"],
)
def test_haproxy_accepts_the_file_without_warnings(
    proxy_image: str, tmp_path: Path, frontends: list[ProxyFrontend]
) -> None:
    config = tmp_path / "haproxy.cfg"
    config.write_text(render_proxy_config(frontends))
    config.chmod(0o644)
    done = subprocess.run(
        ["docker", "run", "--rm", "--label", "dev.shipspec.test=1", "-v", f"{config}:{CONFIG_PATH}:ro",
         proxy_image, proxy_argv()[0], "-c", "-f", CONFIG_PATH],
        check=False, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Configuration file is valid" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr
