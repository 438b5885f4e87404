"""Look-alikes of the official postgres, mariadb, nginx and redis images, and a Python base with Debian's database
clients, built by ``scripts/lookalike-images`` (once per machine: a debootstrapped root cached by tag, then small
Dockerfiles the classic builder caches). Tests that deploy real apps ask for them through a session fixture.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "lookalike-images"


def ensure_lookalikes() -> dict[str, str]:
    """Build what is missing; the tag of each look-alike by name (postgres, mariadb, nginx, redis, python)."""
    done = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=3000, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/lookalike-images failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return dict(line.split("=", 1) for line in done.stdout.split())
