"""Messages for hostile input: a pydantic pattern error (the fallback behind the schema stage) is worded like the
schema stage's, never the raw regex; a key with a newline is quoted so the message stays on one line."""

from __future__ import annotations

from engine.spec import model
from engine.spec.loader import load_spec_text
from engine.spec.validate import _from_pydantic


def test_a_pydantic_pattern_error_never_shows_the_regex() -> None:
    loaded = load_spec_text('version: 1\nname: shop\nservices:\n  web:\n    env:\n      "A\\n": x\n', "app.yaml")
    err = {
        "loc": ("services", "web", "env", "A\n", "[key]"),
        "msg": f"String should match pattern '{model.ENV_NAME}'",
        "ctx": {"pattern": model.ENV_NAME},
        "input": "A\n",
    }
    diag = _from_pydantic(err, loaded.source)
    assert "should match pattern" not in diag.message and model.ENV_NAME not in diag.message
    assert "must be an environment variable name" in diag.message
    assert "\n" not in diag.path and diag.path == 'services.web.env["A\\n"]'
    assert (diag.line, diag.column) == (6, 7), "the column of the key, for a problem with a key"
