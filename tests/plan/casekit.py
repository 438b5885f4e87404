"""Turn a YAML plan case into (DesiredState, ObservedState) through the real spec pipeline.

A case names the spec *now* and, optionally, what an earlier apply left running (``deployed``: a spec, secrets and
image IDs at that time). Deployed containers are synthesised exactly as apply would have created them (same
labels, hashes and live values), then edited by ``containers`` (drift: stopped, removed, ``docker update``-d,
renamed) and joined by ``extra_containers`` (orphans written out by hand). ``proxy_members`` (backend → server
names) is what the running proxy reports; by default every deployed replica of a fronted service is a member.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from engine import labels as L
from engine.desire.build import build_desired
from engine.desire.naming import server_name
from engine.desire.secrets import secret_digests
from engine.desire.types import DesiredState
from engine.observe.types import (
    ContainerState,
    Health,
    ObservedContainer,
    ObservedNetwork,
    ObservedState,
    ObservedVolume,
)
from engine.spec.validate import load_and_validate

CASES = Path(__file__).parent / "cases"


def load_case(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), path
    return data


def desired_from(
    tmp: Path, spec: dict[str, Any], files: dict[str, str], case: dict[str, Any], key: str = ""
) -> DesiredState:
    folder = tmp / (key or "now")
    folder.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(content)
    for name, svc in spec.get("services", {}).items():  # build contexts must exist
        if isinstance(svc, dict) and isinstance(svc.get("build"), dict):
            (folder / svc["build"].get("context", ".")).mkdir(parents=True, exist_ok=True)
        del name
    (folder / "app.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    valid = load_and_validate(folder / "app.yaml", case.get("env_name"))
    return build_desired(
        valid,
        image_ids=case.get("images", {}),
        build_digests=case.get("build_digests", {}),
        secret_digests=secret_digests(valid, case.get("secrets", {})),
        revision=case.get("revision", 2),
    )


def _container_id(name: str, salt: str) -> str:
    return hashlib.sha256(f"{name}/{salt}".encode()).hexdigest()


def deployed_containers(desired: DesiredState, images: dict[str, str]) -> list[ObservedContainer]:
    out = []
    for svc in desired.services.values():
        for slot in range(1, svc.replicas + 1):
            spec = svc.container(slot)
            out.append(
                ObservedContainer(
                    id=_container_id(spec.name, svc.config_hash),
                    name=spec.name,
                    app=desired.app,
                    service=svc.name,
                    slot=slot,
                    revision=1,
                    config_hash=svc.config_hash,
                    image_id=images.get(svc.image_ref, "sha256:" + "0" * 64),
                    state=ContainerState.RUNNING,
                    health=Health.HEALTHY if spec.health else Health.NONE,
                    labels={**spec.labels, L.REVISION: "1"},
                    nano_cpus=spec.nano_cpus,
                    mem_limit=spec.mem_limit,
                    mem_reservation=spec.mem_reservation,
                    restart=spec.restart,
                    ports=spec.ports,
                )
            )
    return out


def _edit(c: ObservedContainer, edit: Any) -> ObservedContainer | None:
    import dataclasses

    if edit == "removed":
        return None
    assert isinstance(edit, dict), edit
    changes = dict(edit)
    if "state" in changes:
        changes["state"] = ContainerState(changes["state"])
    if "health" in changes:
        changes["health"] = Health(changes["health"])
    return dataclasses.replace(c, **changes)


def _extra(app: str, raw: dict[str, Any]) -> ObservedContainer:
    service, slot = raw["service"], int(raw.get("slot", 1))
    labels = {L.APP: app, L.SERVICE: service, L.SLOT: str(slot), L.MANAGED: "true", **raw.get("labels", {})}
    return ObservedContainer(
        id=_container_id(raw["name"], "extra"),
        name=raw["name"],
        app=app,
        service=service,
        slot=slot,
        revision=int(raw.get("revision", 1)),
        config_hash=raw.get("config_hash", "sha256:" + "e" * 64),
        image_id=raw.get("image_id", "sha256:" + "f" * 64),
        state=ContainerState(raw.get("state", "running")),
        health=Health(raw.get("health", "none")),
        labels=labels,
        exit_code=raw.get("exit_code"),
        restart=raw.get("restart", "unless-stopped"),
    )


def observed_from(tmp: Path, case: dict[str, Any], desired_now: DesiredState) -> ObservedState:
    app = desired_now.app
    containers: list[ObservedContainer] = []
    networks, volumes = [], []
    members: dict[str, tuple[str, ...]] = {}
    deployed = case.get("deployed")
    if deployed is not None:
        before = {**case, **deployed}  # deployed spec, secrets, images and digests default to the case's own
        spec = deployed.get("spec", case["spec"])
        desired_then = desired_from(tmp, spec, deployed.get("files", case.get("files", {})), before, "then")
        containers = deployed_containers(desired_then, before.get("images", {}))
        networks = [desired_then.network.name]
        if desired_then.admin_network is not None:
            networks.append(desired_then.admin_network.name)
        volumes = [v.name for v in desired_then.volumes]
        for svc in desired_then.services.values():
            for backend in svc.backends:
                members[backend.name] = tuple(server_name(svc.name, n, 1) for n in range(1, svc.replicas + 1))
    edits = case.get("containers", {})
    edited = [_edit(c, edits[c.name]) if c.name in edits else c for c in containers]
    containers = [c for c in edited if c is not None]
    containers += [_extra(app, raw) for raw in case.get("extra_containers", [])]
    networks = case.get("networks", networks)
    volumes = case.get("volumes", volumes)
    return ObservedState(
        app=app,
        engine_id="ENGINE-1",
        containers=tuple(containers),
        networks=tuple(ObservedNetwork(f"net-{n}", n) for n in networks),
        volumes=tuple(ObservedVolume(v, {L.APP: app}) for v in volumes),
        images=dict(case.get("images", {})),
        proxy_members={k: tuple(v) for k, v in case.get("proxy_members", members).items()},
    )
