"""Every example in specs/ deploys for real, as shipped: applied with local base images and look-alikes of the
official images it names, every service healthy, every published port answering over HTTP, a second plan with
nothing to do, an env change rolling through the proxy without one failed request, and destroy keeping the named
volumes. Only the app name and the published host ports differ from the shipped spec (the engine is shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.examples.conftest import DeploymentFactory, password
from tests.examples.harness import apply_under_load, fetch, set_env

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SPECS = Path(__file__).resolve().parents[2] / "specs"
# What each example needs from the operator, and the path its published port answers on.
OPERATOR = {
    "shop": {"SHOP_DB_PASSWORD": "", "SHOP_SESSION_KEY": ""},
    "storefront": {"STOREFRONT_API_TOKEN": ""},
}
PATHS = {"shop": "/products", "storefront": "/", "docs": "/", "hello": "/"}


@pytest.mark.parametrize("example", ["hello", "docs", "jobs", "shop", "storefront"])
def test_the_example_deploys_rolls_and_keeps_its_data(deploy: DeploymentFactory, example: str) -> None:
    deployment = deploy(SPECS / example, **{k: password() for k in OPERATOR.get(example, {})})
    if example == "jobs":
        (deployment.root / "secrets" / "reports_s3_key").write_text(password(), encoding="utf-8")
    deployment.run("apply", "-y")
    deployment.assert_running_and_healthy()
    published = deployment.published()
    for service, port in published:
        status, body = fetch(port, PATHS.get(example, "/"))
        assert status == 200, f"{service} on :{port} answered {status}: {body[:200]}"
    assert deployment.run("plan", "--detailed-exitcode").returncode == 0
    unset = frozenset(OPERATOR.get(example, {}))  # logs and history need no secret value
    assert deployment.run("history", without=unset).returncode == 0
    first = next(iter(deployment.document()["services"]))
    assert deployment.run("logs", first, "--tail", "5", without=unset).returncode == 0

    doc = deployment.document()
    fronted = sorted({service for service, _ in published})
    rolled = fronted or [name for name, svc in doc["services"].items() if svc.get("build")]
    set_env(doc, rolled, "SHIPSPEC_E2E_ROLL", "2")
    deployment.write(doc)
    if published:
        result = apply_under_load(deployment, [port for _, port in published], PATHS.get(example, "/"))
        assert result.failed == 0, result.summary()
    else:
        deployment.run("apply", "-y")
    deployment.assert_running_and_healthy()
    assert deployment.run("plan", "--detailed-exitcode").returncode == 0

    volumes = deployment.volumes()
    assert len(volumes) == sum(len([v for v in s.get("volumes", []) if v.get("name")])
                               for s in doc["services"].values())
    deployment.run("destroy", "-y")
    assert deployment.containers() == []
    assert deployment.volumes() == volumes
