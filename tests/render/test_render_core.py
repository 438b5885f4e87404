"""The render core's own rules: quoting filters, the read-back guard, strategies and safety refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.errors import RenderError
from engine.render import bundle as bundle_module
from engine.render.bundle import Kind, render_bundle
from engine.render.dockerfile import read_back
from engine.render.environment import docker_word_filter, exec_form_filter, render_template, sh_filter
from engine.spec.validate import load_and_validate
from tests.render.examples import example_path


def test_shell_words_are_quoted() -> None:
    assert sh_filter("it's $HOME; rm -rf /") == "'it'\"'\"'s $HOME; rm -rf /'"


def test_exec_form_is_ascii_json() -> None:
    assert exec_form_filter(["a b", "ü\n$X"]) == '["a b", "\\u00fc\\n$X"]'
    with pytest.raises(RenderError):
        exec_form_filter("not a list")


@pytest.mark.parametrize("word", ["$HOME", "a b", "x\ny", "", "${X}", "-flag"])
def test_docker_words_refuse_anything_docker_would_expand_or_split(word: str) -> None:
    with pytest.raises(RenderError):
        docker_word_filter(word)


def test_undefined_template_variables_are_errors() -> None:
    with pytest.raises(RenderError, match="undefined"):
        render_template("k8s/namespace.yaml.j2", header="# h")


def test_shell_form_fallback_is_caught() -> None:
    """Docker silently runs a malformed exec form through a shell; the read-back refuses it."""
    with pytest.raises(RenderError, match="exec-form"):
        read_back("FROM x\nCMD [\"a\", 'b']\n")


def test_an_artifact_that_does_not_parse_back_is_an_engine_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = render_template

    def tampered(name: str, **context: object) -> str:
        text = real(name, **context)
        return text.replace("replicas: 4", "replicas: 5") if name.endswith("deployment.yaml.j2") else text

    monkeypatch.setattr(bundle_module, "render_template", tampered)
    with pytest.raises(RenderError, match=r"does not parse back .* at \.spec\.replicas"):
        render_bundle(load_and_validate(example_path("shop"), "prod"), only=frozenset({Kind.K8S}))


def _k8s(name: str, env: str | None) -> dict[str, Any]:
    b = render_bundle(load_and_validate(example_path(name), env), only=frozenset({Kind.K8S}))
    return {path: yaml.safe_load(text) for path, text in b.items()}


def test_blue_green_is_two_deployments_and_a_service_on_the_blue_track() -> None:
    objs = _k8s("storefront", "prod")
    blue, green = objs["k8s/web-blue-deployment.yaml"], objs["k8s/web-green-deployment.yaml"]
    assert blue["spec"]["replicas"] == 3 and green["spec"]["replicas"] == 0
    selector = objs["k8s/web-service.yaml"]["spec"]["selector"]
    assert selector["shipspec.dev/track"] == "blue"
    assert objs["k8s/web-pdb.yaml"]["spec"]["maxUnavailable"] == 1


def test_canary_is_sized_by_the_first_step_and_shares_the_service() -> None:
    objs = _k8s("storefront", "prod")  # api: 4 replicas, steps 25/50/100 → canary round(4 * 25 / 75) = 1
    assert objs["k8s/api-deployment.yaml"]["spec"]["replicas"] == 4
    assert objs["k8s/api-canary-deployment.yaml"]["spec"]["replicas"] == 1
    assert "shipspec.dev/track" not in objs["k8s/api-service.yaml"]["spec"]["selector"]


def test_pdb_only_when_more_than_one_replica_serves() -> None:
    assert "k8s/web-pdb.yaml" not in _k8s("shop", "staging")
    assert "k8s/web-pdb.yaml" in _k8s("shop", "prod")


def test_restricted_pod_security(tmp_path: Path) -> None:
    objs = _k8s("shop", "prod")
    pod = objs["k8s/web-deployment.yaml"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
    container = pod["containers"][0]
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    # db and redis are image: services at baseline, so baseline is the strictest level every pod meets
    assert objs["k8s/namespace.yaml"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"


def _write_spec(tmp_path: Path, service: str) -> Path:
    spec = tmp_path / "app.yaml"
    spec.write_text(f"version: 1\nname: edge\nservices:\n{service}")
    return spec


def test_bind_mounts_are_refused_for_kubernetes_only(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    spec = _write_spec(tmp_path, "  web:\n    image: nginx:1.27\n    volumes: [{source: ./conf, target: /etc/x}]\n")
    valid = load_and_validate(spec)
    bundle = render_bundle(valid)
    assert set(bundle.skipped) == {"k8s"}
    assert "bind mount './conf' has no Kubernetes equivalent" in bundle.skipped["k8s"]
    assert not any(path.startswith("k8s/") for path in bundle) and not bundle.owns("k8s/web-deployment.yaml")
    compose = yaml.safe_load(bundle["compose.yaml"])
    assert compose["services"]["web"]["volumes"] == [{"type": "bind", "source": "../../conf", "target": "/etc/x"}]
    assert render_bundle(valid, only=frozenset({Kind.COMPOSE})).skipped == {}


def test_labels_that_kubernetes_rejects_become_annotations(tmp_path: Path) -> None:
    spec = _write_spec(tmp_path, "  web:\n    image: nginx:1.27\n    labels: {team: payments, note: 'two words'}\n")
    deployment = yaml.safe_load(render_bundle(load_and_validate(spec))["k8s/web-deployment.yaml"])
    assert deployment["metadata"]["labels"]["team"] == "payments"
    assert deployment["metadata"]["annotations"] == {"note": "two words"}


def test_a_bad_base_image_override_is_refused() -> None:
    valid = load_and_validate(example_path("shop"))
    with pytest.raises(RenderError, match="override"):
        render_bundle(valid, base_image_overrides={"python": "Not An Image"})
    with pytest.raises(RenderError, match="override"):
        render_bundle(valid, base_image_overrides={"cobol": "x:1"})
