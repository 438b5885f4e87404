"""The members file a restarted HAProxy loads: shape, round trip, refusals, and HAProxy's own verdict on it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from engine.errors import ProxyError, RenderError
from engine.proxy import CONFIG_PATH, ProxyFrontend, proxy_argv, render_proxy_config
from engine.proxy.config import empty_backends
from engine.proxy.members import MEMBERS_PATH, Backend, Member, parse_members, render_members, with_members

FRONTENDS = [ProxyFrontend("web-8080", 8080, 8000, "http", "/healthz"), ProxyFrontend("db-5432", 5432, 5432, "tcp")]
FULL = with_members(
    empty_backends(FRONTENDS),
    {"web-8080": [Member("web-2-r3", "0123456789ab", 8000), Member("web-1-r3", "ba9876543210", 8000, 50)]},
)


def test_members_round_trip_byte_for_byte_with_servers_sorted() -> None:
    text = render_members(FULL)
    assert parse_members(text) == [
        Backend("web-8080", "http", (Member("web-1-r3", "ba9876543210", 8000, 50), Member("web-2-r3", "0123456789ab",
                8000)), "/healthz"),
        Backend("db-5432", "tcp"),
    ]
    assert render_members(parse_members(text)) == text
    assert text.index("web-1-r3") < text.index("web-2-r3")
    assert "resolvers docker init-addr libc,none" in text


def test_main_config_names_backends_the_members_file_defines() -> None:
    main = render_proxy_config(FRONTENDS, separate_backends=True)
    assert "\nbackend " not in main and "default_backend web-8080" in main and "resolvers docker" in main
    assert render_proxy_config(FRONTENDS).count("\nbackend ") == 2  # inline for a proxy without a members file


@pytest.mark.parametrize(
    "text",
    [
        "backend web\n    server a 1.2.3.4:80 check\n",
        "backend web\n    timeout server 5s\n",
        "    server a b:1 weight 1 x\n",
    ],
    ids=["server-without-weight", "foreign-keyword", "server-outside-backend"],
)
def test_a_file_shipspec_did_not_write_is_refused(text: str) -> None:
    with pytest.raises(ProxyError, match="line"):
        parse_members(text)


def test_unsafe_members_are_refused() -> None:
    with pytest.raises(ProxyError):
        Member("web-1", "host;shutdown", 80)
    with pytest.raises(RenderError):
        Member("web 1", "abc", 80)
    with pytest.raises(ProxyError):
        Member("web-1", "abc", 0)


def test_argv_loads_the_members_file_after_the_main_one_in_master_worker_mode() -> None:
    argv = proxy_argv(CONFIG_PATH, MEMBERS_PATH)
    assert argv[:2] == ("/bin/sh", "-c")
    assert f"/usr/local/sbin/haproxy -W -db -f {CONFIG_PATH} -f {MEMBERS_PATH} &" in argv[2]


@pytest.mark.docker
def test_haproxy_accepts_main_and_members_files_together(proxy_image: str, tmp_path: Path) -> None:
    (tmp_path / "live").mkdir()
    main, members = tmp_path / "haproxy.cfg", tmp_path / "live" / "backends.cfg"
    main.write_text(render_proxy_config(FRONTENDS, separate_backends=True))
    members.write_text(render_members(FULL))
    for path in (main, members, tmp_path / "live"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    done = subprocess.run(
        ["docker", "run", "--rm", "--label", "dev.shipspec.test=1", "-v", f"{main}:{CONFIG_PATH}:ro",
         "-v", f"{tmp_path / 'live'}:{MEMBERS_PATH.rpartition('/')[0]}:ro", proxy_image,
         proxy_argv()[0], "-c", "-f", CONFIG_PATH, "-f", MEMBERS_PATH],
        check=False, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Configuration file is valid" in done.stdout
