"""The examples' fixtures (local images, look-alikes, one deployment folder per test, cleanup by app label)."""

from tests.examples.conftest import app_name, deploy, local_images

__all__ = ["app_name", "deploy", "local_images"]
