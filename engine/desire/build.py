"""AppSpec → DesiredState: what should run, named, labelled and hashed, before anyone looks at the engine.

Pure apart from reading ``files[].source`` contents (they reach the container, so they are hashed). Inputs that
need the engine or the operator are passed in: image IDs the engine knows (``ObservedState.images``), build context
digests, secret digests (``engine.desire.secrets.secret_digests``) and the revision about to be written. Secret
values are never an input here: a DesiredState, and every plan made from it, holds none.

Names come from ``engine.desire.naming``; the proxy's part from ``engine.desire.proxy``. A built service's image is
tagged by its context digest (``…:build-<digest>``), so "the tag exists" means "this context was built" and the
plan rebuilds exactly when the context changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine import labels as L
from engine.desire import container as C
from engine.desire.config import config_document, config_hash
from engine.desire.hashing import canonical_json
from engine.desire.naming import admin_network_name, volume_name
from engine.desire.proxy import proxy_frontends, proxy_service
from engine.desire.secrets import service_secret_sources
from engine.desire.types import (
    PROXY_SERVICE,
    Backend,
    BuildInfo,
    ContainerSpec,
    DesiredObject,
    DesiredService,
    DesiredState,
    PortBinding,
    Strategy,
)
from engine.spec.buildcontext import never_sent
from engine.spec.imageref import parse_image_ref
from engine.spec.model import ServiceSpec
from engine.spec.quantity import duration_seconds
from engine.spec.security import resolve
from engine.spec.validate import ValidSpec

if TYPE_CHECKING:  # engine.proxy.config imports Jinja: only when a spec publishes a port (engine.desire.proxy)
    from engine.proxy.config import ProxyFrontend

def build_desired(
    valid: ValidSpec,
    *,
    image_ids: Mapping[str, str],
    build_digests: Mapping[str, str],
    secret_digests: Mapping[str, Mapping[str, str]],
    revision: int,
    proxy_image: str | None = None,
    state_dir: Path | None = None,
) -> DesiredState:
    """The desired state of one environment; ``build_digests`` must name every service that has a ``build``.
    ``proxy_image`` (from ``SHIPSPEC_PROXY_IMAGE``) replaces the spec's ``proxy.image``; ``state_dir``, when inside a
    build context, is never sent to the builder."""
    spec = valid.spec
    env = valid.env or ""
    base = {L.APP: spec.name, L.ENV: env, L.MANAGED: "true"}
    volumes = sorted({m.name for s in spec.services.values() for m in s.volumes if m.name is not None})
    fronts = proxy_frontends(valid) if spec.proxy.enabled else {}
    services = {
        name: _service(
            valid, name, base, image_ids, build_digests, secret_digests.get(name, {}), revision, fronts.get(name, ()),
            state_dir=state_dir,
        )
        for name in sorted(spec.services)
    }
    admin = None
    if fronts:
        frontends = [pair for name in sorted(fronts) for pair in fronts[name]]
        image = proxy_image or spec.proxy.image
        services[PROXY_SERVICE] = proxy_service(spec.name, base, frontends, image, image_ids.get(image), revision)
        admin = DesiredObject(admin_network_name(spec.name), base)
    return DesiredState(
        app=spec.name,
        env=env,
        revision=revision,
        network=DesiredObject(spec.name, base),
        volumes=tuple(DesiredObject(volume_name(spec.name, v), base) for v in volumes),
        services=services,
        admin_network=admin,
    )


def image_refs(desired: DesiredState) -> list[str]:
    """The references the desired containers run: what observing asks the engine to resolve to IDs."""
    return sorted({svc.image_ref for svc in desired.services.values()})


def with_image_ids(desired: DesiredState, image_ids: Mapping[str, str]) -> DesiredState:
    """The same desired state with each image resolved to the ID the engine has now. No hash covers the ID (it is
    unknown until a pull or build finishes), so the state is built once and resolved after observing."""
    services = {}
    for name, svc in desired.services.items():
        image_id = image_ids.get(svc.image_ref)
        template = dataclasses.replace(svc.template, image=image_id or svc.image_ref)
        services[name] = dataclasses.replace(svc, image_id=image_id, template=template)
    return dataclasses.replace(desired, services=services)


def _strategy(svc: ServiceSpec) -> Strategy:
    s = svc.effective_strategy()
    return Strategy(
        type=s.type,
        max_surge=s.max_surge,
        max_unavailable=s.max_unavailable,
        steps=tuple(s.steps),
        pause_s=duration_seconds(s.pause),
        drain_s=duration_seconds(s.drain),
        health_deadline_s=duration_seconds(s.health_deadline),
        max_error_rate=s.max_error_rate,
        min_requests=s.min_requests,
        max_latency_s=duration_seconds(s.max_latency) if s.max_latency is not None else None,
    )


def _build(valid: ValidSpec, name: str, digests: Mapping[str, str], state_dir: Path | None) -> BuildInfo | None:
    svc = valid.spec.services[name]
    if svc.build is None:
        return None
    if name not in digests:
        raise ValueError(f"no build context digest for service {name!r}")
    digest = digests[name]
    parsed = parse_image_ref(svc.image) if svc.image else None
    repo = parsed.name if parsed is not None else f"shipspec/{valid.spec.name}-{name}"
    return BuildInfo(
        context=str((valid.base_dir / svc.build.context).resolve()),
        runtime=svc.build.runtime.value,
        dockerfile=svc.build.dockerfile,
        digest=digest,
        target=svc.build.target,
        args=dict(sorted(svc.build.args.items())),
        tag=f"{repo}:build-{digest.rpartition(':')[2][:16]}",
        extra_tags=(svc.image,) if svc.image else (),
        exclude=never_sent(valid.spec, valid.path, svc.build.context, (state_dir,) if state_dir else ()),
    )


def _service(
    valid: ValidSpec,
    name: str,
    base: Mapping[str, str],
    image_ids: Mapping[str, str],
    build_digests: Mapping[str, str],
    digests: Mapping[str, str],
    revision: int,
    fronted: Sequence[tuple[ProxyFrontend, PortBinding]] = (),
    *,
    state_dir: Path | None = None,
) -> DesiredService:
    spec = valid.spec
    svc = spec.services[name]
    pinned = valid.pinned.get(name)
    build = None if pinned is not None else _build(valid, name, build_digests, state_dir)
    image_ref = pinned or (build.tag if build is not None else svc.image)
    assert image_ref is not None, "validated services carry an image or a build"
    image_id = image_ids.get(image_ref)
    user_labels = {**spec.labels, **svc.labels}
    bare = _bare_spec(valid, svc, name, image_id or image_ref)
    if fronted:  # the proxy publishes these ports; replicas only expose them, so two can run side by side
        moved = {p for _, p in fronted}
        ports = tuple(dataclasses.replace(p, host=None) if p in moved else p for p in bare.ports)
        bare = dataclasses.replace(bare, ports=ports)
    missing = sorted(set(svc.secrets) - set(digests))
    if missing:
        raise ValueError(f"no secret digest for service {name!r}: {', '.join(missing)}")
    secret = {var: digests[var] for var in sorted(svc.secrets)}
    docs = [
        config_document(
            bare,
            image_ref=image_ref,
            build_digest=build.digest if build else None,
            secret_digests=secret,
            user_labels=user_labels,
            short=short,
        )
        for short in (False, True)
    ]
    chash, summary = config_hash(docs[0]), canonical_json(docs[1])
    shipspec_labels = {
        **base,
        L.SERVICE: name,
        L.REVISION: str(revision),
        L.CONFIG_HASH: chash,
        L.CONFIG: summary,
        L.IMAGE_REF: image_ref,
        L.TRACK: "stable",
        **({L.BUILD_DIGEST: build.digest} if build else {}),
    }
    template = dataclasses.replace(bare, labels={**user_labels, **shipspec_labels}, config_hash=chash)
    return DesiredService(
        name=name,
        replicas=svc.replicas,
        depends_on=dict(sorted(svc.depends_on.items())),
        strategy=_strategy(svc),
        template=template,
        image_ref=image_ref,
        image_id=image_id,
        build=build,
        summary=summary,
        document=docs[0],
        backends=tuple(Backend(fe.name, fe.target_port) for fe, _ in fronted),
    )


def _bare_spec(valid: ValidSpec, svc: ServiceSpec, name: str, image: str) -> ContainerSpec:
    """Everything but name and labels; secret values stay empty (apply fills them from ``secret_sources``)."""
    app, base_dir = valid.spec.name, valid.base_dir
    sec = resolve(valid.spec, svc)
    return ContainerSpec(
        name="",
        image=image,
        labels={},
        config_hash="",
        command=tuple(svc.command) if svc.command is not None else None,
        entrypoint=tuple(svc.entrypoint) if svc.entrypoint is not None else None,
        working_dir=svc.working_dir,
        env=dict(sorted(svc.env.items())),
        secret_sources=service_secret_sources(valid, name),
        files=C.files(svc, base_dir, lambda i: valid.at("services", name, "files", i, "source")),
        ports=C.ports(svc),
        mounts=C.mounts(app, svc, base_dir),
        tmpfs=tuple(svc.tmpfs),
        health=C.health(svc),
        nano_cpus=C.nano_cpus(svc),
        mem_limit=C.mem_limit(svc),
        mem_reservation=C.mem_reservation(svc),
        restart=svc.restart.value,
        user=sec.user,
        read_only=sec.read_only_root,
        no_new_privileges=sec.no_new_privileges,
        cap_drop=sec.cap_drop,
        cap_add=sec.cap_add,
        network=app,
        aliases=(name,),
        stop_timeout_s=C.stop_timeout(svc),
        init=svc.init,
        stop_signal=svc.stop_signal,
        hostname=svc.hostname,
        sysctls=dict(sorted(svc.sysctls.items())),
    )
