"""The writer: atomic swaps, stale files removed only when shipspec wrote them, the user's files left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import RenderError
from engine.render import writer
from engine.render.bundle import RenderedBundle
from engine.render.safedir import SafeDir
from engine.render.writer import MANIFEST, check_bundle, read_manifest, write_bundle

SCOPES = ("docker/", "compose.yaml", "k8s/")


def bundle(files: dict[str, str]) -> RenderedBundle:
    return RenderedBundle(files, SCOPES, "0" * 64)


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_write_then_rewrite_removes_only_stale_owned_files(tmp_path: Path) -> None:
    out = tmp_path / "deploy"
    write_bundle(bundle({"compose.yaml": "a\n", "k8s/x.yaml": "x\n", "k8s/y.yaml": "y\n"}), out)
    (out / "NOTES.md").write_text("mine\n")
    (out / "k8s" / "extra.yaml").write_text("also mine\n")
    report = write_bundle(bundle({"compose.yaml": "b\n", "k8s/x.yaml": "x\n"}), out)
    assert report.written == ("compose.yaml",) and report.removed == ("k8s/y.yaml",)
    assert report.unchanged == ("k8s/x.yaml",)
    files = tree(out)
    assert files["compose.yaml"] == "b\n" and "k8s/y.yaml" not in files
    assert files["NOTES.md"] == "mine\n" and files["k8s/extra.yaml"] == "also mine\n"
    assert read_manifest(out) == ["compose.yaml", "k8s/x.yaml"]


def test_stale_folders_disappear(tmp_path: Path) -> None:
    out = tmp_path / "deploy"
    write_bundle(bundle({"docker/web/Dockerfile": "FROM x\n", "compose.yaml": "a\n"}), out)
    write_bundle(bundle({"compose.yaml": "a\n"}), out)
    assert not (out / "docker").exists()


def test_a_file_shipspec_did_not_write_is_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "deploy"
    out.mkdir()
    (out / "compose.yaml").write_text("hand written\n")
    with pytest.raises(RenderError, match="not written by shipspec"):
        write_bundle(bundle({"compose.yaml": "a\n"}), out)
    assert (out / "compose.yaml").read_text() == "hand written\n"


def test_a_failure_while_staging_leaves_the_directory_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "deploy"
    write_bundle(bundle({"compose.yaml": "old\n", "k8s/a.yaml": "old\n"}), out)
    before = tree(out)
    real_write = writer._write
    calls = {"n": 0}

    def flaky(folder: SafeDir, rel: str, data: bytes) -> str:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real_write(folder, rel, data)

    monkeypatch.setattr(writer, "_write", flaky)
    with pytest.raises(RenderError, match="No space left"):
        write_bundle(bundle({"compose.yaml": "new\n", "k8s/a.yaml": "new\n", "k8s/b.yaml": "new\n"}), out)
    assert tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["deploy"], "no staging directory may be left behind"
    assert sorted(p.name for p in out.rglob("*")) == sorted([*(Path(p).name for p in before), "k8s"])


def test_nothing_changes_when_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "deploy"
    b = bundle({"compose.yaml": "a\n"})
    write_bundle(b, out)
    inode = (out / "compose.yaml").stat().st_ino
    report = write_bundle(b, out)
    assert report.written == () and report.removed == ()
    assert (out / "compose.yaml").stat().st_ino == inode


def test_check_lists_changed_missing_and_stale(tmp_path: Path) -> None:
    out = tmp_path / "deploy"
    write_bundle(bundle({"compose.yaml": "a\n", "k8s/gone.yaml": "g\n"}), out)
    assert check_bundle(bundle({"compose.yaml": "a\n", "k8s/gone.yaml": "g\n"}), out) == []
    diffs = check_bundle(bundle({"compose.yaml": "b\n", "k8s/new.yaml": "n\n"}), out)
    joined = "".join(diffs)
    assert "-a\n+b\n" in joined
    assert "--- /dev/null\n+++ b/k8s/new.yaml" in joined
    assert "--- a/k8s/gone.yaml\n+++ /dev/null" in joined


def test_a_broken_manifest_is_an_error_not_a_guess(tmp_path: Path) -> None:
    out = tmp_path / "deploy"
    out.mkdir()
    (out / MANIFEST).write_text("{not json")
    with pytest.raises(RenderError, match="manifest"):
        write_bundle(bundle({"compose.yaml": "a\n"}), out)


def test_staged_files_are_flushed_once_before_any_becomes_visible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_sync, real_commit = SafeDir.sync, SafeDir.commit

    def sync(self: SafeDir) -> None:
        events.append("sync")
        real_sync(self)

    def commit(self: SafeDir, tmp: str, rel: str) -> None:
        events.append(f"commit {rel}")
        real_commit(self, tmp, rel)

    monkeypatch.setattr(SafeDir, "sync", sync)
    monkeypatch.setattr(SafeDir, "commit", commit)
    write_bundle(bundle({"compose.yaml": "a\n", "k8s/b.yaml": "b\n", "k8s/c.yaml": "c\n"}), tmp_path / "out")
    assert events[0] == "sync" and events.count("sync") == 1
    rendered = sorted(e for e in events[1:] if e != f"commit {MANIFEST}")   # the manifest syncs on its own
    assert rendered == ["commit compose.yaml", "commit k8s/b.yaml", "commit k8s/c.yaml"]
    assert (tmp_path / "out" / "k8s" / "c.yaml").read_text() == "c\n"
