"""The example specs under ``specs/``, each with its environments: the corpus every render test runs over."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"


def example_names() -> list[str]:
    return sorted(p.parent.name for p in SPECS.glob("*/app.yaml"))


def example_path(name: str) -> Path:
    return SPECS / name / "app.yaml"


def environments(name: str) -> list[str]:
    """The spec's environment names, read straight from the YAML so the corpus never depends on the validator."""
    data = yaml.safe_load(example_path(name).read_text(encoding="utf-8"))
    return sorted(data.get("environments") or {})


def cases() -> list[tuple[str, str | None]]:
    """(example, environment) pairs: the base (None) and every named environment of every example."""
    return [(name, env) for name in example_names() for env in [None, *environments(name)]]


def case_id(case: tuple[str, str | None]) -> str:
    name, env = case
    return f"{name}-{env or 'base'}"
