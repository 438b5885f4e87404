"""The runtime client's transport and command building against an in-process fake of HAProxy's CLI (one command
per connection, answer, close), so the wire format and error handling are tested without Docker."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from engine.errors import ProxyError
from engine.proxy import HaproxyRuntime

STAT = "# pxname,svname,scur,status,weight\nweb,a,{scur},UP,100\n\n"


class FakeCli:
    def __init__(self, answer: Callable[[str], str | None]) -> None:
        self.answer = answer
        self.commands: list[str] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                command = data.decode().strip()
                self.commands.append(command)
                reply = self.answer(command)
                if reply is not None:
                    conn.sendall(reply.encode())

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def cli() -> Iterator[Callable[[Callable[[str], str | None]], tuple[FakeCli, HaproxyRuntime]]]:
    made: list[FakeCli] = []

    def make(answer: Callable[[str], str | None]) -> tuple[FakeCli, HaproxyRuntime]:
        fake = FakeCli(answer)
        made.append(fake)
        return fake, HaproxyRuntime("127.0.0.1", fake.port, timeout_s=2.0)

    yield make
    for fake in made:
        fake.close()


def haproxy(command: str) -> str:
    if command.startswith("add server"):
        return "New server registered.\n\n"
    if command.startswith("del server"):
        return "Server deleted.\n"
    if command.startswith("show stat"):
        return STAT.format(scur=0)
    if command == "show info":
        return "Name: HAProxy\nVersion: 2.6.12-1+deb12u4\n"
    return "\n"


def test_add_server_sequence(cli) -> None:  # type: ignore[no-untyped-def]
    fake, runtime = cli(haproxy)
    runtime.add_server("web", "web-2", "172.18.0.5", 8000, 10, check=True, check_interval_ms=500)
    assert fake.commands == [
        "add server web/web-2 172.18.0.5:8000 weight 10 check inter 500 rise 2 fall 2",
        "enable health web/web-2",
        "set server web/web-2 state ready",
    ]
    fake.commands.clear()
    runtime.add_server("web", "v6", "fd00::1", 80, ready=False)
    assert fake.commands == ["add server web/v6 fd00::1:80 weight 100"]


def test_state_and_weight_commands(cli) -> None:  # type: ignore[no-untyped-def]
    fake, runtime = cli(haproxy)
    runtime.drain("web", "a")
    runtime.maint("web", "a")
    runtime.ready("web", "a")
    runtime.set_weight("web", "a", 256)
    runtime.del_server("web", "a")
    runtime.del_server("web", "gone")  # not listed: nothing sent but the listing
    assert runtime.version() == "2.6.12-1+deb12u4"
    assert fake.commands == [
        "set server web/a state drain",
        "set server web/a state maint",
        "set server web/a state ready",
        "set weight web/a 256",
        "show stat -1 4 -1",
        "set server web/a state maint",
        "shutdown sessions server web/a",
        "del server web/a",
        "show stat -1 4 -1",
        "show info",
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda r: r.drain("web", "a;shutdown sessions server web/b"),
        lambda r: r.drain("web/x", "a"),
        lambda r: r.add_server("web", "a", "10.0.0.1; del server web/b", 80),
        lambda r: r.add_server("web", "a", "db.internal", 80),
        lambda r: r.add_server("web", "a", "10.0.0.1", 0),
        lambda r: r.set_weight("web", "a", 257),
        lambda r: r.set_weight("web", "a", -1),
        lambda r: r.execute("show info\nshutdown frontend web"),
    ],
)
def test_nothing_unsafe_reaches_the_socket(cli, call) -> None:  # type: ignore[no-untyped-def]
    fake, runtime = cli(haproxy)
    with pytest.raises((ProxyError, Exception)):
        call(runtime)
    assert fake.commands == []


def test_refusal_carries_command_and_answer(cli) -> None:  # type: ignore[no-untyped-def]
    _, runtime = cli(lambda command: "No such server.\n\n")
    with pytest.raises(ProxyError) as raised:
        runtime.drain("web", "a")
    assert (raised.value.command, raised.value.answer) == ("set server web/a state drain", "No such server.")
    assert "No such server." in str(raised.value)
    _, runtime = cli(lambda command: "'init-addr' option is not accepted for dynamic server\n\n")
    with pytest.raises(ProxyError, match="init-addr"):
        runtime.add_server("web", "a", "10.0.0.1", 80)


def test_unreachable_and_silent_proxies(cli) -> None:  # type: ignore[no-untyped-def]
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(ProxyError, match="did not answer"):
        HaproxyRuntime("127.0.0.1", port, timeout_s=1).version()
    _, runtime = cli(lambda command: None)  # closes without a word
    with pytest.raises(ProxyError, match="without a version"):
        runtime.version()


def test_wait_drained_and_wait_ready_are_bounded(cli) -> None:  # type: ignore[no-untyped-def]
    scur = iter([3, 2, 0])
    _, runtime = cli(lambda command: STAT.format(scur=next(scur, 0)))
    naps: list[float] = []
    assert runtime.wait_drained("web", "a", deadline_s=5, sleep=naps.append)
    assert len(naps) == 2
    _, stuck = cli(lambda command: STAT.format(scur=1))
    now = iter(float(t) for t in range(100))
    assert not stuck.wait_drained("web", "a", deadline_s=3, sleep=lambda s: None, clock=lambda: next(now))
    _, down = cli(lambda command: None)
    now = iter(float(t) for t in range(100))
    with pytest.raises(ProxyError):
        down.wait_ready(deadline_s=3, sleep=lambda s: None, clock=lambda: next(now))
