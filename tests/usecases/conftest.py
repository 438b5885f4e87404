"""The use-case tests run against the shipped fakes only (no engine)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.spec.validate import load_and_validate
from tests.usecases.kit import write_spec


@pytest.fixture(scope="session", autouse=True)
def _schema_compiled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Validation compiles the JSON Schema once per process; do it here, not inside the first test's timing."""
    load_and_validate(write_spec(Path(tmp_path_factory.mktemp("warm"))))
    yield
