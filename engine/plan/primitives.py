"""Step factories for one container: launch (create, start, wait), retire (drain, stop, remove), and the in-place
actions. The strategies in ``rollout.py`` compose these; ids are ``<verb>:<container name>``, unique in a plan
because Docker container names are unique.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from engine.desire.types import DesiredService
from engine.plan.diff import ContainerAction
from engine.plan.steps import (
    CreateContainer,
    DisconnectAlias,
    RemoveContainer,
    RenameContainer,
    StartContainer,
    Step,
    StopContainer,
    UpdateContainer,
    WaitHealthy,
)

Ids = tuple[str, ...]


def launch(svc: DesiredService, slot: int, temporary: bool, causes: Sequence[str], after: Ids) -> list[Step]:
    """Create, start and (with a health check) wait: the last step is the gate dependents wait for."""
    spec = svc.container(slot, temporary=temporary)
    cause = "; ".join(causes)
    create = CreateContainer(id=f"create:{spec.name}", service=svc.name, cause=cause, after=after, spec=spec)
    start = StartContainer(
        id=f"start:{spec.name}", service=svc.name, cause=cause, after=(create.id,), container=spec.name
    )
    steps: list[Step] = [create, start]
    if spec.health is not None:
        steps.append(_wait(svc, spec.name, cause, start.id))
    return steps


def _wait(svc: DesiredService, name: str, cause: str, after: str) -> WaitHealthy:
    deadline = svc.strategy.health_deadline_s
    return WaitHealthy(
        id=f"wait:{name}",
        service=svc.name,
        cause=cause,
        after=(after,) if after else (),
        container=name,
        deadline_s=deadline,
    )


def retire(
    name: str, service: str, causes: Sequence[str], after: Ids, *, network: str, drain_s: float, timeout_s: int
) -> list[Step]:
    """Drain (leave the alias, let in-flight requests finish), stop, remove; without a network, no drain."""
    cause = "; ".join(causes)
    steps: list[Step] = []
    if network:
        steps.append(
            DisconnectAlias(
                id=f"drain:{name}",
                service=service,
                cause=cause,
                after=after,
                container=name,
                network=network,
                alias=service,
                drain_s=drain_s,
            )
        )
    stop_after = (steps[-1].id,) if steps else after
    stop = StopContainer(
        id=f"stop:{name}", service=service, cause=cause, after=stop_after, container=name, timeout_s=timeout_s
    )
    remove = RemoveContainer(id=f"remove:{name}", service=service, cause=cause, after=(stop.id,), container=name)
    return [*steps, stop, remove]


class _How(TypedDict):
    network: str
    drain_s: float
    timeout_s: int


def how(svc: DesiredService, network: str) -> _How:
    return {"network": network, "drain_s": svc.strategy.drain_s, "timeout_s": stop_timeout(svc)}


def stop_timeout(svc: DesiredService) -> int:
    return svc.template.stop_timeout_s


def start_existing(svc: DesiredService, action: ContainerAction) -> list[Step]:
    name = action.container.name
    cause = "; ".join(action.causes)
    start = StartContainer(id=f"start:{name}", service=svc.name, cause=cause, container=name)
    return [start, _wait(svc, name, cause, start.id)] if svc.template.health is not None else [start]


def verify(svc: DesiredService, action: ContainerAction) -> WaitHealthy:
    """A current replica whose health nobody confirmed yet: the plan waits for it like any new one."""
    return _wait(svc, action.container.name, "; ".join(action.causes), "")


def update(svc: DesiredService, action: ContainerAction) -> UpdateContainer:
    t = svc.template
    return UpdateContainer(
        id=f"update:{action.container.name}",
        service=svc.name,
        cause="; ".join(action.causes),
        container=action.container.name,
        nano_cpus=t.nano_cpus,
        mem_limit=t.mem_limit,
        mem_reservation=t.mem_reservation,
        restart=t.restart,
    )


def rename(svc: DesiredService, action: ContainerAction) -> RenameContainer:
    old = action.container
    return RenameContainer(
        id=f"rename:{old.name}",
        service=svc.name,
        cause="; ".join(action.causes),
        container=old.name,
        new_name=svc.container(old.slot).name,
    )
