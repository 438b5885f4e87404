"""The Swarm use cases: plan, apply as a recorded release under the app's lock, status, destroy, rollback.

The same history store and lock as on one engine: the lock is a never-started container on the manager's engine
(``engine.usecases.lock`` over a ``DockerSdkGateway`` pointed at the manager), the releases go to the same SQLite
history with the spec snapshot, so ``history`` and ``rollback --to REV`` work unchanged in meaning. Images are
references on a Swarm (every node resolves its own), so a rollback re-applies the snapshot's references.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import socket
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.desire.build import build_desired
from engine.desire.secrets import secret_digests
from engine.desire.types import PROXY_IMAGE_ENV
from engine.errors import EngineError, PlanError
from engine.history.model import ReleaseKind, ReleaseStatus
from engine.history.sqlite import SqliteHistoryStore
from engine.spec.model import TargetType
from engine.spec.validate import ValidSpec, load_and_validate
from engine.swarm.build import build_swarm
from engine.swarm.desired import SwarmDesired
from engine.swarm.gateway import SwarmGateway
from engine.swarm.plan import SwarmPlan, plan_swarm
from engine.swarm.state import SwarmObserved
from engine.swarm.transaction import Listener, SwarmOutcome, Transaction


def is_swarm(valid: ValidSpec) -> bool:
    return valid.spec.target.type is TargetType.SWARM


def docker_host(valid: ValidSpec, environ: Mapping[str, str]) -> str | None:
    return valid.spec.target.docker_host or environ.get("DOCKER_HOST") or None


@dataclass(frozen=True)
class SwarmPrepared:
    desired: SwarmDesired
    observed: SwarmObserved
    plan: SwarmPlan
    seconds: float


def prepare_swarm(valid: ValidSpec, gateway: SwarmGateway, environ: Mapping[str, str], revision: int) -> (
    SwarmPrepared
):
    started = time.monotonic()
    digests = secret_digests(valid, environ)
    desired_state = build_desired(valid, image_ids={}, build_digests={}, secret_digests=digests, revision=revision,
                                  proxy_image=environ.get(PROXY_IMAGE_ENV) or None)
    desired = build_swarm(desired_state, valid, digests, routing_mesh=valid.spec.target.routing_mesh)
    observed = gateway.observe(valid.spec.name)
    plan = plan_swarm(desired, observed)
    return SwarmPrepared(desired, observed, plan, time.monotonic() - started)


def plan_json(plan: SwarmPlan) -> str:
    return json.dumps({
        "target": "swarm", "app": plan.app, "env": plan.env, "revision": plan.revision, "cluster": plan.cluster_id,
        "fingerprint": plan.fingerprint,
        "steps": [{"action": s.action.value, "service": s.service, "causes": list(s.causes)} for s in plan.steps],
    }, sort_keys=True)


def check_fresh(saved_fingerprint: str, now: SwarmPrepared) -> None:
    if saved_fingerprint != now.plan.fingerprint:
        raise PlanError("the plan is stale: the cluster (another cluster ID, or a service's version) or the spec "
                        "changed since it was made. Run `shipspec plan` again.")


def run_swarm_release(
    prepared: SwarmPrepared, gateway: SwarmGateway, store: SqliteHistoryStore, spec_text: str, say: Listener,
    environ: Mapping[str, str], *, kind: str = "apply", rollback_of: int | None = None,
) -> tuple[int, ReleaseStatus, SwarmOutcome]:
    plan = prepared.plan
    revision = store.begin_release(
        app=plan.app, env=plan.env, kind=ReleaseKind(kind), spec_hash=plan.fingerprint, spec_snapshot=spec_text,
        plan_json=plan_json(plan), image_ids={}, artifact_hashes={}, rollback_of=rollback_of,
        operator=_operator(), revision=plan.revision,
    )
    outcome = Transaction(gateway, prepared.desired, plan, say, time.monotonic, time.sleep, environ).run()
    if outcome.ok:
        status = ReleaseStatus.DEPLOYED
    elif outcome.rolled_back and not outcome.rollback_problems:
        status = ReleaseStatus.ROLLED_BACK
    else:
        status = ReleaseStatus.FAILED
    error = outcome.error + ("; rollback: " + "; ".join(outcome.rollback_problems) if outcome.rollback_problems
                             else "")
    store.finish_release(plan.app, plan.env, revision, status=status, error=error)
    return revision, status, outcome


def snapshot_spec(snapshot: str, spec_file: Path, env: str | None, revision: int) -> ValidSpec:
    """A recorded release's spec, validated from a temporary file beside the current one (relative paths hold)."""
    fd, tmp = tempfile.mkstemp(prefix=f".shipspec-rollback-r{revision}-", suffix=".yaml",
                               dir=spec_file.resolve().parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(snapshot)
        valid = load_and_validate(tmp, env, display_name=f"revision {revision} of {spec_file.name}")
    finally:
        Path(tmp).unlink(missing_ok=True)
    return ValidSpec(valid.spec, valid.source, spec_file.resolve(), env)


def destroy_swarm(gateway: SwarmGateway, app: str, say: Listener) -> int:
    """Remove the app's services, then its secrets, configs and network; named volumes stay on their nodes."""
    observed = gateway.observe(app)
    for name, svc in sorted(observed.services.items()):
        say(f"- service {name}")
        gateway.remove_service(svc.id)
    for secret in observed.secrets:
        say(f"- secret {secret.name}")
        gateway.remove_secret(secret.id)
    for config in observed.configs:
        say(f"- config {config.name}")
        gateway.remove_config(config.id)
    for network in observed.networks:
        say(f"- network {network.name}")
        _retry(functools.partial(gateway.remove_network, network.id))
    deadline = time.monotonic() + 30  # a node drops its copy of the overlay once its last task container left
    while gateway.observe(app).networks and time.monotonic() < deadline:
        time.sleep(0.5)
    return len(observed.services)


def _retry(action: Callable[[], None], attempts: int = 20) -> None:
    for i in range(attempts):
        try:
            action()
            return
        except EngineError:
            if i == attempts - 1:
                raise
            time.sleep(0.5)


def _operator() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return f"{user}@{socket.gethostname()}"
