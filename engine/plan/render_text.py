"""A Plan as text (Terraform's ``+ ~ -`` tradition), as JSON (``format_version``, resource changes), and as
Markdown for pull-request comments. Pure: the caller decides about colour (:func:`want_color` honours
``NO_COLOR``) and where the output goes. Plans hold no secret values, so nothing here needs masking beyond what
the summaries already say ("value hidden"); the JSON form also leaves out container specs entirely.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from engine.plan.plan import FORMAT_VERSION, Plan
from engine.plan.steps import step_target
from engine.plan.summary import Action, ResourceChange

_COLOURS = {Action.CREATE: "\x1b[32m", Action.UPDATE: "\x1b[33m", Action.DELETE: "\x1b[31m"}
_RESET = "\x1b[0m"
_DIM = "\x1b[2m"


def want_color(is_tty: bool, environ: Mapping[str, str]) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set to a non-empty value (no-color.org: an empty
    ``NO_COLOR=`` does not count)."""
    return is_tty and not environ.get("NO_COLOR") and environ.get("TERM") != "dumb"


def _where(plan: Plan) -> str:
    return f'"{plan.app}"' + (f" ({plan.env})" if plan.env else "")


def render_text(plan: Plan, *, color: bool = False) -> str:
    if not plan.has_changes:
        return f"No changes. {_where(plan)} matches the spec.\n"
    width_kind = max((len(c.kind) for c in plan.changes), default=7) + 2
    width_name = max((len(c.name) for c in plan.changes), default=8) + 2
    lines = []
    for change in plan.changes:
        symbol = change.action.symbol
        if color:
            symbol = f"{_COLOURS[change.action]}{symbol}{_RESET}"
        lines.append(f"  {symbol} {change.kind:<{width_kind}}{change.name:<{width_name}}{change.headline}".rstrip())
        for cause in change.causes:
            lines.append(f"        {_DIM}{cause}{_RESET}" if color else f"        {cause}")
    if not plan.changes:
        lines.append(f"  ~ {len(plan.steps)} step(s) with no resource change")
    return "\n".join(["", *lines, "", plan.counts.sentence(), ""])


def plan_document(plan: Plan) -> dict[str, object]:
    """The machine-readable view (``--format json``): resource changes with actions and causes, and the steps."""
    counts = plan.counts
    return {
        "format_version": FORMAT_VERSION,
        "app": plan.app,
        "env": plan.env,
        "revision": plan.revision,
        "spec_hash": plan.spec_hash,
        "fingerprint": plan.fingerprint,
        "has_changes": plan.has_changes,
        "summary": {"add": counts.add, "change": counts.change, "destroy": counts.destroy},
        "resource_changes": [_resource(c) for c in plan.changes],
        "steps": [
            {
                "id": s.id,
                "kind": s.kind,
                "service": s.service,
                "target": step_target(s),
                "cause": s.cause,
                "after": list(s.after),
            }
            for s in plan.steps
        ],
    }


def _resource(change: ResourceChange) -> dict[str, object]:
    return {
        "type": change.kind,
        "name": change.name,
        "actions": [change.action.value],
        "headline": change.headline,
        "causes": list(change.causes),
    }


def render_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, ensure_ascii=False) + "\n"


def render_markdown(plan: Plan) -> str:
    head = f"### shipspec plan for `{plan.app}`" + (f" (`{plan.env}`)" if plan.env else "")
    if not plan.has_changes:
        return f"{head}\n\nNo changes: the app matches the spec.\n"
    rows = ["| | Resource | Change | Causes |", "|---|---|---|---|"]
    for c in plan.changes:
        causes = "<br>".join(_cell(x) for x in c.causes)
        rows.append(f"| `{c.action.symbol}` | {c.kind} `{_cell(c.name)}` | {_cell(c.headline)} | {causes} |")
    steps = "\n".join(f"{i}. `{s.kind}` `{_cell(step_target(s))}`: {s.cause}" for i, s in enumerate(plan.steps, 1))
    return "\n".join(
        [
            head,
            "",
            f"**{plan.counts.sentence()}**",
            "",
            *rows,
            "",
            f"<details><summary>{len(plan.steps)} steps</summary>",
            "",
            steps,
            "",
            "</details>",
            "",
        ]
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
