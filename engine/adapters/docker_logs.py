"""Turning the engine's log byte streams into ``(container_name, line)`` pairs, one container or many interleaved.

The engine sends frames, not lines: a long line may span frames and one frame may hold several lines, so each
stream is split with its own buffer. Following several replicas needs one reader per stream (each blocks until its
container writes); they feed one queue that the caller's iterator drains, and closing that iterator closes every
stream. Must not import ``docker``.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence


def split_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Whole lines from arbitrary chunks; a trailing partial line is yielded at the end."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            yield line.rstrip(b"\r").decode("utf-8", "replace")
    if buffer:
        yield buffer.decode("utf-8", "replace")


def interleave(streams: Sequence[tuple[str, Iterable[bytes]]], close: Callable[[], None]) -> Iterator[tuple[str, str]]:
    """Lines of every stream as they arrive, tagged with the stream's name; ``close`` runs when the caller stops
    early (Ctrl-C on `shipspec logs --follow`) so no reader thread outlives the iterator."""
    lines: queue.Queue[tuple[str, str] | None] = queue.Queue(maxsize=1024)  # None: one reader finished

    def read(name: str, chunks: Iterable[bytes]) -> None:
        try:
            for line in split_lines(chunks):
                lines.put((name, line))
        except Exception:  # a stream closed under us ends that reader, not the others
            pass
        finally:
            lines.put(None)

    readers = [threading.Thread(target=read, args=s, daemon=True, name=f"logs-{s[0]}") for s in streams]
    for reader in readers:
        reader.start()
    remaining = len(readers)
    try:
        while remaining:
            item = lines.get()
            if item is None:
                remaining -= 1
                continue
            yield item
    finally:
        close()
