"""``shipspec import``: Compose files in, one commented app.yaml and a report of every Compose key out.

Compose itself (v2, ``docker compose config --format json``) resolves merges, ``.env``, interpolation, ``extends``
and profiles; this package reads its resolved model, locates each key in the source files (``positions``), translates
what the spec can say and reports what it drops and why (``translate``), and writes the spec (``emit``). It is an
entry stage of its own: it depends on the spec package (to validate what it writes) and on nothing later.
"""
