"""Pure translation of a ``ContainerSpec`` into the body of the engine's ``POST /containers/create``.

We write the engine's JSON ourselves instead of going through the SDK's ``create_host_config`` keyword soup: every
``ContainerSpec`` field maps to exactly one key below, visible in one place and unit-testable without an engine.
Must not import ``docker`` (only ``engine/adapters/docker.py`` does).
"""

from __future__ import annotations

from typing import Any

from engine.desire.types import ContainerSpec, HealthCheck, Mount, PortBinding

_NS = 1_000_000_000
_HEALTH_FORMS = ("CMD", "CMD-SHELL", "NONE")


def nanoseconds(seconds: float) -> int:
    return round(seconds * _NS)


def healthcheck_body(check: HealthCheck) -> dict[str, Any]:
    """Docker wants durations in nanoseconds and the test with its form first (a bare argv means CMD)."""
    test = list(check.test) if check.test and check.test[0] in _HEALTH_FORMS else ["CMD", *check.test]
    return {
        "Test": test,
        "Interval": nanoseconds(check.interval_s),
        "Timeout": nanoseconds(check.timeout_s),
        "Retries": check.retries,
        "StartPeriod": nanoseconds(check.start_period_s),
    }


def ports_body(ports: tuple[PortBinding, ...]) -> tuple[dict[str, Any], dict[str, list[dict[str, str]]]]:
    """(ExposedPorts, PortBindings). ``host=None`` only exposes; ``host=0`` publishes on any free host port."""
    exposed: dict[str, Any] = {}
    bindings: dict[str, list[dict[str, str]]] = {}
    for port in ports:
        key = f"{port.container}/{port.protocol}"
        exposed[key] = {}
        if port.host is not None:
            host_port = str(port.host) if port.host else ""
            bindings.setdefault(key, []).append({"HostIp": port.host_ip, "HostPort": host_port})
    return exposed, bindings


def mount_body(mount: Mount) -> dict[str, Any]:
    if mount.volume is not None:
        return {"Type": "volume", "Source": mount.volume, "Target": mount.target, "ReadOnly": mount.read_only}
    return {"Type": "bind", "Source": mount.source or "", "Target": mount.target, "ReadOnly": mount.read_only}


def tmpfs_body(tmpfs: tuple[str, ...], user: str | None = None) -> dict[str, str]:
    """``"/tmp"`` or ``"/tmp:size=64m"`` → ``{"/tmp": "size=64m,mode=1777,uid=…,gid=…"}``. Docker 20.10 drops a
    tmpfs's mode when it restarts the container (restart policy, engine restart: 1777 becomes 0755 root), so a
    non-root user could write it only until the first restart; owned by the container's numeric user it stays
    writable (seen here). Options the spec gives win."""
    uid, _, gid = (user or "").partition(":")
    owner = [f"uid={uid}", f"gid={gid or uid}"] if uid.isdigit() and (gid or uid).isdigit() else []
    out = {}
    for entry in tmpfs:
        path, _, options = entry.partition(":")
        given = {item.partition("=")[0] for item in options.split(",") if item}
        extra = [item for item in ("mode=1777", *owner) if item.partition("=")[0] not in given]
        out[path] = ",".join(filter(None, (options, *extra)))
    return out


def restart_body(restart: str) -> dict[str, Any]:
    """Restart "no" is sent as is: an empty name means "unchanged" to `docker update`."""
    return {"Name": restart, "MaximumRetryCount": 0}


def env_list(spec: ContainerSpec) -> list[str]:
    """Plain env and secret env merged (a secret wins a name clash); secret values exist only in this list, in
    memory, on their way to the engine."""
    merged = {**spec.env, **spec.secret_env}
    return [f"{key}={value}" for key, value in sorted(merged.items())]


def host_config(spec: ContainerSpec, file_mounts: tuple[Mount, ...]) -> dict[str, Any]:
    _, bindings = ports_body(spec.ports)
    body: dict[str, Any] = {
        "PortBindings": bindings,
        "Mounts": [mount_body(m) for m in (*spec.mounts, *file_mounts)],
        "Tmpfs": tmpfs_body(spec.tmpfs, spec.user),
        "NanoCpus": spec.nano_cpus or 0,
        "Memory": spec.mem_limit or 0,
        "MemoryReservation": spec.mem_reservation or 0,
        "RestartPolicy": restart_body(spec.restart),
        "ReadonlyRootfs": spec.read_only,
        "SecurityOpt": ["no-new-privileges:true"] if spec.no_new_privileges else [],
        "CapDrop": list(spec.cap_drop),
        "CapAdd": list(spec.cap_add),
        "Init": spec.init,
    }
    if spec.sysctls:
        body["Sysctls"] = dict(spec.sysctls)
    if spec.network:
        body["NetworkMode"] = spec.network
    return body


def create_body(spec: ContainerSpec, file_mounts: tuple[Mount, ...] = ()) -> dict[str, Any]:
    """The full create request. ``file_mounts`` are the read-only binds of ``spec.files``, already materialised
    on the host by the adapter (it owns the state directory)."""
    exposed, _ = ports_body(spec.ports)
    body: dict[str, Any] = {
        "Image": spec.image,
        "Env": env_list(spec),
        "Labels": dict(spec.labels),
        "ExposedPorts": exposed,
        "StopTimeout": spec.stop_timeout_s,
        "HostConfig": host_config(spec, file_mounts),
    }
    optional = {
        "Cmd": list(spec.command) if spec.command is not None else None,
        "Entrypoint": list(spec.entrypoint) if spec.entrypoint is not None else None,
        "WorkingDir": spec.working_dir,
        "User": spec.user,
        "Healthcheck": healthcheck_body(spec.health) if spec.health else None,
        "StopSignal": spec.stop_signal,
        "Hostname": spec.hostname,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    if spec.network:
        endpoint = {"Aliases": list(spec.aliases)} if spec.aliases else {}
        body["NetworkingConfig"] = {"EndpointsConfig": {spec.network: endpoint}}
    return body


def split_repo_tag(ref: str) -> tuple[str, str]:
    """``localhost:5000/app:1`` → (``localhost:5000/app``, ``1``); no tag → ``latest``."""
    repo, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:
        return ref, "latest"
    return repo, tag
