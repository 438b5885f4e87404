"""What every semantic check is given (the spec, where each value came from, the spec's folder), in a module of its
own so that check modules (``checks``, ``checks_limits``) import it without importing each other."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.errors import Diagnostic
from engine.spec.model import AppSpec
from engine.spec.source import SourceMap


@dataclass(frozen=True)
class CheckContext:
    spec: AppSpec
    source: SourceMap
    base_dir: Path


Check = Callable[[CheckContext], Iterator[Diagnostic]]
