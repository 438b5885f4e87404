"""Integration tests run against the real Docker engine; their fixtures live in ``tests/support/docker_fixtures``.

Imported rather than listed in ``pytest_plugins``: pytest accepts that variable only in the top-level conftest.
"""

from tests.support.docker_fixtures import app_name, busybox_image, gateway

__all__ = ["app_name", "busybox_image", "gateway"]
