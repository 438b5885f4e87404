"""The no-op fast path of ``shipspec plan``: when neither the spec nor the engine changed since a plan that found
nothing to do, say so again without importing the spec models, the Docker SDK or the planner (see ``memo``)."""
