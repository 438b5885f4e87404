"""The Jinja environment every template renders in, and the quoting filters templates must use.

StrictUndefined turns a misspelt variable into an error instead of an empty string; autoescape is off because the
output is YAML and Dockerfiles, not HTML (each value is quoted for its own language by a filter instead);
``keep_trailing_newline`` keeps files ending in exactly one newline. Filters:

- ``yaml``: one scalar for YAML (see ``yamltext``), ``yaml_block(indent)``: a nested mapping or list;
- ``sh``: one shell word (``shlex.quote``);
- ``exec_form``: a Dockerfile exec-form JSON array (``CMD``, ``ENTRYPOINT``, ``HEALTHCHECK CMD``). JSON is ASCII-only
  here so that no Dockerfile parser can trip on an encoding; exec form is never subject to variable substitution;
- ``docker_word``: a bare Dockerfile word (a user, an image, a path) checked against a safe pattern, because
  Dockerfile instructions such as ``USER`` and ``FROM`` expand ``$`` and have no quoting of their own.

This module does no I/O beyond reading templates.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
from collections.abc import Sequence

import jinja2

from engine.errors import RenderError
from engine.render import yamltext
from engine.resources import resource_dir

_DOCKER_WORD = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./:@+-]*$")


def yaml_filter(value: object) -> str:
    return yamltext.scalar(value)


def yaml_block_filter(value: object, indent: int = 0) -> str:
    return yamltext.block(value, indent)


def sh_filter(value: object) -> str:
    return shlex.quote(str(value))


def exec_form_filter(argv: Sequence[str]) -> str:
    if isinstance(argv, str) or not all(isinstance(a, str) for a in argv):
        raise RenderError(f"exec form needs a list of strings, got {argv!r}")
    return json.dumps(list(argv), ensure_ascii=True)


def docker_word_filter(value: object) -> str:
    text = str(value)
    if not _DOCKER_WORD.fullmatch(text):
        raise RenderError(f"{text!r} cannot be written safely as a Dockerfile word")
    return text


@functools.cache
def environment() -> jinja2.Environment:
    """One shared environment: templates are read once per process."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        yaml=yaml_filter,
        yaml_block=yaml_block_filter,
        sh=sh_filter,
        exec_form=exec_form_filter,
        docker_word=docker_word_filter,
    )
    return env


def render_template(name: str, **context: object) -> str:
    """Render ``templates/<name>``; any template problem is a RenderError (an engine bug, not user error)."""
    try:
        return environment().get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name}: {exc}") from exc
