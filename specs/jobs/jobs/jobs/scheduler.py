"""The scheduler: enqueue the daily report every SCHEDULE_SECONDS."""

from __future__ import annotations

import json
import signal
import sys
import time

from jobs import config
from jobs.queue import Queue


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    queue = Queue(config.QUEUE_URL, config.QUEUE_NAME)
    while True:
        queue.push(json.dumps({"report": "daily-sales", "at": int(time.time())}).encode())
        config.beat()
        time.sleep(min(config.SCHEDULE_SECONDS, 10))


if __name__ == "__main__":
    main()
