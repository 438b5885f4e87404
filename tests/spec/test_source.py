"""Spec paths as users read them, and where a path points when its value is missing."""

from __future__ import annotations

import pytest

from engine.spec.source import SourceMap, format_path


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("services",), "services"),
        (("services", "web", "replicas"), "services.web.replicas"),
        (("services", "web", "ports", 0, "host"), "services.web.ports[0].host"),
        (("services", "web", "command", 2), "services.web.command[2]"),
        (("a", 0, 1), "a[0][1]"),
        ((0,), "[0]"),
        (("labels", "app.kubernetes.io/name"), "labels.app.kubernetes.io/name"),
    ],
)
def test_format_path(path: tuple[str | int, ...], text: str) -> None:
    assert format_path(path) == text


def test_locate_prefers_keys_when_asked_and_falls_back_to_ancestors() -> None:
    source = SourceMap("app.yaml", values={(): (1, 1), ("a",): (2, 4), ("a", "b"): (3, 8)}, keys={("a", "b"): (3, 5)})
    assert source.locate(("a", "b")) == (3, 8)
    assert source.locate(("a", "b"), key=True) == (3, 5)
    assert source.locate(("a", "c", "d")) == (2, 4)
    assert source.locate(("z",)) == (1, 1)
    assert SourceMap("x").locate(("a",)) == (1, 1)


def test_diagnostic_carries_file_position_and_path() -> None:
    source = SourceMap("app.yaml", values={("a",): (2, 4)})
    diag = source.diagnostic(("a", 0), "bad", "fix it")
    assert (diag.file, diag.line, diag.column, diag.path, diag.message, diag.hint) == (
        "app.yaml", 2, 4, "a[0]", "bad", "fix it"
    )  # fmt: skip
    assert diag.render() == "app.yaml:2:4 a[0]: bad\n    hint: fix it"


def test_merged_with_moves_positions_under_a_prefix() -> None:
    base = SourceMap(
        "app.yaml",
        values={("s", "w", "r"): (5, 10), ("env", "p", "s", "w", "r"): (9, 20), ("env", "p"): (8, 3)},
        raw={("env", "p", "s", "w", "r"): "012"},
    )
    merged = base.merged_with(base, ("env", "p"), ())
    assert merged.values[("s", "w", "r")] == (9, 20)
    assert merged.raw[("s", "w", "r")] == "012"
    assert () not in merged.values or merged.values[()] != (8, 3)  # the prefix itself is not moved onto the root
