"""The history use case: the app's releases newest first, deployment metrics over them, and pruning."""

from __future__ import annotations

from dataclasses import dataclass

from engine.history.model import ReleaseRecord, Stats
from engine.ports import HistoryStore


@dataclass(frozen=True)
class HistoryReport:
    releases: tuple[ReleaseRecord, ...]
    stats: Stats | None  # only when asked for


def history(store: HistoryStore, app: str, env: str, *, last: int | None = None, stats: bool = False) -> HistoryReport:
    """The newest ``last`` releases (all by default), with their metrics when ``stats``."""
    return HistoryReport(tuple(store.releases(app, env, last)), store.stats(app, env, last) if stats else None)


def prune(store: HistoryStore, app: str, env: str, keep: int) -> list[int]:
    """Delete all but the newest ``keep`` releases; never the deployed one nor a pending one."""
    return store.prune(app, env, keep)
