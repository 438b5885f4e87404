"""Report jobs: a scheduler that enqueues work and workers that run it, connected through a Redis list."""
