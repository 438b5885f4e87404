"""Property: for any spec that validates, every name a renderer or the engine derives from it is valid for its
target, judged by the target's own rules (written out here from the Kubernetes and Docker sources, independently of
``engine.spec.derived``), and rendering never fails. Specs are drawn near the limits: long names, suffixed
strategies, prefixed label keys, named ports, secret files, volumes and environments.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.desire.naming import container_name, temp_container_name, volume_name
from engine.errors import SpecError
from engine.render.bundle import render_bundle
from engine.spec.derived import k8s_names
from engine.spec.validate import validate_all

# Kubernetes: k8s.io/apimachinery/pkg/util/validation (IsDNS1123Label, IsDNS1035Label, IsDNS1123Subdomain,
# IsQualifiedName, IsValidLabelValue, IsConfigMapKey, IsValidPortName); Docker: daemon/names (RestrictedNamePattern).
LABEL_1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
LABEL_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
DOCKER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
COMPOSE_KEY = re.compile(r"[a-zA-Z0-9._-]+")


def is_label_1123(s: str) -> bool:
    return len(s) <= 63 and LABEL_1123.fullmatch(s) is not None


def is_label_1035(s: str) -> bool:
    return len(s) <= 63 and LABEL_1035.fullmatch(s) is not None


def is_subdomain(s: str) -> bool:
    return len(s) <= 253 and SUBDOMAIN.fullmatch(s) is not None


def is_label_key(s: str) -> bool:
    prefix, slash, name = s.rpartition("/")
    return (not slash or is_subdomain(prefix)) and len(name) <= 63 and QUALIFIED.fullmatch(name) is not None


def is_label_value(s: str) -> bool:
    return s == "" or (len(s) <= 63 and QUALIFIED.fullmatch(s) is not None)


def is_port_name(s: str) -> bool:
    return (len(s) <= 15 and re.fullmatch(r"[-a-z0-9]+", s) is not None and re.search(r"[a-z]", s) is not None
            and "--" not in s and not s.startswith("-") and not s.endswith("-"))


def is_config_key(s: str) -> bool:
    return len(s) <= 253 and s not in (".", "..") and CONFIG_KEY.fullmatch(s) is not None


_lower = "abcdefghijklmnopqrstuvwxyz"
_label = st.builds(lambda h, m, t: h + m + t, st.sampled_from(_lower),
                   st.text(_lower + "0123456789-", max_size=60), st.sampled_from(_lower + "0123456789"))
_short = st.builds(lambda h, m: h + m, st.sampled_from(_lower), st.text(_lower + "0123456789", max_size=6))
_env_key = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,40}", fullmatch=True)
_label_key = st.one_of(
    st.from_regex(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,70}[A-Za-z0-9])?", fullmatch=True),
    st.builds(lambda p, n: f"{p}/{n}", st.from_regex(r"[a-z0-9]([-a-z0-9.]{0,20}[a-z0-9])?", fullmatch=True),
              st.from_regex(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,70}[A-Za-z0-9])?", fullmatch=True)),
)
_label_value = st.one_of(st.text(max_size=8), st.from_regex(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,70})?", fullmatch=True))
_strategy = st.sampled_from([None, "recreate", "rolling", "blue_green", "canary"])


@st.composite
def service(draw: st.DrawFn, app: str, name: str) -> dict[str, Any]:
    svc: dict[str, Any] = {"image": "nginx:1.27", "replicas": draw(st.integers(0, 5))}
    ports = draw(st.lists(st.integers(1, 65535), max_size=3, unique=True))
    if ports:
        svc["ports"] = [{"container": p} | ({"name": draw(_short)} if draw(st.booleans()) else {}) for p in ports]
    kind = draw(_strategy)
    if kind is not None:
        svc["health"] = {"http": {}} if ports else {"exec": ["true"]}
        svc["strategy"] = {"type": kind} | ({"steps": [draw(st.integers(1, 99)), 100]} if kind == "canary" else {})
    if draw(st.booleans()):
        svc["env"] = draw(st.dictionaries(_env_key, st.text(max_size=5).filter(lambda v: "\0" not in v), max_size=3))
    if draw(st.booleans()):
        svc["labels"] = draw(st.dictionaries(_label_key, _label_value, max_size=3))
    if draw(st.booleans()):
        svc["volumes"] = [{"name": draw(_label), "target": "/data"}]
    if draw(st.booleans()):
        svc["files"] = [{"target": "/etc/app.conf", "content": "x = 1\n"}]
        svc["tmpfs"] = ["/tmp"]
    if draw(st.booleans()):
        svc["secrets"] = {draw(_env_key): {"file": f"./secrets/{draw(_short)}.{draw(st.sampled_from(['txt', 'pw']))}"}}
    return svc


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    app = draw(_label.filter(lambda n: len(n) <= 30))
    names = draw(st.lists(_label.filter(lambda n: len(n) <= 51 - len(app)), min_size=1, max_size=3, unique=True))
    spec: dict[str, Any] = {"version": 1, "name": app, "services": {n: draw(service(app, n)) for n in names}}
    envs = draw(st.lists(_label, max_size=2, unique=True))
    if envs:
        spec["environments"] = {e: {} for e in envs}
    if draw(st.booleans()):
        spec["labels"] = draw(st.dictionaries(_label_key, _label_value, max_size=2))
    return spec


@pytest.fixture(scope="module")
def spec_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        (Path(name) / "secrets").mkdir()
        yield Path(name)


def _metadata(obj: dict[str, Any]) -> Iterator[str]:
    meta = obj["metadata"]
    name = meta["name"]
    kind = obj["kind"]
    if kind in ("Service", "Namespace"):
        assert is_label_1035(name), f"{kind} name {name!r}"
    else:
        assert is_subdomain(name), f"{kind} name {name!r}"
    if "namespace" in meta:
        assert is_label_1123(meta["namespace"]), meta["namespace"]
    for key, value in meta.get("labels", {}).items():
        assert is_label_key(key) and is_label_value(value), (key, value)
    annotations = meta.get("annotations", {})
    assert all(is_label_key(k) for k in annotations), annotations
    assert sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items()) <= 256 * 1024
    yield f"{kind}/{name}"


def _pod(pod: dict[str, Any]) -> None:
    for key, value in pod["metadata"]["labels"].items():
        assert is_label_key(key) and is_label_value(value), (key, value)
    spec = pod["spec"]
    volumes = [v["name"] for v in spec.get("volumes", [])]
    assert all(is_label_1123(v) for v in volumes) and len(set(volumes)) == len(volumes), volumes
    for container in spec["containers"]:
        assert is_label_1123(container["name"])
        ports = [p["name"] for p in container.get("ports", [])]
        assert all(is_port_name(p) for p in ports) and len(set(ports)) == len(ports), ports
        for env in container.get("env", []):
            ref = env["valueFrom"]["secretKeyRef"]
            assert is_config_key(ref["key"]) and is_subdomain(ref["name"]), ref
        assert {m["name"] for m in container.get("volumeMounts", [])} <= set(volumes)


def _check_k8s(files: dict[str, str], spec: Any, namespace: str) -> None:
    seen: set[str] = set()
    for path, text in files.items():
        if not path.startswith("k8s/") or path.endswith("kustomization.yaml"):
            continue
        obj = yaml.safe_load(text)
        for ident in _metadata(obj):
            assert ident not in seen, f"two objects are {ident}"
            seen.add(ident)
        if obj["kind"] == "Deployment":
            _pod(obj["spec"]["template"])
        if obj["kind"] == "Service":
            names = [p["name"] for p in obj["spec"]["ports"]]
            assert all(is_port_name(n) for n in names) and len(set(names)) == len(names)
        if obj["kind"] == "ConfigMap":
            assert all(is_config_key(k) for k in obj["data"]), list(obj["data"])
    derived = {f"k8s/{o.file}" for o in k8s_names(spec, namespace) if o.file}
    assert derived == {p for p in files if p.startswith("k8s/") and not p.endswith("kustomization.yaml")}


def _check_compose(text: str) -> None:
    doc = yaml.safe_load(text)
    for section in ("services", "volumes", "secrets", "configs", "networks"):
        for key in doc.get(section) or {}:
            assert COMPOSE_KEY.fullmatch(key), f"compose {section} key {key!r}"


def _check_docker(spec: Any) -> None:
    for name, svc in spec.services.items():
        for slot in range(1, max(svc.replicas, 1) + 1):
            for container in (container_name(spec.name, name, slot), temp_container_name(spec.name, name, slot)):
                assert DOCKER_NAME.fullmatch(container), container
        for mount in svc.volumes:
            if mount.name:
                assert DOCKER_NAME.fullmatch(volume_name(spec.name, mount.name))
    assert DOCKER_NAME.fullmatch(spec.name)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(specs())
def test_every_derived_name_is_valid_for_its_target(spec_dir: Path, spec: dict[str, Any]) -> None:
    path = spec_dir / "app.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    try:
        results = validate_all(path, display_name="app.yaml")
    except SpecError:
        return  # refused by validate: nothing downstream will see it
    for valid in results:
        bundle = render_bundle(valid, out_dir=spec_dir / "deploy" / (valid.env or "base"))  # must not raise
        namespace = valid.spec.name if valid.env is None else f"{valid.spec.name}-{valid.env}"
        _check_k8s(dict(bundle), valid.spec, namespace)
        _check_compose(bundle["compose.yaml"])
        _check_docker(valid.spec)
