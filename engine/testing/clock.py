"""A fake ``Clock``: time moves only when slept or advanced, so deadlines are tested without waiting."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.ports import Clock


@dataclass
class FakeClock:
    """A clock that moves only when slept or advanced: health-gate deadlines are tested without waiting."""

    wall: float = 1_700_000_000.0
    mono: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # the executor sleeps from threads

    def monotonic(self) -> float:
        return self.mono

    def now(self) -> float:
        return self.wall

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Every thread shares this clock: two health gates sleeping at once both move it."""
        with self._lock:
            self.mono += seconds
            self.wall += seconds


if TYPE_CHECKING:
    _clock: Clock = FakeClock()
