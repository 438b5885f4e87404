"""Small things the CLI says, run in-process (no engine needed): units, hints, colour."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main
from engine.cli.confirm import confirm
from engine.errors import UsageError
from engine.history.model import ReleaseKind, ReleaseStatus
from engine.history.sqlite import SqliteHistoryStore

SPEC = "version: 1\nname: shop\nservices:\n  web: {image: 'busybox:1.36'}\n"


def test_history_stats_prints_the_unit_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.yaml").write_text(SPEC, encoding="utf-8")
    store = SqliteHistoryStore(tmp_path / "state" / "history.db")
    revision = store.begin_release(app="shop", env="", kind=ReleaseKind.APPLY, spec_hash="sha256:x", spec_snapshot=SPEC,
                                   plan_json="{}", image_ids={}, artifact_hashes={}, rollback_of=None, operator="t",
                                   revision=None)
    store.finish_release("shop", "", revision, status=ReleaseStatus.DEPLOYED)
    assert main(["history", "--stats", "-f", str(tmp_path / "app.yaml"), "--state-dir", str(tmp_path / "state")]) == 0
    out = capsys.readouterr().out
    assert "mean duration: " in out and "p95 duration: " in out
    assert " s:" not in out  # not "mean duration s: 11.13s"


def test_a_refusal_off_a_terminal_gives_the_hint_of_its_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(UsageError, match="pass --yes to go ahead") as refused:
        confirm("Destroy these objects?", hint="pass --yes to go ahead without asking")
    assert "saved plan" not in str(refused.value)
    with pytest.raises(UsageError, match="apply a saved plan"):
        confirm("Apply these changes?")


def test_the_readme_and_help_give_the_code_s_parallel_default(capsys: pytest.CaptureFixture[str]) -> None:
    import re

    from engine.execute import DEFAULT_PARALLELISM

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"`--parallel`, default (\d+)", readme) == [str(DEFAULT_PARALLELISM)]
    assert main(["apply", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"Steps that may run at once. [default: {DEFAULT_PARALLELISM}; 1<=x<=64]" in help_text
