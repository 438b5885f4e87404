"""A local HAProxy 2.6 image, since no registry is reachable: ``FROM scratch`` plus Debian bookworm's haproxy binary.

Recipe: install Debian's ``haproxy`` package on the host when ``/usr/sbin/haproxy`` is missing, then copy the binary,
every shared library ``ldd`` lists and the dynamic loader (each at the path ``ldd`` names, symlinks resolved) into a
build folder. The binary goes to ``/usr/local/sbin/haproxy``, where the official Docker Hub image keeps it, so one
command line (``/usr/local/sbin/haproxy -db -f <cfg>``) works with both images. Like the official image, the
process runs as the unprivileged user ``haproxy`` (uid/gid 99) and stops gracefully on SIGUSR1 (soft stop: the
listeners close, in-flight requests finish). Debian's busybox-static is added for ``sh``/``wget`` when debugging.

Built once per engine and reused by tag; also tagged ``haproxy:2.6``, the default proxy image, so specs run here
without Docker Hub. Built with the ``docker`` CLI through subprocess, independent of the gateway under test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.busybox import BUSYBOX, _busybox_binary, image_exists

TAG = "shipspec-test/haproxy:2.6"
ALIASES = ("haproxy:2.6",)
HAPROXY = Path("/usr/sbin/haproxy")
BINARY_IN_IMAGE = "/usr/local/sbin/haproxy"
CONFIG_DIR = "/usr/local/etc/haproxy"
DOCKERFILE = f"""\
FROM scratch
COPY rootfs/ /
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && chown 99:99 /var/lib/haproxy /var/run/haproxy \\
 && chmod 1777 /tmp"]
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER haproxy
WORKDIR /var/lib/haproxy
STOPSIGNAL SIGUSR1
LABEL dev.shipspec.test=1
CMD ["{BINARY_IN_IMAGE}", "-db", "-f", "{CONFIG_DIR}/haproxy.cfg"]
"""
PASSWD = "root:x:0:0:root:/root:/bin/sh\nhaproxy:x:99:99:haproxy:/var/lib/haproxy:/bin/false\n"
GROUP = "root:x:0:\nhaproxy:x:99:\n"
# A config that makes the image usable on its own (`docker run shipspec-test/haproxy:2.6`); callers mount theirs.
DEFAULT_CONFIG = """\
global
    stats socket ipv4@0.0.0.0:9999 level admin
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend health
    bind :8404
    monitor-uri /healthz
"""
_LDD_PATH = re.compile(r"(/\S+)")


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], check=False, capture_output=True, text=True, timeout=300)


def _haproxy_binary() -> Path:
    """Debian's haproxy (2.6 on bookworm), installed when missing; the package also brings the libraries."""
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "haproxy"]
    if not HAPROXY.exists() and subprocess.run(install, check=False, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False, timeout=600)
        subprocess.run(install, check=False, timeout=600)
    if not HAPROXY.exists():
        raise RuntimeError("haproxy is not installed and could not be installed (apt-get install haproxy)")
    return HAPROXY


def shared_objects(binary: Path) -> list[Path]:
    """Every absolute path ``ldd`` prints for the binary: its libraries and the dynamic loader (not the vDSO)."""
    listed = subprocess.run(["ldd", str(binary)], check=True, capture_output=True, text=True, timeout=60).stdout
    paths: list[Path] = []
    for line in listed.splitlines():
        match = _LDD_PATH.search(line.split("=>")[-1])
        if match and Path(match.group(1)).exists():
            paths.append(Path(match.group(1)))
    return paths


def _copy(source: Path, root: Path, target: str, mode: int = 0o755) -> None:
    destination = root / target.lstrip("/")
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source.resolve(), destination)  # the real file at the path ldd named, symlinks followed
    destination.chmod(mode)


def _write(root: Path, target: str, text: str) -> None:
    destination = root / target.lstrip("/")
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(text)
    destination.chmod(0o644)


def build_context(folder: Path) -> None:
    """Lay out the image's whole file system under ``folder/rootfs`` and write the Dockerfile beside it."""
    root = folder / "rootfs"
    binary = _haproxy_binary()
    _copy(binary, root, BINARY_IN_IMAGE)
    for library in shared_objects(binary):
        _copy(library, root, str(library))
    _copy(_busybox_binary(), root, str(BUSYBOX))
    _write(root, "/etc/passwd", PASSWD)
    _write(root, "/etc/group", GROUP)
    _write(root, f"{CONFIG_DIR}/haproxy.cfg", DEFAULT_CONFIG)
    for directory in ("/var/lib/haproxy", "/var/run/haproxy", "/tmp"):
        (root / directory.lstrip("/")).mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text(DOCKERFILE)


def ensure_proxy_image() -> str:
    """Build the image unless its tag exists; tag the aliases; return the image ID."""
    if not image_exists(TAG):
        with tempfile.TemporaryDirectory(prefix="shipspec-haproxy-") as name:
            folder = Path(name)
            build_context(folder)
            built = _docker("build", "-q", "-t", TAG, str(folder))
            if built.returncode != 0:
                raise RuntimeError(f"building {TAG} failed:\n{built.stdout}\n{built.stderr}")
    for alias in ALIASES:
        if not image_exists(alias):
            _docker("tag", TAG, alias).check_returncode()
    return _docker("image", "inspect", "-f", "{{.Id}}", TAG).stdout.strip()
