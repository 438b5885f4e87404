"""One exception tree for shipspec; the CLI maps each branch to an exit code and a one-line message.

::

    ShipspecError                 exit 1 unless a subclass says otherwise
    ├── SpecError                 the spec is invalid: carries every Diagnostic found, not just the first
    ├── UsageError                exit 2: bad flags or arguments the CLI framework could not catch
    ├── RenderError               an artifact did not re-parse to what the engine intended (an engine bug)
    ├── EngineError               exit 3: the Docker engine is unreachable or refused a call
    │   ├── NotFoundError         the container, network, volume or image named does not exist
    │   ├── BuildError            the engine's builder failed; carries the builder's last lines
    │   └── ProxyError            the proxy's runtime API refused a command or did not answer
    ├── SecretError               a secret the spec references cannot be read (names service, variable, fix)
    ├── PlanError                 a saved plan is stale, unreadable or for another spec
    ├── ApplyError                a step or health gate failed during apply
    │   └── StepFailure           one step did not do what it should; names the container whose log explains it
    ├── RollbackError             nothing to roll back to, or the release's images are gone
    ├── HistoryError              the history file is unreadable, newer, or lacks the revision asked for
    └── LockError                 another operator holds the app's lock

Anything else escaping to the CLI is a bug: it becomes one line and exit 70 (EX_SOFTWARE), never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ENGINE = 3
EXIT_INTERNAL = 70


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a spec, located by file, line, column and spec path, with an optional fix hint."""

    file: str
    line: int
    column: int
    path: str
    message: str
    hint: str = ""

    def render(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        head = f"{where} {self.path}: {self.message}" if self.path else f"{where} {self.message}"
        return f"{head}\n    hint: {self.hint}" if self.hint else head

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }


class ShipspecError(Exception):
    """Base of every error shipspec raises on purpose."""

    exit_code = EXIT_FAILED


class SpecError(ShipspecError):
    """The spec is invalid; ``diagnostics`` lists all problems, sorted by position."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(sorted(diagnostics, key=lambda d: (d.file, d.line, d.column, d.path)))
        count = len(self.diagnostics)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the spec")


class UsageError(ShipspecError):
    exit_code = EXIT_USAGE


class RenderError(ShipspecError):
    pass


class EngineError(ShipspecError):
    exit_code = EXIT_ENGINE


class NotFoundError(EngineError):
    """The engine has no object by that ID or name (raised by the gateway, never for idempotent removals)."""


class BuildError(EngineError):
    """An image build failed; ``log_tail`` holds the builder's last output lines, also appended to the message."""

    def __init__(self, message: str, log_tail: Sequence[str] = ()) -> None:
        self.log_tail = tuple(log_tail)
        tail = "".join(f"\n    {line}" for line in self.log_tail)
        super().__init__(f"{message}{tail}")


class PlanError(ShipspecError):
    pass


class ApplyError(ShipspecError):
    pass


class StepFailure(ApplyError):
    """A step did not do what it should; ``container`` names the one whose log explains it, if any."""

    def __init__(self, message: str, container: str | None = None) -> None:
        super().__init__(message)
        self.container = container


class SecretError(ShipspecError):
    """A secret the spec references cannot be read: the message names the service, the variable and the fix."""


class RollbackError(ShipspecError):
    """There is nothing to roll back to, or the release's images are gone."""


class HistoryError(ShipspecError):
    """The history file is unreadable, from a newer shipspec, or asked for a revision it does not have."""


class LockError(ShipspecError):
    pass


class ProxyError(EngineError):
    """The proxy's runtime API refused a command or could not be reached; ``command`` and ``answer`` say which and
    what HAProxy replied (exit 3 like every engine error: the deploy cannot move traffic safely)."""

    def __init__(self, message: str, command: str = "", answer: str = "") -> None:
        self.command = command
        self.answer = answer
        super().__init__(message)
