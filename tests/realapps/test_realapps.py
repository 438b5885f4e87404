"""Real apps deploy: ten of the awesome-compose apps (../shared/corpus/awesome-compose), written as specs in apps/,
run on the real engine under the defaults (no security field: their images run at baseline, the built services at
restricted) with the look-alikes of postgres:16, mariadb:11, nginx:1.27 and redis:7 and the local Python and Node
bases. The apps' own code needs Flask, Django, FastAPI or npm packages this machine cannot fetch, so code/ holds one
standard-library stand-in per runtime, with the routes and the database each app's Compose file names.

For each app: every service healthy and every published port answering over HTTP on 127.0.0.1; a note (or a
visit count) written; a rolling update of its web tier (every service that serves HTTP) under a light, bounded
HTTP load on every published port with zero failed requests; the data still there after the update, after
``destroy`` (which keeps the named volumes) and after a second apply. The apps run one after another (one module,
one engine, the same built layers), each cleaned up by its app label whatever happens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.examples.conftest import DeploymentFactory, password
from tests.examples.harness import Deployment, apply_under_load, fetch, set_env

pytestmark = [pytest.mark.docker, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
CODE = HERE / "code"


@dataclass(frozen=True)
class App:
    web: list[str]                 # the web tier: the services the update rolls
    data: str = ""                 # how data is written and read back: "notes" (POST /notes), "visits" (a counter)
    data_port: int = 8000          # the shipped host port the data goes through
    operator: list[str] = field(default_factory=list)  # secret variables the operator sets


APPS = {
    "flask": App(web=["web"]),
    "fastapi": App(web=["api"]),
    "django": App(web=["web"], data="notes"),
    "flask-redis": App(web=["web"], data="notes"),
    "official-documentation-samples-django": App(web=["web"], data="notes", operator=["DJANGO_DB_PASSWORD"]),
    "nginx-flask-mysql": App(web=["backend", "proxy"], data="notes", data_port=8080, operator=["NFM_DB_PASSWORD"]),
    "nginx-wsgi-flask": App(web=["flask-app", "nginx-proxy"]),
    "nginx-nodejs-redis": App(web=["web1", "web2", "nginx"], data="visits", data_port=8080),
    "react-nginx": App(web=["frontend"]),
    "vuejs": App(web=["web"]),
}


def write_data(deployment: Deployment, app: App) -> str | int:
    port = deployment.ports[app.data_port]
    if app.data == "notes":
        token = secrets.token_hex(8)
        status, body = fetch(port, f"/notes?text={token}", method="POST")
        assert status == 201, body
        return token
    status, body = fetch(port, "/")
    assert status == 200, body
    return int(body.rsplit(":", 1)[1])


def assert_data_kept(deployment: Deployment, app: App, written: str | int) -> None:
    port = deployment.ports[app.data_port]
    if app.data == "notes":
        status, body = fetch(port, "/notes")
        assert status == 200 and str(written) in body.split(), f"{written} not in {body[:300]!r}"
    else:
        status, body = fetch(port, "/")
        assert status == 200, body
        assert int(body.rsplit(":", 1)[1]) > int(written), f"the count restarted: {body!r} after {written}"


def assert_published_ports_answer(deployment: Deployment) -> None:
    for service, port in deployment.published():
        status, body = fetch(port, "/")
        assert status == 200, f"{service} on :{port} answered {status}: {body[:200]}"


@pytest.mark.parametrize("name", list(APPS))
def test_the_app_deploys_rolls_and_keeps_its_data(deploy: DeploymentFactory, name: str) -> None:
    app = APPS[name]
    deployment = deploy(HERE / "apps" / name, extra=CODE, **{k: password() for k in app.operator})
    doc = deployment.document()
    assert "security" not in doc and all("security" not in s for s in doc["services"].values())

    deployment.run("apply", "-y")
    deployment.assert_running_and_healthy()
    assert_published_ports_answer(deployment)
    written = write_data(deployment, app) if app.data else None

    set_env(doc := deployment.document(), app.web, "RELEASE", "2")
    deployment.write(doc)
    result = apply_under_load(deployment, [port for _, port in deployment.published()])
    assert result.failed == 0, f"{result.summary()} ports {deployment.published()}"
    deployment.assert_running_and_healthy()
    assert deployment.run("plan", "--detailed-exitcode").returncode == 0
    if written is not None:
        assert_data_kept(deployment, app, written)

    volumes = deployment.volumes()
    deployment.run("destroy", "-y")
    assert deployment.containers() == []
    assert deployment.volumes() == volumes
    deployment.run("apply", "-y")
    deployment.assert_running_and_healthy()
    assert_published_ports_answer(deployment)
    if written is not None:
        assert_data_kept(deployment, app, written)
