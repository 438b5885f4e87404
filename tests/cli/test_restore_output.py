"""What the progress printer says around a failed update: undoing is called undoing only when it undid everything,
and re-applying the last release is headed as the forward steps of a new revision it is."""

from __future__ import annotations

import pytest

from engine.cli.progress import ProgressPrinter
from engine.events import RestoreFinished, RestoreStarted, RollbackFinished, Unrestored

LEFT = (Unrestored("web", "shop-web-1", "retired"), Unrestored("web", "shop-web-2", "retired"))


def _said(capsys: pytest.CaptureFixture[str], *events: object) -> str:
    printer = ProgressPrinter(color=False)
    for event in events:
        printer.on_event(event)  # type: ignore[arg-type]
    return capsys.readouterr().out


def test_everything_undone_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert _said(capsys, RollbackFinished(True)) == "Rollback finished: the changes made so far are undone.\n"


def test_retired_replicas_are_named_and_the_re_apply_is_no_undo(capsys: pytest.CaptureFixture[str]) -> None:
    out = _said(capsys, RollbackFinished(True, "", LEFT), RestoreStarted(5, 8, 7, LEFT, 6),
                RestoreFinished(True, 5))
    assert "the changes made so far are undone" not in out and "Rolling back" not in out
    assert "Rollback finished except for shop-web-1, shop-web-2 (retired)" in out
    assert ("Re-applying revision 5, pinned to its images, where revision 7 left shop-web-1, shop-web-2 (retired): "
            "6 steps as revision 8.") in out
    assert out.rstrip().endswith("Restored revision 5.")


def test_a_failed_re_apply_says_what_is_not_restored(capsys: pytest.CaptureFixture[str]) -> None:
    out = _said(capsys, RestoreFinished(False, 5, "wait-healthy shop-web-1 failed"))
    assert out == "Could not restore revision 5: wait-healthy shop-web-1 failed\n"
