"""``render_bundle``: one validated spec environment → every artifact as text, checked before it is returned.

Pure: the only input read is the spec file itself (for its sha256, which every header names); nothing is written
(``writer.py`` does that). Each YAML artifact is parsed back and compared with the structure the engine intended,
and each Dockerfile's exec-form and word instructions are read back the way Docker reads them, so a template or
quoting bug is an engine error (RenderError) and never output.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from engine.errors import RenderError
from engine.render.compose import compose_document, spec_only_notes
from engine.render.context import RenderContext
from engine.render.dockerfile import read_back, render_dockerfile, render_dockerignore
from engine.render.environment import render_template
from engine.render.k8s import k8s_objects, kustomization
from engine.render.limits import TargetCannotExpress
from engine.spec.imageref import image_ref_problem
from engine.spec.model import Runtime
from engine.spec.security import kubernetes_problems
from engine.spec.validate import ValidSpec


class Kind(StrEnum):
    DOCKERFILE = "dockerfile"
    COMPOSE = "compose"
    K8S = "k8s"


SCOPES = {Kind.DOCKERFILE: ("docker/",), Kind.COMPOSE: ("compose.yaml", "compose/"), Kind.K8S: ("k8s/",)}


class RenderedBundle(Mapping[str, str]):
    """A frozen mapping of relative path → file text, plus which path prefixes this render owns (``scopes``):
    a render restricted with ``only`` must not treat the other kinds' files as stale."""

    __slots__ = ("_files", "scopes", "skipped", "spec_sha256")

    def __init__(
        self,
        files: Mapping[str, str],
        scopes: tuple[str, ...],
        spec_sha256: str,
        skipped: Mapping[str, str] | None = None,
    ) -> None:
        self._files = MappingProxyType({k: files[k] for k in sorted(files)})
        self.scopes = scopes
        self.spec_sha256 = spec_sha256
        # Targets that could not express the spec, with the reason; their files are neither written nor removed.
        self.skipped = MappingProxyType(dict(skipped or {}))

    def __getitem__(self, key: str) -> str:
        return self._files[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def owns(self, path: str) -> bool:
        return any(path == s or (s.endswith("/") and path.startswith(s)) for s in self.scopes)


def default_out_dir(valid: ValidSpec) -> Path:
    return valid.path.parent / "deploy" / (valid.env or "base")


def render_bundle(
    valid: ValidSpec,
    *,
    out_dir: str | Path | None = None,
    only: frozenset[Kind] | None = None,
    base_image_overrides: Mapping[str, str] | None = None,
) -> RenderedBundle:
    """Every artifact of ``valid`` as it would be written to ``out_dir`` (paths inside are relative to it)."""
    overrides = dict(base_image_overrides or {})
    for runtime, image in overrides.items():
        if runtime not in {Runtime.PYTHON, Runtime.NODE, Runtime.STATIC}:
            raise RenderError(f"base image override {runtime}={image!r}: unknown runtime")
        if problem := image_ref_problem(image):
            raise RenderError(f"base image override {runtime}={image!r}: {problem}")
    sha = hashlib.sha256(valid.path.read_bytes()).hexdigest()
    ctx = RenderContext(
        spec=valid.spec,
        env=valid.env,
        spec_path=Path(os.path.normpath(valid.path)),
        spec_sha256=sha,
        out_dir=Path(os.path.normpath(out_dir if out_dir is not None else default_out_dir(valid))),
        base_image_overrides=overrides,
    )
    kinds = only if only is not None else frozenset(Kind)
    renderers = {Kind.DOCKERFILE: _dockerfiles, Kind.COMPOSE: _compose, Kind.K8S: _k8s}
    files: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for kind in Kind:
        if kind not in kinds:
            continue
        if kind is Kind.K8S and (refused := kubernetes_problems(valid.spec, valid.source)):
            skipped[kind.value] = "; ".join(d.render().replace("\n", " ") for d in refused)
            continue
        try:
            files.update(renderers[kind](ctx))
        except TargetCannotExpress as exc:  # this target only: the others still render
            skipped[kind.value] = str(exc)
    scopes = tuple(scope for k in Kind if k in kinds and k.value not in skipped for scope in SCOPES[k])
    return RenderedBundle(files, scopes, sha, skipped)


def _compose(ctx: RenderContext) -> dict[str, str]:
    doc, written = compose_document(ctx)
    text = render_template("compose/compose.yaml.j2", header=ctx.header(), doc=doc, notes=spec_only_notes(doc))
    return {"compose.yaml": _checked_yaml("compose.yaml", text, doc), **written}


def _dockerfiles(ctx: RenderContext) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in sorted(ctx.spec.services):
        build = ctx.spec.services[name].build
        if build is None or build.runtime is Runtime.DOCKERFILE:
            continue
        path = ctx.dockerfile_path(name)
        text, intent = render_dockerfile(ctx, name)
        seen = read_back(text)
        if seen != intent:
            raise RenderError(f"{path} does not read back as intended: wanted {intent}, got {seen}")
        out[path] = _checked_header(path, text, ctx)
        out[f"{path}.dockerignore"] = _checked_header(path, render_dockerignore(ctx, name), ctx)
    return out


def _k8s(ctx: RenderContext) -> dict[str, str]:
    objects = k8s_objects(ctx)
    out: dict[str, str] = {}
    for item in objects:
        path = f"k8s/{item.file}"
        if path in out:
            raise RenderError(f"two Kubernetes objects would be written to {path}")
        text = render_template(f"k8s/{item.template}", header=ctx.header(), obj=item.obj)
        out[path] = _checked_yaml(path, text, item.obj)
    kust = kustomization(objects)
    text = render_template("k8s/kustomization.yaml.j2", header=ctx.header(), obj=kust)
    out["k8s/kustomization.yaml"] = _checked_yaml("k8s/kustomization.yaml", text, kust)
    return out


_READ_BACK = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: no positions are needed here
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
_STR = "tag:yaml.org,2002:str"


class _Unusual(Exception):
    """A node the short constructor leaves to PyYAML's (merge keys, timestamps, binary, sets…)."""


def _read_back(text: str) -> Any:
    """What ``yaml.safe_load`` returns for ``text``, sooner: libyaml parses and composes, and the plain types are
    built here without PyYAML's generic constructor (which costs two thirds of reading a large rendered file);
    anything else goes through that constructor, so the result is always exactly safe_load's."""
    loader = _READ_BACK(text)
    try:
        node = loader.get_single_node()
        try:
            return _plain(node, loader) if node is not None else None
        except _Unusual:
            return loader.construct_document(node)
    finally:
        loader.dispose()


def _plain(node: Any, loader: Any) -> Any:
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag == _STR:
            return node.value
        if tag not in _PLAIN_TAGS:
            raise _Unusual
        return loader.construct_object(node)
    if isinstance(node, yaml.SequenceNode) and tag == "tag:yaml.org,2002:seq":
        return [_plain(item, loader) for item in node.value]
    if isinstance(node, yaml.MappingNode) and tag == "tag:yaml.org,2002:map":
        out = {}
        for key, value in node.value:
            if key.tag not in _PLAIN_TAGS:
                raise _Unusual   # a merge key (<<) or a complex key
            out[_plain(key, loader)] = _plain(value, loader)
        return out
    raise _Unusual


def _checked_yaml(path: str, text: str, intended: Any) -> str:
    """The rendered text must parse back to exactly what was meant (``_read_back``: safe_load's result)."""
    try:
        parsed = _read_back(text)
    except yaml.YAMLError as exc:
        raise RenderError(f"{path} is not valid YAML: {exc}") from exc
    if parsed != intended:
        difference = _first_difference(parsed, intended)
        raise RenderError(f"{path} does not parse back to the intended structure: {difference}")
    if not text.startswith("# Generated by shipspec from ") or not text.endswith("\n") or text.endswith("\n\n"):
        raise RenderError(f"{path} lacks the header line or does not end in exactly one newline")
    return text


def _checked_header(path: str, text: str, ctx: RenderContext) -> str:
    if text.splitlines()[0] != ctx.header():
        raise RenderError(f"{path} does not start with its header line")
    return text


def _first_difference(got: Any, want: Any, where: str = "") -> str:
    if isinstance(got, dict) and isinstance(want, dict):
        for key in sorted(set(got) | set(want), key=str):
            if got.get(key) != want.get(key):
                return _first_difference(got.get(key), want.get(key), f"{where}.{key}")
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            if g != w:
                return _first_difference(g, w, f"{where}[{i}]")
    return f"at {where or '(root)'}: got {got!r}, intended {want!r}"
