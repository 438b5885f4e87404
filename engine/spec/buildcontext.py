"""What a build context must never send to the builder, whatever the context's own ``.dockerignore`` says.

The default context is the spec's folder, which also holds the spec itself, shipspec's state folder (``.shipspec/``:
the history database and its WAL, which change on every apply), the operator's secret files and the rendered output
(``deploy/``). Sent to the builder, a static site serves ``/secrets/db_password``, and the context digest changes
after every apply, so the plan never converges. These paths are removed from what is sent and from the digest after
the ``.dockerignore`` matcher ran (a ``!secrets`` negation cannot bring them back), and the rendered ``.dockerignore``
lists them for ``docker build`` and Compose users.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.spec.model import AppSpec

STATE_FOLDER = ".shipspec"  # the default state folder beside the spec; excluded at any depth
RENDER_FOLDER = "deploy"  # the default render output beside the spec


def never_sent(spec: AppSpec, spec_path: Path, context: str, extra: tuple[Path, ...] = ()) -> tuple[str, ...]:
    """Paths relative to the build context ``context`` (itself relative to the spec's folder) that are never
    sent: the spec, the state and render folders, every secret file of the app, and ``extra`` (e.g. a
    ``--state-dir``) when inside the context. POSIX, sorted."""
    base = Path(os.path.normpath(spec_path.parent.absolute()))
    root = Path(os.path.normpath(base / context))
    candidates = [spec_path.absolute(), base / STATE_FOLDER, base / RENDER_FOLDER, *extra]
    for svc in spec.services.values():
        candidates.extend(base / ref.file for ref in svc.secrets.values() if ref.file is not None)
    out: set[str] = set()
    for path in candidates:
        rel = os.path.relpath(os.path.normpath(path.absolute()), root)
        if rel != "." and not rel.startswith(".."):
            out.add(Path(rel).as_posix())
    return tuple(sorted(out))


def is_never_sent(relative: str, excluded: tuple[str, ...]) -> bool:
    """Whether a context path (POSIX, relative to the context) falls under an exclusion or a state folder."""
    parts = relative.split("/")
    if STATE_FOLDER in parts:
        return True
    return any(relative == e or relative.startswith(e + "/") for e in excluded)
