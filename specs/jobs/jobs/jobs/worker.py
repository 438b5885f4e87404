"""The worker: block on the queue, run each job, beat the heartbeat between jobs."""

from __future__ import annotations

import json
import signal
import sys
from concurrent.futures import ThreadPoolExecutor

from jobs import config
from jobs.queue import Queue


def run_job(job: dict[str, object]) -> None:
    print(f"generating report {job.get('report')!r}", flush=True)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    queue = Queue(config.QUEUE_URL, config.QUEUE_NAME)
    with ThreadPoolExecutor(max_workers=config.CONCURRENCY) as pool:
        while True:
            config.beat()
            item = queue.pop(timeout_s=5)
            if item is not None:
                pool.submit(run_job, json.loads(item))


if __name__ == "__main__":
    main()
