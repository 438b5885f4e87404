"""Swarm mapping cases as data: a spec (through the real pipeline) → the Swarm services shipspec would send.

A case (``swarm_cases/*.yaml``) holds ``spec`` (and optional ``files``, ``secrets``, ``env_name``), ``expect``
(service → a part of its ServiceSpec JSON, matched as a subset: every key written must match, lists
element-wise and of the same length; the string ``<absent>`` says a key must not be there), ``objects`` (service
→ the exact secret and config names), ``nodes`` + ``refused``/``accepted`` (placement checks against those
nodes) and ``variants`` (the same spec with other secrets, files or env: which services' task hashes change).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.desire.secrets import secret_digests
from engine.spec.validate import load_and_validate
from engine.swarm.build import build_swarm
from engine.swarm.desired import SwarmDesired
from engine.swarm.state import SwarmNode, SwarmObserved, SwarmObservedService
from tests.plan.casekit import desired_from

ABSENT = "<absent>"


def swarm_from(tmp: Path, case: dict[str, Any], key: str = "") -> SwarmDesired:
    spec, files = case["spec"], case.get("files", {})
    desired = desired_from(tmp, spec, files, case, key)
    valid = load_and_validate(tmp / (key or "now") / "app.yaml", case.get("env_name"))
    return build_swarm(desired, valid, secret_digests(valid, case.get("secrets", {})))


def observed_from(tmp: Path, case: dict[str, Any]) -> SwarmObserved:
    """What an earlier apply of ``deployed`` (a spec, optional secrets) left on the cluster."""
    deployed = case.get("deployed")
    services: dict[str, SwarmObservedService] = {}
    if deployed is not None:
        before = swarm_from(tmp, {**case, **deployed}, key="deployed")
        for i, (name, svc) in enumerate(sorted(before.services.items()), start=1):
            replicas = svc.body["Mode"].get("Replicated", {}).get("Replicas")
            services[name] = SwarmObservedService(f"svc{i}", svc.swarm_name, 10 + i, dict(svc.body["Labels"]),
                                                  replicas, spec=svc.body)
    return SwarmObserved("cluster-1", tuple(nodes_from(case.get("nodes", DEFAULT_NODES))), services)


DEFAULT_NODES = [{"hostname": "n1", "role": "manager"}, {"hostname": "n2"}, {"hostname": "n3"}]


def nodes_from(rows: list[dict[str, Any]]) -> list[SwarmNode]:
    return [
        SwarmNode(
            id=row.get("id", row["hostname"]),
            hostname=row["hostname"],
            role=row.get("role", "worker"),
            availability=row.get("availability", "active"),
            state=row.get("state", "ready"),
            labels=row.get("labels", {}),
        )
        for row in rows
    ]


def mismatches(expected: Any, actual: Any, at: str = "") -> list[str]:
    """Where ``actual`` differs from the subset ``expected``; empty when it matches."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{at}: expected a mapping, got {actual!r}"]
        out: list[str] = []
        for key, want in expected.items():
            if want == ABSENT:
                out += [f"{at}.{key}: expected absent, got {actual[key]!r}"] if key in actual else []
            elif key not in actual:
                out.append(f"{at}.{key}: missing (have {sorted(actual)})")
            else:
                out += mismatches(want, actual[key], f"{at}.{key}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{at}: expected {len(expected)} items {expected!r}, got {actual!r}"]
        pairs = enumerate(zip(expected, actual, strict=True))
        return [m for i, (w, a) in pairs for m in mismatches(w, a, f"{at}[{i}]")]
    return [] if expected == actual else [f"{at}: expected {expected!r}, got {actual!r}"]
