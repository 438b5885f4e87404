"""Paths a hostile spec or invocation names: ``plan`` leaves the disk as it found it, an unusable ``--state-dir``
and an unreadable build-context file are clean errors (exit 1, one message, no Python exception name)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from engine.adapters import docker_files
from engine.adapters.docker_files import ContextError, digest_context

SHIPSPEC = str(Path(sys.executable).parent / "shipspec")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHIPSPEC, *args], capture_output=True, text=True, timeout=300, cwd=cwd, check=False)


def spec(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "app.yaml"
    name = f"t{uuid.uuid4().hex[:6]}-hostile"
    path.write_text(f"version: 1\nname: {name}\nservices:\n  web:\n    image: nginx:1.27\n")
    return path


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.mark.docker
def test_plan_leaves_the_disk_as_it_found_it(tmp_path: Path) -> None:
    path = spec(tmp_path / "proj")
    before = listing(tmp_path)
    result = run("plan", "-f", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert listing(tmp_path) == before, "plan must not create the state folder or the history database"


@pytest.mark.docker
def test_an_unusable_state_dir_is_a_clean_error(tmp_path: Path) -> None:
    path = spec(tmp_path / "proj")
    (tmp_path / "afile").write_text("x\n")
    result = run("apply", "-f", str(path), "--yes", "--state-dir", str(tmp_path / "afile" / "state"), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "--state-dir" in result.stderr
    assert "NotADirectoryError" not in result.stderr and "Traceback" not in result.stderr


def test_an_unreadable_context_file_is_a_clean_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secret.txt").write_text("x")
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(docker_files.Path, "open", refuse)
    with pytest.raises(ContextError, match=r"cannot read .*secret.txt in the build context: Permission denied"):
        digest_context(tmp_path, ["secret.txt"], "FROM scratch\n")


def test_a_state_dir_inside_the_context_is_never_sent(tmp_path: Path) -> None:
    from engine.desire.build import build_desired
    from engine.spec.validate import load_and_validate

    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.yaml").write_text(
        "version: 1\nname: site\nservices:\n  web:\n    build: {context: ., runtime: static}\n"
        "    secrets: {TOKEN: {file: ./keys/token}}\n"
    )
    valid = load_and_validate(root / "app.yaml")
    desired = build_desired(valid, image_ids={}, build_digests={"web": "sha256:" + "0" * 64},
                            secret_digests={"web": {"TOKEN": "0" * 64}},
                            revision=1, state_dir=root / ".state")
    build = desired.services["web"].build
    assert build is not None
    assert {".state", ".shipspec", "app.yaml", "deploy", "keys/token"} <= set(build.exclude)
