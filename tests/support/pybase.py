"""Local Debian base images for Docker tests, built once with debootstrap and cached by tag.

No registry is reachable on CI machines, so a rendered Dockerfile cannot start ``FROM python:3.12-slim``. Instead
the tests point the renderer's base-image override at an image made here: a minimal Debian root file system with the
runtime installed (``debootstrap --variant=minbase --include=python3``), imported with ``docker import``. Building
takes minutes, so an image that already exists under its tag is reused.

The Debian mirror comes from the machine's own apt sources (``/etc/apt/sources.list`` or the deb822
``/etc/apt/sources.list.d/*.sources``), never from this repository: each machine knows which mirror it can reach.
Docker is driven through the ``docker`` CLI only (the SDK belongs to engine/adapters).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

PYTHON_BASE = "shipspec-test/python-base:bookworm"
NODE_BASE = "shipspec-test/node-base:bookworm"
TEST_LABEL = "dev.shipspec.test=1"
SUITE = "bookworm"


def ensure_python_base() -> str:
    """The tag of a local image with Debian's python3, building it on first use."""
    return ensure_debian_base(PYTHON_BASE, ["python3"])


def ensure_node_base() -> str:
    """The tag of a local image with Debian's nodejs (``node`` on PATH), building it on first use."""
    return ensure_debian_base(NODE_BASE, ["nodejs"])


def ensure_debian_base(tag: str, packages: list[str]) -> str:
    """Build ``tag`` from a debootstrapped Debian with ``packages`` unless the engine already has it."""
    if _image_exists(tag):
        return tag
    _ensure_debootstrap()
    mirror = apt_mirror()
    with tempfile.TemporaryDirectory(prefix="shipspec-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(packages)}",
                SUITE,
                str(rootfs),
                mirror,
            ],
            check=True,
            capture_output=True,
            timeout=1800,
        )
        _import(rootfs, tag)
    return tag


def _import(rootfs: Path, tag: str) -> None:
    """``tar -C ROOTFS -c . | docker import - TAG``, labelled so leftovers can be found and swept."""
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    try:
        subprocess.run(
            ["docker", "import", "--change", f"LABEL {TEST_LABEL}", "-", tag],
            stdin=tar.stdout,
            check=True,
            capture_output=True,
            timeout=900,
        )
    finally:
        if tar.stdout is not None:
            tar.stdout.close()
        tar.wait(timeout=60)


def _image_exists(tag: str) -> bool:
    result = subprocess.run(["docker", "image", "inspect", tag], check=False, capture_output=True, timeout=60)
    return result.returncode == 0


def _ensure_debootstrap() -> None:
    if shutil.which("debootstrap"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True, env=env, timeout=600)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "debootstrap"], check=True, capture_output=True, env=env, timeout=600
    )


def apt_mirror(root: Path = Path("/")) -> str:
    """The first Debian (non-security) archive URI this machine's apt is configured with."""
    candidates: list[str] = []
    legacy = root / "etc/apt/sources.list"
    if legacy.is_file():
        for line in legacy.read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.match(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)", line)
            if match:
                candidates.append(match[1])
    folder = root / "etc/apt/sources.list.d"
    if folder.is_dir():
        for path in sorted(folder.glob("*.sources")):
            candidates.extend(_deb822_uris(path.read_text(encoding="utf-8", errors="replace")))
    for uri in candidates:
        if "security" not in uri and re.search(r"/debian/?$", uri):
            return uri
    raise RuntimeError("no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources")


def _deb822_uris(text: str) -> list[str]:
    """URIs of the ``Types: deb`` stanzas of a deb822 sources file."""
    uris: list[str] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line:
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes").lower() != "no":
            uris.extend(fields.get("uris", "").split())
    return uris


BUSYBOX_BASE = "shipspec-test/static-base:busybox"


def ensure_busybox_base() -> str:
    """A ``FROM scratch`` image holding Debian's static busybox (``sh``, ``httpd``, ``wget``, ``find``)."""
    if _image_exists(BUSYBOX_BASE):
        return BUSYBOX_BASE
    binary = Path("/bin/busybox")
    if not _is_static(binary):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True, env=env, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "busybox-static"], check=True, capture_output=True, env=env, timeout=600
        )
    with tempfile.TemporaryDirectory(prefix="shipspec-busybox-") as tmp:
        shutil.copy2(binary, Path(tmp) / "busybox")
        (Path(tmp) / "Dockerfile").write_text(
            "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"
            f"LABEL {TEST_LABEL}\nCMD [\"sh\"]\n",
            encoding="utf-8",
        )
        subprocess.run(["docker", "build", "-q", "-t", BUSYBOX_BASE, tmp], check=True, capture_output=True, timeout=600)
    return BUSYBOX_BASE


def _is_static(binary: Path) -> bool:
    if not binary.is_file():
        return False
    result = subprocess.run(["ldd", str(binary)], check=False, capture_output=True, text=True, timeout=30)
    return "not a dynamic executable" in (result.stdout + result.stderr)
