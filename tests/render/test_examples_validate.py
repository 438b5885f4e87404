"""Every example in ``specs/`` validates, as the base and in each of its environments (issue 2 and issue 3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.spec.validate import load_and_validate, validate_all
from tests.render.examples import case_id, cases, environments, example_names, example_path

REALISTIC = ["docs", "jobs", "shop", "storefront"]


def test_the_expected_examples_exist() -> None:
    assert set(example_names()) >= {*REALISTIC, "hello"}


@pytest.mark.parametrize("name", REALISTIC)
def test_realistic_examples_have_staging_and_prod(name: str) -> None:
    assert {"staging", "prod"} <= set(environments(name))


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_example_validates(case: tuple[str, str | None]) -> None:
    name, env = case
    valid = load_and_validate(example_path(name), env)
    assert valid.spec.name == name
    assert valid.env == env


@pytest.mark.parametrize("name", example_names())
def test_example_validates_all_environments_together(name: str) -> None:
    results = validate_all(example_path(name))
    assert [r.env for r in results] == [None, *environments(name)]


@pytest.mark.parametrize("name", example_names())
def test_example_starts_with_the_schema_comment(name: str) -> None:
    first = example_path(name).read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/app.schema.json"


@pytest.mark.parametrize("name", example_names())
def test_cli_validate_exits_zero(name: str) -> None:
    shipspec = str(Path(sys.executable).parent / "shipspec")
    result = subprocess.run(
        [shipspec, "validate", "-f", str(example_path(name))], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_hello_is_the_busybox_quickstart() -> None:
    spec = load_and_validate(example_path("hello")).spec
    assert list(spec.services) == ["web"]
    web = spec.services["web"]
    assert web.image == "busybox:1.36" and web.build is None
    assert web.command == ["httpd", "-f", "-p", "8080", "-h", "/www"]
    assert [f.target for f in web.files] == ["/www/index.html"]
    assert web.health is not None and web.replicas == 3 and spec.proxy.enabled  # three replicas behind the proxy
    assert [(p.host_ip, p.host, p.container) for p in web.ports] == [("127.0.0.1", 8080, 8080)]
