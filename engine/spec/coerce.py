"""Give string fields back the text the user typed, guided by the JSON Schema.

The loader resolves plain scalars by YAML 1.2 (``1.10`` is a float, ``012`` an int, ``true`` a bool). Where the
schema says a field is a string (an env value, a runtime version, a label), that is a YAML trap, not the user's
intent: ``python: 3.10`` means the text ``3.10``. So wherever the schema wants a string and the value is a number
or a boolean, or a null spelled out (``~``, ``null``), we substitute the scalar's source text. An empty value
(``KEY:`` with nothing after it) stays null, so the schema reports it. Other types are left for the schema to reject.
"""

from __future__ import annotations

from typing import Any

from engine.spec.source import SourceMap, SpecPath


def coerce_strings(data: Any, schema: dict[str, Any], source: SourceMap) -> Any:
    return _walk(data, schema, schema, (), source)


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/$defs/"):
            break
        node = root["$defs"][ref.removeprefix("#/$defs/")]
    return node


def _walk(value: Any, node: dict[str, Any], root: dict[str, Any], path: SpecPath, source: SourceMap) -> Any:
    node = _resolve(node, root)
    if isinstance(value, dict):
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        out = {}
        for key, item in value.items():
            child = props.get(key) if key in props else extra if isinstance(extra, dict) else None
            out[key] = _walk(item, child, root, (*path, key), source) if child is not None else item
        return out
    if isinstance(value, list):
        items = node.get("items")
        if not isinstance(items, dict):
            return value
        return [_walk(item, items, root, (*path, i), source) for i, item in enumerate(value)]
    wants_string = node.get("type") == "string"
    if wants_string and isinstance(value, bool | int | float) and path in source.raw:
        return source.raw[path]
    if wants_string and value is None and source.raw.get(path):
        return source.raw[path]  # `~` or `null` typed where text belongs; an empty value stays an error
    return value
