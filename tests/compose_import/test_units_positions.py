"""Pure parts of the importer: unit conversions, secret detection, names, and positions with anchors."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.compose_import.positions import read_positions
from engine.compose_import.units import cpu_quantity, dns_label, looks_secret, memory_quantity, operator_variable


@pytest.mark.parametrize(
    ("value", "want"),
    [("1610612736", "1536Mi"), (1073741824, "1Gi"), ("104857600", "100Mi"), ("1000", "1000"), ("0", None),
     ("1.5G", None)],
)
def test_memory_is_binary_and_exact(value: object, want: str | None) -> None:
    assert memory_quantity(value) == want


@pytest.mark.parametrize(("value", "want"), [(0.5, "500m"), ("2", "2"), ("0.25", "250m"), ("0.0001", None)])
def test_cpus_become_kubernetes_cpu(value: object, want: str | None) -> None:
    assert cpu_quantity(value) == want


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("POSTGRES_PASSWORD", "x", True),
        ("GITHUB_TOKEN", "x", True),
        ("AWS_SECRET", "x", True),
        ("POSTGRES_PASSWORD_FILE", "/run/secrets/db", False),
        ("DATABASE_URL", "postgres://u:pw@db:5432/app", True),
        ("DATABASE_URL", "postgres://db:5432/app", False),
        ("LOG_LEVEL", "info", False),
    ],
)
def test_secret_looking_values(name: str, value: str, secret: bool) -> None:
    assert looks_secret(name, value) is secret


def test_names() -> None:
    assert dns_label("My_Service.v2") == "my-service-v2"
    assert dns_label("frontend-/project/node_modules") == "frontend-project-node-modules"
    assert dns_label("9lives") == "lives"
    assert operator_variable("shop", "web", "db.pass") == "SHOP_WEB_DB_PASS"


def test_positions_follow_anchors_merge_keys_and_overrides(tmp_path: Path) -> None:
    base = tmp_path / "compose.yaml"
    base.write_text(
        "x-env: &env\n  restart: always\n  environment:\n    - TZ=UTC\n"
        "services:\n  web:\n    <<: *env\n    image: nginx\n"
    )
    override = tmp_path / "override.yaml"
    override.write_text("services:\n  web:\n    image: nginx:1.27\n")
    pos = read_positions([base, override], ["compose.yaml", "override.yaml"])
    assert str(pos.locate(("services", "web", "restart"))) == "compose.yaml:2:3"
    assert str(pos.locate(("services", "web", "environment", "TZ"))) == "compose.yaml:4:7"
    assert pos.raw[("services", "web", "environment", "TZ")] == "UTC"
    assert str(pos.locate(("services", "web", "image"))) == "override.yaml:3:5"
    assert str(pos.locate(("services", "web", "ports", 0))) == "compose.yaml:6:3"  # nearest ancestor
