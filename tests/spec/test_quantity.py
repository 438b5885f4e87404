"""Kubernetes quantities and durations as numbers."""

from __future__ import annotations

import re

import pytest

from engine.spec import model
from engine.spec.quantity import cpu_millicores, duration_seconds, memory_bytes


@pytest.mark.parametrize(
    ("text", "millicores"),
    [("500m", 500), ("0.5", 500), ("2", 2000), ("1.5", 1500), (".25", 250), ("1m", 1), ("0", 0), ("0.001", 1),
     ("100", 100_000), ("250m", 250)],
)  # fmt: skip
def test_cpu(text: str, millicores: int) -> None:
    assert cpu_millicores(text) == millicores
    assert re.match(model.CPU_QUANTITY, text), "every parsable quantity must pass the schema pattern too"


@pytest.mark.parametrize("text", ["0.0005", "1.5m", "abc", "", "m", "-1", "1e3x"])
def test_cpu_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        cpu_millicores(text)


@pytest.mark.parametrize(
    ("text", "size"),
    [("256Mi", 256 * 2**20), ("1Gi", 2**30), ("500M", 500 * 10**6), ("1k", 1000), ("1Ki", 1024), ("128", 128),
     ("0.5Gi", 2**29), ("1.5G", 1_500_000_000), ("2Ti", 2 * 2**40), ("1Ei", 2**60), ("0", 0)],
)  # fmt: skip
def test_memory(text: str, size: int) -> None:
    assert memory_bytes(text) == size
    assert re.match(model.MEMORY_QUANTITY, text)


@pytest.mark.parametrize("text", ["256MB", "1gi", "1 Gi", "", "Mi", "-1Mi", "1.Gi", "1KiB"])
def test_memory_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a memory quantity"):
        memory_bytes(text)
    assert not re.match(model.MEMORY_QUANTITY, text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("5s", 5.0), ("500ms", 0.5), ("2m", 120.0), ("1h30m", 5400.0), ("1m30s", 90.0), ("0s", 0.0), ("1.5s", 1.5),
     ("1h1m1s1ms", 3661.001)],
)  # fmt: skip
def test_duration(text: str, seconds: float) -> None:
    assert duration_seconds(text) == pytest.approx(seconds)
    assert re.match(model.DURATION, text)


@pytest.mark.parametrize("text", ["", "5", "s", "5 s", "5sec", "1d", "-5s", "5s ", "m5"])
def test_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        duration_seconds(text)
    assert not re.match(model.DURATION, text)
