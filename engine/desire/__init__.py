"""The desire stage: a validated spec → the desired state (types, names, config hashes, the proxy's share).

Pure apart from reading ``files[].source`` contents; never sees the engine. Import from the submodules.
"""
