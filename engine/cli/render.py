"""``shipspec render``: write (or ``--check``) the Dockerfiles, Compose file and Kubernetes manifests of a spec.

Without ``-e`` and ``--out``, the base and every environment are rendered, each into ``deploy/<env>/`` beside the
spec, so one ``shipspec render --check`` in CI guards every committed artifact. Base images can be overridden per
runtime with ``--base-image RUNTIME=IMAGE`` or ``SHIPSPEC_BASE_IMAGE_<RUNTIME>``, which plan and apply read too (e.g.
a local image where no registry is reachable); the flag wins over the variable, and both win over
``build.base_image``.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from engine.baseimages import RUNTIMES, base_image_overrides
from engine.cli.options import ENV_OPTION, FILE_OPTION
from engine.errors import UsageError


def _only(value: str | None) -> frozenset[str] | None:
    if not value:
        return None
    kinds = frozenset(v.strip() for v in value.split(",") if v.strip())
    unknown = kinds - {"dockerfile", "compose", "k8s"}
    if unknown or not kinds:
        raise UsageError(f"--only takes dockerfile, compose and k8s, comma-separated (got {value!r})")
    return kinds


def _overrides(flags: tuple[str, ...]) -> dict[str, str]:
    out, hints = base_image_overrides(os.environ)
    for hint in hints:
        click.echo(hint, err=True)
    for flag in flags:
        runtime, sep, image = flag.partition("=")
        if not sep or runtime not in RUNTIMES or not image:
            raise UsageError(f"--base-image takes RUNTIME=IMAGE with RUNTIME one of {', '.join(RUNTIMES)}")
        out[runtime] = image
    return out


@click.command()
@FILE_OPTION
@ENV_OPTION
@click.option("--out", "out_dir", default=None, help="Output directory [default: deploy/<env or base>/ by the spec].")
@click.option("--only", default=None, help="Comma-separated subset: dockerfile,compose,k8s.")
@click.option("--check", is_flag=True, help="Write nothing; print a diff and exit 1 when the output is stale.")
@click.option("--base-image", "base_images", multiple=True, metavar="RUNTIME=IMAGE", help="Override a base image.")
def render(
    *,
    spec_file: str, env: str | None, out_dir: str | None, only: str | None, check: bool, base_images: tuple[str, ...]
) -> None:
    """Render Dockerfiles, a Compose file and Kubernetes manifests from the spec."""
    from engine.render.bundle import Kind, default_out_dir, render_bundle
    from engine.render.writer import check_bundle, write_bundle
    from engine.spec.validate import load_and_validate, validate_all

    kinds = _only(only)
    overrides = _overrides(base_images)
    one = env is not None or out_dir is not None
    targets = [load_and_validate(spec_file, env)] if one else validate_all(spec_file)
    stale = 0
    unrendered = 0
    for valid in targets:
        out = Path(out_dir) if out_dir is not None else default_out_dir(valid)
        # The default output is derived from the (untrusted) spec: it must stay inside the spec's folder and is
        # walked without following links; --out is the user's own choice.
        within = None if out_dir is not None else valid.base_dir
        bundle = render_bundle(
            valid,
            out_dir=out,
            only=frozenset(Kind(k) for k in kinds) if kinds else None,
            base_image_overrides=overrides,
        )
        for kind, reason in sorted(bundle.skipped.items()):
            click.echo(f"{out}: {kind} not rendered: {reason}", err=True)
        unrendered += len(bundle.skipped)
        if check:
            diffs = check_bundle(bundle, out, within=within)
            for diff in diffs:
                click.echo(diff, nl=False)
            stale += len(diffs)
            state = f"{len(diffs)} file(s) out of date" if diffs else "up to date"
            click.echo(f"{out}: {state}", err=True)
            continue
        report = write_bundle(bundle, out, within=within)
        click.echo(
            f"{out}: {len(report.written)} written, {len(report.removed)} removed, "
            f"{len(report.unchanged)} unchanged"
        )
    if stale:
        click.echo(f"{stale} rendered file(s) differ from the spec; run `shipspec render` and commit them.", err=True)
    if unrendered:
        click.echo(
            f"{unrendered} target(s) could not express the spec (the others were rendered); name the ones you "
            "need with --only, e.g. --only dockerfile,compose",
            err=True,
        )
    if stale or unrendered:
        raise SystemExit(1)


command = render
