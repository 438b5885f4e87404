"""Load ``app.yaml`` into plain data plus a ``SourceMap``, refusing what YAML makes dangerous or ambiguous.

Rules (each failure is a ``SpecError`` with ``file:line:col``):

* size: at most ``MAX_BYTES``; checked before any parsing so a 50 MB file fails at once;
* no anchors, aliases or custom tags: a spec is small and flat, and refusing aliases makes "billion laughs" files
  fail at the first ``*`` instead of expanding;
* nesting at most ``MAX_DEPTH`` levels: the composer recurses, so a 10,000-deep file must fail before Python's
  recursion limit does;
* no duplicate keys (PyYAML silently keeps the last one);
* no tabs in indentation, with a hint, instead of PyYAML's "cannot start any token";
* the top level is a mapping.

Scalars resolve by the YAML 1.2 core schema, not PyYAML's 1.1 one: ``yes``, ``NO``, ``on`` and ``12:30`` stay
strings, ``012`` is not octal. The source text of every plain scalar is kept in the ``SourceMap`` so that string
fields (env values, labels, runtime versions) get the text the user typed (``1.10``, never ``1.1``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.errors import Diagnostic, SpecError
from engine.spec.fastload import HAS_LIBYAML as _HAS_LIBYAML
from engine.spec.fastload import load_fast
from engine.spec.readfile import FileReadError, read_limited
from engine.spec.scalars import COLLECTION_TAGS as _COLLECTION_TAGS
from engine.spec.scalars import MAX_DEPTH
from engine.spec.scalars import NON_PRINTABLE as _NON_PRINTABLE
from engine.spec.scalars import STD_TAG as _STD_TAG
from engine.spec.scalars import TEXT_TAGS as _TEXT_TAGS
from engine.spec.scalars import resolve_plain as _resolve_plain
from engine.spec.source import SourceMap, SpecPath, format_path

MAX_BYTES = 1024 * 1024

_DEPTH_HINT = "a spec is shallow; check for runaway brackets or indentation"
_TEXT = "tag:shipspec,2026:text"  # marks a scalar the user explicitly tagged as text


@dataclass(frozen=True)
class LoadedSpec:
    """A parsed document: plain data (dict/list/str/int/float/bool/None) and where each value came from."""

    data: dict[str, Any]
    source: SourceMap
    text: str = ""  # the YAML as read: what the release history keeps, so apply never reads the file twice


class _Reject(Exception):
    def __init__(self, mark: Any, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message
        self.hint = hint


class _GuardedLoader(yaml.SafeLoader):
    """PyYAML's pure-Python parser and composer with anchors, aliases, custom tags and deep nesting refused: the
    reference for every rule, and what reports every problem (``engine.spec.fastload`` only loads good files)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            raise _Reject(event.start_mark, "YAML aliases (*name) are not allowed", "write the value out in full")
        if isinstance(event, ScalarEvent | CollectionStartEvent):
            if event.anchor is not None:
                raise _Reject(event.start_mark, "YAML anchors (&name) are not allowed", "write the value out in full")
            _check_tag(event)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Reject(event.start_mark, f"nesting deeper than {MAX_DEPTH} levels", _DEPTH_HINT)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_scalar_node(self, anchor: Any) -> ScalarNode:
        explicit = self.peek_event().tag  # type: ignore[no-untyped-call]
        node: ScalarNode = super().compose_scalar_node(anchor)
        if explicit in _TEXT_TAGS:
            node.tag = _TEXT  # `! 012` and `!!str 012` are text, whatever the plain scalar would resolve to
        return node

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        # The composer's depth check is the rule; this is its fast path. Each open bracket is a possible simple key
        # that PyYAML re-examines on every token, so 10,000 brackets would cost half a second before the composer
        # sees the 33rd; refusing at the scanner keeps a hostile file's cost at a few milliseconds.
        if self.flow_level >= MAX_DEPTH:
            raise _Reject(self.get_mark(), f"nesting deeper than {MAX_DEPTH} levels", _DEPTH_HINT)
        super().fetch_flow_collection_start(TokenClass)


def _check_tag(event: ScalarEvent | CollectionStartEvent) -> None:
    """Only the tags that say "text", "mapping" or "list" are allowed; every other tag (``!!binary``,
    ``!!python/object``, ``!secret``) would mean something we do not do, so it is refused rather than ignored."""
    tag = event.tag
    allowed = _TEXT_TAGS if isinstance(event, ScalarEvent) else _COLLECTION_TAGS
    if tag is None or tag in allowed:
        return
    shown = "!!" + tag.removeprefix(_STD_TAG) if tag.startswith(_STD_TAG) else tag
    kind = "custom YAML tag" if not tag.startswith(_STD_TAG) else "YAML tag"
    raise _Reject(event.start_mark, f"{kind} {shown!r} is not allowed", "remove the tag")


def load_spec(path: str | Path, display_name: str | None = None) -> LoadedSpec:
    """Read and load a spec file; ``display_name`` is how errors name it (defaults to the path as given)."""
    name = display_name or str(path)
    try:
        raw = read_limited(path, MAX_BYTES)
    except FileReadError as exc:
        if exc.missing:
            hint = "pass the spec with -f FILE, or run where app.yaml is"
            raise SpecError([Diagnostic(name, 1, 1, "", "file not found", hint)]) from None
        if exc.reason.startswith("is larger"):
            raise SpecError([_too_big(name, Path(path).stat().st_size)]) from None
        reason = exc.reason.replace("is a folder, not a file", "is a directory, not a spec file")
        raise SpecError([Diagnostic(name, 1, 1, "", reason)]) from None
    return load_spec_bytes(raw, name)


def load_spec_bytes(raw: bytes, name: str) -> LoadedSpec:
    if len(raw) > MAX_BYTES:
        raise SpecError([_too_big(name, len(raw))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError([Diagnostic(name, line, 1, "", "the file is not valid UTF-8")]) from None
    return load_spec_text(text, name)


def _compose(text: str, name: str) -> Node | None:
    loader = _GuardedLoader(text)
    try:
        node: Node | None = loader.get_single_node()
    except _Reject as exc:
        raise SpecError([_at(name, exc.mark, exc.message, exc.hint)]) from None
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_syntax_error(name, exc)]) from None
    except yaml.YAMLError as exc:
        raise SpecError([Diagnostic(name, 1, 1, "", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    return node


def load_spec_text(text: str, name: str) -> LoadedSpec:
    _check_tabs(text, name)
    _check_printable(text, name)
    # libyaml accepts a tab inside a plain scalar, which PyYAML refuses: a file with a tab takes the reference path.
    fast = load_fast(text, name) if _HAS_LIBYAML and "\t" not in text else None
    if fast is not None:
        return LoadedSpec(*fast, text)
    node = _compose(text, name)
    source = SourceMap(name)
    if node is None or (isinstance(node, ScalarNode) and node.style is None and node.value == ""):
        raise SpecError([Diagnostic(name, 1, 1, "", "the file is empty", "start with `version: 1` and `name:`")])
    if not isinstance(node, MappingNode):
        raise SpecError(
            [
                _at(
                    name,
                    node.start_mark,
                    "the top level must be a mapping (key: value pairs)",
                    "start with `version: 1`",
                )
            ]
        )
    problems: list[Diagnostic] = []
    data = _construct(node, (), source, problems)
    if problems:
        raise SpecError(problems)
    assert isinstance(data, dict)
    return LoadedSpec(data, source, text)


def _construct(node: Node, path: SpecPath, source: SourceMap, problems: list[Diagnostic]) -> Any:
    source.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                problems.append(
                    _at(source.file, key_node.start_mark, "mapping keys must be plain text", path=format_path(path))
                )
                continue
            key = str(key_node.value)
            child = (*path, key)
            if key in out:
                first = source.keys[child]
                problems.append(
                    _at(
                        source.file,
                        key_node.start_mark,
                        f"duplicate key {key!r} (first defined at line {first[0]})",
                        "keep one of them: YAML would silently use the last",
                        path=format_path(child),
                    )
                )
                continue
            source.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _construct(value_node, child, source, problems)
        return out
    if isinstance(node, SequenceNode):
        return [_construct(item, (*path, i), source, problems) for i, item in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    if node.style is not None or node.tag == _TEXT:  # quoted, block or tagged as text: always text
        return node.value
    source.raw[path] = node.value
    return _resolve_plain(node.value)


def _syntax_error(name: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    """PyYAML's parser errors, reworded where its wording misleads and located where the user must look."""
    problem = str(exc.problem)
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and ("end of stream" in problem or "<stream end>" in problem):
        mark = exc.context_mark  # an unclosed quote or bracket: point at where it opened, not at the file's end
    if "another document" in problem:
        return _at(name, mark, "the file holds more than one YAML document", "a spec is one document: remove `---`")
    if "'\\t'" in problem:
        return _at(name, mark, "tab character outside quotes", "use spaces, or quote text that contains a tab")
    message = f"YAML syntax error: {exc.problem or exc.context}"
    if exc.context and exc.problem:
        message = f"YAML syntax error: {exc.problem} ({exc.context})"
    return _at(name, mark, message, "check indentation, colons and quotes")


def _check_printable(text: str, name: str) -> None:
    """YAML forbids most control characters; PyYAML would raise an unlocated ReaderError from its constructor."""
    found = _NON_PRINTABLE.search(text)
    if found is None:
        return
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    char = found.group()
    message = (
        "the file contains a NUL byte"
        if char == "\x00"
        else f"the file contains the control character U+{ord(char):04X}, which YAML does not allow"
    )
    raise SpecError([Diagnostic(name, line, column, "", message, "is it a binary file? a spec is text")])


def _check_tabs(text: str, name: str) -> None:
    if "\t" not in text:
        return  # the common case, found at C speed: no line-by-line walk
    for number, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip(" \t"))
        if "\t" in line[:indent] and line.strip():
            column = line.index("\t") + 1
            raise SpecError(
                [Diagnostic(name, number, column, "", "tab character in indentation", "indent with spaces")]
            )


def _too_big(name: str, size: int | None = None) -> Diagnostic:
    """``size`` only when known: a device such as /dev/zero reports 0 and is counted while reading instead."""
    length = f"{size:,} bytes" if size is not None and size > MAX_BYTES else f"over {MAX_BYTES:,} bytes"
    return Diagnostic(name, 1, 1, "", f"the file is {length}; the limit is {MAX_BYTES:,}", "a spec is a few kilobytes")


def _at(name: str, mark: Any, message: str, hint: str = "", *, path: str = "") -> Diagnostic:
    if mark is None:
        return Diagnostic(name, 1, 1, path, message, hint)
    return Diagnostic(name, mark.line + 1, mark.column + 1, path, message, hint)
