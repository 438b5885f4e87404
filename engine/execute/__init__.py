"""Running a plan: the executor, health gates with deadlines, events for progress, and rollback."""
