"""Write a RenderedBundle to a directory atomically, or compare it with one (``--check``).

The only module of ``engine/render`` that touches the file system for writing. A directory is never left
half-written: the complete new tree (rendered files, files shipspec does not own, and the manifest) is staged in a
sibling temporary directory, then swapped in with two renames; at any moment ``out_dir`` holds the old tree or the
new one (or, for the instant between the renames, nothing). Files are removed only when the manifest
(``.shipspec-render.json``) says shipspec wrote them; a file shipspec did not write is never overwritten.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from engine.errors import RenderError
from engine.render.bundle import RenderedBundle

MANIFEST = ".shipspec-render.json"


@dataclass(frozen=True)
class WriteReport:
    written: tuple[str, ...]  # created or changed
    removed: tuple[str, ...]  # stale files shipspec wrote before
    unchanged: tuple[str, ...]


def read_manifest(out_dir: Path) -> list[str]:
    path = out_dir / MANIFEST
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RenderError(f"{path} is not a shipspec render manifest ({exc}); remove it to start afresh") from exc
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise RenderError(f"{path} is not a shipspec render manifest")
    return sorted(files)


def _manifest_text(files: list[str], sha: str) -> str:
    data = {"generator": "shipspec", "format_version": 1, "spec_sha256": sha, "files": sorted(files)}
    return json.dumps(data, indent=2) + "\n"


def _current(out_dir: Path, rel: str) -> str | None:
    path = out_dir / rel
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def plan_changes(bundle: RenderedBundle, out_dir: Path) -> tuple[list[str], list[str], list[str]]:
    """(written, stale, unchanged) paths relative to ``out_dir``; raises when a foreign file would be overwritten."""
    owned = read_manifest(out_dir)
    written: list[str] = []
    unchanged: list[str] = []
    for rel, text in bundle.items():
        current = _current(out_dir, rel)
        if current is None and (out_dir / rel).exists() and rel not in owned:
            raise RenderError(f"{out_dir / rel} exists and was not written by shipspec; move it or choose --out")
        if current is not None and rel not in owned and current != text:
            raise RenderError(f"{out_dir / rel} exists and was not written by shipspec; move it or choose --out")
        (unchanged if current == text else written).append(rel)
    stale = [rel for rel in owned if rel not in bundle and bundle.owns(rel) and (out_dir / rel).exists()]
    return written, stale, unchanged


def write_bundle(bundle: RenderedBundle, out_dir: str | Path) -> WriteReport:
    out = Path(out_dir)
    written, stale, unchanged = plan_changes(bundle, out)
    owned = read_manifest(out)
    keep_owned = [rel for rel in owned if not bundle.owns(rel) and rel not in bundle]
    files = sorted({*bundle, *keep_owned})
    manifest = _manifest_text(files, bundle.spec_sha256)
    if not written and not stale and _current(out, MANIFEST) == manifest:
        return WriteReport((), (), tuple(unchanged))
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.shipspec-new-", dir=out.parent))
    try:
        if out.is_dir():
            _copy_kept(out, stage, drop={*stale, MANIFEST, *bundle})
        for rel, text in bundle.items():
            _write(stage / rel, text)
        _write(stage / MANIFEST, manifest)
        _prune_empty_dirs(stage, bundle)
        _swap(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return WriteReport(tuple(written), tuple(stale), tuple(unchanged))


def _copy_kept(src: Path, dst: Path, drop: set[str]) -> None:
    """Everything already in ``src`` except what this render replaces or removes (the user's own files stay)."""
    for root, dirs, names in os.walk(src):
        dirs.sort()
        rel_root = Path(root).relative_to(src)
        (dst / rel_root).mkdir(parents=True, exist_ok=True)
        for name in sorted(names):
            rel = (rel_root / name).as_posix()
            if rel not in drop:
                shutil.copy2(Path(root) / name, dst / rel, follow_symlinks=False)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _swap(stage: Path, out: Path) -> None:
    """Replace ``out`` by ``stage`` with renames only (each one atomic on POSIX file systems)."""
    if not out.exists():
        os.replace(stage, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.shipspec-old-", dir=out.parent))
    os.rmdir(old)
    os.replace(out, old)
    try:
        os.replace(stage, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _prune_empty_dirs(root: Path, bundle: RenderedBundle) -> None:
    """Folders emptied by removing stale files go too; empty folders of the user's own stay."""
    for path in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if bundle.owns(path.relative_to(root).as_posix() + "/") and not any(path.iterdir()):
            path.rmdir()


def check_bundle(bundle: RenderedBundle, out_dir: str | Path) -> list[str]:
    """Unified diffs of every missing, changed or stale file; empty when ``out_dir`` is up to date."""
    out = Path(out_dir)
    diffs: list[str] = []
    for rel, text in bundle.items():
        current = _current(out, rel)
        if current != text:
            diffs.append(_diff(rel, current, text))
    for rel in read_manifest(out):
        if rel not in bundle and bundle.owns(rel) and (out / rel).exists():
            diffs.append(_diff(rel, _current(out, rel) or "", None))
    return diffs


def _diff(rel: str, current: str | None, wanted: str | None) -> str:
    before = "/dev/null" if current is None else f"a/{rel}"
    after = "/dev/null" if wanted is None else f"b/{rel}"
    lines = difflib.unified_diff(
        (current or "").splitlines(keepends=True), (wanted or "").splitlines(keepends=True), before, after
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
