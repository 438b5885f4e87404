"""shipspec: declarative, spec-driven deploys of one ``app.yaml`` to a Docker engine.

The package is layered: ``spec`` (load and validate, pure), ``render`` (artifacts, pure), the planning core
(pure), adapters (Docker, SQLite, files) and ``cli``. Only ``engine.adapters.docker`` imports the Docker SDK.
"""

from __future__ import annotations

__version__ = "0.1.0"
