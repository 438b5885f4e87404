"""Fields that real Compose apps need, each with its Docker, Compose and Kubernetes meaning (see the schema):
validated, rendered into Compose, and carried into the desired state the Docker engine path applies."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.desire.build import build_desired
from engine.errors import SpecError
from engine.observe.types import ObservedState
from engine.plan.plan import make_plan
from engine.plan.steps import BuildImage
from engine.render.bundle import Kind, render_bundle
from engine.spec.validate import load_and_validate


def _spec(tmp_path: Path, service: str) -> Path:
    (tmp_path / "web").mkdir(exist_ok=True)
    (tmp_path / "web" / "Dockerfile").write_text("FROM scratch\n")
    path = tmp_path / "app.yaml"
    path.write_text(f"version: 1\nname: fields\nservices:\n  web:\n{service}")
    return path


BUILD = "    build:\n      context: ./web\n      runtime: dockerfile\n      target: development\n" \
        "      args: {NODE_ENV: production, DOLLAR: a$b}\n"


def test_build_target_and_args_render_into_compose(tmp_path: Path) -> None:
    valid = load_and_validate(_spec(tmp_path, BUILD))
    compose = yaml.safe_load(render_bundle(valid, only=frozenset({Kind.COMPOSE}))["compose.yaml"])
    build = compose["services"]["web"]["build"]
    assert build["target"] == "development"
    assert build["args"] == {"DOLLAR": "a$$b", "NODE_ENV": "production"}


def test_build_target_and_args_reach_the_build_step(tmp_path: Path) -> None:
    valid = load_and_validate(_spec(tmp_path, BUILD))
    desired = build_desired(valid, image_ids={}, build_digests={"web": "sha256:" + "0" * 64}, secret_digests={},
                            revision=1)
    plan = make_plan(desired, ObservedState(app="fields", engine_id="e"))
    steps = [s for s in plan.steps if isinstance(s, BuildImage)]
    assert [(s.target, dict(s.args)) for s in steps] == [("development", {"DOLLAR": "a$b", "NODE_ENV": "production"})]


def test_build_target_needs_your_own_dockerfile(tmp_path: Path) -> None:
    path = _spec(tmp_path, "    build: {context: ./web, runtime: static, target: dev}\n")
    with pytest.raises(SpecError) as caught:
        load_and_validate(path)
    assert "only applies to runtime: dockerfile" in caught.value.diagnostics[0].message


def _render(path: Path, kind: Kind) -> dict[str, str]:
    return dict(render_bundle(load_and_validate(path), only=frozenset({kind})))


def test_env_names_with_dots_reach_compose_and_kubernetes(tmp_path: Path) -> None:
    """Elasticsearch reads `discovery.type`: Docker and Kubernetes (IsEnvVarName) both accept the name."""
    path = _spec(tmp_path, "    image: elasticsearch:8.14.0\n    env: {discovery.type: single-node, x-y: z}\n")
    compose = yaml.safe_load(_render(path, Kind.COMPOSE)["compose.yaml"])
    assert compose["services"]["web"]["environment"] == {"discovery.type": "single-node", "x-y": "z"}
    configmap = yaml.safe_load(_render(path, Kind.K8S)["k8s/web-env-configmap.yaml"])
    assert configmap["data"] == {"discovery.type": "single-node", "x-y": "z"}


RUN_FIELDS = ("    image: busybox:1.36\n    stop_signal: SIGINT\n    init: false\n    hostname: web1\n"
              "    sysctls: {net.ipv4.ip_unprivileged_port_start: '0'}\n")


def test_run_fields_render_into_compose(tmp_path: Path) -> None:
    web = yaml.safe_load(_render(_spec(tmp_path, RUN_FIELDS), Kind.COMPOSE)["compose.yaml"])["services"]["web"]
    assert (web["stop_signal"], web["init"], web["hostname"]) == ("SIGINT", False, "web1")
    assert web["sysctls"] == {"net.ipv4.ip_unprivileged_port_start": "0"}


def test_run_fields_render_into_the_pod_and_stop_signal_leaves_kubernetes_unrendered(tmp_path: Path) -> None:
    path = _spec(tmp_path, RUN_FIELDS.replace("    stop_signal: SIGINT\n", ""))
    pod = yaml.safe_load(_render(path, Kind.K8S)["k8s/web-deployment.yaml"])["spec"]["template"]["spec"]
    assert pod["hostname"] == "web1"
    assert pod["securityContext"]["sysctls"] == [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]
    bundle = render_bundle(load_and_validate(_spec(tmp_path, RUN_FIELDS)))
    assert "compose.yaml" in bundle and not any(f.startswith("k8s/") for f in bundle)
    refused = bundle.skipped["k8s"]
    assert "app.yaml:6:18 services.web.stop_signal: Kubernetes sends the image's own STOPSIGNAL" in refused
    assert "STOPSIGNAL SIGINT" in refused


def test_run_fields_reach_the_container_and_are_hashed_only_when_set(tmp_path: Path) -> None:
    def template(service: str) -> tuple[object, dict[str, object]]:
        valid = load_and_validate(_spec(tmp_path, service))
        desired = build_desired(valid, image_ids={}, build_digests={}, secret_digests={}, revision=1).services["web"]
        return desired.template, dict(desired.document)

    spec, doc = template(RUN_FIELDS)
    assert (spec.stop_signal, spec.init, spec.hostname, dict(spec.sysctls)) == (  # type: ignore[attr-defined]
        "SIGINT", False, "web1", {"net.ipv4.ip_unprivileged_port_start": "0"})
    assert doc["stop_signal"] == "SIGINT" and doc["hostname"] == "web1" and doc["init"] is False
    _plain, plain_doc = template("    image: busybox:1.36\n")
    assert not {"stop_signal", "hostname", "sysctls"} & plain_doc.keys(), "old containers keep their hash"
