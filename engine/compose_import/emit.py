"""The imported spec as commented YAML text: each service key says which Compose line it came from."""

from __future__ import annotations

from typing import Any

from engine.render.yamltext import block, scalar
from engine.spec.source import SpecPath

HEADER = """\
# yaml-language-server: $schema=https://shipspec.dev/schemas/app.schema.json
# Imported from {sources} by `shipspec import`. The import report lists every Compose key: what it became here,
# or why it was dropped. Review the behaviour changes it lists before the first `shipspec apply`.
"""


def emit_spec(doc: dict[str, Any], comments: dict[SpecPath, str], sources: list[str]) -> str:
    lines = [HEADER.format(sources=", ".join(sources)).rstrip("\n")]
    lines.append(f"version: {scalar(doc['version'])}")
    lines.append(f"name: {scalar(doc['name'])}")
    lines.append("services:")
    for name, service in doc["services"].items():
        where = comments.get(("services", name, "image")) or comments.get(("services", name, "build", "context"))
        lines.append(f"  {scalar(name)}:" + (f"  # from {where}" if where else ""))
        for key, value in service.items():
            origin = _origin(comments, ("services", name, key))
            if origin:
                lines.append(f"    # {key}: from {origin}")
            lines.append(block({key: value}, 4))
    for key, value in doc.items():
        if key not in ("version", "name", "services"):
            lines.append(block({key: value}, 0))
    return "\n".join(lines) + "\n"


def _origin(comments: dict[SpecPath, str], prefix: SpecPath) -> str:
    """Where the key's values came from: one location, or the distinct ones in order."""
    lines: dict[str, set[int]] = {}
    for path, where in comments.items():
        if path[: len(prefix)] == prefix:
            file, _, line = where.rpartition(":")
            lines.setdefault(file, set()).add(int(line))
    return "; ".join(f"{file}:{_spans(sorted(numbers))}" for file, numbers in lines.items())


def _spans(numbers: list[int]) -> str:
    """``[3, 4, 5, 9]`` as ``3-5,9``."""
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ",".join(out)
