"""The Swarm gateway: what the Swarm plan and transaction need from a manager, on the SDK's low-level client.

The client and the error boundary come from ``engine.adapters.docker`` (the only module that imports the Docker
SDK); this module sends the engine's own JSON (``/services/create``, ``/services/{id}/update``) so every field of
a ServiceSpec goes exactly as ``engine.swarm.desired`` built it, and asks for a server-side rollback with
``rollback=previous``, which docker-py has no flag for. Every answer is converted to ``engine.swarm.state`` types.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from engine import labels as L
from engine.errors import EngineError, NotFoundError
from engine.swarm.observe import node_from, object_from, service_from, service_key, task_from, task_hash_of
from engine.swarm.state import SwarmNode, SwarmObserved, SwarmObservedService, SwarmTask


class SwarmGateway:
    def __init__(self, docker_host: str | None = None) -> None:
        from engine.adapters.docker import connect, engine_boundary

        self._boundary = engine_boundary
        self._host = docker_host
        self._api: Any = None
        self._connect = connect

    @property
    def api(self) -> Any:
        if self._api is None:
            with self._boundary(f"connecting to the Swarm manager at {self._host or 'DOCKER_HOST'}"):
                self._api = self._connect(self._host)
        return self._api

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        with self._boundary(what):
            return fn(*args, **kwargs)

    # --- reading -------------------------------------------------------------------------------------------------

    def cluster_id(self) -> str:
        info = self._call("reading the engine's info", self.api.info)
        swarm = info.get("Swarm", {})
        if swarm.get("LocalNodeState") != "active" or not swarm.get("ControlAvailable"):
            raise EngineError(
                f"the Docker engine at {self._host or 'DOCKER_HOST'} is not a Swarm manager "
                f"(swarm state {swarm.get('LocalNodeState', '?')}); point target.docker_host at a manager"
            )
        return str(swarm.get("Cluster", {}).get("ID", ""))

    def nodes(self) -> tuple[SwarmNode, ...]:
        return tuple(node_from(n) for n in self._call("listing nodes", self.api.nodes))

    def observe(self, app: str) -> SwarmObserved:
        flt = {"label": [f"{L.APP}={app}", f"{L.MANAGED}=true"]}
        services = [service_from(s) for s in self._call("listing services", self.api.services, filters=flt)]
        networks = [object_from(n) for n in self._call("listing networks", self.api.networks, filters=flt)]
        net_id = networks[0].id if networks else ""
        tasks: list[SwarmTask] = []
        if services:
            rows = self._call("listing tasks", self.api.tasks, filters={"service": [s.id for s in services]})
            tasks = [task_from(t, net_id) for t in rows]
        return SwarmObserved(
            cluster_id=self.cluster_id(),
            nodes=self.nodes(),
            services={service_key(s): s for s in services},
            tasks=tuple(tasks),
            secrets=tuple(object_from(s) for s in self._call("listing secrets", self.api.secrets, filters=flt)),
            configs=tuple(object_from(c) for c in self._call("listing configs", self.api.configs, filters=flt)),
            networks=tuple(networks),
        )

    def service(self, service_id: str) -> SwarmObservedService:
        return service_from(self._call("inspecting a service", self.api.inspect_service, service_id))

    def tasks(self, service_id: str) -> list[tuple[SwarmTask, str]]:
        """Every task of the service with the task hash it was created with."""
        rows = self._call("listing tasks", self.api.tasks, filters={"service": service_id})
        return [(task_from(t), task_hash_of(t)) for t in rows]

    # --- writing -------------------------------------------------------------------------------------------------

    def ensure_network(self, name: str, labels: Mapping[str, str]) -> str:
        found = self._call("listing networks", self.api.networks, names=[name])
        for n in found:
            if n.get("Name") == name:
                return str(n["Id"])
        created = self._call(
            f"creating network {name}", self.api.create_network, name, driver="overlay", labels=dict(labels),
            attachable=True, check_duplicate=True,
        )
        return str(created["Id"])

    def ensure_secret(self, name: str, value: str, labels: Mapping[str, str]) -> str:
        for s in self._call("listing secrets", self.api.secrets, filters={"name": name}):
            if s["Spec"]["Name"] == name:
                return str(s["ID"])
        created = self._call(f"creating secret {name}", self.api.create_secret, name, value.encode(), dict(labels))
        return str(created["ID"])

    def ensure_config(self, name: str, content: str, labels: Mapping[str, str]) -> str:
        for c in self._call("listing configs", self.api.configs, filters={"name": name}):
            if c["Spec"]["Name"] == name:
                return str(c["ID"])
        created = self._call(f"creating config {name}", self.api.create_config, name, content.encode(), dict(labels))
        return str(created["ID"])

    def create_service(self, body: Mapping[str, Any]) -> str:
        def post() -> Any:
            res = self.api._post_json(self.api._url("/services/create"), data=body)
            return self.api._result(res, True)

        return str(self._call(f"creating service {body['Name']}", post)["ID"])

    def update_service(self, service_id: str, version: int, body: Mapping[str, Any]) -> None:
        def post() -> None:
            url = self.api._url("/services/{0}/update", service_id)
            self.api._raise_for_status(self.api._post_json(url, data=body, params={"version": version}))

        self._call(f"updating service {body['Name']}", post)

    def rollback_service(self, service_id: str) -> None:
        """Ask the engine to put the service back to its PreviousSpec (``rollback=previous``)."""
        current = self.service(service_id)

        def post() -> None:
            url = self.api._url("/services/{0}/update", service_id)
            params = {"version": current.version, "rollback": "previous"}
            self.api._raise_for_status(self.api._post_json(url, data=dict(current.spec), params=params))

        self._call(f"rolling back service {current.name}", post)

    def remove_service(self, service_id: str) -> None:
        self._gone_is_fine("removing a service", self.api.remove_service, service_id)

    def remove_secret(self, secret_id: str) -> None:
        self._gone_is_fine("removing a secret", self.api.remove_secret, secret_id)

    def remove_config(self, config_id: str) -> None:
        self._gone_is_fine("removing a config", self.api.remove_config, config_id)

    def remove_network(self, network_id: str) -> None:
        self._gone_is_fine("removing a network", self.api.remove_network, network_id)

    def _gone_is_fine(self, what: str, fn: Any, *args: Any) -> None:
        with contextlib.suppress(NotFoundError):
            self._call(what, fn, *args)

    def logs(self, service_id: str, tail: int | None = None) -> Iterator[str]:
        raw = self._call(
            "reading service logs", self.api.service_logs, service_id, stdout=True, stderr=True, timestamps=False,
            tail=tail if tail is not None else "all", details=False,
        )
        buffer = b"".join(raw) if not isinstance(raw, bytes) else raw
        yield from buffer.decode(errors="replace").splitlines()
