"""Settings from the environment, shared by the worker, the scheduler and the health check."""

from __future__ import annotations

import os
from pathlib import Path

QUEUE_URL = os.environ.get("QUEUE_URL", "redis://localhost:6379/0")
QUEUE_NAME = os.environ.get("QUEUE_NAME", "reports")
HEARTBEAT_FILE = Path(os.environ.get("HEARTBEAT_FILE", "/tmp/heartbeat"))
CONCURRENCY = int(os.environ.get("CONCURRENCY", "1"))
SCHEDULE_SECONDS = int(os.environ.get("SCHEDULE_SECONDS", "300"))


def beat() -> None:
    """Touch the heartbeat file; the health check reads its age."""
    HEARTBEAT_FILE.write_text("ok\n", encoding="utf-8")
