"""Adapters: the only code that touches the Docker engine or the file system on behalf of the engine."""
