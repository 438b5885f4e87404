"""Running a plan: the executor, health gates with deadlines, events for progress, and rollback."""

DEFAULT_PARALLELISM = 16  # engine-changing steps at once (`apply --parallel`); measured in the README's performance
