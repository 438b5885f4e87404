"""What both YAML loaders share: the nesting limit, the allowed tags, and plain scalars resolved by the YAML 1.2
core schema (``yes``, ``on`` and ``12:30`` stay text, ``012`` is not octal)."""

from __future__ import annotations

import math
import re
from typing import Any

MAX_DEPTH = 32

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
STD_TAG = "tag:yaml.org,2002:"
NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
TEXT_TAGS = frozenset({"!", STD_TAG + "str"})
COLLECTION_TAGS = frozenset({"!", STD_TAG + "map", STD_TAG + "seq"})


def resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema for plain scalars. String fields later recover the source text from the SourceMap,
    so resolving ``012`` or ``1.10`` to a number here loses nothing."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT10.match(text):
        return int(text, 10)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text
