"""The writer against an output folder it does not own: the user's files, a symlink to a folder, a hard link, a file
owned by another user and a FIFO all stay exactly as they were through render, ``--check`` and a re-render."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import RenderError
from engine.render.bundle import RenderedBundle
from engine.render.writer import check_bundle, write_bundle
from tests.render.examples import example_path

SHIPSPEC = str(Path(sys.executable).parent / "shipspec")
SCOPES = ("docker/", "compose.yaml", "k8s/")


def bundle(files: dict[str, str]) -> RenderedBundle:
    return RenderedBundle(files, SCOPES, "0" * 64)


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Everything a careless writer could change: type, mode, owner, inode, link count, content or link target."""
    out: dict[str, tuple[object, ...]] = {}
    for dirpath, dirs, names in os.walk(root, followlinks=False):
        for name in [*dirs, *names]:
            path = Path(dirpath) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                extra: object = os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                extra = path.read_bytes()
            else:
                extra = None
            key = path.relative_to(root).as_posix()
            out[key] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid,
                        info.st_ino, info.st_nlink, extra)
    out["."] = (stat.S_IMODE(root.stat().st_mode), root.stat().st_ino)
    return out


def users_folder(out: Path, elsewhere: Path) -> None:
    """A folder as a user keeps it: notes, a link to a folder, a hard link, a file of another user, a FIFO."""
    out.mkdir(mode=0o755)
    os.chmod(out, 0o751)
    (out / "NOTES.md").write_text("mine\n")
    os.chmod(out / "NOTES.md", 0o640)
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("outside\n")
    (out / "shared").symlink_to(elsewhere, target_is_directory=True)
    (out / "k8s").mkdir()
    (out / "k8s" / "mine.yaml").write_text("kind: Mine\n")
    os.link(elsewhere / "keep.txt", out / "k8s" / "hardlink.txt")
    (out / "theirs.txt").write_text("another user's\n")
    if os.geteuid() == 0:
        os.chown(out / "theirs.txt", 4321, 4321)
    os.mkfifo(out / "pipe")
    os.mkfifo(out / "k8s" / "pipe")


RENDERED = {"compose.yaml": "services: {}\n", "k8s/web.yaml": "kind: Deployment\n", "docker/web/Dockerfile": "FROM x\n"}


def _only_ours_changed(before: dict[str, tuple[object, ...]], after: dict[str, tuple[object, ...]]) -> None:
    ours = {".shipspec-render.json", *RENDERED, "docker", "docker/web"}
    for key, value in before.items():
        if key != ".":
            assert after.get(key) == value, f"{key} changed"
    assert set(after) - set(before) <= ours
    assert after["."] == before["."], "the folder's mode or identity changed"


def test_render_check_and_rerender_leave_the_users_files_alone(tmp_path: Path) -> None:
    out = tmp_path / "deploy"
    users_folder(out, tmp_path / "elsewhere")
    before = snapshot(out)
    outside = snapshot(tmp_path / "elsewhere")
    write_bundle(bundle(RENDERED), out)
    _only_ours_changed(before, snapshot(out))
    assert check_bundle(bundle(RENDERED), out) == []
    changed = {**RENDERED, "compose.yaml": "services: {web: {}}\n"}
    assert len(check_bundle(bundle(changed), out)) == 1
    write_bundle(bundle(changed), out)
    write_bundle(bundle({"compose.yaml": "x: 1\n"}), out)  # docker/ and k8s/web.yaml become stale
    after = snapshot(out)
    _only_ours_changed(before, after)
    assert "k8s/web.yaml" not in after and "docker" not in after
    assert snapshot(tmp_path / "elsewhere") == outside
    if os.geteuid() == 0:
        assert (out / "theirs.txt").stat().st_uid == 4321


def test_a_symlink_inside_the_output_is_never_written_through(tmp_path: Path) -> None:
    out = tmp_path / "deploy"
    out.mkdir()
    (tmp_path / "victim").mkdir()
    (out / "k8s").symlink_to(tmp_path / "victim", target_is_directory=True)
    with pytest.raises(RenderError, match="symbolic link"):
        write_bundle(bundle(RENDERED), out)
    assert list((tmp_path / "victim").iterdir()) == []
    assert (out / "k8s").is_symlink()
    (out / "k8s").unlink()
    (out / "k8s").mkdir()
    (out / "k8s" / "web.yaml").symlink_to(tmp_path / "victim" / "file")
    with pytest.raises(RenderError, match="symbolic link"):
        write_bundle(bundle(RENDERED), out)
    assert not (tmp_path / "victim" / "file").exists() and (out / "k8s" / "web.yaml").is_symlink()


def test_a_fifo_where_a_rendered_file_belongs_is_refused_without_waiting(tmp_path: Path) -> None:
    out = tmp_path / "deploy"
    out.mkdir()
    os.mkfifo(out / "compose.yaml")
    with pytest.raises(RenderError, match="not a regular file"):
        write_bundle(bundle(RENDERED), out)
    with pytest.raises(RenderError, match="not a regular file"):
        check_bundle(bundle(RENDERED), out)
    assert stat.S_ISFIFO((out / "compose.yaml").lstat().st_mode)


def test_out_naming_a_file_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("precious\n")
    with pytest.raises(RenderError, match="not a folder"):
        write_bundle(bundle(RENDERED), target)
    assert target.read_text() == "precious\n" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_derived_output_outside_the_spec_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="outside the spec's folder"):
        write_bundle(bundle(RENDERED), tmp_path / "spec" / ".." / ".." / "victim", within=tmp_path / "spec")
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "deploy").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(RenderError, match="symbolic link"):
        write_bundle(bundle(RENDERED), tmp_path / "spec" / "deploy" / "prod", within=tmp_path / "spec")
    assert not (tmp_path / "prod").exists()


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHIPSPEC, *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False)


def test_cli_out_dot_works_and_out_file_fails_cleanly(tmp_path: Path) -> None:
    shutil.copytree(example_path("hello").parent, tmp_path / "hello", ignore=shutil.ignore_patterns("deploy"))
    here = tmp_path / "hello"
    dot = run("render", "--out", ".", cwd=here)
    assert dot.returncode == 0, dot.stderr
    assert (here / "compose.yaml").is_file() and run("render", "--out", ".", "--check", cwd=here).returncode == 0
    (here / "file").write_text("x\n")
    bad = run("render", "--out", "file", cwd=here)
    assert bad.returncode == 1 and "not a folder" in bad.stderr and "Traceback" not in bad.stderr
    assert (here / "file").read_text() == "x\n"
