"""Container names another owner already holds: refused before any step runs, not by the engine mid-apply.

Names are ``<app>-<service>-<slot>``, and both app and service names may contain ``-``, so app ``a`` with service
``b-c`` and app ``a-b`` with service ``c`` both want ``a-b-c-1``. Validation sees one spec and cannot know; the plan
sees the engine (``ObservedState.foreign``: names under ``<app>-`` that are not this app's) and says which service
of which app holds the name, before the first container is created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.desire.types import DesiredState
from engine.observe.types import ObservedState

_SLOT = re.compile(r"[0-9]+(-next)?", re.ASCII)


@dataclass(frozen=True, slots=True)
class Collision:
    service: str
    container: str
    owner: str  # the other app's name, or "" when shipspec did not make that container

    def describe(self) -> str:
        held = f"app {self.owner}" if self.owner else "a container shipspec did not make"
        return f"container name {self.container} is already taken by {held}"


def collisions(desired: DesiredState, observed: ObservedState) -> list[Collision]:
    """Each foreign container whose name is one this app's services use (any slot: scaling up would reach it)."""
    prefix = f"{desired.app}-"
    out: list[Collision] = []
    for name, owner in observed.foreign.items():
        rest = name.removeprefix(prefix)
        for service in sorted(desired.services, key=len, reverse=True):
            slot = rest.removeprefix(f"{service}-")
            if slot != rest and _SLOT.fullmatch(slot):
                out.append(Collision(service, name, owner))
                break
    return out
