"""YAML text for rendered artifacts: scalars quoted so no value can change a document's structure.

Why not ``yaml.safe_dump``? Templates own the layout (reviewers read them), so values are emitted one at a time into
a template, and each must be safe on its own. A string is written plain only when every YAML 1.1 and 1.2 reader
(PyYAML, go-yaml v2 in kubectl, go-yaml v3 in Compose) reads it back as the same string; anything else is a
double-quoted scalar in which every character outside YAML's printable set, and every line break (including NEL,
LS and PS, which YAML folds), is an escape. ``NO``, ``1.10``, ``012``, ``# x`` and ``*ref`` are therefore quoted.

``yaml_block`` writes nested mappings and lists in block style with the same scalar rules, keeping the caller's
key order (callers build their mappings in a fixed order, so output is byte-stable).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@+-]*(?::[A-Za-z0-9_./@+-]+)*", re.ASCII)
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
_LINE_BREAKS = {"\x85", "\u2028", "\u2029"}


def _printable(char: str) -> bool:
    """YAML's printable set minus line breaks and the byte-order mark, which readers treat specially."""
    code = ord(char)
    if char in _LINE_BREAKS or code == 0xFEFF:
        return False
    return 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def quote_string(text: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly ``text``."""
    out = ['"']
    for char in text:
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif _printable(char):
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def is_plain_safe(text: str) -> bool:
    return bool(_PLAIN.fullmatch(text)) and text.lower() not in _RESERVED


def scalar(value: object) -> str:
    """One YAML scalar (string, integer, boolean or null) as text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value if is_plain_safe(value) else quote_string(value)
    raise TypeError(f"not a YAML scalar: {type(value).__name__}")


def _literal_ok(text: str) -> bool:
    """Multi-line text that a literal block (``|``) keeps byte for byte."""
    if "\n" not in text or not text.endswith("\n") or text.endswith("\n\n"):
        return False
    lines = text[:-1].split("\n")
    if lines[0][:1] in (" ", ""):
        return False
    return all(all(_printable(c) for c in line) and line == line.rstrip(" ") for line in lines)


def block(value: object, indent: int = 0) -> str:
    """``value`` (a mapping or a list) as block-style YAML lines at ``indent`` spaces, without a final newline."""
    return "\n".join(_lines(value, indent))


def _lines(value: object, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        if not value:
            return [pad + "{}"]
        out: list[str] = []
        for key, item in value.items():
            out.extend(_entry(pad + scalar(str(key)) + ":", item, indent))
        return out
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            return [pad + "[]"]
        out = []
        for item in value:
            if isinstance(item, Mapping) and item:
                inner = _lines(item, indent + 2)
                out.append(pad + "- " + inner[0][indent + 2 :])
                out.extend(inner[1:])
            else:
                out.extend(_entry(pad + "-", item, indent))
        return out
    return [pad + scalar(value)]


def _entry(head: str, item: object, indent: int) -> list[str]:
    """A key (``head`` ends with ':') or a list dash followed by its value, inline or as a nested block."""
    if isinstance(item, str) and _literal_ok(item):
        body = [(" " * (indent + 2) + line) if line else "" for line in item[:-1].split("\n")]
        return [head + " |", *body]
    if isinstance(item, Mapping | list | tuple) and item:
        return [head, *_lines(item, indent + 2)]
    if isinstance(item, Mapping):
        return [head + " {}"]
    if isinstance(item, list | tuple):
        return [head + " []"]
    return [head + " " + scalar(item)]
