"""The scheduler: enqueue the daily report every SCHEDULE_SECONDS."""

from __future__ import annotations

import json
import signal
import sys
import time

import redis

from jobs import config


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    queue = redis.Redis.from_url(config.QUEUE_URL)
    while True:
        queue.rpush(config.QUEUE_NAME, json.dumps({"report": "daily-sales", "at": int(time.time())}))
        config.beat()
        time.sleep(min(config.SCHEDULE_SECONDS, 10))


if __name__ == "__main__":
    main()
