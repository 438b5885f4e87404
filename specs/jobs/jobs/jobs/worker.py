"""The worker: block on the queue, run each job, beat the heartbeat between jobs."""

from __future__ import annotations

import json
import signal
import sys
from concurrent.futures import ThreadPoolExecutor

import redis

from jobs import config


def run_job(job: dict[str, object]) -> None:
    print(f"generating report {job.get('report')!r}", flush=True)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    queue = redis.Redis.from_url(config.QUEUE_URL)
    with ThreadPoolExecutor(max_workers=config.CONCURRENCY) as pool:
        while True:
            config.beat()
            item = queue.blpop([config.QUEUE_NAME], timeout=5)
            if item is not None:
                pool.submit(run_job, json.loads(item[1]))


if __name__ == "__main__":
    main()
