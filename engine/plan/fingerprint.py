"""The fingerprint of what a plan was made from, so a saved plan is refused once the engine or the spec moved on.

Docker has no state serial (Terraform's guard), so we make one: a token per observed object (container ID,
config-hash label, image ID and state; network ID; volume; image reference → ID; engine ID) plus the spec hash,
hashed in name order so the engine's listing order does not matter. The tokens are kept in the plan, so a refusal
can name what changed instead of only saying "stale".
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.desire.hashing import canonical_json, sha256_hex
from engine.observe.types import ObservedState

SPEC = "spec"
ENGINE = "engine"


def observed_tokens(observed: ObservedState, spec_hash: str) -> dict[str, str]:
    """One short, secret-free token per object; equal tokens mean nothing relevant to the plan changed."""
    tokens = {ENGINE: observed.engine_id, SPEC: spec_hash}
    for c in observed.containers:
        tokens[f"container {c.name}"] = f"{c.id} {c.config_hash} {c.image_id} {c.state.value}"
    for n in observed.networks:
        tokens[f"network {n.name}"] = n.id
    for v in observed.volumes:
        tokens[f"volume {v.name}"] = "present"
    for ref, image_id in observed.images.items():
        tokens[f"image {ref}"] = image_id
    return dict(sorted(tokens.items()))


def fingerprint_of(tokens: Mapping[str, str]) -> str:
    return "sha256:" + sha256_hex(canonical_json(dict(tokens)))


def fingerprint(observed: ObservedState, spec_hash: str) -> str:
    return fingerprint_of(observed_tokens(observed, spec_hash))


def token_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """What differs between the tokens a plan was made from and the ones observed now, in words an operator acts
    on (``container shop-web-1: running → exited``), never raw IDs or hashes."""
    out = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key == SPEC:
            out.append("the spec (or a secret or file it reads) changed since the plan was made")
        elif key == ENGINE:
            out.append("the plan was made against another Docker engine")
        else:
            kind, _, name = key.partition(" ")
            out.append(f"{kind} {name}: {_object_change(kind, old, new)}")
    return out


def _object_change(kind: str, old: str | None, new: str | None) -> str:
    if old is None:
        return "created since the plan" if kind != "image" else "now on the engine (pulled or built since the plan)"
    if new is None:
        return "removed since the plan"
    if kind == "container":
        return _container_change(old, new)
    if kind == "image":
        return "the tag now names another image"
    return "recreated since the plan"


def _container_change(old: str, new: str) -> str:
    """A container token is ``id config-hash image-id state``: say which of them moved."""
    before, after = old.split(" "), new.split(" ")
    if len(before) != 4 or len(after) != 4:
        return "changed since the plan"
    parts = []
    if before[0] != after[0]:
        parts.append("recreated (another container under this name)")
    if before[1] != after[1]:
        parts.append("its configuration changed")
    if before[2] != after[2]:
        parts.append("it runs another image")
    if before[3] != after[3]:
        parts.append(f"{before[3]} → {after[3]}")
    return ", ".join(parts)
