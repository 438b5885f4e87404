"""Where each value of a loaded spec came from: file, line and column per spec path.

Spec paths are tuples of mapping keys and list indexes; ``format_path`` spells them the way users read them
(``services.web.ports[0].host``). Nothing here parses YAML: the loader fills a ``SourceMap`` and everyone else asks it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from engine.errors import Diagnostic

_T = TypeVar("_T")
PathPart = str | int
SpecPath = tuple[PathPart, ...]


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./:@-]*", re.ASCII)


def format_path(path: Sequence[PathPart]) -> str:
    """``services.web.ports[0]``; a key that is not plain text (a newline, a space, nothing) is quoted, so a
    message stays on one line and shows exactly which key it means: ``services["web\\n"]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(part) or ".." in part:
            out += f"[{json.dumps(part)}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass
class SourceMap:
    """Line/column (1-based) of every value and every mapping key, plus the source text of plain scalars."""

    file: str
    values: dict[SpecPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[SpecPath, tuple[int, int]] = field(default_factory=dict)
    raw: dict[SpecPath, str] = field(default_factory=dict)

    def locate(self, path: SpecPath, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path``; for a missing path, the nearest ancestor that exists (a missing field is
        reported where its parent mapping starts)."""
        probe = tuple(path)
        if key and probe in self.keys:
            return self.keys[probe]
        while probe:
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def diagnostic(self, path: SpecPath, message: str, hint: str = "", *, key: bool = False) -> Diagnostic:
        line, column = self.locate(path, key=key)
        return Diagnostic(self.file, line, column, format_path(path), message, hint)

    def merged_with(self, other: SourceMap, prefix_from: SpecPath, prefix_to: SpecPath) -> SourceMap:
        """A copy in which positions under ``prefix_from`` in ``other`` are re-keyed under ``prefix_to``.

        Environment overlays use it: a value set by ``environments.prod.services.web.replicas`` lands at
        ``services.web.replicas`` in the merged spec but must still point at the overlay's line."""
        cut = len(prefix_from)

        def moved(src: dict[SpecPath, _T]) -> dict[SpecPath, _T]:
            return {prefix_to + p[cut:]: v for p, v in src.items() if p[:cut] == prefix_from and len(p) > cut}

        return SourceMap(
            self.file,
            {**self.values, **moved(other.values)},
            {**self.keys, **moved(other.keys)},
            {**self.raw, **moved(other.raw)},
        )
