"""The published JSON Schema: generated from the models, current, valid 2020-12, and documented field by field."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engine.resources import resource_path
from engine.spec.schema import SCHEMA_FILE, SCHEMA_ID, generate_schema, published_schema, schema_text

COMMITTED = resource_path("schemas", SCHEMA_FILE)
SCHEMA: dict[str, Any] = json.loads(COMMITTED.read_text(encoding="utf-8"))
# Environment overlays are partial services, merged first and validated as a whole afterwards: free-form on purpose.
FREE_FORM = {"/$defs/EnvironmentSpec/properties/services/additionalProperties"}


def _walk(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the document, with its JSON pointer."""
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            if key in ("examples", "default", "const", "enum"):
                continue  # data, not schemas
            yield from _walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{i}")


def _properties() -> Iterator[tuple[str, dict[str, Any]]]:
    for pointer, node in _walk(SCHEMA):
        if isinstance(node.get("properties"), dict) and not pointer.endswith("/properties"):
            for name, prop in node["properties"].items():
                yield f"{pointer}/properties/{name}", prop


def test_committed_schema_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "schemas/app.schema.json is stale: run `.venv/bin/python -m engine.spec.schema --write` and commit it"
    )


def test_published_schema_is_the_committed_one() -> None:
    assert published_schema() == SCHEMA == generate_schema()


def test_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_has_id_title_and_description() -> None:
    assert SCHEMA["$id"] == SCHEMA_ID
    assert SCHEMA["title"]
    assert SCHEMA["description"]
    assert SCHEMA["required"] == ["version", "name", "services"]


def test_walk_finds_every_property() -> None:
    names = {pointer.rsplit("/", 1)[1] for pointer, _ in _properties()}
    assert {"version", "services", "replicas", "max_surge", "read_only", "host_ip", "tls_secret"} <= names
    assert len(list(_properties())) > 80


@pytest.mark.parametrize(("pointer", "prop"), list(_properties()), ids=[p for p, _ in _properties()])
def test_every_property_is_documented(pointer: str, prop: dict[str, Any]) -> None:
    assert isinstance(prop.get("description"), str) and len(prop["description"]) > 3, f"{pointer}: no description"
    assert isinstance(prop.get("examples"), list) and prop["examples"], f"{pointer}: no examples"


@pytest.mark.parametrize(("pointer", "prop"), list(_properties()), ids=[p for p, _ in _properties()])
def test_examples_validate_against_their_own_property(pointer: str, prop: dict[str, Any]) -> None:
    validator = Draft202012Validator({**prop, "$defs": SCHEMA["$defs"]})
    for example in prop["examples"]:
        problems = [e.message for e in validator.iter_errors(example)]
        assert not problems, f"{pointer}: example {example!r} is invalid: {problems}"


def test_objects_are_closed() -> None:
    """Records forbid unknown keys; maps say what their values are. Nothing is open by accident."""
    for pointer, node in _walk(SCHEMA):
        if node.get("type") != "object":
            continue
        extra = node.get("additionalProperties")
        if "properties" in node:
            assert extra is False, f"{pointer}: a record must set additionalProperties: false"
        elif pointer in FREE_FORM:
            assert extra is True
        else:
            assert isinstance(extra, dict), f"{pointer}: a map must give its values a schema"


def test_enums_and_defaults_are_documented() -> None:
    for name, definition in SCHEMA["$defs"].items():
        assert definition.get("description") or definition.get("enum"), f"$defs/{name} has no description"


def test_schema_accepts_a_full_example_and_rejects_unknown_keys() -> None:
    validator = Draft202012Validator(SCHEMA)
    example = {
        "version": 1,
        "name": "shop",
        "services": {"web": {"image": "nginx:1.27", "ports": [{"container": 80, "host": 8080}]}},
        "environments": {"prod": {"services": {"web": {"replicas": 4}}}},
    }
    assert not list(validator.iter_errors(example))
    example["services"]["web"]["replcas"] = 3  # type: ignore[index]
    assert [e.validator for e in validator.iter_errors(example)] == ["additionalProperties"]
