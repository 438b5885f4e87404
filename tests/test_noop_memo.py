"""The no-op fast path's pure parts: which command lines it takes, what its key covers, what its fingerprint
ignores. Its behaviour against the engine is in tests/e2e/test_noop_fast.py."""

from __future__ import annotations

from pathlib import Path

from engine.noop import memo
from engine.noop.fast import parse
from engine.noop.memo import _steady, inputs_key


def test_only_the_plain_text_plan_is_taken() -> None:
    assert parse([]) == {"file": "app.yaml"}
    assert parse(["-f", "x.yaml", "--detailed-exitcode", "--env=prod", "--state-dir", "s"]) == {
        "file": "x.yaml", "env": "prod", "state": "s"}
    for other in (["--format", "json"], ["--out", "p.json"], ["-f"], ["-f", "--detailed-exitcode"], ["--help"]):
        assert parse(other) is None, other


def test_the_key_covers_the_spec_the_environment_and_the_variables_it_names(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    raw = b"services:\n  web:\n    secrets:\n      TOKEN: {from_env: API_TOKEN}\n"
    base = inputs_key(spec, raw, None, {"API_TOKEN": "a", "HOME": "/x"})
    assert inputs_key(spec, raw, None, {"API_TOKEN": "a", "HOME": "/y"}) == base   # not named, not read
    assert inputs_key(spec, raw, None, {"API_TOKEN": "b", "HOME": "/x"}) != base
    assert inputs_key(spec, raw, None, {"API_TOKEN": "a", "SHIPSPEC_PROXY_IMAGE": "p"}) != base
    assert inputs_key(spec, raw, "prod", {"API_TOKEN": "a"}) != inputs_key(spec, raw, None, {"API_TOKEN": "a"})
    assert inputs_key(spec, raw + b"\n", None, {"API_TOKEN": "a", "HOME": "/x"}) != base
    assert inputs_key(tmp_path / "other.yaml", raw, None, {"API_TOKEN": "a", "HOME": "/x"}) != base


def test_the_fingerprint_ignores_only_what_changes_by_itself() -> None:
    inspect = {"Id": "c1", "ExecIDs": ["e1"], "HostConfig": {"Memory": 1},
               "State": {"Status": "running", "Health": {"Status": "healthy", "FailingStreak": 0, "Log": [{"x": 1}]}}}
    steady = _steady(inspect)
    assert "ExecIDs" not in steady and steady["State"]["Health"] == {"Status": "healthy"}
    assert steady["State"]["Health"]["Status"] == "healthy" and steady["HostConfig"] == {"Memory": 1}
    assert inspect["State"]["Health"]["Log"] == [{"x": 1}]   # the inspect itself is left as it was


def test_memo_is_never_written_into_a_state_folder_that_does_not_exist(tmp_path: Path) -> None:
    """A plan leaves the disk as it found it: no state folder appears because a plan had nothing to do."""
    missing = tmp_path / ".shipspec"
    memo.write(missing, {"key": "k"})
    assert not missing.exists()
    missing.mkdir()
    memo.write(missing, {"key": "k"})
    assert (missing / memo.MEMO_FILE).is_file()
