"""The planner: desired state + observed state → a frozen, explainable Plan. Pure: no Docker, no SQLite, no writes.

Import from the submodules (``engine.plan.plan.make_plan``, ``engine.plan.steps``…).
"""
