"""The loader's refusals and YAML 1.2 typing, on inputs too big or too odd to commit as corpus files.

The hostile inputs (alias bomb, 50 MB file, 10,000-deep nesting) must fail with a clear message; their time is
printed (``pytest -s``) and bounded only loosely here, because real speed belongs in benchmarks.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.errors import Diagnostic, SpecError
from engine.spec.loader import MAX_BYTES, MAX_DEPTH, load_spec, load_spec_bytes, load_spec_text
from engine.spec.validate import load_and_validate

SANITY_SECONDS = 5.0
BASE = "version: 1\nname: shop\nservices:\n  web:\n    image: nginx:1.27\n"


def _fails(raw: bytes | str, name: str = "app.yaml") -> tuple[Diagnostic, float]:
    """Load ``raw`` and return its single diagnostic and how long the refusal took."""
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        if isinstance(raw, bytes):
            load_spec_bytes(raw, name)
        else:
            load_spec_text(raw, name)
    elapsed = time.perf_counter() - start
    assert len(info.value.diagnostics) == 1, info.value.diagnostics
    return info.value.diagnostics[0], elapsed


# ---- hostile inputs ---------------------------------------------------------------------------------------------


def test_alias_bomb_fails_at_the_first_alias() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    diag, elapsed = _fails("\n".join(lines) + "\n")
    print(f"alias bomb refused in {elapsed * 1000:.1f} ms")
    assert (diag.line, diag.column) == (1, 4)
    assert "anchors (&name) are not allowed" in diag.message
    assert elapsed < SANITY_SECONDS


def test_alias_without_anchor_is_refused_too() -> None:
    diag, _ = _fails("a: 1\nb: *a\n")
    assert (diag.line, diag.column, diag.message) == (2, 4, "YAML aliases (*name) are not allowed")


def test_fifty_megabyte_file_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "app.yaml"
    with big.open("wb") as out:
        out.write(BASE.encode())
        chunk = b"# " + b"x" * 1021 + b"\n"
        for _ in range(50 * 1024):
            out.write(chunk)
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        load_spec(big, "app.yaml")
    elapsed = time.perf_counter() - start
    print(f"50 MB file refused in {elapsed * 1000:.1f} ms")
    (diag,) = info.value.diagnostics
    assert (diag.file, diag.line, diag.column) == ("app.yaml", 1, 1)
    assert f"the limit is {MAX_BYTES:,}" in diag.message
    assert f"{big.stat().st_size:,} bytes" in diag.message
    assert elapsed < SANITY_SECONDS


def test_size_limit_applies_to_bytes_too() -> None:
    diag, _ = _fails(b"a: 1\n" + b" " * MAX_BYTES)
    assert "the limit is" in diag.message


def test_file_just_under_the_limit_loads() -> None:
    raw = BASE.encode() + b"#" * (MAX_BYTES - len(BASE) - 1) + b"\n"
    assert len(raw) == MAX_BYTES
    assert load_spec_bytes(raw, "app.yaml").data["name"] == "shop"


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 10_000 + "]" * 10_000,
        "a: " + "{a: " * 10_000 + "1" + "}" * 10_000,
        "".join(f"{'  ' * i}k:\n" for i in range(200)) + "  " * 200 + "v: 1\n",
        "a:\n" + "".join(f"{'  ' * i}- \n" for i in range(1, 200)),
    ],
    ids=["flow-lists-10000", "flow-maps-10000", "block-maps-200", "block-lists-200"],
)
def test_deep_nesting_fails_with_a_clear_message(text: str) -> None:
    diag, elapsed = _fails(text)
    print(f"{len(text):,} characters of nesting refused in {elapsed * 1000:.1f} ms")
    assert diag.message == f"nesting deeper than {MAX_DEPTH} levels"
    assert "runaway brackets" in diag.hint
    assert elapsed < SANITY_SECONDS


def test_nesting_at_the_limit_loads() -> None:
    # the document mapping is level 1, so a value may nest MAX_DEPTH - 1 levels below it
    depth = MAX_DEPTH - 1
    data = load_spec_text("a: " + "[" * (depth - 1) + "1" + "]" * (depth - 1), "app.yaml").data
    assert isinstance(data["a"], list)
    _fails("a: " + "[" * depth + "1" + "]" * depth)


# ---- encodings and odd bytes -----------------------------------------------------------------------------------


def test_non_utf8_names_the_line() -> None:
    diag, _ = _fails(b"version: 1\nname: caf\xe9\n")
    assert (diag.line, diag.column, diag.message) == (2, 1, "the file is not valid UTF-8")


def test_utf16_is_not_utf8() -> None:
    diag, _ = _fails("version: 1\n".encode("utf-16"))
    assert diag.message == "the file is not valid UTF-8"


def test_utf8_bom_is_accepted() -> None:
    assert load_spec_bytes(b"\xef\xbb\xbf" + BASE.encode(), "app.yaml").data["version"] == 1


def test_nul_byte_is_refused() -> None:
    diag, _ = _fails(b"version: 1\nname: a\x00b\n")
    assert (diag.line, diag.message) == (2, "the file contains a NUL byte")


def test_crlf_line_endings_keep_positions() -> None:
    loaded = load_spec_bytes(BASE.replace("\n", "\r\n").encode(), "app.yaml")
    assert loaded.source.values[("services", "web", "image")] == (5, 12)


# ---- structure -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "the file is empty"),
        ("# only a comment\n", 1, "the file is empty"),
        ("---\n", 1, "the file is empty"),
        ("- a\n- b\n", 1, "the top level must be a mapping"),
        ("\n\nhello\n", 3, "the top level must be a mapping"),
        ("a: 1\n---\nb: 2\n", 2, "the file holds more than one YAML document"),
        ("a: 1\na: 2\n", 2, "duplicate key 'a' (first defined at line 1)"),
        ("a:\n\tb: 1\n", 2, "tab character in indentation"),
        ("a: [1, 2\n", 1, "YAML syntax error: expected ',' or ']'"),
        ('a: "open\n\n', 1, "YAML syntax error: found unexpected end of stream"),
        ("a: !!binary aGk=\n", 1, "YAML tag '!!binary' is not allowed"),
        ("a: !!python/object:os.system x\n", 1, "YAML tag '!!python/object:os.system' is not allowed"),
        ("a: !!set {x}\n", 1, "YAML tag '!!set' is not allowed"),
        ("a: !env X\n", 1, "custom YAML tag '!env' is not allowed"),
    ],
)
def test_structural_refusals(text: str, line: int, message: str) -> None:
    diag, _ = _fails(text)
    assert diag.line == line
    assert message in diag.message


def test_duplicate_keys_are_all_reported() -> None:
    with pytest.raises(SpecError) as info:
        load_spec_text("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n", "app.yaml")
    assert [(d.line, d.path) for d in info.value.diagnostics] == [(2, "a"), (5, "b.c")]


def test_tabs_inside_quotes_are_fine_and_elsewhere_explained() -> None:
    assert load_spec_text('a: "x\\ty"\nb: "x\ty"\n', "app.yaml").data == {"a": "x\ty", "b": "x\ty"}
    diag, _ = _fails("a: 1\nb: x\ty\n")
    assert (diag.line, diag.column, diag.message) == (2, 5, "tab character outside quotes")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "nope.yaml", "nope.yaml")
    assert "file not found" in info.value.diagnostics[0].message
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path, "somewhere")
    assert "is a directory" in info.value.diagnostics[0].message


# ---- positions ---------------------------------------------------------------------------------------------------


def test_positions_of_keys_and_values() -> None:
    text = "version: 1\nname: shop\nservices:\n  web:\n    ports:\n      - {container: 80}\n"
    source = load_spec_text(text, "app.yaml").source
    assert source.keys[("services", "web", "ports")] == (5, 5)
    assert source.values[("services", "web", "ports", 0)] == (6, 9)
    assert source.values[("services", "web", "ports", 0, "container")] == (6, 21)
    assert source.locate(("services", "web", "ports", 0, "host")) == (6, 9)  # a missing key: its parent
    assert source.locate(("nowhere",)) == (1, 1)


# ---- YAML 1.2 typing and the traps of 1.1 ---------------------------------------------------------------------

TRAPS = [
    "NO",
    "yes",
    "on",
    "Off",
    "y",
    "012",
    "1.10",
    "12:30",
    "0x1F",
    "0o17",
    "1e3",
    "~",
    "null",
    "true",
    ".inf",
    "+1",
    "2024-01-01",
    "1_000",
]


def test_plain_scalars_follow_yaml_1_2() -> None:
    text = "\n".join(f"k{i}: {t}" for i, t in enumerate(TRAPS)) + "\n"
    data = load_spec_text(text, "app.yaml").data
    got = [data[f"k{i}"] for i in range(len(TRAPS))]
    assert got == [
        "NO", "yes", "on", "Off", "y", 12, 1.1, "12:30", 31, 15, 1000.0, None, None, True, float("inf"),
        1, "2024-01-01", "1_000",
    ]  # fmt: skip


def test_tagged_text_stays_text() -> None:
    assert load_spec_text("a: !!str 012\nb: ! true\n", "app.yaml").data == {"a": "012", "b": "true"}


@pytest.mark.parametrize("trap", TRAPS)
def test_string_fields_keep_the_exact_text(tmp_path: Path, trap: str) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(
        f"""version: 1
name: shop
labels: {{tier: {trap}}}
services:
  web:
    build: {{runtime: python, version: 3.10}}
    command: [sleep, {trap}]
    env:
      A: {trap}
    health: {{exec: [check, {trap}]}}
""",
        encoding="utf-8",
    )
    web = load_and_validate(spec).spec.services["web"]
    assert web.env == {"A": trap}
    assert web.command == ["sleep", trap]
    assert web.health is not None and web.health.exec == ["check", trap]
    assert web.build is not None and web.build.version == "3.10"
    assert load_and_validate(spec).spec.labels == {"tier": trap}


@pytest.mark.parametrize(("typed", "version"), [("3.10", "3.10"), ("3.1", "3.1"), ("20", "20"), ('"3.12"', "3.12")])
def test_runtime_version_is_the_typed_text(tmp_path: Path, typed: str, version: str) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(f"version: 1\nname: shop\nservices:\n  web:\n    build: {{runtime: node, version: {typed}}}\n")
    build = load_and_validate(spec).spec.services["web"].build
    assert build is not None and build.version == version


def test_empty_env_value_is_an_error_not_text(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(BASE + "    env:\n      A:\n")
    with pytest.raises(SpecError) as info:
        load_and_validate(spec)
    (diag,) = info.value.diagnostics
    assert (diag.path, diag.message) == ("services.web.env.A", "expected text, got nothing")


def test_numbers_stay_numbers_in_number_fields(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(BASE + "    replicas: 012\n    ports: [{container: 0x50}]\n")
    web = load_and_validate(spec).spec.services["web"]
    assert (web.replicas, web.ports[0].container) == (12, 80)
