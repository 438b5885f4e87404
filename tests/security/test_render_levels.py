"""Rendered artifacts follow the levels: each pod's securityContext, the namespace's Pod Security label, Compose's
settings, a built service's Dockerfile owning its volumes, and the refusal of a named user on Kubernetes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from engine.render.bundle import Kind, render_bundle
from engine.spec.validate import load_and_validate


def bundle(tmp_path: Path, text: str, only: frozenset[Kind] = frozenset({Kind.K8S})) -> dict[str, str]:
    path = tmp_path / "app.yaml"
    (tmp_path / "web").mkdir(exist_ok=True)
    path.write_text("version: 1\nname: sec\n" + text, encoding="utf-8")
    return dict(render_bundle(load_and_validate(path), out_dir=tmp_path / "out", only=only).items())


def pod(files: dict[str, str], service: str) -> dict[str, Any]:
    deployment = yaml.safe_load(files[f"k8s/{service}-deployment.yaml"])
    return dict(deployment["spec"]["template"]["spec"])


def namespace_level(files: dict[str, str]) -> str:
    labels = yaml.safe_load(files["k8s/namespace.yaml"])["metadata"]["labels"]
    return str(labels["pod-security.kubernetes.io/enforce"])


def test_restricted_pods_run_a_numeric_non_root_uid_with_nothing_to_escalate(tmp_path: Path) -> None:
    files = bundle(tmp_path, "services:\n  web:\n    image: a:1\n    security: {level: restricted}\n")
    spec = pod(files, "web")
    assert spec["securityContext"] == {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                                       "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}}
    assert spec["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": False, "privileged": False, "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert namespace_level(files) == "restricted"


def test_baseline_pods_keep_the_images_user_and_drop_net_raw(tmp_path: Path) -> None:
    files = bundle(tmp_path, "services:\n  db:\n    image: postgres:16\n")
    spec = pod(files, "db")
    assert spec["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    assert spec["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": False, "privileged": False, "readOnlyRootFilesystem": False,
        "capabilities": {"drop": ["NET_RAW"]}, "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert namespace_level(files) == "baseline"


def test_a_numeric_user_at_baseline_owns_its_volumes_through_fs_group(tmp_path: Path) -> None:
    files = bundle(tmp_path, "services:\n  db:\n    image: postgres:16\n    security: {user: '999:998'}\n"
                   "    volumes: [{name: pgdata, target: /var/lib/postgresql/data}]\n")
    assert pod(files, "db")["securityContext"] == {"runAsUser": 999, "runAsGroup": 998, "fsGroup": 998,
                                                   "seccompProfile": {"type": "RuntimeDefault"}}


def test_privileged_pods_carry_no_restriction(tmp_path: Path) -> None:
    files = bundle(tmp_path, "services:\n  vpn:\n    image: wg:1\n"
                   "    security: {level: privileged, cap_add: [NET_ADMIN]}\n")
    spec = pod(files, "vpn")
    assert spec["securityContext"] == {}
    assert spec["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": True, "privileged": False, "readOnlyRootFilesystem": False,
        "capabilities": {"add": ["NET_ADMIN"]},
    }
    assert namespace_level(files) == "privileged"


def test_the_namespace_takes_the_strictest_level_every_pod_meets(tmp_path: Path) -> None:
    files = bundle(tmp_path, "services:\n  web:\n    build: {context: ./web, runtime: static}\n"
                   "  db:\n    image: postgres:16\n")
    assert namespace_level(files) == "baseline"
    files = bundle(tmp_path, "security: {level: restricted}\nservices:\n  web:\n    build: {context: ./web, "
                   "runtime: static}\n  db:\n    image: postgres:16\n")
    assert namespace_level(files) == "restricted"


def test_a_named_user_is_refused_for_kubernetes_never_dropped(tmp_path: Path) -> None:
    text = "services:\n  db:\n    image: postgres:16\n    security: {user: postgres}\n"
    path = tmp_path / "app.yaml"
    path.write_text("version: 1\nname: sec\n" + text, encoding="utf-8")
    rendered = render_bundle(load_and_validate(path), out_dir=tmp_path / "out")
    reason = rendered.skipped["k8s"]
    assert reason.startswith(f"{path}:6:") and "services.db.security.user" in reason
    assert "numeric uid" in reason
    assert 'hint: write the uid[:gid] the image gives that user, e.g. security.user: "999:999"' in reason
    files = dict(rendered.items())
    assert not any(name.startswith("k8s/") for name in files)  # refused, not written without the user
    assert yaml.safe_load(files["compose.yaml"])["services"]["db"]["user"] == "postgres"  # Docker resolves names


def test_compose_follows_the_level(tmp_path: Path) -> None:
    files = bundle(tmp_path, "services:\n  db:\n    image: postgres:16\n  cache:\n    image: redis:7\n"
                   "    security: {level: restricted}\n", frozenset({Kind.COMPOSE}))
    services = yaml.safe_load(files["compose.yaml"])["services"]
    assert "user" not in services["db"]
    assert (services["db"]["read_only"], services["db"]["cap_drop"]) == (False, ["NET_RAW"])
    assert services["db"]["security_opt"] == ["no-new-privileges:true"]
    assert (services["cache"]["user"], services["cache"]["read_only"], services["cache"]["cap_drop"]) == (
        "10001:10001", True, ["ALL"])


def test_a_built_service_owns_its_named_volumes_from_the_first_start(tmp_path: Path) -> None:
    files = bundle(tmp_path, "services:\n  web:\n    build: {context: ./web, runtime: python}\n"
                   "    volumes: [{name: data, target: /var/lib/web}, {source: ./web, target: /src}]\n",
                   frozenset({Kind.DOCKERFILE}))
    lines = files["docker/web/Dockerfile"].splitlines()
    user = lines.index("USER 10001:10001")
    assert lines[user - 2: user] == ['RUN ["mkdir", "-p", "/var/lib/web"]', 'RUN ["chown", "10001:10001", '
                                     '"/var/lib/web"]']
