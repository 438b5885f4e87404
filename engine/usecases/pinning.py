"""Pinning a release: its images tagged when it deploys, its spec re-validated with every service on those tags.

Every deployed release tags the image each service ran as ``shipspec-release/<app>[-<env>]-<service>:r<rev>``, so
the exact image survives later builds, tag moves and ``docker image prune``. A pinned spec is the release's spec
snapshot re-validated as if it were beside the current spec (so relative paths resolve as they did), with each
service's tag named in ``ValidSpec.pinned``: the desired state runs that image, nothing is rebuilt or pulled.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import RollbackError, ShipspecError
from engine.history.model import ReleaseKind, ReleaseRecord, ReleaseStatus
from engine.ports import DockerGateway, HistoryStore
from engine.spec.validate import ValidSpec, validate_text


def release_repository(app: str, env: str, service: str) -> str:
    scope = f"{app}-{env}" if env else app
    return f"shipspec-release/{scope}-{service}"


def release_tag(app: str, env: str, service: str, revision: int) -> str:
    return f"{release_repository(app, env, service)}:r{revision}"


@dataclass
class TagCleanup:
    """What removing release tags did: the tags removed, and the ones the engine kept, with its reason."""

    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def known_services(store: HistoryStore, app: str, env: str, also: Iterable[str] = ()) -> set[str]:
    """Every service a release of the app recorded an image for (the repositories its tags can live in)."""
    return {svc for record in store.releases(app, env) for svc in record.image_ids} | set(also)


def remove_release_tags(
    gateway: DockerGateway, app: str, env: str, services: Iterable[str], remove: Callable[[int], bool]
) -> TagCleanup:
    """Untag ``shipspec-release/…:r<rev>`` for every revision ``remove`` accepts. Only the name goes: an image that
    another name or a container still holds stays (the engine refuses to strip a container's image of its last
    name; that tag is kept and reported)."""
    done = TagCleanup()
    for service in sorted(set(services)):
        repository = release_repository(app, env, service)
        for tag in gateway.image_tags(repository):
            version = tag.rpartition(":")[2]
            if not (version.startswith("r") and version[1:].isdigit() and remove(int(version[1:]))):
                continue
            try:
                gateway.remove_image(tag)
            except ShipspecError as exc:
                done.kept.append(f"{tag} ({exc})")
            else:
                done.removed.append(tag)
    return done


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
    """The release's spec, re-validated beside ``spec_file``, every service pinned to its release image. The spec
    itself is left as written (``ValidSpec.pinned`` names the images): a built service pinned as if it were an
    ``image:`` one would change its health probe (busybox wget instead of Python's urllib, which its image lacks)
    and its default security level, so a rollback would recreate it, and fail its own health check."""
    valid = validate_text(record.spec_snapshot, spec_file.resolve(), env,
                          f"revision {record.revision} of {spec_file.name}")
    pinned = {}
    for name in valid.spec.services:
        tag = release_tag(record.app, record.env, name, record.revision)
        if gateway.image_id(tag) is None:
            raise RollbackError(f"the image service {name} ran in revision {record.revision} is gone ({tag})")
        pinned[name] = tag
    return dataclasses.replace(valid, pinned=pinned)  # validate_text kept the path and the snapshot's text
