"""Hostile spec values cannot change an artifact's structure: each one reads back exactly, in every artifact.

Compose un-escapes ``$$`` to ``$`` and Kubernetes does the same in command/args, so those readers' views are
modelled here (``unescape``); ConfigMap data and Dockerfile exec-form arrays are read back as they are.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.render import yamltext
from engine.render.bundle import render_bundle
from engine.render.dockerfile import read_back
from engine.spec.validate import load_and_validate

NASTY = [
    "NO",
    "yes",
    "1.10",
    "012345",
    "$HOME",
    "${HOME:-x}",
    "$$",
    "{{ x }}",
    "{% raw %}",
    "it's",
    'say "hi"',
    "`uname -a`",
    "line one\nline two",
    "trailing newline\n",
    "*star",
    "&anchor",
    "# comment",
    "key: value",
    "- item",
    "[a, b]",
    "{a: b}",
    "~",
    "null",
    "",
    " leading space",
    "tab\tin",
    "ünïcödé ✓ 日本 🚀",
    "nel\x85ls\u2028ps\u2029",
    "bell\x07",
    "@at",
    "%percent",
    "!tag",
    "|",
    ">",
    "0x1F",
    "1e3",
    ".inf",
    "12:30",
    "on",
]


def nasty_env() -> dict[str, str]:
    """The values as env: all but Compose's ``${VAR}`` forms, which validation refuses in values (shipspec does not
    interpolate; ``engine.spec.checks_compose``), while command, files and health keep them for the program inside."""
    return {f"V{i}": value for i, value in enumerate(NASTY) if "${" not in value}


def unescape(text: str) -> str:
    return text.replace("$$", "$")


def _spec(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "requirements.txt").write_text("")
    env = nasty_env()
    doc = {
        "version": 1,
        "name": "nasty",
        "services": {
            "app": {
                "build": {"context": "./app", "runtime": "python"},
                "command": ["python3", "-c", *NASTY],
                "ports": [{"container": 8000}],
                "env": env,
                "files": [{"target": "/etc/nasty.txt", "content": "\n".join(NASTY)}],
                "health": {"exec": ["sh", "-c", *NASTY]},
            }
        },
    }
    spec = tmp_path / "app.yaml"
    # JSON is YAML with every value double-quoted. Astral characters stay literal (JSON would write surrogate pairs,
    # which YAML rejects) and YAML's extra line breaks are escaped (a YAML reader folds them when literal).
    text = json.dumps(doc, ensure_ascii=False)
    for char in ("\x85", "\u2028", "\u2029"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    spec.write_text(text, encoding="utf-8")
    return spec


def test_spec_keeps_the_values(tmp_path: Path) -> None:
    spec = load_and_validate(_spec(tmp_path)).spec
    assert dict(spec.services["app"].env) == nasty_env()
    assert spec.services["app"].command == ["python3", "-c", *NASTY]


def test_values_round_trip_into_every_artifact(tmp_path: Path) -> None:
    bundle = render_bundle(load_and_validate(_spec(tmp_path)), out_dir=tmp_path / "out")
    expected_env = nasty_env()
    command = ["python3", "-c", *NASTY]

    compose = yaml.safe_load(bundle["compose.yaml"])["services"]["app"]
    assert {k: unescape(v) for k, v in compose["environment"].items()} == expected_env
    assert [unescape(a) for a in compose["command"]] == command
    assert [unescape(a) for a in compose["healthcheck"]["test"]] == ["CMD", "sh", "-c", *NASTY]
    configs = yaml.safe_load(bundle["compose.yaml"])["configs"]
    mounted = configs["app_file_0"]["file"].removeprefix("./")
    assert bundle[mounted] == "\n".join(NASTY)   # written verbatim beside the file: Compose reads it as it is

    configmap = yaml.safe_load(bundle["k8s/app-env-configmap.yaml"])
    assert configmap["data"] == expected_env
    files = yaml.safe_load(bundle["k8s/app-files-configmap.yaml"])
    assert files["data"] == {"file-0": "\n".join(NASTY)}
    deployment = yaml.safe_load(bundle["k8s/app-deployment.yaml"])
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert [unescape(a) for a in container["args"]] == command
    assert container["livenessProbe"]["exec"]["command"] == ["sh", "-c", *NASTY]

    dockerfile = read_back(bundle["docker/app/Dockerfile"])
    assert list(dockerfile.cmd) == command
    assert list(dockerfile.healthcheck or ()) == ["sh", "-c", *NASTY]


def test_values_never_leave_their_line_in_a_dockerfile(tmp_path: Path) -> None:
    """A newline in a value must stay an escape inside the JSON array, never start a new instruction."""
    text = render_bundle(load_and_validate(_spec(tmp_path)), out_dir=tmp_path / "out")["docker/app/Dockerfile"]
    instructions = [line.split()[0] for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert instructions.count("CMD") == 1 and instructions.count("HEALTHCHECK") == 1
    assert "line two" not in [line.strip() for line in text.splitlines()]


@pytest.mark.parametrize("value", NASTY)
def test_scalar_round_trips(value: str) -> None:
    assert yaml.safe_load(f"k: {yamltext.scalar(value)}\n") == {"k": value}


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_round_trips_as_a_scalar(value: str) -> None:
    assert yaml.safe_load(f"k: {yamltext.scalar(value)}\n") == {"k": value}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1), st.one_of(st.text(), st.lists(st.text()), st.integers(), st.booleans())))
def test_any_mapping_round_trips_as_a_block(value: dict[str, object]) -> None:
    text = "root:\n" + yamltext.block(value, 2) + "\n"
    assert yaml.safe_load(text) == {"root": value}
