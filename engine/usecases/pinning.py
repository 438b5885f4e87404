"""Pinning a release: its images tagged when it deploys, its spec re-validated with every service on those tags.

Every deployed release tags the image each service ran as ``shipspec-release/<app>[-<env>]-<service>:r<rev>``, so
the exact image survives later builds, tag moves and ``docker image prune``. A pinned spec is the release's spec
snapshot re-validated as if it were beside the current spec (so relative paths resolve as they did), each service's
image replaced with that tag and its build dropped: nothing is rebuilt or pulled.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import RollbackError
from engine.history.model import ReleaseKind, ReleaseRecord, ReleaseStatus
from engine.ports import DockerGateway, HistoryStore
from engine.spec.validate import ValidSpec, validate_text


def release_tag(app: str, env: str, service: str, revision: int) -> str:
    scope = f"{app}-{env}" if env else app
    return f"shipspec-release/{scope}-{service}:r{revision}"


def tag_release_images(gateway: DockerGateway, app: str, env: str, revision: int, images: dict[str, str]) -> None:
    """Pin what a deployed release ran, so `rollback` finds exactly those images later."""
    for service, image_id in images.items():
        gateway.tag_image(image_id, release_tag(app, env, service, revision))


def choose_target(store: HistoryStore, app: str, env: str, to: int | None) -> ReleaseRecord:
    """``--to REV``, or the release deployed before the current one."""
    if to is not None:
        record = store.get(app, env, to)
        if record.status is ReleaseStatus.PENDING or record.kind is ReleaseKind.DESTROY:
            raise RollbackError(f"revision {to} is not a release that ran the app; choose a deployed or superseded one")
        return record
    releases = store.releases(app, env)
    current = next((r for r in releases if r.status is ReleaseStatus.DEPLOYED), None)
    for record in releases:
        if record.status is ReleaseStatus.SUPERSEDED and (current is None or record.revision < current.revision):
            return record
    raise RollbackError(f"{app}{' (' + env + ')' if env else ''} has no earlier deployed release to roll back to")


def pinned_spec(record: ReleaseRecord, spec_file: Path, env: str | None, gateway: DockerGateway) -> ValidSpec:
    """The release's spec, re-validated beside ``spec_file``, every service pinned to its release image."""
    valid = validate_text(record.spec_snapshot, spec_file.resolve(), env,
                          f"revision {record.revision} of {spec_file.name}")
    services = {}
    for name, svc in valid.spec.services.items():
        tag = release_tag(record.app, record.env, name, record.revision)
        if gateway.image_id(tag) is None:
            raise RollbackError(f"the image service {name} ran in revision {record.revision} is gone ({tag})")
        services[name] = svc.model_copy(update={"image": tag, "build": None})
    pinned = valid.spec.model_copy(update={"services": services})
    return ValidSpec(pinned, valid.source, spec_file.resolve(), env, record.spec_snapshot)
