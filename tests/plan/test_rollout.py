"""Rollout arithmetic as tables: batches for rolling and canary, and the invariants they promise."""

from __future__ import annotations

import pytest

from engine.plan.rollout import canary_batches, rolling_batches


@pytest.mark.parametrize(
    ("count", "surge", "unavailable", "batches"),
    [
        (3, 1, 0, [(0, 1), (0, 1), (0, 1)]),  # the docstring's worked example
        (3, 0, 1, [(1, 0), (1, 0), (1, 0)]),
        (3, 1, 1, [(1, 1), (1, 0)]),
        (4, 2, 0, [(0, 2), (0, 2)]),
        (5, 2, 1, [(1, 2), (1, 1)]),
        (1, 1, 0, [(0, 1)]),
        (1, 0, 3, [(1, 0)]),
        (10, 25, 0, [(0, 10)]),
        (0, 1, 0, []),
    ],
)
def test_rolling_batches(count: int, surge: int, unavailable: int, batches: list[tuple[int, int]]) -> None:
    assert rolling_batches(count, surge, unavailable) == batches


@pytest.mark.parametrize("count", range(12))
@pytest.mark.parametrize(("surge", "unavailable"), [(1, 0), (0, 1), (1, 1), (2, 3), (5, 0)])
def test_rolling_invariants(count: int, surge: int, unavailable: int) -> None:
    batches = rolling_batches(count, surge, unavailable)
    assert sum(d + s for d, s in batches) == count
    for down, extra in batches:
        assert down <= unavailable  # never fewer than replicas - max_unavailable serving
        assert extra <= max(surge, 1) or unavailable == 0  # never more than replicas + max_surge containers
        assert extra <= surge or (surge == 0 and extra == 0)


@pytest.mark.parametrize(
    ("count", "steps", "batches"),
    [
        (10, [10, 50, 100], [1, 4, 5]),  # the docstring's worked example
        (3, [10, 50, 100], [1, 1, 1]),
        (1, [10, 50, 100], [1]),
        (4, [25, 100], [1, 3]),
        (20, [5, 10, 100], [1, 1, 18]),
        (10, [100], [10]),
        (2, [10, 20, 30, 100], [1, 1]),
        (0, [10, 100], []),
    ],
)
def test_canary_batches(count: int, steps: list[int], batches: list[int]) -> None:
    assert canary_batches(count, steps) == batches
    assert sum(batches) == count
