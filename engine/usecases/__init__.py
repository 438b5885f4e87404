"""Use cases: one thing a user asks for (plan, apply, rollback, destroy, status, history), wired from the stages.

Each takes its collaborators (gateway, history store, clock, listener, options) and returns a typed outcome; the CLI
parses, calls one and formats. Nothing here prints.
"""
