"""The fast path of spec loading: libyaml's C parser, its events turned straight into plain data and positions.

PyYAML's pure-Python scanner, parser and composer cost about 1.5 ms per service (seven seconds for a 5,000-service
spec); libyaml's parser with this one-pass builder costs a tenth of that. It applies the same rules as
``engine.spec.loader``'s guarded loader (no anchors, aliases or tags other than text/map/seq, at most ``MAX_DEPTH``
levels, plain-text keys, no duplicate keys, a mapping at the top, one document) and resolves scalars by the same
YAML 1.2 function, but it never reports: at the first thing it does not accept, it returns None and the guarded
loader loads the file again, so every message, and every position in it, comes from one place.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from engine.spec.scalars import COLLECTION_TAGS, MAX_DEPTH, TEXT_TAGS, resolve_plain
from engine.spec.source import SourceMap, SpecPath

HAS_LIBYAML = hasattr(yaml, "CSafeLoader")  # PyYAML built without libyaml has only the pure-Python parser


class _Unsure(Exception):
    """Something the guarded loader must look at (and most likely report)."""


def load_fast(text: str, name: str) -> tuple[dict[str, Any], SourceMap] | None:
    """(data, source map) of a spec that breaks none of the loader's rules, else None."""
    parser = yaml.CSafeLoader(text)
    try:
        return _document(parser, SourceMap(name))
    except (_Unsure, yaml.YAMLError, RecursionError):
        return None
    finally:
        parser.dispose()


def _document(parser: Any, source: SourceMap) -> tuple[dict[str, Any], SourceMap]:
    get = parser.get_event
    if type(get()) is not StreamStartEvent or type(get()) is not DocumentStartEvent:
        raise _Unsure
    root = get()
    if type(root) is not MappingStartEvent:
        raise _Unsure
    data = _Builder(get, source).mapping(root, (), 1)
    if type(get()) is not DocumentEndEvent or type(get()) is not StreamEndEvent:
        raise _Unsure   # a second document
    return data, source


class _Builder:
    def __init__(self, get: Any, source: SourceMap) -> None:
        self.get = get
        self.values, self.keys, self.raw = source.values, source.keys, source.raw

    def node(self, event: Any, path: SpecPath, depth: int) -> Any:
        kind = type(event)
        if kind is ScalarEvent:
            return self.scalar(event, path, depth)
        if kind is MappingStartEvent:
            return self.mapping(event, path, depth)
        if kind is SequenceStartEvent:
            return self.sequence(event, path, depth)
        raise _Unsure   # an alias

    def scalar(self, event: Any, path: SpecPath, depth: int) -> Any:
        tag = event.tag
        if event.anchor is not None or (tag is not None and tag not in TEXT_TAGS) or depth > MAX_DEPTH:
            raise _Unsure
        mark = event.start_mark
        self.values[path] = (mark.line + 1, mark.column + 1)
        if event.style or tag is not None:   # quoted, block or tagged as text: always text
            return event.value
        self.raw[path] = event.value
        return resolve_plain(event.value)

    def _collection(self, event: Any, path: SpecPath, depth: int) -> None:
        if event.anchor is not None or (event.tag is not None and event.tag not in COLLECTION_TAGS):
            raise _Unsure
        if depth > MAX_DEPTH:
            raise _Unsure
        mark = event.start_mark
        self.values[path] = (mark.line + 1, mark.column + 1)

    def mapping(self, event: Any, path: SpecPath, depth: int) -> dict[str, Any]:
        self._collection(event, path, depth)
        out: dict[str, Any] = {}
        while True:
            key: Any = self.get()
            if type(key) is MappingEndEvent:
                return out
            if type(key) is not ScalarEvent or key.anchor is not None or depth + 1 > MAX_DEPTH:
                raise _Unsure
            if key.tag is not None and key.tag not in TEXT_TAGS:
                raise _Unsure
            name = key.value
            if name in out:
                raise _Unsure   # a duplicate key
            child = (*path, name)
            mark: Any = key.start_mark
            self.keys[child] = (mark.line + 1, mark.column + 1)
            out[name] = self.node(self.get(), child, depth + 1)

    def sequence(self, event: Any, path: SpecPath, depth: int) -> list[Any]:
        self._collection(event, path, depth)
        out: list[Any] = []
        while True:
            item = self.get()
            if type(item) is SequenceEndEvent:
                return out
            out.append(self.node(item, (*path, len(out)), depth + 1))
