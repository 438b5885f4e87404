"""One module per CLI command; each exposes ``command`` (a click command). Formatting only, no logic."""
