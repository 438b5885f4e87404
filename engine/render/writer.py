"""Write a RenderedBundle into a folder, or compare it with one (``--check``), touching only shipspec's own files.

The only module of ``engine/render`` that writes. What it promises about the folder it is given:

* only the files the bundle names, and stale files the manifest (``.shipspec-render.json``) says shipspec wrote,
  are created, replaced or removed; nothing else in the folder is opened for writing, copied, moved, re-owned or
  re-moded, so the user's files, links, hard links and special files stay exactly as they were;
* nothing below the folder is followed through a symbolic link (see ``safedir``), and a link, folder or special file
  where a rendered file belongs is refused, never replaced;
* each file is replaced by a rename, so a reader sees the old file or the new one; every new file is staged before
  the first rename, so a failure while staging (disk full) leaves the folder as it was;
* the manifest is written before the renames with every file this render may leave behind, and again after, so an
  interrupted render is finished (and its stale files found) by the next one.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

from engine.errors import RenderError
from engine.render.bundle import RenderedBundle
from engine.render.safedir import SafeDir, open_out_dir

MANIFEST = ".shipspec-render.json"


@dataclass(frozen=True)
class WriteReport:
    written: tuple[str, ...]  # created or changed
    removed: tuple[str, ...]  # stale files shipspec wrote before
    unchanged: tuple[str, ...]


def _text(folder: SafeDir, rel: str) -> str | None:
    data = folder.read(rel)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "\ufffd"  # not text shipspec wrote: compares unequal to every rendering


def _manifest(folder: SafeDir) -> list[str]:
    raw = _text(folder, MANIFEST)
    if raw is None:
        return []
    where = folder.display / MANIFEST
    try:
        files = json.loads(raw)["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RenderError(f"{where} is not a shipspec render manifest ({exc}); remove it to start afresh") from None
    if not isinstance(files, list) or not all(isinstance(f, str) and _plain(f) for f in files):
        raise RenderError(f"{where} is not a shipspec render manifest; remove it to start afresh")
    return sorted(files)


def _plain(rel: str) -> bool:
    return bool(rel) and not rel.startswith("/") and all(p not in ("", ".", "..") for p in rel.split("/"))


def read_manifest(out_dir: Path) -> list[str]:
    with open_out_dir(out_dir) as folder:
        return _manifest(folder)


def _manifest_text(files: list[str], sha: str) -> str:
    data = {"generator": "shipspec", "format_version": 1, "spec_sha256": sha, "files": sorted(files)}
    return json.dumps(data, indent=2) + "\n"


def _plan(bundle: RenderedBundle, folder: SafeDir, owned: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(written, stale, unchanged); raises when a file shipspec did not write would be overwritten."""
    written: list[str] = []
    unchanged: list[str] = []
    for rel, text in bundle.items():
        current = _text(folder, rel)
        if current is not None and rel not in owned and current != text:
            raise RenderError(f"{folder.display / rel} exists and was not written by shipspec; move it or choose --out")
        (unchanged if current == text else written).append(rel)
    stale = [rel for rel in owned if rel not in bundle and bundle.owns(rel) and folder.read(rel) is not None]
    return written, stale, unchanged


def write_bundle(bundle: RenderedBundle, out_dir: str | Path, *, within: Path | None = None) -> WriteReport:
    """Bring ``out_dir`` up to date with ``bundle``. ``within``: the output was derived from the spec and must stay
    inside this folder, walked without following links (``--out`` passes None: the user named the folder)."""
    with open_out_dir(Path(out_dir), within=within) as folder:
        try:
            return _write_into(folder, bundle)
        except OSError as exc:
            raise RenderError(f"cannot write into {folder.display}: {exc.strerror or exc}") from None


def _write_into(folder: SafeDir, bundle: RenderedBundle) -> WriteReport:
    owned = _manifest(folder)
    written, stale, unchanged = _plan(bundle, folder, owned)
    keep = [rel for rel in owned if not bundle.owns(rel) and rel not in bundle]
    manifest = _manifest_text([*bundle, *keep], bundle.spec_sha256)
    if not written and not stale and _text(folder, MANIFEST) == manifest:
        return WriteReport((), (), tuple(unchanged))
    staged = _stage(folder, bundle, written)
    try:
        folder.replace(MANIFEST, _manifest_text(sorted({*owned, *bundle}), bundle.spec_sha256).encode())
        for rel, tmp in staged:
            folder.commit(tmp, rel)
        staged = []
        removed = [rel for rel in stale if folder.remove(rel)]
        _prune(folder, bundle, stale)
        folder.replace(MANIFEST, manifest.encode())
    finally:
        for _, tmp in staged:
            folder.discard(tmp)
    return WriteReport(tuple(written), tuple(removed), tuple(unchanged))


def _stage(folder: SafeDir, bundle: RenderedBundle, written: list[str]) -> list[tuple[str, str]]:
    staged: list[tuple[str, str]] = []
    try:
        for rel in written:
            staged.append((rel, _write(folder, rel, bundle[rel].encode("utf-8"))))
        if staged:
            folder.sync()
    except BaseException:
        for _, tmp in staged:
            folder.discard(tmp)
        folder.undo_created()
        raise
    return staged


def _write(folder: SafeDir, rel: str, data: bytes) -> str:
    """Stage one file (a seam for tests that make the disk fail); flushed with the others by ``folder.sync``."""
    return folder.stage(rel, data, sync=False)


def _prune(folder: SafeDir, bundle: RenderedBundle, stale: list[str]) -> None:
    """Folders emptied by removing stale files go; ``rmdir`` leaves any folder that still holds something."""
    parents = {"/".join(rel.split("/")[:i]) for rel in stale for i in range(1, rel.count("/") + 1)}
    for rel in sorted(parents, key=lambda p: p.count("/"), reverse=True):
        if bundle.owns(rel + "/"):
            folder.remove_empty_dir(rel)


def check_bundle(bundle: RenderedBundle, out_dir: str | Path, *, within: Path | None = None) -> list[str]:
    """Unified diffs of every missing, changed or stale file; empty when ``out_dir`` is up to date. Writes
    nothing, and creates no folder: a missing output folder is all missing files."""
    out = Path(out_dir)
    if not out.exists():
        return [_diff(rel, None, text) for rel, text in bundle.items()]
    with open_out_dir(out, within=within) as folder:
        diffs = [_diff(rel, current, text) for rel, text in bundle.items() if (current := _text(folder, rel)) != text]
        for rel in _manifest(folder):
            if rel not in bundle and bundle.owns(rel) and (current := _text(folder, rel)) is not None:
                diffs.append(_diff(rel, current, None))
    return diffs


def _diff(rel: str, current: str | None, wanted: str | None) -> str:
    before = "/dev/null" if current is None else f"a/{rel}"
    after = "/dev/null" if wanted is None else f"b/{rel}"
    lines = difflib.unified_diff(
        (current or "").splitlines(keepends=True), (wanted or "").splitlines(keepends=True), before, after
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
