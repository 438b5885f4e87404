"""The benchmark app, written twice: a shipspec ``app.yaml`` and the equivalent ``docker-compose.yml``.

N busybox ``httpd`` services (``s01``…), each serving the same read-only bind-mounted page, with a Docker health
check (busybox ``wget`` against the page), no published ports. Every probe is an exec costing about 60 ms of CPU
here, so 40 services probed every second keep two cores busy by themselves; the interval grows with N to hold the
probe rate at ``PROBES_PER_SECOND`` (1 s at N = 10, 2 s at N = 40). ``chain`` makes each service depend on the previous
one being healthy (shipspec ``depends_on: {prev: healthy}``, Compose ``condition: service_healthy``); ``flat`` has no
dependencies. Both files ask for the same container settings, so neither tool does less work: shipspec's secure
defaults (user 10001, read-only root, all capabilities dropped, no-new-privileges, Docker's init, restart
unless-stopped) are spelled out for Compose, whose file format 2.4 supports all of them and the long ``depends_on``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

IMAGE = "busybox:1.36"
COMMAND = ["httpd", "-f", "-p", "8080", "-h", "/www"]
PROBE = ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]  # what shipspec writes for health.http
PROBES_PER_SECOND = 20  # a Docker 20.10 health probe (an exec) costs about 60 ms of CPU: 20/s is over a core of 2
TIMEOUT = "10s"  # generous: on a loaded machine an exec can take seconds, and a timed-out probe is a failure
RETRIES = 3
STOP_GRACE = "2s"
ENV_KEY = "BENCH_REV"
RUN_LABEL = "shipspec-bench.run"  # on every container of both tools, so a sweep finds leftovers
SHAPES = ("flat", "chain")


@dataclass(frozen=True)
class BenchApp:
    """One generated app: its folder, shipspec app name and Compose project name."""

    shape: str
    n: int
    folder: Path
    app: str        # shipspec app name (a DNS label, at most 30 characters)
    project: str    # Compose project name
    run_id: str

    @property
    def spec(self) -> Path:
        return self.folder / "app.yaml"

    @property
    def compose_file(self) -> Path:
        return self.folder / "docker-compose.yml"

    @property
    def state_dir(self) -> Path:
        return self.folder / "state"

    @property
    def interval(self) -> str:
        return f"{max(1, -(-self.n // PROBES_PER_SECOND))}s"

    @property
    def changed_service(self) -> str:
        """The service whose env value the "one changed service" step edits: the middle one (in a chain it has
        both dependencies and dependents)."""
        return service_name(max(1, self.n // 2))

    @property
    def recreate_service(self) -> str | None:
        """The service that carries ``strategy: recreate`` in the shipspec file (the one after the middle, when
        N ≥ 2): its change is timed too, as stop-first like Compose's. Compose has no such setting."""
        return service_name(self.n // 2 + 1) if self.n >= 2 else None


def service_name(i: int) -> str:
    return f"s{i:02d}"


def _shipspec_doc(app: BenchApp, rev: dict[str, str]) -> dict[str, Any]:
    services: dict[str, Any] = {}
    for i in range(1, app.n + 1):
        name = service_name(i)
        svc: dict[str, Any] = {
            "image": IMAGE,
            "command": list(COMMAND),
            "env": {ENV_KEY: rev.get(name, "1")},
            "volumes": [{"source": "./www", "target": "/www", "read_only": True}],
            "health": {"http": {"path": "/", "port": 8080}, "interval": app.interval, "timeout": TIMEOUT,
                       "retries": RETRIES},
            "stop_grace_period": STOP_GRACE,
        }
        if app.shape == "chain" and i > 1:
            svc["depends_on"] = {service_name(i - 1): "healthy"}
        if name == app.recreate_service:
            svc["strategy"] = {"type": "recreate"}
        services[name] = svc
    return {
        "version": 1,
        "name": app.app,
        "description": f"benchmark: {app.n} busybox httpd services, {app.shape}",
        "labels": {RUN_LABEL: app.run_id},
        "services": services,
    }


def _compose_doc(app: BenchApp, rev: dict[str, str]) -> dict[str, Any]:
    services: dict[str, Any] = {}
    for i in range(1, app.n + 1):
        name = service_name(i)
        svc: dict[str, Any] = {
            "image": IMAGE,
            "command": list(COMMAND),
            "environment": {ENV_KEY: rev.get(name, "1")},
            "volumes": ["./www:/www:ro"],
            "healthcheck": {"test": list(PROBE), "interval": app.interval, "timeout": TIMEOUT, "retries": RETRIES,
                            "start_period": "0s"},
            "stop_grace_period": STOP_GRACE,
            "init": True,
            "user": "10001:10001",
            "read_only": True,
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges:true"],
            "restart": "unless-stopped",
            "labels": {RUN_LABEL: app.run_id},
        }
        if app.shape == "chain" and i > 1:
            svc["depends_on"] = {service_name(i - 1): {"condition": "service_healthy"}}
        services[name] = svc
    return {"version": "2.4", "services": services}


def write_app(app: BenchApp, rev: dict[str, str] | None = None) -> None:
    """(Re)write both files; ``rev`` maps a service to its ``BENCH_REV`` value (default "1")."""
    rev = rev or {}
    (app.folder / "www").mkdir(parents=True, exist_ok=True)
    (app.folder / "www" / "index.html").write_text("<h1>shipspec benchmark</h1>\n", encoding="utf-8")
    header = "# Generated by benchmarks/run.py; rewritten on every run.\n"
    app.spec.write_text(header + yaml.safe_dump(_shipspec_doc(app, rev), sort_keys=False), encoding="utf-8")
    app.compose_file.write_text(header + yaml.safe_dump(_compose_doc(app, rev), sort_keys=False), encoding="utf-8")


def make_app(work: Path, shape: str, n: int, run_id: str) -> BenchApp:
    key = f"{shape}{n}"
    return BenchApp(shape, n, work / key, app=f"bench-{key}-{run_id}", project=f"cbench-{key}-{run_id}",
                    run_id=run_id)
