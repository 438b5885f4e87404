"""A tiny local busybox image, since no registry is reachable: ``FROM scratch`` plus Debian's busybox-static.

Built once per engine and reused by tag (a second call only checks that the tag exists). It is also tagged
``busybox:1.36``, the image the ``hello`` example names, so the example runs here without Docker Hub. Built with
the ``docker`` CLI through subprocess, independent of the gateway under test.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

TAG = "shipspec-test/busybox:1.36"
ALIASES = ("busybox:1.36",)
BUSYBOX = Path("/bin/busybox")
DOCKERFILE = """\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
LABEL dev.shipspec.test=1
"""


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], check=False, capture_output=True, text=True, timeout=300)


def image_exists(tag: str) -> bool:
    return _docker("image", "inspect", tag).returncode == 0


def _busybox_binary() -> Path:
    """Debian's static busybox, installed when missing (CI runs as root; locally it asks for it)."""
    install = ["apt-get", "install", "-y", "-qq", "busybox-static"]
    if not BUSYBOX.exists() and subprocess.run(install, check=False, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False, timeout=600)  # a fresh machine has no lists yet
        subprocess.run(install, check=False, timeout=600)
    if not BUSYBOX.exists():
        raise RuntimeError("busybox-static is not installed and could not be installed (apt-get install it)")
    return BUSYBOX


def ensure_busybox_image() -> str:
    """Build the image unless its tag exists; tag the aliases; return the image ID."""
    if not image_exists(TAG):
        with tempfile.TemporaryDirectory(prefix="shipspec-busybox-") as folder:
            shutil.copy2(_busybox_binary(), Path(folder) / "busybox")
            (Path(folder) / "Dockerfile").write_text(DOCKERFILE)
            built = _docker("build", "-q", "-t", TAG, folder)
            if built.returncode != 0:
                raise RuntimeError(f"building {TAG} failed:\n{built.stdout}\n{built.stderr}")
    for alias in ALIASES:
        if not image_exists(alias):
            _docker("tag", TAG, alias).check_returncode()
    return _docker("image", "inspect", "-f", "{{.Id}}", TAG).stdout.strip()
