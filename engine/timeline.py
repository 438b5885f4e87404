"""An opt-in timeline of one command, to see where its time goes: ``SHIPSPEC_TIMELINE=FILE`` appends one JSON
line per mark (wall-clock time, what happened, the step's id, kind and service). The benchmark's ``timeline``
suite prints it beside the command's start; unset (always, in normal use), a mark costs one dictionary lookup.
"""

from __future__ import annotations

import json
import os
import threading
import time

TIMELINE_ENV = "SHIPSPEC_TIMELINE"
_lock = threading.Lock()


def mark(what: str, **fields: object) -> None:
    """Record that ``what`` happened now (``step-started``, ``observed``…); extra fields are written as given."""
    path = os.environ.get(TIMELINE_ENV)
    if not path:
        return
    line = json.dumps({"t": time.time(), "what": what, **fields}, default=str)
    with _lock, open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")
