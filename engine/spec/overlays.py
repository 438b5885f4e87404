"""Environments: deep-merge ``environments.<env>`` onto the base spec, keeping source positions.

Mappings merge key by key; lists and scalars replace (a list that merged item by item would make removing an
item impossible). The merged document drops ``environments`` so that it validates as a plain spec.
"""

from __future__ import annotations

import copy
from typing import Any

from engine.errors import SpecError
from engine.spec.loader import LoadedSpec
from engine.spec.source import SpecPath


def environment_names(loaded: LoadedSpec) -> list[str]:
    envs = loaded.data.get("environments")
    return sorted(envs) if isinstance(envs, dict) else []


def apply_environment(loaded: LoadedSpec, env: str | None) -> LoadedSpec:
    """The spec as deployed to ``env`` (the base when ``env`` is None). The base's values are shared, not copied:
    nothing downstream mutates the loaded data (coercion and the merge build new containers), and copying a
    5,000-service spec would cost seconds."""
    base = {k: v for k, v in loaded.data.items() if k != "environments"}
    if env is None:
        return LoadedSpec(base, loaded.source)
    envs = loaded.data.get("environments")
    if not isinstance(envs, dict) or env not in envs:
        known = ", ".join(environment_names(loaded)) or "none are defined"
        raise SpecError(
            [loaded.source.diagnostic(("environments",), f"unknown environment {env!r}", f"known: {known}")]
        )
    overlay = envs[env]
    if not isinstance(overlay, dict):
        return LoadedSpec(base, loaded.source)  # the schema check on the base reports the bad overlay
    prefix: SpecPath = ("environments", env)
    source = loaded.source.merged_with(loaded.source, prefix, ())
    return LoadedSpec(_merge(base, overlay), source)


def _merge(base: Any, overlay: Any) -> Any:
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = dict(base)
        for key, value in overlay.items():
            out[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(overlay)
