"""Use cases: wire the spec, the renderer, the Docker gateway, the planner, the executor and the history.

Each function here is one thing a user asks for (plan, apply, status, logs, destroy, history, rollback); the CLI
only parses arguments and formats what these return. Nothing here prints.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.desire.build import build_desired
from engine.desire.secrets import secret_digests
from engine.desire.types import PROXY_IMAGE_ENV, PROXY_SERVICE, DesiredState
from engine.errors import PlanError, ShipspecError
from engine.execute.dispatch import PROXY_ADMIN_PORT as ADMIN_PORT
from engine.observe.types import ContainerState, ObservedState
from engine.plan.plan import Plan, make_plan
from engine.ports import DockerGateway
from engine.spec.buildcontext import never_sent
from engine.spec.model import Runtime
from engine.spec.readfile import FileReadError, read_text_limited
from engine.spec.validate import ValidSpec, load_and_validate

STATE_DIR_ENV = "SHIPSPEC_STATE_DIR"
BASE_IMAGES_ENV = "SHIPSPEC_BASE_IMAGES"   # "python=local/python:3.12,node=local/node:20": local bases for builds


@dataclass(frozen=True)
class Options:
    """What every engine-facing command shares."""

    spec_file: Path
    env: str | None = None
    state_dir: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def base_images(self) -> dict[str, str]:
        """Base image overrides per runtime, from ``SHIPSPEC_BASE_IMAGES`` (how tests point builds at local bases)."""
        out: dict[str, str] = {}
        for item in self.environ.get(BASE_IMAGES_ENV, "").split(","):
            runtime, _, image = item.partition("=")
            if runtime.strip() and image.strip():
                out[runtime.strip()] = image.strip()
        return out


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


def prepare(valid: ValidSpec, gateway: DockerGateway, options: Options, revision: int) -> Prepared:
    """Observe the engine and plan: desired state (with build digests and secret digests) diffed against it."""
    texts = _dockerfile_texts(valid, options)
    digests = {
        name: _with_build_options(
            valid, name, gateway.context_digest(_context(valid, name), text, _never_sent(valid, name, options))
        )
        for name, text in texts.items()
    }
    secrets = secret_digests(valid, options.environ)
    proxy_image = options.environ.get(PROXY_IMAGE_ENV) or None
    draft = build_desired(valid, image_ids={}, build_digests=digests, secret_digests=secrets, revision=revision,
                          proxy_image=proxy_image, state_dir=state_dir(valid, options))
    refs = sorted({svc.image_ref for svc in draft.services.values()})
    began = time.monotonic()
    observed = gateway.observe(valid.spec.name, refs)
    if PROXY_SERVICE in draft.services:
        observed = dataclasses.replace(observed, proxy_members=proxy_members(gateway, observed))
    seconds = time.monotonic() - began
    desired = build_desired(valid, image_ids=observed.images, build_digests=digests, secret_digests=secrets,
                            revision=revision, proxy_image=proxy_image, state_dir=state_dir(valid, options))
    dockerfiles = {
        svc.build.tag: texts[name] for name, svc in desired.services.items() if svc.build is not None
    }
    return Prepared(valid, desired, observed, make_plan(desired, observed), dockerfiles, seconds)


def proxy_members(gateway: DockerGateway, observed: ObservedState) -> dict[str, tuple[str, ...]]:
    """Backend → server names of the app's running proxy, through its runtime API on 127.0.0.1. No proxy, or one
    that does not answer within a few seconds: empty, and the plan adds every current replica again."""
    proxies = [c for c in observed.containers if c.service == PROXY_SERVICE and c.state is ContainerState.RUNNING]
    if not proxies:
        return {}
    from engine.proxy.runtime import HaproxyRuntime
    from engine.proxy.stats import parse_show_stat

    try:
        port = gateway.published_port(proxies[0].id, ADMIN_PORT)
        factory = getattr(gateway, "proxy_runtime", None)
        api = factory("127.0.0.1", port) if factory is not None else HaproxyRuntime("127.0.0.1", port, timeout_s=3.0)
        stats = parse_show_stat(api.execute("show stat -1 4 -1"))
    except ShipspecError:
        return {}
    out: dict[str, list[str]] = {}
    for stat in stats:
        out.setdefault(stat.backend, []).append(stat.name)
    return {backend: tuple(names) for backend, names in out.items()}


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
    built = {n: s for n, s in valid.spec.services.items() if s.build is not None}
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
                where = f"services.{name}.build.dockerfile"
                raise PlanError(f"{valid.path}: {where}: {path} {exc.reason}") from None
        else:
            text = bundle[f"docker/{name}/Dockerfile"]
            out[name] = text.split("\n", 1)[1] if text.startswith("# Generated by shipspec") else text
    return out
