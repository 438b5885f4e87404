"""Settings from the environment; secrets come as VAR or, under Compose, as a file named by VAR_FILE."""

from __future__ import annotations

import os
from pathlib import Path


def secret(name: str) -> str:
    """Kubernetes and shipspec apply set the variable; Compose mounts the value and sets NAME_FILE."""
    if name in os.environ:
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    return Path(path).read_text(encoding="utf-8").strip() if path else ""


LOG_LEVEL = os.environ.get("LOG_LEVEL", "info")
DATABASE = {
    "host": os.environ.get("DATABASE_HOST", "localhost"),
    "dbname": os.environ.get("DATABASE_NAME", "shop"),
    "user": os.environ.get("DATABASE_USER", "shop"),
}
REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
