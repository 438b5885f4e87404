"""Turn JSON Schema validation errors into diagnostics a person can act on.

jsonschema says ``'replcas' does not match any of the regexes``; we say
``app.yaml:7:5 services.web.replcas: unknown key`` with ``hint: did you mean 'replicas'?``. Each validator
keyword gets its own wording; patterns are named by what they mean, not by the regex.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from engine.errors import Diagnostic
from engine.spec import model
from engine.spec.source import SourceMap, SpecPath

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

_PATTERN_NAMES = {
    model.DNS_LABEL: (
        "must be a DNS label",
        "use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
    ),
    model.DURATION: ("must be a duration", "write a number and a unit: 500ms, 5s, 2m, 1h30m"),
    model.CPU_QUANTITY: ("must be a CPU quantity", "write cores (0.5, 2) or millicores (500m)"),
    model.MEMORY_QUANTITY: ("must be a memory quantity", "write a number and a unit: 256Mi, 1Gi, 500M"),
    model.ENV_NAME: ("must be an environment variable name", "use letters, digits and '_', not starting with a digit"),
    model.ENV_KEY: (
        "must be an environment variable name",
        "use letters, digits, '_', '.' and '-', not starting with a digit",
    ),
    model.STOP_SIGNAL: ("must be a signal name", "e.g. SIGINT, SIGQUIT, SIGUSR1 or SIGRTMIN+3"),
    model.SYSCTL: (
        "must be a namespaced sysctl",
        "only the container's own namespaces can be set: net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.* "
        "(any other sysctl would change the whole host, and Docker refuses it)",
    ),
    model.LABEL_KEY: ("must be a label key", "use letters, digits, '-', '_', '.' and '/'"),
    model.ABSOLUTE_PATH: ("must be an absolute path", "start it with /"),
    model.RUNTIME_VERSION: ("must be a version number", 'write major[.minor[.patch]], e.g. "3.12" or "20"'),
    model.IP_ADDRESS: ("must be an IP address", "e.g. 127.0.0.1 (loopback), 0.0.0.0 (every interface) or ::1"),
    model.PORT_NAME: ("must be a port name", "at most 15 lowercase letters, digits and '-', starting with a letter"),
    model.USER: ("must be a user name or uid[:gid]", "e.g. 10001:10001 or app"),
    model.CAPABILITY: ("must be a Linux capability name", "uppercase without CAP_, e.g. NET_BIND_SERVICE or ALL"),
    model.HOST_NAME: ("must be a host name", "a lowercase DNS name such as shop.example.com or *.example.com"),
    model.PLACEMENT_CONSTRAINT: (
        "must be a Swarm placement constraint",
        "ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE with node.id, node.hostname, node.role, node.platform.os, "
        "node.platform.arch, node.labels.KEY or engine.labels.KEY, e.g. node.hostname==n1",
    ),
    model.SPREAD_KEY: ("must be a node attribute to spread over", "node.labels.KEY, engine.labels.KEY or node.id"),
    model.DOCKER_HOST: (
        "must be a Docker host address",
        "e.g. unix:///var/run/docker.sock, tcp://10.0.0.5:2376 or ssh://deploy@manager-1",
    ),
}
# Compose keys a spec deliberately does not take, with why and what to write instead.
_COMPOSE_ONLY = {
    "container_name": (
        "container_name is not supported: replicas and rollouts run old and new containers side by side, and "
        "each needs a name of its own (shipspec names them <app>-<service>-<n>)",
        "remove it: other services already reach this one by its service name on the app network, so name the "
        "service what they call it (the spec has no extra network aliases yet)",
    ),
}
_JSON_TYPES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "nothing",
}


_validators: list[tuple[dict[str, Any], Any]] = []  # (schema, its validator): the schema is loaded once per process


def _validator(schema: dict[str, Any]) -> Any:
    """jsonschema is imported on first use (it costs a tenth of a second), and its validator is built once per
    schema: it resolves references lazily and keeps them."""
    for known, validator in _validators:
        if known is schema:
            return validator
    from jsonschema import Draft202012Validator, validators

    strict = validators.extend(Draft202012Validator, {"pattern": _whole_pattern})  # type: ignore[no-untyped-call]
    validator = strict(schema)
    _validators.append((schema, validator))
    return validator


def _whole_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's ``pattern`` with ``$`` meaning the end of the text: Python's ``$`` also matches before a final
    newline, so ``"web\n"`` would pass every anchored pattern (and reach file names and Kubernetes objects)."""
    import re

    from jsonschema.exceptions import ValidationError

    if not isinstance(instance, str):
        return
    match = re.search(pattern, instance)
    if match is None or (pattern.endswith("$") and match.end() != len(instance)):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_fast: list[tuple[dict[str, Any], Any]] = []  # (schema, its jsonschema_rs validator or None when unusable)


def _fast_validator(schema: dict[str, Any]) -> Any:
    """``jsonschema_rs`` (Rust) answers "is this valid?" about 50 times faster than ``jsonschema``, which only
    needs to run when a document is not: its errors carry what our messages are made of. None when the Rust
    validator is not installed or refuses the schema; formats are annotations, as for ``jsonschema`` here."""
    for known, validator in _fast:
        if known is schema:
            return validator
    try:
        import jsonschema_rs

        fast: Any = jsonschema_rs.Draft202012Validator(schema, validate_formats=False)
    except Exception:  # not installed, or a schema it cannot compile: the Python validator decides alone
        fast = None
    _fast.append((schema, fast))
    return fast


def schema_diagnostics(data: Any, schema: dict[str, Any], source: SourceMap) -> list[Diagnostic]:
    fast = _fast_validator(schema)
    if fast is not None and fast.is_valid(data):
        return []
    errors: list[ValidationError] = list(_validator(schema).iter_errors(data))
    # ``version: "1"`` breaks both ``const`` and ``type``; one problem deserves one message, the more specific one.
    specific = {tuple(e.absolute_path) for e in errors if e.validator in ("const", "enum")}
    out: list[Diagnostic] = []
    for error in errors:
        if error.validator == "type" and tuple(error.absolute_path) in specific:
            continue
        out.extend(_describe(error, source))
    return out


def _from_property_names(error: ValidationError) -> bool:
    """jsonschema reports a bad key as the inner ``pattern`` error on the key string, located at the mapping;
    only its schema path says it came from ``propertyNames``."""
    schema_path = list(error.absolute_schema_path)
    return len(schema_path) >= 2 and schema_path[-2] == "propertyNames"


def _describe(error: ValidationError, source: SourceMap) -> Iterator[Diagnostic]:
    path: SpecPath = tuple(error.absolute_path)
    keyword = error.validator
    value = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "additionalProperties" and isinstance(value, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in sorted(set(value) - set(allowed)):
            if len(path) == 2 and path[0] == "services" and key in _COMPOSE_ONLY:
                yield source.diagnostic((*path, key), *_COMPOSE_ONLY[key], key=True)
                continue
            yield source.diagnostic((*path, key), "unknown key", _suggest(key, allowed), key=True)
        return
    if keyword == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else str(error.validator_value)
        yield source.diagnostic(path, f"missing required key {missing!r}", _required_hint(missing))
        return
    if keyword == "pattern" and _from_property_names(error):
        key = str(value)
        name, hint = _PATTERN_NAMES.get(str(error.validator_value), ("has an invalid format", ""))
        yield source.diagnostic((*path, key), f"key {key!r} {name}", hint, key=True)
        return
    if keyword == "type" and len(path) == 4 and path[2] == "secrets" and not isinstance(value, dict | list):
        # never echo what is probably a secret value into CI logs
        yield source.diagnostic(
            path,
            "a secret is a reference to where the value is kept, not the value itself",
            "write {env: VARIABLE} or {file: ./path}, and keep the value out of the spec",
        )
        return
    yield source.diagnostic(path, *_message(keyword, value, error, schema))


def _message(keyword: Any, value: Any, error: ValidationError, schema: dict[str, Any]) -> tuple[str, str]:
    expected: Any = error.validator_value
    if keyword == "type":
        types: list[str] = expected if isinstance(expected, list) else [expected]
        want = " or ".join(_JSON_TYPES.get(t, t) for t in types)
        if value is None:
            return f"expected {want}, got nothing", 'write a value, or "" for empty text, or remove the key'
        if expected == "boolean" and isinstance(value, str):
            return f"expected true or false, got the text {value!r}", "YAML 1.2 booleans are only true and false"
        return f"expected {want}, got {_show(value)}", ""
    if keyword == "enum":
        options = [str(o) for o in expected]
        return f"{_show(value)} is not one of: {', '.join(options)}", _suggest(str(value), options)
    if keyword == "const":
        return f"must be {_show(expected)}, got {'nothing' if value is None else _show(value)}", ""
    if keyword == "pattern":
        name, hint = _PATTERN_NAMES.get(str(expected), ("has an invalid format", ""))
        return f"{_show(value)} {name}", hint or f"it must match {expected}"
    if keyword in ("minimum", "exclusiveMinimum"):
        return f"{_show(value)} is below the minimum {expected}", ""
    if keyword in ("maximum", "exclusiveMaximum"):
        return f"{_show(value)} is above the maximum {expected}", ""
    if keyword in ("minItems", "minProperties", "minLength"):
        return ("must not be empty", "") if expected == 1 else (f"needs at least {expected} entries", "")
    if keyword in ("maxLength",):
        return f"{_show(value)} is longer than {expected} characters", ""
    if keyword in ("maxItems", "maxProperties"):
        return f"has more than {expected} entries", ""
    return str(error.message), ""


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"allowed: {', '.join(options)}" if options else ""


def _required_hint(key: str) -> str:
    return {
        "version": "add `version: 1` at the top",
        "name": "add `name: <app name>`",
        "services": "add a `services:` mapping",
    }.get(key, "")


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
