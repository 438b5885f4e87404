"""Write a file so that readers see the old content or the new, never a torn one: a temporary file in the same
folder, then one rename (POSIX makes it atomic). The one helper every writer of shipspec's own files uses."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (``mode`` set before the rename, so nobody sees other permissions). A reader,
    HAProxy starting in a container that binds the folder for instance, sees the old content or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())  # on disk before the rename makes it visible: a crash leaves old or new
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
