"""Locate ``templates/`` and ``schemas/``: inside the wheel (``engine/_data``) or beside the package in a checkout.

The wheel build copies both folders into ``engine/_data`` so that ``pip install .`` works anywhere; an editable
install or a source checkout reads them from the repository root, where they are edited.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(kind: str) -> Path:
    for candidate in (_PACKAGE / "_data" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipspec's {kind}/ folder is missing from this installation")


def resource_path(kind: str, name: str) -> Path:
    return resource_dir(kind) / name
