"""A client for HAProxy's runtime API (the "stats socket" at admin level), over TCP to the admin port that the
proxy container publishes on 127.0.0.1.

Why the runtime API: servers are added, weighed, drained and deleted in the running process, so moving traffic
between replicas never reloads HAProxy and never drops a connection. One command per connection, like
``echo "cmd" | socat - TCP:127.0.0.1:PORT``: HAProxy answers and closes, so a reply is everything read until EOF.

Behaviour of HAProxy 2.6 this client relies on (each checked against Debian's 2.6.12 by ``tests/proxy``):

- ``add server B/S ADDR:PORT weight W [check inter ..]`` answers ``New server registered.``; the server starts in
  maintenance (``MAINT``) with its checks disabled, so it needs ``set server B/S state ready`` (and
  ``enable health B/S`` when added with ``check``). ``default-server`` lines do not apply to it, hence every option
  is passed on the command.
- A server added with ``check`` counts as up (``UP 1/2``, check ``INI``) before its first check, so it would take
  traffic unproven; its checks do run while it is in maintenance, so ``add_server(..., check=True, ready=False)``,
  ``wait_checked`` and then ``ready`` puts it in rotation only after HAProxy saw it healthy.
- ``set server B/S state drain``: no new requests or connections, in-flight ones finish (``scur`` falls to 0).
- ``del server B/S`` refuses a server that is not in maintenance (``Only servers in maintenance mode can be
  deleted.``) or still has connections; it answers ``Server deleted.``.
- Every other command answers an empty line on success and a sentence on failure (``No such server.``,
  ``Absolute weight can only be between 0 and 256 inclusive.``).
- ``;`` separates commands on one line, so names and addresses are validated before they are sent.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable

from engine.errors import ProxyError
from engine.proxy.members import check_name
from engine.proxy.stats import ServerStat, parse_show_stat

MAX_WEIGHT = 256
_MAX_ANSWER = 16 << 20

Sleep = Callable[[float], None]
Clock = Callable[[], float]


def _addr(addr: str) -> str:
    try:
        return str(ipaddress.ip_address(addr))
    except ValueError:
        raise ProxyError(f"proxy server address {addr!r} is not an IP address") from None


def _weight(weight: int) -> int:
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= MAX_WEIGHT:
        raise ProxyError(f"proxy server weight {weight!r} is not between 0 and {MAX_WEIGHT}")
    return weight


def _target(backend: str, name: str) -> str:
    return f"{check_name('backend', backend)}/{check_name('server', name)}"


class HaproxyRuntime:
    """Commands for one HAProxy process. ``timeout_s`` bounds each connection (connect, send and the whole read).
    Every method raises ``ProxyError`` with the command and HAProxy's answer when HAProxy refuses or is unreachable.
    """

    def __init__(self, host: str, port: int, timeout_s: float = 5.0) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"HaproxyRuntime({self.host!r}, {self.port})"

    # --- transport -------------------------------------------------------------------------------------------

    def execute(self, command: str) -> str:
        """Send one command, return HAProxy's whole answer (unchecked). Only for trusted command text."""
        if "\n" in command or "\r" in command:
            raise ProxyError("a runtime API command is one line", command)
        deadline = time.monotonic() + self.timeout_s
        chunks: list[bytes] = []
        size = 0
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout_s) as conn:
                conn.sendall(command.encode("ascii") + b"\n")
                while True:
                    conn.settimeout(max(0.01, deadline - time.monotonic()))
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > _MAX_ANSWER or time.monotonic() > deadline:
                        raise ProxyError(f"haproxy at {self.host}:{self.port}: answer too long or too slow", command)
        except OSError as exc:
            raise ProxyError(f"haproxy at {self.host}:{self.port} did not answer {command!r}: {exc}", command) from exc
        return b"".join(chunks).decode("utf-8", "replace")

    def command(self, command: str, success: str = "") -> str:
        """Run a command whose successful answer is ``success`` (a leading sentence) or empty; raise otherwise."""
        answer = self.execute(command)
        text = answer.strip()
        accepted = text.startswith(success) if success else text == ""
        if accepted:
            return answer
        raise ProxyError(f"haproxy refused {command!r}: {text or '(empty answer)'}", command, text)

    # --- liveness ----------------------------------------------------------------------------------------------

    def version(self) -> str:
        """HAProxy's version (``show info``); proves the API answers at admin level."""
        for line in self.execute("show info").splitlines():
            if line.startswith("Version:"):
                return line.partition(":")[2].strip()
        raise ProxyError(f"haproxy at {self.host}:{self.port} answered show info without a version", "show info")

    def wait_ready(self, deadline_s: float, sleep: Sleep = time.sleep, clock: Clock = time.monotonic) -> str:
        """Poll ``version()`` until it answers (a just-started container needs a moment to listen) or the deadline
        passes; return the version or raise the last ``ProxyError``."""
        end = clock() + deadline_s
        while True:
            try:
                return self.version()
            except ProxyError:
                if clock() >= end:
                    raise
            sleep(0.1)

    # --- servers -----------------------------------------------------------------------------------------------

    def add_server(
        self,
        backend: str,
        name: str,
        addr: str,
        port: int,
        weight: int = 100,
        *,
        check: bool = False,
        check_interval_ms: int = 1000,
        ready: bool = True,
    ) -> None:
        """Add a server and, unless ``ready=False``, put it in rotation at once (HAProxy adds it in maintenance).
        Add a replica only after it passed its health gate. With ``check`` HAProxy probes it too (the backend's
        ``option httpchk`` or a TCP connect), rise 2 / fall 2, and takes it out while it fails."""
        target = _target(backend, name)
        options = f"weight {_weight(weight)}"
        if check:
            options += f" check inter {int(check_interval_ms)} rise 2 fall 2"
        if not 0 < port < 65536:
            raise ProxyError(f"proxy server port {port!r} is not a TCP port")
        self.command(f"add server {target} {_addr(addr)}:{int(port)} {options}", "New server registered.")
        if check:
            self.command(f"enable health {target}")
        if ready:
            self.ready(backend, name)

    def set_weight(self, backend: str, name: str, weight: int) -> None:
        """Set the server's share: with weights 1 and 9 it gets about 10% of new requests (0 stops new ones)."""
        self.command(f"set weight {_target(backend, name)} {_weight(weight)}")

    def ready(self, backend: str, name: str) -> None:
        """Back in rotation from maintenance or drain."""
        self.command(f"set server {_target(backend, name)} state ready")

    def drain(self, backend: str, name: str) -> None:
        """No new requests or connections; the ones in flight finish. Follow with ``wait_drained``."""
        self.command(f"set server {_target(backend, name)} state drain")

    def maint(self, backend: str, name: str) -> None:
        """Out of rotation entirely (new traffic goes elsewhere; established sessions are not cut)."""
        self.command(f"set server {_target(backend, name)} state maint")

    def shutdown_sessions(self, backend: str, name: str) -> None:
        """Cut every session still on the server (the end of a drain that ran out of time)."""
        self.command(f"shutdown sessions server {_target(backend, name)}")

    def del_server(self, backend: str, name: str) -> None:
        """Delete the server: maintenance first (HAProxy refuses otherwise), then cut whatever is still open (drain
        and ``wait_drained`` before this for a graceful exit), then ``del server``. Deleting a server that does not
        exist is not an error, so a retried step converges."""
        if name not in {server.name for server in self.servers(backend)}:
            return
        self.maint(backend, name)
        self.shutdown_sessions(backend, name)
        self.command(f"del server {_target(backend, name)}", "Server deleted.")

    def servers(self, backend: str) -> list[ServerStat]:
        """The backend's servers with their state and counters, in HAProxy's order.

        Asks for every proxy's servers (``show stat -1 4 -1``) and filters here: ``show stat <name> ...`` resolves
        the name to the first proxy called so, which is the frontend of the same name, and answers no servers."""
        return parse_show_stat(self.execute("show stat -1 4 -1"), check_name("backend", backend))

    def server_names(self) -> dict[str, tuple[str, ...]]:
        """Backend → its servers' names, from one ``show stat``: what the planner compares with the replicas."""
        out: dict[str, list[str]] = {}
        for stat in parse_show_stat(self.execute("show stat -1 4 -1")):
            out.setdefault(stat.backend, []).append(stat.name)
        return {backend: tuple(names) for backend, names in out.items()}

    def server(self, backend: str, name: str) -> ServerStat:
        for server in self.servers(backend):
            if server.name == name:
                return server
        raise ProxyError(f"haproxy has no server {backend}/{name}", "show stat -1 4 -1")

    def wait_drained(
        self, backend: str, name: str, deadline_s: float, sleep: Sleep = time.sleep, clock: Clock = time.monotonic
    ) -> bool:
        """Poll until the server has no sessions in flight (``scur == 0``); False when ``deadline_s`` passes first.
        The caller decides what a timeout means (usually: ``del_server`` anyway, which cuts what is left)."""
        end = clock() + deadline_s
        while True:
            if self.server(backend, name).scur == 0:
                return True
            if clock() >= end:
                return False
            sleep(0.1)

    def wait_checked(
        self, backend: str, name: str, deadline_s: float, sleep: Sleep = time.sleep, clock: Clock = time.monotonic
    ) -> bool:
        """Poll until HAProxy's own health check of the server passed (see ``ServerStat.check_passed``); False when
        ``deadline_s`` passes first. Only for servers added with ``check=True``."""
        end = clock() + deadline_s
        while True:
            if self.server(backend, name).check_passed:
                return True
            if clock() >= end:
                return False
            sleep(0.1)

    def retire(self, backend: str, name: str, deadline_s: float, sleep: Sleep = time.sleep) -> bool:
        """Drain, wait until idle or ``deadline_s``, delete; True when the drain finished before the deadline."""
        if name not in {server.name for server in self.servers(backend)}:
            return True
        self.drain(backend, name)
        drained = self.wait_drained(backend, name, deadline_s, sleep)
        self.del_server(backend, name)
        return drained
