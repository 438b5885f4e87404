"""State shared by the translation rules: positions, the report being written, and spec-side comments."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.compose_import.positions import Positions
from engine.compose_import.report import Entry, Note, Report, Status
from engine.spec.source import SpecPath, format_path


@dataclass
class Ctx:
    positions: Positions
    out_dir: Path  # the directory of the app.yaml being written: relative paths are relative to it
    app: str
    names: dict[str, str]  # Compose service name -> spec service name
    model: dict[str, Any]
    report: Report = field(default_factory=Report)
    comments: dict[SpecPath, str] = field(default_factory=dict)  # spec path -> "from compose.yaml:12"

    def ok(self, cpath: SpecPath, to: SpecPath, why: str = "") -> None:
        where = self.positions.locate(cpath)
        self.report.add(Entry(format_path(cpath), where, Status.TRANSLATED, format_path(to), why))
        self.comments.setdefault(to, f"{where.file}:{where.line}")

    def drop(self, cpath: SpecPath, why: str) -> None:
        self.report.add(Entry(format_path(cpath), self.positions.locate(cpath), Status.DROPPED, "", why))

    def resolved(self, cpath: SpecPath, why: str) -> None:
        self.report.add(Entry(format_path(cpath), self.positions.locate(cpath), Status.RESOLVED, "", why))

    def change(self, cpath: SpecPath, text: str) -> None:
        self.report.changes.append(Note(format_path(cpath), self.positions.locate(cpath), text))

    def relative(self, path: str) -> tuple[str, bool]:
        """A path Compose made absolute, relative to the spec; True when it lies outside the spec's directory."""
        rel = os.path.relpath(path, self.out_dir).replace(os.sep, "/")
        outside = rel == ".." or rel.startswith("../")
        return (rel if rel.startswith(".") else f"./{rel}"), outside

    def raw(self, cpath: SpecPath) -> str | None:
        """The source text of a scalar before Compose interpolated it."""
        return self.positions.raw.get(cpath)
