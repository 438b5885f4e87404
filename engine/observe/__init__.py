"""The observe stage: what the engine reports about one app, as frozen types, and the parsers that build them.

Nothing here talks to the engine: the gateway (``engine.adapters.docker``) calls the parsers on its answers.
"""
