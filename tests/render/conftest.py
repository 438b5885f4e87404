"""Render test options and fixtures.

``pytest --update-golden`` (or ``SHIPSPEC_UPDATE_GOLDEN=1``) rewrites ``tests/render/golden`` from the current
renderer; without it a golden mismatch fails with a diff. Regenerate deliberately and review the diff in git.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/render/golden from the current renderer instead of comparing",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden")) or os.environ.get("SHIPSPEC_UPDATE_GOLDEN") == "1"
