"""One base-image override for every command: ``SHIPSPEC_BASE_IMAGE_<RUNTIME>`` (``render`` also takes
``--base-image RUNTIME=IMAGE``), so the image a Dockerfile starts from is the same for render, plan and apply.

``SHIPSPEC_BASE_IMAGES=python=IMAGE,node=IMAGE`` was apply's spelling; it still works, with a hint, and the
per-runtime variable wins where both name a runtime. Pure: reads only the mapping it is given.
"""

from __future__ import annotations

from collections.abc import Mapping

RUNTIMES = ("python", "node", "static")
LEGACY_ENV = "SHIPSPEC_BASE_IMAGES"


def variable(runtime: str) -> str:
    return f"SHIPSPEC_BASE_IMAGE_{runtime.upper()}"


def base_image_overrides(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The overrides by runtime, and hints for every old-style setting that was read."""
    out: dict[str, str] = {}
    hints: list[str] = []
    for item in environ.get(LEGACY_ENV, "").split(","):
        runtime, _, image = (part.strip() for part in item.partition("="))
        if runtime and image:
            out[runtime] = image
            hints.append(f"hint: {LEGACY_ENV} is the old spelling; set {variable(runtime)}={image} instead "
                         "(every command reads it)")
    for runtime in RUNTIMES:
        if environ.get(variable(runtime)):
            out[runtime] = environ[variable(runtime)]
    return out, hints
