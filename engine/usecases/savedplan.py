"""Saved plan files: the plan plus which spec and environment it was made from, written atomically.

Terraform keeps the configuration inside its plan file; we keep the spec's path and re-validate it at apply time,
and the plan's fingerprint (which covers the spec's hash) refuses the file when the spec changed since.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from engine.atomic import write_atomic
from engine.errors import PlanError
from engine.plan.plan import Plan, plan_from_json, plan_to_json

KIND = "shipspec-saved-plan"
VERSION = 1


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    spec_file: Path
    env: str | None


def write_saved_plan(path: Path, plan: Plan, spec_file: Path, env: str | None) -> None:
    doc = {"kind": KIND, "version": VERSION, "spec_file": str(spec_file.resolve()), "env": env,
           "plan": json.loads(plan_to_json(plan))}
    write_atomic(path, (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode())


def read_saved_plan(path: Path) -> SavedPlan:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanError(f"{path} is not a saved plan: {exc}") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise PlanError(f"{path} is not a shipspec saved plan (write one with `shipspec plan --out FILE`)")
    if doc.get("version") != VERSION:
        raise PlanError(f"{path} is saved-plan version {doc.get('version')!r}; this shipspec reads version {VERSION}")
    env = doc.get("env")
    spec_file = doc.get("spec_file")
    if not isinstance(spec_file, str) or not (env is None or isinstance(env, str)):
        raise PlanError(f"{path} lacks the spec it was made from")
    return SavedPlan(plan_from_json(json.dumps(doc.get("plan"))), Path(spec_file), env)
