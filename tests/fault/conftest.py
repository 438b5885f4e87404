from tests.e2e.conftest import proxy_image
from tests.support.docker_fixtures import app_name, busybox_image

__all__ = ["app_name", "busybox_image", "proxy_image"]
