"""What one render target cannot express: raised by a target's renderer, caught per target by ``render_bundle``.

A spec that Kubernetes cannot express (a directory bind mount) must still render its Dockerfiles and Compose file;
the target that cannot is named with the reason, and the others are written. Every other RenderError is an engine
bug and still stops the whole render.
"""

from __future__ import annotations

from engine.errors import RenderError


class TargetCannotExpress(RenderError):
    """The spec uses something this target has no form for; the message says what and what to do instead."""
