"""Rollback: re-apply a recorded release, pinned to the images it ran, as a new revision (Helm's model).

Every deployed release tags the image each service ran as ``shipspec-release/<app>[-<env>]-<service>:r<rev>``, so
the exact image survives later builds, tag moves and ``docker image prune``. A rollback re-validates the release's
spec snapshot (from a temporary file beside the current spec, so relative paths resolve as they did) and replaces
every service's image with that tag and drops its build: nothing is rebuilt or pulled, and the result is planned and
applied like any change, health gates included.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from engine.errors import ShipspecError
from engine.history.model import ReleaseRecord, ReleaseStatus
from engine.history.sqlite import SqliteHistoryStore
from engine.ports import DockerGateway
from engine.spec.validate import ValidSpec, load_and_validate


class RollbackError(ShipspecError):
    """There is nothing to roll back to, or the release's images are gone."""


def release_tag(app: str, env: str, service: str, revision: int) -> str:
    scope = f"{app}-{env}" if env else app
    return f"shipspec-release/{scope}-{service}:r{revision}"


def tag_release_images(gateway: DockerGateway, app: str, env: str, revision: int, images: dict[str, str]) -> None:
    """Pin what a deployed release ran, so `rollback` finds exactly those images later."""
    for service, image_id in images.items():
        gateway.tag_image(image_id, release_tag(app, env, service, revision))


def choose_target(store: SqliteHistoryStore, app: str, env: str, to: int | None) -> ReleaseRecord:
    """``--to REV``, or the release deployed before the current one."""
    if to is not None:
        record = store.get(app, env, to)
        if record.status in (ReleaseStatus.PENDING,):
            raise RollbackError(f"revision {to} never finished; choose a deployed or superseded revision")
        return record
    releases = store.releases(app, env)
    current = next((r for r in releases if r.status is ReleaseStatus.DEPLOYED), None)
    for record in releases:
        if record.status is ReleaseStatus.SUPERSEDED and (current is None or record.revision < current.revision):
            return record
    raise RollbackError(f"{app}{' (' + env + ')' if env else ''} has no earlier deployed release to roll back to")


def pinned_spec(record: ReleaseRecord, spec_file: Path, env: str | None, gateway: DockerGateway) -> ValidSpec:
    """The release's spec, re-validated beside ``spec_file``, every service pinned to its release image."""
    fd, tmp = tempfile.mkstemp(prefix=f".shipspec-rollback-r{record.revision}-", suffix=".yaml",
                               dir=spec_file.resolve().parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(record.spec_snapshot)
        valid = load_and_validate(tmp, env, display_name=f"revision {record.revision} of {spec_file.name}")
    finally:
        Path(tmp).unlink(missing_ok=True)
    services = {}
    for name, svc in valid.spec.services.items():
        tag = release_tag(record.app, record.env, name, record.revision)
        if gateway.image_id(tag) is None:
            raise RollbackError(f"the image service {name} ran in revision {record.revision} is gone ({tag})")
        services[name] = svc.model_copy(update={"image": tag, "build": None})
    pinned = valid.spec.model_copy(update={"services": services})
    return ValidSpec(pinned, valid.source, spec_file.resolve(), env)
