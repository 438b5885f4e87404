"""Health check: healthy while the heartbeat file is younger than three loop periods."""

from __future__ import annotations

import sys
import time

from jobs import config

MAX_AGE_SECONDS = 60

try:
    age = time.time() - config.HEARTBEAT_FILE.stat().st_mtime
except FileNotFoundError:
    sys.exit(1)
sys.exit(0 if age < MAX_AGE_SECONDS else 1)
