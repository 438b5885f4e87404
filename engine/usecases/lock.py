"""The apply lock: one operator at a time per app and environment, held on the Docker engine itself.

Why on the engine: two machines that share one engine must see the same lock, so it cannot live in a local file.
The lock is a container that is created but never started, named ``shipspec-lock-<app>-<env>``: creating a
container by name is atomic on the engine (a second create gets 409 Conflict). Its labels carry the holder (user,
host, pid, command), the start time and a lock ID; a small lease file inside it is rewritten while the holder runs.

Helm's lesson: a pending status that doubles as a lock leaves users stuck after a crash. Here a lock whose lease
has expired is reported as stale with its holder, and ``shipspec unlock LOCK_ID`` removes exactly that lock (by
container ID, so a lock someone acquired since is never broken by mistake). A fresh lease is only broken with
``--force``.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from engine import labels as L
from engine.errors import LockError
from engine.ports import Clock, LockBackend

LEASE_SECONDS = float(os.environ.get("SHIPSPEC_LOCK_LEASE_SECONDS", "30"))
LOCK_ID_LABEL = f"{L.PREFIX}.lock-id"
HOLDER_LABEL = f"{L.PREFIX}.lock-holder"


@dataclass(frozen=True)
class LockInfo:
    lock_id: str
    object_id: str
    user: str
    host: str
    pid: int
    command: str
    started: float
    lease_until: float

    def stale(self, now: float) -> bool:
        return now > self.lease_until

    def running(self, now: float) -> bool:
        """Its holder is at work: the lease is fresh and, when it ran on this host, its process still exists
        (a ``kill -9``-ed holder's lease stays fresh for up to a lease, but its pid is gone at once)."""
        return not self.stale(now) and not holder_is_dead_here(self)

    def describe(self, now: float) -> str:
        age = int(now - self.started)
        since = time.strftime("%H:%M:%S UTC", time.gmtime(self.started))
        if holder_is_dead_here(self):
            state = "its process no longer runs on this host (the next apply recovers the lock)"
        elif self.stale(now):
            state = f"lease expired {int(now - self.lease_until)}s ago"
        else:
            state = "lease is fresh"
        return (
            f"held by {self.user}@{self.host} (pid {self.pid}, `{self.command}`) since {since} ({age}s), {state}; "
            f"lock ID {self.lock_id}"
        )


def lock_name(app: str, env: str) -> str:
    return f"shipspec-lock-{app}-{env}" if env else f"shipspec-lock-{app}"


class AppLock:
    """Acquire with ``with AppLock(...):``; renews its lease in a background thread until released."""

    def __init__(
        self,
        backend: LockBackend,
        app: str,
        env: str,
        *,
        command: str = "",
        wait_seconds: float = 0.0,
        lease_seconds: float = LEASE_SECONDS,
        clock: Clock,
        on_wait: Callable[[LockInfo], None] | None = None,
    ) -> None:
        self.backend = backend
        self.on_wait = on_wait   # told once, when the lock is found held and this acquire starts to wait
        self.name = lock_name(app, env)
        self.command = command or " ".join(["shipspec", *sys.argv[1:]])
        self.wait_seconds = wait_seconds
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.lock_id = uuid.uuid4().hex[:12]
        self._object_id: str | None = None
        self.recovered: LockInfo | None = None   # a dead local holder's lock this acquire broke
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def acquire(self) -> None:
        deadline = self.clock.now() + self.wait_seconds
        told = False
        while True:
            holder = {
                "lock_id": self.lock_id,
                "user": _user(),
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "command": self.command,
                "started": self.clock.now(),
            }
            labels = {
                LOCK_ID_LABEL: self.lock_id,
                HOLDER_LABEL: json.dumps(holder, sort_keys=True),
                L.MANAGED: "true",
            }
            object_id = self.backend.lock_create(self.name, labels)
            if object_id is not None:
                self._object_id = object_id
                self._write_lease()
                self._start_renewing()
                return
            info = read_lock(self.backend, self.name)
            now = self.clock.now()
            if info is None:
                continue  # released between our create and our read: try again at once
            if holder_is_dead_here(info):
                # Its holder ran on this machine and its process is gone (kill -9, a crash): nobody can be
                # using the lock, so it is broken here rather than leaving the user to run `unlock`.
                self.backend.lock_remove(info.object_id)
                self.recovered = info
                continue
            if now >= deadline:
                hint = (
                    " It looks abandoned: if its holder is gone, run `shipspec unlock " + info.lock_id + "`."
                    if info.stale(now)
                    else " Wait for it (--lock-timeout SECONDS) or ask its holder."
                )
                raise LockError(f"another operation holds {self.name}: {info.describe(now)}.{hint}")
            if self.on_wait is not None and not told:
                self.on_wait(info)
                told = True
            self.clock.sleep(min(1.0, max(0.05, deadline - now)))

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        if self._object_id is not None:
            self.backend.lock_remove(self._object_id)
            self._object_id = None

    def __enter__(self) -> AppLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _write_lease(self) -> None:
        assert self._object_id is not None
        until = self.clock.now() + self.lease_seconds
        self.backend.lock_write_lease(self._object_id, json.dumps({"lease_until": until}))

    def _start_renewing(self) -> None:
        def renew() -> None:
            while not self._stop.wait(self.lease_seconds / 3):
                try:
                    self._write_lease()
                except Exception:  # a failed renewal must not kill the apply; the lease just ages
                    continue

        self._renewer = threading.Thread(target=renew, name="shipspec-lock-lease", daemon=True)
        self._renewer.start()


def read_lock(backend: LockBackend, name: str) -> LockInfo | None:
    found = backend.lock_read(name)
    if found is None:
        return None
    object_id, labels, lease_text = found
    try:
        holder = json.loads(labels.get(HOLDER_LABEL, "{}"))
        lease = json.loads(lease_text) if lease_text else {}
    except json.JSONDecodeError:
        holder, lease = {}, {}
    started = float(holder.get("started", 0.0))
    return LockInfo(
        lock_id=str(labels.get(LOCK_ID_LABEL, "?")),
        object_id=object_id,
        user=str(holder.get("user", "?")),
        host=str(holder.get("host", "?")),
        pid=int(holder.get("pid", 0)),
        command=str(holder.get("command", "?")),
        started=started,
        lease_until=float(lease.get("lease_until", started)),
    )


def holder_is_dead_here(info: LockInfo) -> bool:
    """True when the holder ran on this host and its process no longer exists."""
    if info.host != socket.gethostname() or info.pid <= 0:
        return False
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, owned by someone else
    return False


def unlock(
    backend: LockBackend, app: str, env: str, lock_id: str, *, force: bool = False, now: float | None = None
) -> LockInfo:
    """Break the lock with this ID; refuses a fresh lease unless ``force``. Returns what was removed."""
    info = read_lock(backend, lock_name(app, env))
    if info is None:
        raise LockError(f"{lock_name(app, env)} is not locked")
    if info.lock_id != lock_id:
        raise LockError(f"the lock's ID is {info.lock_id}, not {lock_id}: it changed hands; check again")
    moment = time.time() if now is None else now
    if info.running(moment) and not force:
        raise LockError(f"{info.describe(moment)}. Its holder is alive; use --force only if you are sure it is not")
    backend.lock_remove(info.object_id)
    return info


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
