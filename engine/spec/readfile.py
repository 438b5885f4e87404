"""Read a file a spec names (the spec itself, a Dockerfile, a file or secret source) without trusting it.

A path in an untrusted spec can name ``/dev/zero`` (endless, ``st_size`` 0), a FIFO (``open`` blocks until a writer
comes) or a folder. So the file is opened non-blocking, ``fstat`` must say it is a regular file, and at most
``limit`` bytes are read: the size is counted while reading, never taken from ``st_size``.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class FileReadError(Exception):
    """Why a file could not be read, in words that follow its path: ``<path> <reason>``."""

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


def read_limited(path: str | Path, limit: int, *, dir_fd: int | None = None, follow: bool = True) -> bytes:
    """The bytes of regular file ``path``; ``follow`` False refuses a final symlink (``O_NOFOLLOW``)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except FileNotFoundError:
        raise FileReadError("does not exist", missing=True) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise FileReadError("is a symbolic link") from None
        raise FileReadError(f"cannot be read: {exc.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise FileReadError("is a folder, not a file")
        raise FileReadError("is not a regular file (a device, FIFO or socket)")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise FileReadError(f"cannot be read: {exc.strerror}") from None
    if len(data) > limit:
        raise FileReadError(f"is larger than {_size(limit)}")
    return data


def read_text_limited(path: str | Path, limit: int) -> str:
    """``read_limited`` decoded as UTF-8 (a decoding failure is a FileReadError too)."""
    data = read_limited(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileReadError(f"is not UTF-8 text (byte {exc.start})") from None


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"
