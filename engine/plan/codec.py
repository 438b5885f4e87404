"""Frozen dataclasses ↔ JSON values, driven by type hints: the saved-plan format without hand-written mappers.

Supports what plans are made of: dataclasses, StrEnums, ``tuple[X, ...]``, ``Mapping[str, X]``, ``X | None``,
str, int, float and bool. Unknown keys or wrong types raise ``ValueError`` with the path, which the caller turns
into a PlanError. Decoding rebuilds exactly the values encoding saw, so a plan round-trips to an equal Plan.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def decode(hint: Any, data: Any, path: str = "$") -> Any:
    """``data`` as an instance of the type ``hint``."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return _union(hint, data, path)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(decode(item, v, f"{path}[{i}]") for i, v in enumerate(_expect(data, list, path)))
    if origin in (dict, Mapping, typing.Mapping) or hint is dict:
        args = typing.get_args(hint) or (str, Any)
        return {k: decode(args[1], v, f"{path}.{k}") for k, v in _expect(data, dict, path).items()}
    if hint is Any:
        return data
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint, data, path)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(data)
        except ValueError:
            raise ValueError(f"{path}: {data!r} is not a {hint.__name__}") from None
    return _scalar(hint, data, path)


def _union(hint: Any, data: Any, path: str) -> Any:
    args = typing.get_args(hint)
    if data is None and type(None) in args:
        return None
    errors = []
    for arg in args:
        if arg is type(None):
            continue
        try:
            return decode(arg, data, path)
        except ValueError as exc:
            errors.append(str(exc))
    raise ValueError(errors[0] if errors else f"{path}: unexpected {data!r}")


def _scalar(hint: Any, data: Any, path: str) -> Any:
    if hint is float and isinstance(data, int | float) and not isinstance(data, bool):
        return float(data)
    if hint in (str, int, bool) and type(data) is hint:
        return data
    name = getattr(hint, "__name__", str(hint))
    raise ValueError(f"{path}: expected {name}, found {type(data).__name__}")


def _expect(data: Any, kind: type[T], path: str) -> T:
    if not isinstance(data, kind):
        raise ValueError(f"{path}: expected {'a list' if kind is list else 'an object'}, found {type(data).__name__}")
    return data


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _dataclass(cls: type[T], data: Any, path: str) -> T:
    obj = _expect(data, dict, path)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    unknown = sorted(set(obj) - set(fields))
    if unknown:
        raise ValueError(f"{path}: unknown field {unknown[0]!r}")
    hints = _hints(cls)
    kwargs = {}
    for name, f in fields.items():
        if name in obj:
            kwargs[name] = decode(hints[name], obj[name], f"{path}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ValueError(f"{path}: missing field {name!r}")
    return cls(**kwargs)
