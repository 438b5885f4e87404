"""Where each key of the Compose files was written: file, line and column per Compose path.

Compose itself (``docker compose config``) resolves merges, interpolation, ``extends`` and profiles, but its model
carries no positions. This module reads the same files again only to locate things, so the import report can say
``compose.yaml:12:7``. Compose files may use anchors, aliases and merge keys (``<<: *defaults``), unlike app.yaml:
a merged or aliased key is located where it is written (the anchor), which is where a user would change it.

Later ``-f`` files win, as in Compose: a value set by the override points at the override, while a service or
list keeps the position of the file that first wrote it. Short-syntax list items
that name a key (``- KEY=value`` under ``environment``) are also recorded under that key, because the resolved model
is a mapping there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.errors import Diagnostic
from engine.spec.source import SpecPath, format_path

_KEYED_LISTS = frozenset({"environment", "labels", "args", "extra_hosts", "sysctls"})
MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True)
class Where:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class Positions:
    """Positions of every key and value of every Compose file read, later files winning."""

    files: list[str] = field(default_factory=list)
    at: dict[SpecPath, Where] = field(default_factory=dict)
    raw: dict[SpecPath, str] = field(default_factory=dict)  # source text of scalars, before interpolation

    def locate(self, path: SpecPath) -> Where:
        """The position of ``path`` or of its nearest written ancestor (a key that came from ``extends`` or a
        default is reported where its service is)."""
        probe = tuple(path)
        while probe:
            if probe in self.at:
                return self.at[probe]
            probe = probe[:-1]
        return Where(self.files[0] if self.files else "compose.yaml", 1, 1)

    def diagnostic(self, path: SpecPath, message: str, hint: str = "") -> Diagnostic:
        where = self.locate(path)
        return Diagnostic(where.file, where.line, where.column, format_path(path), message, hint)


class _ComposeLoader(yaml.SafeLoader):
    """PyYAML's safe composer; anchors, aliases and merge keys are allowed here (Compose allows them)."""


def read_positions(paths: Sequence[Path], names: Sequence[str]) -> Positions:
    """Positions over all files; a file that does not parse is skipped (Compose reports that error itself)."""
    out = Positions(files=list(names))
    for path, name in zip(paths, names, strict=True):
        try:
            node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_ComposeLoader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if node is not None:
            _walk(node, (), name, out)
    return out


def _mark(node: Node, name: str) -> Where:
    return Where(name, node.start_mark.line + 1, node.start_mark.column + 1)


def _walk(node: Node, path: SpecPath, name: str, out: Positions) -> None:
    if isinstance(node, MappingNode):
        for key_node, value_node in _merged_pairs(node):
            if not isinstance(key_node, ScalarNode):
                continue
            child = (*path, str(key_node.value))
            _record(out, child, _mark(key_node, name), value_node)
            _walk(value_node, child, name, out)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            child = (*path, i)
            _record(out, child, _mark(item, name), item)
            _walk(item, child, name, out)
            if path and path[-1] in _KEYED_LISTS and isinstance(item, ScalarNode):
                key = str(item.value).split("=", 1)[0]
                out.at[(*path, key)] = _mark(item, name)
                if "=" in str(item.value):
                    out.raw[(*path, key)] = str(item.value).split("=", 1)[1]
    elif isinstance(node, ScalarNode):
        out.raw[path] = str(node.value)


def _record(out: Positions, path: SpecPath, where: Where, value: Node) -> None:
    """A value set again by a later file points at that file; a mapping or list keeps where it was first
    written (an override that sets one key of a service does not move the service)."""
    if isinstance(value, ScalarNode) or path not in out.at:
        out.at[path] = where


def _merged_pairs(node: MappingNode) -> list[tuple[Node, Node]]:
    """The mapping's own pairs after those its ``<<`` merge keys bring in (its own keys win, as in YAML)."""
    merged: list[tuple[Node, Node]] = []
    own: list[tuple[Node, Node]] = []
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.tag == MERGE_TAG:
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if isinstance(source, MappingNode):
                    merged.extend(_merged_pairs(source))
        else:
            own.append((key_node, value_node))
    return merged + own
