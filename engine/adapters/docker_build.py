"""Pure helpers for image builds: reading ``.dockerignore`` as ``docker build`` does, and following the builder's
event stream to the image ID or a ``BuildError`` that carries the builder's last lines. Must not import ``docker``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from engine.errors import BuildError, EngineError

TAIL_LINES = 12


def dockerignore_patterns(context_dir: Path) -> list[str]:
    """The patterns the docker CLI and SDK use: stripped lines, blanks and ``#`` comments dropped."""
    ignore = context_dir / ".dockerignore"
    if not ignore.is_file():
        return []
    lines = (line.strip() for line in ignore.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def follow_build(events: Iterable[Mapping[str, Any]], tag: str) -> str | None:
    """Consume the classic builder's decoded JSON events; returns the image ID it announced (None if it did not:
    the caller then inspects the tag). An ``error`` event raises at once, with the output that led to it."""
    tail: list[str] = []
    image: str | None = None
    for event in events:
        lines = [line.rstrip() for line in str(event.get("stream", "")).splitlines() if line.strip()]
        tail = (tail + lines)[-TAIL_LINES:]
        if "error" in event:
            raise BuildError(f"building image {tag} failed: {str(event['error']).strip()}", tail)
        aux = event.get("aux")
        if isinstance(aux, Mapping) and aux.get("ID"):
            image = str(aux["ID"])
    return image


def follow_pull(events: Iterable[Mapping[str, Any]], ref: str) -> None:
    """Consume a pull's progress events; an ``error`` event (no registry, unknown tag, no auth) raises one line."""
    for event in events:
        if "error" in event:
            reason = str(event["error"]).strip().splitlines()[0] if str(event["error"]).strip() else "unknown error"
            raise EngineError(f"pulling {ref} failed: {reason}")
