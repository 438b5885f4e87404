"""The import report: every Compose key, translated as what or dropped and why, with file:line.

Beside the per-key entries it lists what the operator must do (variables to set for secrets and interpolated
values) and every choice that changes behaviour compared with running the same files under Compose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from engine.compose_import.positions import Where


class Status(StrEnum):
    TRANSLATED = "translated"
    DROPPED = "dropped"
    RESOLVED = "resolved"  # Compose consumed it (extends, env_file, anchors, profiles): nothing left to translate


@dataclass(frozen=True, slots=True)
class Entry:
    key: str  # the Compose path, e.g. services.web.ports[0]
    where: Where
    status: Status
    to: str = ""  # the spec path it became
    why: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "file": self.where.file,
            "line": self.where.line,
            "column": self.where.column,
            "status": self.status.value,
            "to": self.to,
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class Note:
    """A behaviour change or an operator action, located at the key that caused it."""

    key: str
    where: Where
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "file": self.where.file, "line": self.where.line, "text": self.text}


@dataclass
class Report:
    entries: list[Entry] = field(default_factory=list)
    changes: list[Note] = field(default_factory=list)
    operator: dict[str, str] = field(default_factory=dict)  # variable -> what it is for
    warnings: list[str] = field(default_factory=list)

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)

    def by_status(self, status: Status) -> list[Entry]:
        return [e for e in self.entries if e.status is status]

    def as_dict(self) -> dict[str, object]:
        return {
            "entries": [e.as_dict() for e in self._sorted()],
            "behaviour_changes": [n.as_dict() for n in self.changes],
            "operator_variables": dict(sorted(self.operator.items())),
            "compose_warnings": list(self.warnings),
            "counts": {s.value: len(self.by_status(s)) for s in Status},
        }

    def _sorted(self) -> list[Entry]:
        return sorted(self.entries, key=lambda e: (e.where.file, e.where.line, e.where.column, e.key))


def format_json(report: Report, output: str) -> str:
    return json.dumps({"output": output, **report.as_dict()}, indent=2)


def format_text(report: Report, output: str) -> str:
    lines = [f"Wrote {output}."]
    counts = ", ".join(f"{len(report.by_status(s))} {s.value}" for s in Status)
    lines.append(f"Compose keys: {counts}.")
    for title, status in (("Dropped", Status.DROPPED), ("Translated", Status.TRANSLATED)):
        chosen = [e for e in report._sorted() if e.status is status]
        if chosen:
            lines.append(f"\n{title}:")
            lines.extend(_entry_line(e) for e in chosen)
    resolved = report.by_status(Status.RESOLVED)
    if resolved:
        lines.append("\nResolved by Compose (nothing left to translate):")
        lines.extend(_entry_line(e) for e in report._sorted() if e.status is Status.RESOLVED)
    if report.changes:
        lines.append("\nBehaviour that differs from Compose (review before deploying):")
        lines.extend(f"  {n.where.file}:{n.where.line} {n.key}: {n.text}" for n in report.changes)
    if report.operator:
        lines.append("\nSet these in the operator's environment before plan/apply:")
        lines.extend(f"  {var}  {why}" for var, why in sorted(report.operator.items()))
    if report.warnings:
        lines.append("\nCompose said:")
        lines.extend(f"  {w}" for w in report.warnings)
    return "\n".join(lines)


def _entry_line(entry: Entry) -> str:
    where = f"{entry.where.file}:{entry.where.line}"
    arrow = f" -> {entry.to}" if entry.to else ""
    why = f"  ({entry.why})" if entry.why else ""
    return f"  {where} {entry.key}{arrow}{why}"
