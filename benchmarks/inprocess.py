"""In-process timings of one spec, run in a fresh interpreter by the ``large`` and ``growth`` suites:

    .venv/bin/python benchmarks/inprocess.py SPEC [--observed K]

Prints one JSON object: seconds to import the engine, to load and validate the spec, to plan against an empty
engine (the fake gateway: every container to create), and, with ``--observed K``, to plan against a fake engine
that already runs K containers of the app exactly as desired (K = replicas × services; nothing to do, so the plan
is the no-op's work without a real engine). Reports; never asserts.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def converged(prepared: object) -> object:
    """A fake engine running every desired replica as desired (the state right after a successful apply)."""
    import dataclasses

    from engine.observe.types import ContainerState, Health, ObservedNetwork
    from engine.testing import FakeGateway, container_from_spec

    desired = prepared.desired  # type: ignore[attr-defined]
    gateway = FakeGateway(images={svc.image_ref: "sha256:" + "1" * 64 for svc in desired.services.values()})
    for svc in desired.services.values():
        for slot in range(1, svc.replicas + 1):
            spec = svc.container(slot)
            ctr = container_from_spec(spec, f"{svc.name}-{slot}".ljust(64, "0"), "sha256:" + "1" * 64)
            gateway.add_container(dataclasses.replace(ctr, state=ContainerState.RUNNING, health=Health.HEALTHY))
    gateway.networks[desired.network.name] = ObservedNetwork("net".ljust(64, "0"), desired.network.name)
    gateway.network_labels[desired.network.name] = dict(desired.network.labels)
    return gateway


def main(argv: list[str]) -> int:
    spec = Path(argv[0])
    observed = "--observed" in argv
    began = time.perf_counter()
    from engine.spec.validate import load_and_validate
    from engine.testing import FakeGateway
    from engine.usecases.prepare import Options, prepare

    out: dict[str, float | int] = {"import_s": time.perf_counter() - began}
    t = time.perf_counter()
    valid = load_and_validate(spec)
    out["validate_s"] = time.perf_counter() - t
    options = Options(spec, environ={})
    images = {svc.image: "sha256:" + "1" * 64 for svc in valid.spec.services.values() if svc.image}
    t = time.perf_counter()
    cold = prepare(valid, FakeGateway(images=dict(images)), options, revision=1)
    out["plan_cold_s"] = time.perf_counter() - t
    out["cold_steps"] = len(cold.plan.steps)
    if observed:
        gateway = converged(cold)
        t = time.perf_counter()
        again = prepare(valid, gateway, options, revision=2)  # type: ignore[arg-type]
        out["plan_observed_s"] = time.perf_counter() - t
        out["observed_containers"] = len(again.observed.containers)
        out["observed_steps"] = len(again.plan.steps)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
