"""The history use case: the app's releases newest first, deployment metrics over them, and pruning."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.history.model import ReleaseRecord, Stats
from engine.ports import DockerGateway, HistoryStore
from engine.usecases.pinning import TagCleanup, known_services, remove_release_tags


@dataclass(frozen=True)
class HistoryReport:
    releases: tuple[ReleaseRecord, ...]
    stats: Stats | None  # only when asked for


def last_apply_finished(store: HistoryStore, app: str, env: str) -> bool:
    """A release is deployed and none is pending: every container of the app passed its health gate (the plan
    then waits for no container Docker still calls "starting"; see ``engine.plan.diff``)."""
    return not store.pending(app, env) and store.last_deployed(app, env) is not None


def history(store: HistoryStore, app: str, env: str, *, last: int | None = None, stats: bool = False) -> HistoryReport:
    """The newest ``last`` releases (all by default), with their metrics when ``stats``."""
    return HistoryReport(tuple(store.releases(app, env, last)), store.stats(app, env, last) if stats else None)


@dataclass(frozen=True)
class PruneOutcome:
    revisions: list[int]  # the releases deleted
    tags: TagCleanup      # their release image tags (and those of releases deleted before)


def prune(store: HistoryStore, gateway: DockerGateway, app: str, env: str, keep: int,
          services: Iterable[str] = ()) -> PruneOutcome:
    """Delete all but the newest ``keep`` releases (never the deployed one nor a pending one), then the release
    image tags of every revision the history no longer holds: a release's tag lives exactly as long as its row,
    since only ``rollback`` to that release reads it."""
    names = known_services(store, app, env, services)
    revisions = store.prune(app, env, keep)
    remaining = {r.revision for r in store.releases(app, env)}
    return PruneOutcome(revisions, remove_release_tags(gateway, app, env, names, lambda rev: rev not in remaining))
