"""Run exactly the steps of a plan, in dependency order, with bounded parallelism, a journal and rollback.

The executor never re-plans and never prints: it emits events (``events.py``) and journals each step before and
after it runs (``Journal``), so a ``kill -9`` leaves a record of how far it got. Steps whose ``after`` are done run
concurrently, at most ``parallelism`` at a time, driven by ``graphlib.TopologicalSorter`` (independent services
start together; dependents wait for their gate steps).

When a step fails, no new step starts; steps already running finish; then the completed steps are compensated in
reverse order (``dispatch.undo_step``): new containers removed, stopped old ones started, renames and aliases put
back. Compensation has its own deadline, separate from the deploy's, and is never itself rolled back: if it fails,
the report says what state remains.
"""

from __future__ import annotations

import graphlib
import os
import signal
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from engine.errors import NotFoundError, ShipspecError, StepFailure
from engine.events import (
    RollbackFinished,
    RollbackStarted,
    StepDone,
    StepFailed,
    StepStarted,
    Unrestored,
)
from engine.execute import DEFAULT_PARALLELISM
from engine.execute.dispatch import StepContext, run_step, undo_step
from engine.plan.plan import Plan
from engine.plan.steps import (
    CreateContainer,
    DisconnectAlias,
    Pause,
    RemoveContainer,
    RenameContainer,
    StartContainer,
    Step,
    UpdateContainer,
    WaitCompleted,
    WaitHealthy,
    describe,
    step_target,
)
from engine.ports import ExecutionListener, Journal
from engine.timeline import mark

LOG_TAIL_LINES = 20
WAIT_WORKERS = 64
WAITING_STEPS = (WaitHealthy, WaitCompleted, Pause, DisconnectAlias)  # mostly asleep: a pool of their own
DEFAULT_ROLLBACK_DEADLINE_S = 120.0


class NullJournal:
    def started(self, seq: int, step: Step) -> None:
        pass

    def finished(self, seq: int, step: Step, ok: bool, detail: str) -> None:
        pass

    def undone(self, seq: int, step: Step) -> None:
        pass


@dataclass
class ExecutionReport:
    ok: bool
    completed: list[str] = field(default_factory=list)   # step ids, in completion order
    failed_step: str | None = None
    error: str = ""
    log_tail: tuple[str, ...] = ()
    rolled_back: bool = False
    rollback_ok: bool = True
    rollback_problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # What completed steps changed that undoing cannot put back (see ``unrestored``), whether or not it rolled back.
    unrestored: tuple[Unrestored, ...] = ()


class Executor:
    def __init__(
        self,
        ctx: StepContext,
        listener: ExecutionListener,
        journal: Journal | None = None,
        *,
        parallelism: int = DEFAULT_PARALLELISM,
        rollback: bool = True,
        rollback_deadline_s: float = DEFAULT_ROLLBACK_DEADLINE_S,
    ) -> None:
        self.ctx = ctx
        self.listener = listener
        self.journal = journal or NullJournal()
        self.parallelism = max(1, parallelism)
        self.rollback = rollback
        self.rollback_deadline_s = rollback_deadline_s

    def execute(self, plan: Plan) -> ExecutionReport:
        start = self.ctx.clock.monotonic()
        report = ExecutionReport(ok=True)
        seq = {step.id: i + 1 for i, step in enumerate(plan.steps)}
        by_id = {step.id: step for step in plan.steps}
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for step in plan.steps:
            sorter.add(step.id, *[a for a in step.after if a in by_id])
        sorter.prepare()
        done_order: list[Step] = []
        # Waiting steps (health gates, drains, canary pauses) mostly sleep: they get a pool of their own, so 40
        # services waiting for health do not hold the slots the engine-changing steps need (``--parallel``).
        with (
            ThreadPoolExecutor(max_workers=self.parallelism, thread_name_prefix="shipspec-step") as pool,
            ThreadPoolExecutor(max_workers=WAIT_WORKERS, thread_name_prefix="shipspec-wait") as waits,
        ):
            running: dict[Future[None], Step] = {}
            while sorter.is_active() or running:
                if report.ok:
                    for step_id in sorter.get_ready():
                        step = by_id[step_id]
                        lane = waits if isinstance(step, WAITING_STEPS) else pool
                        running[lane.submit(self._run, seq[step_id], step)] = step
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    step = running.pop(future)
                    error = future.exception()
                    if error is None:
                        done_order.append(step)
                        report.completed.append(step.id)
                        sorter.done(step.id)
                    elif report.ok:
                        self._fail(report, seq[step.id], step, error)
        report.unrestored = unrestored(done_order)
        if not report.ok and self.rollback:
            self._roll_back(report, done_order, seq)
        report.seconds = self.ctx.clock.monotonic() - start
        return report

    def _run(self, seq: int, step: Step) -> None:
        failpoint("before", seq)
        self.journal.started(seq, step)
        self.listener.on_event(StepStarted(seq, step.id, step.kind, step.service, describe(step)))
        began = self.ctx.clock.monotonic()
        mark("step-started", seq=seq, kind=step.kind, service=step.service, target=step_target(step))
        try:
            run_step(step, self.ctx)
        except BaseException as exc:
            self.journal.finished(seq, step, False, _message(exc))
            raise
        mark("step-done", seq=seq)
        self.journal.finished(seq, step, True, "")
        failpoint("after", seq)
        self.listener.on_event(StepDone(seq, step.id, self.ctx.clock.monotonic() - began))

    def _fail(self, report: ExecutionReport, seq: int, step: Step, error: BaseException) -> None:
        report.ok = False
        report.failed_step = step.id
        report.error = f"{step.kind} {step_target(step)} failed: {_message(error)}"
        container = error.container if isinstance(error, StepFailure) else None
        if container is None and isinstance(step, StartContainer | CreateContainer):
            container = step_target(step)
        if container is not None:
            report.log_tail = self._log_tail(container)
        self.listener.on_event(StepFailed(seq, step.id, report.error, report.log_tail))

    def _log_tail(self, container: str) -> tuple[str, ...]:
        try:
            return tuple(line for _name, line in self.ctx.gateway.logs([container], tail=LOG_TAIL_LINES))
        except ShipspecError:
            return ()

    def _roll_back(self, report: ExecutionReport, done: list[Step], seq: dict[str, int]) -> None:
        undo: list[tuple[Step, Callable[[], None]]] = []
        # A container this run removed (an old replica retired once its replacement was healthy, or stop-first)
        # cannot be restarted or re-aliased; restoring it is the previous release's re-apply (engine.usecases.deploy).
        removed = {step_target(s) for s in done if isinstance(s, RemoveContainer)}
        for step in reversed(done):
            action = undo_step(step, self.ctx.gateway, self.ctx.clock)
            if action is not None and not (step_target(step) in removed and not isinstance(step, CreateContainer)):
                undo.append((step, action))
        report.rolled_back = True
        self.listener.on_event(RollbackStarted(report.error, len(undo)))
        deadline = self.ctx.clock.monotonic() + self.rollback_deadline_s
        for step, action in undo:
            if self.ctx.clock.monotonic() > deadline:
                report.rollback_problems.append(f"rollback deadline passed before undoing {describe(step)}")
                break
            try:
                action()
                self.journal.undone(seq[step.id], step)
            except NotFoundError:
                self.journal.undone(seq[step.id], step)  # already gone: the undo's goal holds
            except ShipspecError as exc:
                report.rollback_problems.append(f"could not undo {step.kind} {step_target(step)}: {exc}")
        report.rollback_ok = not report.rollback_problems
        self.listener.on_event(RollbackFinished(report.rollback_ok, "; ".join(report.rollback_problems),
                                                report.unrestored))


def unrestored(done: list[Step]) -> tuple[Unrestored, ...]:
    """Containers that existed before the run and that it removed (retired) or ``docker update``-d, in completion
    order. A container the run created and then removed is its own, not a retirement (followed across renames)."""
    created: set[str] = set()
    out: dict[str, Unrestored] = {}
    for step in done:
        match step:
            case CreateContainer(spec=spec):
                created.add(spec.name)
            case RenameContainer(container=old, new_name=new) if old in created:
                created.discard(old)
                created.add(new)
            case RemoveContainer(container=name) if name in created:
                created.discard(name)
            case RemoveContainer(container=name):
                out[name] = Unrestored(step.service, name, "retired")
            case UpdateContainer(container=name) if name not in created:
                out.setdefault(name, Unrestored(step.service, name, "updated in place"))
    return tuple(out.values())


FAILPOINT_ENV = "SHIPSPEC_FAILPOINT"


def failpoint(when: str, seq: int) -> None:
    """Fault injection for the crash-recovery tests: ``SHIPSPEC_FAILPOINT=after:3`` makes this process SIGKILL
    itself right after step 3 is journaled as done (``before:3``: before step 3 is journaled as started), the
    harshest way shipspec can stop. Unset in normal use; reading one environment variable costs nothing."""
    point = os.environ.get(FAILPOINT_ENV)
    if point and point == f"{when}:{seq}":
        os.kill(os.getpid(), signal.SIGKILL)


def _message(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if isinstance(error, ShipspecError) else f"{type(error).__name__}: {text}"
