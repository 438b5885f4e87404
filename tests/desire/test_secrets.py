"""Secret sources, digests and the errors an operator sees when a value is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.desire.secrets import secret_digests, secret_values, service_secret_sources
from engine.desire.types import SecretSource
from engine.errors import SecretError
from engine.spec.validate import ValidSpec, load_and_validate


def _valid(tmp_path: Path) -> ValidSpec:
    spec = {
        "version": 1,
        "name": "shop",
        "services": {
            "web": {
                "image": "nginx:1.27",
                "secrets": {"DB_PASSWORD": {"env": "SHOP_DB_PASSWORD"}, "TOKEN": {"file": "./secrets/token"}},
            }
        },
    }
    (tmp_path / "app.yaml").write_text(yaml.safe_dump(spec))
    return load_and_validate(tmp_path / "app.yaml")


def test_sources_are_absolute(tmp_path: Path) -> None:
    sources = service_secret_sources(_valid(tmp_path), "web")
    assert sources["DB_PASSWORD"] == SecretSource("env", "SHOP_DB_PASSWORD")
    assert sources["TOKEN"] == SecretSource("file", str((tmp_path / "secrets" / "token").resolve()))


def test_digests_change_with_values_and_hide_them(tmp_path: Path) -> None:
    valid = _valid(tmp_path)
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token").write_text("tok\n")
    one = secret_digests(valid, {"SHOP_DB_PASSWORD": "pw1"})
    two = secret_digests(valid, {"SHOP_DB_PASSWORD": "pw2"})
    assert one["web"]["TOKEN"] == two["web"]["TOKEN"]
    assert one["web"]["DB_PASSWORD"] != two["web"]["DB_PASSWORD"]
    assert "pw1" not in repr(one)
    values = secret_values("web", service_secret_sources(valid, "web"), {"SHOP_DB_PASSWORD": "pw1"})
    assert values == {"DB_PASSWORD": "pw1", "TOKEN": "tok"}  # one trailing newline dropped


def test_missing_values_are_all_reported_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SecretError) as err:
        secret_digests(_valid(tmp_path), {})
    text = str(err.value)
    assert "app.yaml:6:7 services.web.secrets.DB_PASSWORD: reads environment variable SHOP_DB_PASSWORD, " \
           "which is not set" in text   # located like validation's own errors: the plan refuses with file:line:col
    assert "export SHOP_DB_PASSWORD=" in text
    assert "app.yaml:8:7 services.web.secrets.TOKEN: reads file" in text and "create that file" in text


def test_a_value_read_at_apply_time_names_service_and_variable(tmp_path: Path) -> None:
    with pytest.raises(SecretError) as err:
        secret_values("web", service_secret_sources(_valid(tmp_path), "web"), {})
    assert "service web: secret DB_PASSWORD reads environment variable SHOP_DB_PASSWORD" in str(err.value)
