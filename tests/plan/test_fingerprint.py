"""The fingerprint changes with anything a plan was made from, and not with the engine's listing order."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from engine.observe.types import (
    ContainerState,
    Health,
    ObservedContainer,
    ObservedNetwork,
    ObservedState,
    ObservedVolume,
)
from engine.plan.fingerprint import fingerprint, observed_tokens, token_changes


def _container(name: str, slot: int) -> ObservedContainer:
    return ObservedContainer(
        id=f"id-{name}",
        name=name,
        app="shop",
        service="web",
        slot=slot,
        revision=1,
        config_hash="sha256:" + "1" * 64,
        image_id="sha256:" + "a" * 64,
        state=ContainerState.RUNNING,
        health=Health.HEALTHY,
        labels={},
    )


BASE = ObservedState(
    app="shop",
    engine_id="ENGINE-1",
    containers=(_container("shop-web-1", 1), _container("shop-web-2", 2)),
    networks=(ObservedNetwork("net-1", "shop"),),
    volumes=(ObservedVolume("shop_pgdata", {}),),
    images={"nginx:1.27": "sha256:" + "a" * 64},
)
SPEC = "sha256:spec"


def _first(change: Callable[[ObservedContainer], ObservedContainer]) -> ObservedState:
    return dataclasses.replace(BASE, containers=(change(BASE.containers[0]), BASE.containers[1]))


CHANGES: dict[str, ObservedState] = {
    "container id": _first(lambda c: dataclasses.replace(c, id="id-other")),
    "config hash": _first(lambda c: dataclasses.replace(c, config_hash="sha256:" + "2" * 64)),
    "image id": _first(lambda c: dataclasses.replace(c, image_id="sha256:" + "b" * 64)),
    "state": _first(lambda c: dataclasses.replace(c, state=ContainerState.EXITED)),
    "container gone": dataclasses.replace(BASE, containers=BASE.containers[:1]),
    "network id": dataclasses.replace(BASE, networks=(ObservedNetwork("net-2", "shop"),)),
    "volume gone": dataclasses.replace(BASE, volumes=()),
    "image tag moved": dataclasses.replace(BASE, images={"nginx:1.27": "sha256:" + "c" * 64}),
    "engine": dataclasses.replace(BASE, engine_id="ENGINE-2"),
}


@pytest.mark.parametrize("what", sorted(CHANGES))
def test_any_observed_change_changes_the_fingerprint(what: str) -> None:
    assert fingerprint(CHANGES[what], SPEC) != fingerprint(BASE, SPEC)
    reasons = token_changes(observed_tokens(BASE, SPEC), observed_tokens(CHANGES[what], SPEC))
    assert len(reasons) == 1, reasons


def test_spec_hash_is_covered() -> None:
    assert fingerprint(BASE, SPEC) != fingerprint(BASE, "sha256:other")
    reasons = token_changes(observed_tokens(BASE, SPEC), observed_tokens(BASE, "sha256:other"))
    assert reasons == ["the spec (or a secret or file it reads) changed since the plan was made"]


def test_order_does_not_matter() -> None:
    shuffled = dataclasses.replace(
        BASE,
        containers=tuple(reversed(BASE.containers)),
        images=dict(reversed(list({**BASE.images, "postgres:16": "sha256:p"}.items()))),
    )
    with_pg = dataclasses.replace(BASE, images={**BASE.images, "postgres:16": "sha256:p"})
    assert fingerprint(shuffled, SPEC) == fingerprint(with_pg, SPEC)


def test_health_flapping_does_not_invalidate_a_plan() -> None:
    flapped = _first(lambda c: dataclasses.replace(c, health=Health.STARTING))
    assert fingerprint(flapped, SPEC) == fingerprint(BASE, SPEC)


def test_reasons_name_the_object() -> None:
    reasons = token_changes(observed_tokens(BASE, SPEC), observed_tokens(CHANGES["container gone"], SPEC))
    assert reasons == ["container shop-web-2: removed since the plan"]


@pytest.mark.parametrize(("what", "said"), [
    ("state", "container shop-web-1: running → exited"),
    ("container id", "container shop-web-1: recreated (another container under this name)"),
    ("config hash", "container shop-web-1: its configuration changed"),
    ("image id", "container shop-web-1: it runs another image"),
    ("network id", "network shop: recreated since the plan"),
    ("volume gone", "volume shop_pgdata: removed since the plan"),
    ("image tag moved", "image nginx:1.27: the tag now names another image"),
    ("engine", "the plan was made against another Docker engine"),
])
def test_reasons_say_what_changed_without_raw_ids_or_hashes(what: str, said: str) -> None:
    reasons = token_changes(observed_tokens(BASE, SPEC), observed_tokens(CHANGES[what], SPEC))
    assert reasons == [said]
