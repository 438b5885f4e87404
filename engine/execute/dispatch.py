"""What each step kind does on the engine, and what undoes it: one exhaustive ``match`` per direction.

``run_step`` performs a step; ``undo_step`` returns the compensating action for a completed step, or None when the
step needs no undo (ensuring a network) or cannot be undone (removing an old container: the rollouts only do that
once its replacement is healthy, so a failure after it is repaired by re-applying the previous release instead).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

from engine import labels as L
from engine.errors import ApplyError
from engine.execute.health import wait_healthy
from engine.gateway import Clock, DockerGateway
from engine.plan.steps import (
    BuildImage,
    CreateContainer,
    DisconnectAlias,
    EnsureNetwork,
    EnsureVolume,
    Pause,
    PullImage,
    RemoveContainer,
    RemoveNetwork,
    RemoveVolume,
    RenameContainer,
    StartContainer,
    Step,
    StopContainer,
    UpdateContainer,
    WaitCompleted,
    WaitHealthy,
)
from engine.secrets import secret_values
from engine.state import ContainerState


class StepFailure(ApplyError):
    """A step did not do what it should; ``container`` names the one whose log explains it, if any."""

    def __init__(self, message: str, container: str | None = None) -> None:
        super().__init__(message)
        self.container = container


@dataclass(frozen=True)
class StepContext:
    gateway: DockerGateway
    clock: Clock
    dockerfiles: Mapping[str, str]          # build tag → Dockerfile text (rendered, or the user's own)
    environ: Mapping[str, str] | None = None  # where secret values are read (the process environment by default)


def run_step(step: Step, ctx: StepContext) -> None:
    gw = ctx.gateway
    match step:
        case EnsureNetwork(name=name, labels=labels):
            gw.ensure_network(name, labels)
        case EnsureVolume(name=name, labels=labels):
            gw.ensure_volume(name, labels)
        case BuildImage():
            _build(step, ctx)
        case PullImage(reference=ref):
            gw.pull_image(ref)
        case CreateContainer(spec=spec):
            values = secret_values(step.service, spec.secret_sources, ctx.environ)
            gw.create_container(dataclasses.replace(spec, secret_env=values))
        case StartContainer(container=c):
            gw.start(c)
        case WaitHealthy(container=c, deadline_s=deadline):
            result = wait_healthy(gw, c, deadline, ctx.clock)
            if not result.ok:
                raise StepFailure(result.reason, container=c)
        case WaitCompleted(container=c, deadline_s=deadline):
            _wait_completed(gw, c, deadline, ctx.clock)
        case UpdateContainer(container=c):
            gw.update_resources(c, step.nano_cpus, step.mem_limit, step.mem_reservation, step.restart)
        case StopContainer(container=c, timeout_s=timeout):
            gw.stop(c, timeout)
        case RemoveContainer(container=c):
            gw.remove(c)
        case RenameContainer(container=c, new_name=new):
            gw.rename(c, new)
        case DisconnectAlias(container=c, network=net, drain_s=drain):
            gw.leave_alias(c, net, keep_aliases=())
            ctx.clock.sleep(drain)
        case Pause(seconds=seconds):
            ctx.clock.sleep(seconds)
        case RemoveNetwork(name=name):
            gw.remove_network(name)
        case RemoveVolume(name=name):
            gw.remove_volume(name)
        case _:
            assert_never(step)


def undo_step(step: Step, gateway: DockerGateway) -> Callable[[], None] | None:
    """The action that reverses a completed ``step``, or None (see the module docstring)."""
    match step:
        case CreateContainer(spec=spec):
            return lambda: gateway.remove(spec.name)
        case StopContainer(container=c):
            return lambda: gateway.start(c)
        case RenameContainer(container=c, new_name=new):
            return lambda: gateway.rename(new, c)
        case DisconnectAlias(container=c, network=net, alias=alias):
            return lambda: gateway.leave_alias(c, net, keep_aliases=(alias,))
        case (
            EnsureNetwork() | EnsureVolume() | BuildImage() | PullImage() | StartContainer() | WaitHealthy()
            | WaitCompleted() | UpdateContainer() | RemoveContainer() | Pause() | RemoveNetwork() | RemoveVolume()
        ):
            # Start/wait of a new container are undone by removing it; an update is re-planned on the next apply.
            return None
        case _:
            assert_never(step)


def _build(step: BuildImage, ctx: StepContext) -> None:
    text = ctx.dockerfiles.get(step.tag)
    if text is None:
        if step.dockerfile is None:
            raise StepFailure(f"no Dockerfile was rendered for {step.tag}")
        text = (Path(step.context) / step.dockerfile).read_text(encoding="utf-8")
    labels = {L.MANAGED: "true", L.BUILD_DIGEST: step.digest}
    image_id = ctx.gateway.build_image(Path(step.context), text, step.tag, labels)
    for tag in step.extra_tags:
        ctx.gateway.tag_image(image_id, tag)


def _wait_completed(gw: DockerGateway, container: str, deadline_s: float, clock: Clock) -> None:
    start = clock.monotonic()
    while True:
        state, _health, code = gw.inspect_health(container)
        if state in (ContainerState.EXITED, ContainerState.DEAD):
            if code == 0:
                return
            raise StepFailure(f"{container} exited with code {code}; dependents need it to complete", container)
        if clock.monotonic() - start >= deadline_s:
            raise StepFailure(f"{container} did not complete within {deadline_s:g}s", container)
        clock.sleep(0.5)
