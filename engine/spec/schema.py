"""Generate the published JSON Schema (2020-12) from the pydantic models, and load the committed copy.

Why generate: one source of truth. The models define the format, ``schemas/app.schema.json`` is their published
form for editors and CI, and ``tests/spec/test_schema.py`` fails when the committed file differs from what the
models generate. Optional fields are emitted without their ``null`` branch: a spec omits a key rather than writing
``null``, and plain types give editors and our error messages something simple to say.

Run ``python -m engine.spec.schema --write`` after changing a model.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from engine.resources import resource_path
from engine.spec.model import AppSpec

SCHEMA_ID = "https://shipspec.dev/schemas/app.schema.json"
SCHEMA_FILE = "app.schema.json"


class _Generator(GenerateJsonSchema):
    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        # pydantic writes constrained keys as patternProperties, which lets any other key through untyped;
        # propertyNames + additionalProperties says the same strictly, and gives simpler errors.
        out = super().dict_schema(schema)
        patterns = out.pop("patternProperties", None)
        if patterns:
            ((pattern, values),) = patterns.items()
            out["propertyNames"] = {"pattern": pattern}
            out["additionalProperties"] = values
        return out

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def generate_schema() -> dict[str, Any]:
    body = AppSpec.model_json_schema(schema_generator=_Generator)
    _drop_null_defaults(body)
    body.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "shipspec app spec",
        **body,
    }


def schema_text() -> str:
    return json.dumps(generate_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@cache
def published_schema() -> dict[str, Any]:
    """The schema shipped with the package (what editors and validation use)."""
    loaded: dict[str, Any] = json.loads(resource_path("schemas", SCHEMA_FILE).read_text(encoding="utf-8"))
    return loaded


def _drop_null_defaults(node: Any) -> None:
    if isinstance(node, dict):
        if "default" in node and node["default"] is None:
            del node["default"]
        for value in node.values():
            _drop_null_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_null_defaults(value)


def main(argv: list[str]) -> int:
    target = resource_path("schemas", SCHEMA_FILE)
    text = schema_text()
    if "--write" in argv:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
        return 0
    if target.read_text(encoding="utf-8") != text:
        print(f"{target} is stale: run python -m engine.spec.schema --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
