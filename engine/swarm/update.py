"""A strategy → Swarm's UpdateConfig and RollbackConfig, always sent in full.

Why in full: docker-py's ``UpdateConfig()`` defaults to parallelism 0 (every task at once) and
``failure_action: continue``, unlike the engine's own defaults (1, pause); a spec that leaves a field out must not
inherit either. Worked examples (3 replicas):

- rolling, max_surge 1, max_unavailable 0: parallelism 1, start-first (a fourth task starts, becomes healthy,
  then one old task stops; three times).
- rolling, max_surge 0, max_unavailable 2: parallelism 2, stop-first (two stop, two start, then the third).
- recreate: parallelism 3, stop-first (all stop, all start: downtime, as on one engine).

``failure_action: rollback`` lets the engine put a failing service back by itself even if shipspec dies mid-apply;
shipspec rolls back the app's *other* services (the whole-app transaction). ``monitor`` is how long a new task is
watched after it reached running (Swarm counts a task as running only once its health check passed): one health
detection window (interval × retries + timeout, at least 5 s), capped by the strategy's health deadline.
"""

from __future__ import annotations

from typing import Any

from engine.desire.types import HealthCheck, Strategy
from engine.spec.model import StrategyType

NS = 1_000_000_000
MIN_MONITOR_S = 5.0


def monitor_seconds(strategy: Strategy, health: HealthCheck | None) -> float:
    window = MIN_MONITOR_S
    if health is not None:
        window = max(window, health.interval_s * health.retries + health.timeout_s)
    return min(window, strategy.health_deadline_s)


def _shape(strategy: Strategy, replicas: int) -> tuple[int, str]:
    """(parallelism, order); never 0, which Swarm reads as "all at once"."""
    if strategy.type is StrategyType.RECREATE:
        return max(1, replicas), "stop-first"
    if strategy.max_surge > 0:
        return strategy.max_surge, "start-first"
    return max(1, strategy.max_unavailable), "stop-first"


def update_configs(strategy: Strategy, replicas: int, health: HealthCheck | None) -> tuple[dict[str, Any], ...]:
    """(UpdateConfig, RollbackConfig) as the engine's JSON takes them."""
    parallelism, order = _shape(strategy, replicas)
    monitor = int(monitor_seconds(strategy, health) * NS)
    common = {"Parallelism": parallelism, "Delay": 0, "Monitor": monitor, "MaxFailureRatio": 0, "Order": order}
    # A failing rollback pauses (Swarm's only other choice is to continue): shipspec reports it and exits non-zero.
    return {**common, "FailureAction": "rollback"}, {**common, "FailureAction": "pause"}
