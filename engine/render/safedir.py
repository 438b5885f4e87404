"""A folder opened once and walked by file descriptor, never following a symbolic link below it.

The writer works inside the output folder only through this class: every path component below the folder is
opened relative to its parent's descriptor with ``O_NOFOLLOW``, so a symlink planted in a checked-in ``deploy/``
(``deploy/prod -> ~/.ssh``) or swapped in while shipspec runs is refused instead of written through. Files are read
only when ``fstat`` says they are regular (a FIFO is opened non-blocking and refused, never waited on), with a size
limit counted while reading rather than trusted from ``st_size``.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import secrets
import stat
from pathlib import Path

from engine.errors import RenderError
from engine.spec.readfile import FileReadError, read_limited

READ_LIMIT = 8 * 1024 * 1024


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class SafeDir:
    """An open folder; ``display`` is how messages name it. Close it (or use ``with``) when done."""

    def __init__(self, fd: int, display: Path) -> None:
        self.fd = fd
        self.display = display
        self.created: list[str] = []  # folders this object made, parents first (undone on failure)

    def __enter__(self) -> SafeDir:
        return self

    def __exit__(self, *_: object) -> None:
        os.close(self.fd)

    def _where(self, rel: str) -> Path:
        return self.display / rel if rel else self.display

    def _parent(self, rel: str, *, create: bool) -> tuple[int, str]:
        """A descriptor for ``rel``'s folder (the caller closes it unless it is ``self.fd``) and the last name."""
        parts = rel.split("/")
        if any(p in ("", ".", "..") for p in parts):
            raise RenderError(f"{self._where(rel)}: not a plain relative path (an engine bug)")
        fd = self.fd
        walked: list[str] = []
        try:
            for part in parts[:-1]:
                walked.append(part)
                here = "/".join(walked)
                if create and _mkdir(part, fd, self._where(here)):
                    self.created.append(here)
                child = _open_dir(part, fd, self._where(here))
                if fd != self.fd:
                    os.close(fd)
                fd = child
        except BaseException:
            if fd != self.fd:
                os.close(fd)
            raise
        return fd, parts[-1]

    def read(self, rel: str, limit: int = READ_LIMIT) -> bytes | None:
        """The content of regular file ``rel``, or None when it (or a folder on the way) does not exist."""
        try:
            parent, name = self._parent(rel, create=False)
        except FileNotFoundError:
            return None
        try:
            return read_regular(name, parent, self._where(rel), limit)
        except FileNotFoundError:
            return None
        finally:
            if parent != self.fd:
                os.close(parent)

    def stage(self, rel: str, data: bytes, *, sync: bool = True) -> str:
        """Write ``data`` to a new temporary file beside ``rel`` and return its path (``commit`` renames it into
        place); a symlink, folder or special file at ``rel`` is refused, never replaced. ``sync=False`` leaves the
        flush to one ``sync()`` of the whole folder before the renames (thousands of files, one flush)."""
        parent, name = self._parent(rel, create=True)
        try:
            _refuse_non_regular(name, parent, self._where(rel))
            tmp = f".{name}.shipspec-tmp-{secrets.token_hex(6)}"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(tmp, flags, 0o666, dir_fd=parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    if sync:
                        os.fsync(handle.fileno())
            except BaseException:
                _unlink_quietly(tmp, parent)
                raise
        finally:
            if parent != self.fd:
                os.close(parent)
        return "/".join([*rel.split("/")[:-1], tmp])

    def sync(self) -> None:
        """Every staged file on disk before any rename makes it visible: one ``syncfs(2)`` of the folder's file
        system (35,000 files of a 5,000-service render: one flush instead of 35,000 ``fsync`` calls, each a
        journal commit), ``os.sync()`` where the C library lacks it."""
        syncfs = getattr(_libc(), "syncfs", None)
        if syncfs is None or syncfs(self.fd) != 0:
            os.sync()

    def commit(self, tmp: str, rel: str) -> None:
        """Rename a staged file over ``rel`` (one atomic step; a link put at ``rel`` meanwhile is replaced, not
        followed, and a folder there makes the rename fail)."""
        parent, name = self._parent(rel, create=False)
        try:
            _refuse_non_regular(name, parent, self._where(rel))
            os.rename(tmp.rsplit("/", maxsplit=1)[-1], name, src_dir_fd=parent, dst_dir_fd=parent)
        finally:
            if parent != self.fd:
                os.close(parent)

    def replace(self, rel: str, data: bytes) -> None:
        self.commit(self.stage(rel, data), rel)

    def discard(self, tmp: str) -> None:
        try:
            parent, name = self._parent(tmp, create=False)
        except (OSError, RenderError):
            return
        try:
            _unlink_quietly(name, parent)
        finally:
            if parent != self.fd:
                os.close(parent)

    def remove(self, rel: str) -> bool:
        """Unlink ``rel`` if it is still a regular file (a link or folder put there since is left alone)."""
        try:
            parent, name = self._parent(rel, create=False)
        except (FileNotFoundError, RenderError):
            return False
        try:
            info = os.stat(name, dir_fd=parent, follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                return False
            os.unlink(name, dir_fd=parent)
            return True
        except FileNotFoundError:
            return False
        finally:
            if parent != self.fd:
                os.close(parent)

    def remove_empty_dir(self, rel: str) -> None:
        """``rmdir`` (which refuses a folder holding anything, the user's files included); failures are ignored."""
        try:
            parent, name = self._parent(rel, create=False)
        except (OSError, RenderError):
            return
        try:
            with contextlib.suppress(OSError):
                os.rmdir(name, dir_fd=parent)
        finally:
            if parent != self.fd:
                os.close(parent)

    def undo_created(self) -> None:
        for rel in reversed(self.created):
            self.remove_empty_dir(rel)
        self.created.clear()


def open_out_dir(path: Path, *, within: Path | None = None) -> SafeDir:
    """Open (creating when missing) the output folder ``path``.

    With ``within`` (the default output, derived from the spec), ``path`` must lie inside it and every component
    below ``within`` is walked without following links. Without it (``--out``), the path is the user's explicit
    choice and opened as the system resolves it; it must be a folder.
    """
    if within is None:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise RenderError(f"{path} exists and is not a folder; --out names the folder to render into") from None
        except OSError as exc:
            raise RenderError(f"cannot create {path}: {exc.strerror}") from None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except NotADirectoryError:
            raise RenderError(f"{path} is not a folder; --out names the folder to render into") from None
        except OSError as exc:
            raise RenderError(f"cannot open {path}: {exc.strerror}") from None
        return SafeDir(fd, path)
    rel = os.path.relpath(os.path.normpath(path), os.path.normpath(within))
    if rel == ".." or rel.startswith("../") or os.path.isabs(rel):
        raise RenderError(f"{path} is outside the spec's folder {within}; pass --out to write there on purpose")
    base = SafeDir(os.open(within, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC), within)
    if rel == ".":
        return base
    with base:
        parent, _ = base._parent(f"{rel}/.keep", create=True)
    try:
        return SafeDir(os.dup(parent), path)
    finally:
        if parent != base.fd:
            os.close(parent)


def read_regular(name: str, dir_fd: int | None, display: Path, limit: int) -> bytes:
    """Read a regular file without following a final symlink, without blocking on a FIFO, at most ``limit`` bytes."""
    try:
        return read_limited(name, limit, dir_fd=dir_fd, follow=False)
    except FileReadError as exc:
        if exc.missing:
            raise FileNotFoundError(name) from None
        if exc.reason.startswith("is a"):
            raise RenderError(f"{display} {exc.reason}; shipspec writes only regular files, move it away") from None
        raise RenderError(f"{display} {exc.reason}") from None


def _refuse_non_regular(name: str, dir_fd: int, display: Path) -> None:
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
        raise RenderError(f"{display} is {kind}; shipspec writes only regular files it owns, move it away")


def _mkdir(name: str, dir_fd: int, display: Path) -> bool:
    try:
        os.mkdir(name, 0o777, dir_fd=dir_fd)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        raise RenderError(f"cannot create {display}: {exc.strerror}") from None


def _open_dir(name: str, dir_fd: int, display: Path) -> int:
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            what = "a symbolic link" if os.path.islink(display) else "not a folder"
            raise RenderError(f"{display} is {what}; shipspec does not write through it, move it away") from None
        if isinstance(exc, FileNotFoundError):
            raise
        raise RenderError(f"cannot open {display}: {exc.strerror}") from None


def _unlink_quietly(name: str, dir_fd: int) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=dir_fd)
