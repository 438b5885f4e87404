"""Host-side files the Docker adapter owns: content-addressed file mounts and build-context digests.

- ``materialise_files``: each ``FileMount`` becomes a read-only file under ``<state_dir>/files/<sha256>``, named by
  its content, so identical content is shared between replicas and services, and a content change gives a new path
  (hence a new bind, hence a recreated container: exactly what the config hash promised). Written atomically.
- ``digest_context``: a deterministic sha256 over a list of context paths (the list itself comes from the SDK's
  ``.dockerignore`` matcher in ``docker.py``): sorted paths, kind, executable bit and content, plus the Dockerfile.

Must not import ``docker``. Bind mounts name host paths, so file mounts need the engine on this host.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Iterable
from pathlib import Path

from engine.atomic import write_atomic
from engine.desire.types import FileMount, Mount
from engine.errors import ShipspecError


def file_path(state_dir: Path, content: str) -> Path:
    return state_dir.resolve() / "files" / hashlib.sha256(content.encode()).hexdigest()


def _write_once(path: Path, data: bytes) -> None:
    if path.exists():
        return  # content-addressed: an existing file already holds exactly these bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o755)
    write_atomic(path, data, mode=0o444)  # readable by the container's non-root user, writable by nobody


def live_dir(state_dir: Path, container: str, config_hash: str) -> Path:
    """Per container name and config: a rollback that starts the previous proxy again finds its own members."""
    return state_dir.resolve() / "live" / f"{container}-{config_hash.removeprefix('sha256:')[:12]}"


def materialise_files(
    state_dir: Path, files: Iterable[FileMount], container: str = "", config_hash: str = ""
) -> tuple[Mount, ...]:
    """Write each file's content once and return the read-only bind mounts that deliver them. Live files start
    over with their content (a new container) and are delivered by binding their directory."""
    mounts: list[Mount] = []
    for item in files:
        if item.live:
            folder = live_dir(state_dir, container, config_hash)
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o755)
            write_atomic(folder / item.target.rpartition("/")[2], item.content.encode(), mode=0o644)
            target = item.target.rpartition("/")[0]
            if all(m.target != target for m in mounts):
                mounts.append(Mount(target=target, source=str(folder), read_only=True))
            continue
        path = file_path(state_dir, item.content)
        _write_once(path, item.content.encode())
        mounts.append(Mount(target=item.target, source=str(path), read_only=True))
    return tuple(mounts)


def live_source(binds: Iterable[tuple[str, str]], target: str) -> Path:
    """The host path of the live file ``target`` among a container's ``(source, destination)`` binds."""
    folder, _, name = target.rpartition("/")
    for source, destination in binds:
        if destination == folder:
            return Path(source) / name
    raise FileNotFoundError(f"no bound directory holds {target}")


class ContextError(ShipspecError):
    """A file of a build context cannot be read: the build would fail half-way, so the plan says so first."""


def _entry(root: Path, relative: str) -> bytes:
    full = root / relative
    info = full.lstat()
    if stat.S_ISLNK(info.st_mode):
        return f"l\0{relative}\0{os.readlink(full)}\n".encode()
    if stat.S_ISDIR(info.st_mode):
        return f"d\0{relative}\n".encode()
    if not stat.S_ISREG(info.st_mode):
        return b""  # sockets and fifos: the build context skips them too
    executable = "x" if info.st_mode & 0o111 else "-"
    digest = hashlib.sha256()
    try:
        with full.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise ContextError(
            f"cannot read {full} in the build context: {exc.strerror}; make it readable, or list it in the "
            "context's .dockerignore"
        ) from None
    return f"f\0{relative}\0{executable}\0{digest.hexdigest()}\n".encode()


def digest_context(root: Path, paths: Iterable[str], dockerfile_text: str) -> str:
    """sha256 of the context paths (relative to ``root``) and the Dockerfile text; mtimes and owners are left out
    so a fresh checkout of the same files digests the same."""
    digest = hashlib.sha256()
    for relative in sorted(set(paths)):
        digest.update(_entry(root, relative))
    digest.update(b"Dockerfile\0")
    digest.update(dockerfile_text.encode())
    return "sha256:" + digest.hexdigest()


def single_file_tar(name: str, text: str) -> bytes:
    """A tar archive holding one file, for ``put_archive`` and ``import``."""
    data = text.encode("utf-8")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o644
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def read_single_file(archive_bytes: bytes) -> str:
    """The text of the first regular file in a tar archive (what ``get_archive`` returns for one path)."""
    with tarfile.open(fileobj=io.BytesIO(archive_bytes), mode="r") as archive:
        for member in archive.getmembers():
            if member.isfile():
                handle = archive.extractfile(member)
                return handle.read().decode("utf-8") if handle is not None else ""
    return ""
