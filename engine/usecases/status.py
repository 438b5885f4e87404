"""The status use case: what runs, how healthy it is, whether it drifted from the spec, without one secret value.

Secret values are never read here (a status must work where the operator's secrets are not set). Their digests are
part of each container's config hash, so drift is judged from the summary label instead: a service whose running
container's summary equals the desired one in everything but the secrets' digests is taken as current, and
``plan`` (which reads the values) is where a changed secret shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine import labels as L
from engine.desire.config import parse_summary
from engine.desire.hashing import canonical_json
from engine.desire.types import DesiredService, DesiredState
from engine.history.model import ReleaseRecord
from engine.observe.types import ObservedContainer, ObservedState
from engine.plan.plan import make_plan
from engine.spec.validate import ValidSpec
from engine.usecases.collaborators import Collaborators
from engine.usecases.history import last_apply_finished
from engine.usecases.lock import LockInfo, lock_name, read_lock
from engine.usecases.prepare import Options, prepare

UNREAD = "unread"  # the digest status puts where a secret value's would be


@dataclass(frozen=True)
class StatusReport:
    app: str
    env: str
    containers: tuple[ObservedContainer, ...]
    drift: tuple[str, ...]          # one line per difference from the spec (secret values aside)
    deployed: ReleaseRecord | None
    interrupted: tuple[int, ...]    # revisions a killed shipspec left pending
    lock: LockInfo | None
    secrets_unread: bool            # the spec has secrets, whose values status did not read
    running: tuple[int, ...]        # revisions the lock's live holder is applying now (pending, but not interrupted)


def status(valid: ValidSpec, c: Collaborators, options: Options) -> StatusReport:
    """A pending release is *running* while the lock's holder is alive (another process applies it now), and
    *interrupted* once it is not (killed, crashed: the next apply closes it)."""
    app, env = valid.spec.name, valid.env or ""
    lock = read_lock(c.gateway, lock_name(app, env))
    running = lock is not None and lock.running(c.clock.now())
    placeholders = {name: dict.fromkeys(svc.secrets, UNREAD) for name, svc in valid.spec.services.items()}
    prepared = prepare(valid, c.gateway, options, c.history.next_revision(app, env), secrets=placeholders)
    desired = assume_secrets_unchanged(prepared.desired, prepared.observed)
    pending = tuple(r.revision for r in c.history.pending(app, env))
    settled = not running and last_apply_finished(c.history, app, env)
    drift = tuple(
        f"{ch.action.symbol} {ch.kind} {ch.name}: {ch.headline}" + "".join(f"; {cause}" for cause in ch.causes)
        for ch in make_plan(desired, prepared.observed, apply_running=running, settled=settled).changes
    )
    return StatusReport(
        app, env, prepared.observed.containers, drift, c.history.last_deployed(app, env),
        () if running else pending, lock, any(svc.secrets for svc in valid.spec.services.values()),
        pending if running else (),
    )


def assume_secrets_unchanged(desired: DesiredState, observed: ObservedState) -> DesiredState:
    """Each service with secrets takes the secret digests its newest running container was made with."""
    newest: dict[str, ObservedContainer] = {}
    for c in sorted(observed.containers, key=lambda c: c.revision):
        newest[c.service] = c
    services = {
        name: _with_secrets_of(svc, newest[name]) if svc.template.secret_sources and name in newest else svc
        for name, svc in desired.services.items()
    }
    return dataclasses.replace(desired, services=services)


def _with_secrets_of(svc: DesiredService, c: ObservedContainer) -> DesiredService:
    old, new = parse_summary(c.labels.get(L.CONFIG)), parse_summary(svc.summary)
    if old is None or new is None or set(_secrets(old)) != set(_secrets(new)):
        return svc  # secrets added or removed: that is drift status can see
    summary = canonical_json({**new, "secret": _secrets(old)})
    config_hash = c.config_hash if {**new, "secret": _secrets(old)} == old else svc.config_hash
    labels = {**svc.template.labels, L.CONFIG: summary, L.CONFIG_HASH: config_hash}
    template = dataclasses.replace(svc.template, labels=labels, config_hash=config_hash)
    return dataclasses.replace(svc, template=template, summary=summary)


def _secrets(summary: Mapping[str, Any]) -> dict[str, Any]:
    value = summary.get("secret")
    return dict(value) if isinstance(value, dict) else {}
