"""The plan use case: desired state (built once) diffed against one observation of the engine.

Also what every engine-facing use case shares: ``Options`` (spec file, environment, state folder, environment
variables) and where the state folder is. Nothing here prints.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.baseimages import base_image_overrides
from engine.desire.build import build_desired, image_refs, with_image_ids
from engine.desire.secrets import secret_digests
from engine.desire.types import PROXY_IMAGE_ENV, PROXY_SERVICE, DesiredState
from engine.errors import PlanError
from engine.observe.read import observe_app
from engine.observe.types import ObservedState
from engine.plan.collisions import collisions
from engine.plan.diff import Scope
from engine.plan.plan import Plan, make_plan
from engine.ports import DockerGateway
from engine.spec.buildcontext import never_sent
from engine.spec.model import Runtime
from engine.spec.readfile import FileReadError, read_text_limited
from engine.spec.validate import ValidSpec, load_and_validate
from engine.timeline import mark

STATE_DIR_ENV = "SHIPSPEC_STATE_DIR"


@dataclass(frozen=True)
class Options:
    """What every engine-facing command shares."""

    spec_file: Path
    env: str | None = None
    state_dir: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def base_images(self) -> dict[str, str]:
        """Base image overrides per runtime (engine/baseimages.py: the same for every command)."""
        return base_image_overrides(self.environ)[0]


DOCKERFILE_LIMIT = 1024 * 1024  # a Dockerfile is text; /dev/zero or a huge file is refused, not read


def state_dir(valid: ValidSpec, options: Options) -> Path:
    """Where the history and materialised files live: ``--state-dir``, ``$SHIPSPEC_STATE_DIR``, or ``.shipspec``
    beside the spec."""
    if options.state_dir is not None:
        return options.state_dir
    if options.environ.get(STATE_DIR_ENV):
        return Path(options.environ[STATE_DIR_ENV])
    return valid.base_dir / ".shipspec"


@dataclass(frozen=True)
class Prepared:
    """Everything a plan was made from, so apply can run it and record it."""

    valid: ValidSpec
    desired: DesiredState
    observed: ObservedState
    plan: Plan
    dockerfiles: Mapping[str, str]      # build tag → Dockerfile text
    observe_seconds: float


def load(options: Options) -> ValidSpec:
    return load_and_validate(options.spec_file, options.env)


def prepare(
    valid: ValidSpec, gateway: DockerGateway, options: Options, revision: int,
    *, secrets: Mapping[str, Mapping[str, str]] | None = None, apply_running: bool = False, settled: bool = False,
    scope: Scope | None = None,
) -> Prepared:
    """Observe the engine and plan: desired state (with build digests and secret digests) diffed against it.
    ``secrets`` replaces the digests of the secret values (``status`` passes placeholders and reads none);
    ``apply_running``: another process's apply holds the lock and is at work; ``settled``: the last apply
    finished and none is pending (both: see ``make_plan``); ``scope`` limits the plan to some replica slots
    (repairing a failed release)."""
    texts = _dockerfile_texts(valid, options)
    digests = {
        name: _with_build_options(
            valid, name, gateway.context_digest(_context(valid, name), text, _never_sent(valid, name, options))
        )
        for name, text in texts.items()
    }
    if secrets is None:
        secrets = secret_digests(valid, options.environ)
    proxy_image = options.environ.get(PROXY_IMAGE_ENV) or None
    unresolved = build_desired(valid, image_ids={}, build_digests=digests, secret_digests=secrets,
                               revision=revision, proxy_image=proxy_image, state_dir=state_dir(valid, options))
    began = time.monotonic()
    observed = observe_app(gateway, valid.spec.name, image_refs(unresolved),
                           proxy=PROXY_SERVICE in unresolved.services)
    seconds = time.monotonic() - began
    mark("observed", containers=len(observed.containers))
    _refuse_taken_names(valid, unresolved, observed)
    desired = with_image_ids(unresolved, observed.images)
    dockerfiles = {
        svc.build.tag: texts[name] for name, svc in desired.services.items() if svc.build is not None
    }
    plan = make_plan(desired, observed, apply_running=apply_running, settled=settled, scope=scope)
    mark("planned", steps=len(plan.steps))
    return Prepared(valid, desired, observed, plan, dockerfiles, seconds)


def _refuse_taken_names(valid: ValidSpec, desired: DesiredState, observed: ObservedState) -> None:
    """Refuse before any step when another app (or a hand-made container) holds a name this app's replicas use."""
    found = collisions(desired, observed)
    if found:
        lines = "\n".join(f"{valid.at('services', c.service, key=True)}: {c.describe()}" for c in found)
        raise PlanError(f"{lines}\n    hint: rename the service or the app (names are <app>-<service>-<slot>, "
                        "so app a with service b-c and app a-b with service c collide), or remove that container")


def _with_build_options(valid: ValidSpec, service: str, digest: str) -> str:
    """The context digest, extended by the build target and arguments when there are any: a changed stage or
    argument builds another image, and the digest (hence the content-addressed tag) must say so."""
    build = valid.spec.services[service].build
    if build is None or (build.target is None and not build.args):
        return digest
    options = json.dumps({"digest": digest, "target": build.target, "args": build.args}, sort_keys=True)
    return "sha256:" + hashlib.sha256(options.encode()).hexdigest()


def _never_sent(valid: ValidSpec, service: str, options: Options) -> tuple[str, ...]:
    """What the build of ``service`` never sends; the same list the desired state's build step carries."""
    build = valid.spec.services[service].build
    assert build is not None
    return never_sent(valid.spec, valid.path, build.context, (state_dir(valid, options),))


def _context(valid: ValidSpec, service: str) -> Path:
    build = valid.spec.services[service].build
    assert build is not None
    return (valid.base_dir / build.context).resolve()


def _dockerfile_texts(valid: ValidSpec, options: Options) -> dict[str, str]:
    """service → the Dockerfile its image is built from: the user's own, or the rendered one without its header
    line (the header names the spec's hash, which must not make every spec edit rebuild every image)."""
    built = {n: s for n, s in valid.spec.services.items() if s.build is not None and n not in valid.pinned}
    if not built:
        return {}
    from engine.render.bundle import Kind, render_bundle  # Jinja is imported only when an image is built

    bundle = render_bundle(valid, only=frozenset({Kind.DOCKERFILE}), base_image_overrides=options.base_images())
    out: dict[str, str] = {}
    for name, svc in built.items():
        assert svc.build is not None
        if svc.build.runtime is Runtime.DOCKERFILE:
            path = _context(valid, name) / (svc.build.dockerfile or "Dockerfile")
            try:
                out[name] = read_text_limited(path, DOCKERFILE_LIMIT)
            except FileReadError as exc:
                named = svc.build.dockerfile is not None
                where = valid.at("services", name, "build", *(("dockerfile",) if named else ()), key=not named)
                raise PlanError(f"{where}: {path} {exc.reason}") from None
        else:
            text = bundle[f"docker/{name}/Dockerfile"]
            out[name] = text.split("\n", 1)[1] if text.startswith("# Generated by shipspec") else text
    return out
