"""Label keys shipspec puts on every Docker object it creates, in one place (Compose keeps them in const.py too).

Observing an app is one label-filtered list call per object kind (``APP=<name>``), so these keys are the contract
between ``desired.py`` (which writes them) and ``observed.py`` (which reads them back).
"""

from __future__ import annotations

PREFIX = "dev.shipspec"
APP = f"{PREFIX}.app"  # app name
ENV = f"{PREFIX}.env"  # environment name, "" for the base
SERVICE = f"{PREFIX}.service"  # service name (containers only)
SLOT = f"{PREFIX}.slot"  # replica slot, 1-based (containers only)
REVISION = f"{PREFIX}.revision"  # release revision that created the object
CONFIG_HASH = f"{PREFIX}.config-hash"  # sha256 over everything that reaches the container
IMAGE_REF = f"{PREFIX}.image-ref"  # image reference as written in the spec (the ID is observed directly)
TRACK = f"{PREFIX}.track"  # rollout track: "stable", "canary", "blue", "green"
MANAGED = f"{PREFIX}.managed"  # "true" on every object shipspec owns; never touch objects without it
TEST = f"{PREFIX}.test"  # set by the test suite so leftovers can be swept
# Canonical JSON of the container's non-secret config (secret and file contents as short digests), so a diff can
# name the field that changed from labels alone; CONFIG_HASH stays the single value compared for equality.
CONFIG = f"{PREFIX}.config"
BUILD_DIGEST = f"{PREFIX}.build-digest"  # digest of the build context a built service's image came from


def app_filter(app: str) -> dict[str, list[str]]:
    """The Docker list filter that selects every object of one app."""
    return {"label": [f"{APP}={app}", f"{MANAGED}=true"]}
