"""The README's examples start as written: the postgres service of the spec example, and the restricted and baseline
services of the Security levels example, applied as they are (with look-alikes of the official images)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.examples.conftest import password
from tests.examples.harness import Deployment

pytestmark = [pytest.mark.docker, pytest.mark.slow]

README = Path(__file__).resolve().parents[2] / "README.md"


def yaml_blocks() -> list[dict[str, Any]]:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    return [yaml.safe_load(block) for block in blocks]


@pytest.mark.parametrize(
    ("marker", "services", "secrets"),
    [
        ("SHOP_DB_PASSWORD", ["db"], {"SHOP_DB_PASSWORD"}),
        ("level: privileged", ["cache", "db"], {"DB_PASSWORD"}),
    ],
    ids=["spec-example-postgres", "security-levels"],
)
def test_the_readme_services_start_as_written(tmp_path: Path, app_name: str, local_images: dict[str, str],
                                              marker: str, services: list[str], secrets: set[str]) -> None:
    source = next(b for b in yaml_blocks() if marker in yaml.safe_dump(b))
    doc = {"version": 1, "name": app_name, "services": {n: source["services"][n] for n in services}}
    (tmp_path / "app.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    deployment = Deployment(tmp_path, app_name, {**local_images, **{s: password() for s in secrets}})
    out = deployment.run("apply", "-y").stdout
    deployment.assert_running_and_healthy()
    assert all(c["State"]["Health"]["Status"] == "healthy" for c in deployment.containers())
    assert "apply complete" in out.lower()
