"""The ``shipspec`` command's entry point. A plain ``plan`` first asks the no-op fast path (``engine.noop``), which
imports only the standard library; everything else, and every plan it does not answer, runs the full CLI."""

from __future__ import annotations

import sys


def run() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "plan":
        from engine.noop.fast import try_plan

        code = try_plan(sys.argv[2:])
        if code is not None:
            sys.exit(code)
    from engine.cli import run as full

    full()
