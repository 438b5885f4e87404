"""The Docker gateway against the real engine: no mocks. Every object carries ``dev.shipspec.test=1`` and the test's
app label, and the ``app_name`` fixture removes it afterwards. Checks of what reached the engine use the ``docker``
CLI, independent of the gateway under test. Network traffic goes only to 127.0.0.1 published ports.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from engine import labels as L
from engine.adapters.docker import DockerSdkGateway
from engine.desire.types import ContainerSpec, FileMount, HealthCheck, PortBinding
from engine.errors import EXIT_ENGINE, BuildError, EngineError, NotFoundError
from engine.observe.types import ContainerState, Health
from tests.support.busybox import TAG as BUSYBOX
from tests.support.docker_fixtures import object_labels

pytestmark = pytest.mark.docker

SECRET = "s3cr3t-value-never-in-labels"
PAGE = "<h1>hello from shipspec</h1>\n"


def docker_inspect(ref: str) -> dict[str, Any]:
    out = subprocess.run(["docker", "inspect", ref], check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)[0]
    return result


def docker_exec(container: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", "exec", container, *argv], check=False, capture_output=True, text=True)


def wait_for(predicate: Callable[[], bool], deadline_s: float = 30.0) -> None:
    end = time.monotonic() + deadline_s
    while not predicate():
        assert time.monotonic() < end, "condition not met before the deadline"
        time.sleep(0.25)


def web_spec(app: str, *, slot: int = 1, network: str | None = None, page: str = PAGE) -> ContainerSpec:
    labels = object_labels(app, **{L.SERVICE: "web", L.SLOT: str(slot), L.REVISION: "1", L.CONFIG_HASH: "hash-1"})
    return ContainerSpec(
        name=f"{app}-web-{slot}",
        image="busybox:1.36",
        labels=labels,
        config_hash="hash-1",
        command=("httpd", "-f", "-p", "8080", "-h", "/www"),
        env={"GREETING": "hello"},
        secret_env={"API_TOKEN": SECRET},
        files=(FileMount("/www/index.html", page),),
        ports=(PortBinding(8080, "tcp", 0, "127.0.0.1"),),  # host 0: any free loopback port
        tmpfs=("/tmp",),
        health=HealthCheck(("wget", "-q", "-O-", "http://127.0.0.1:8080/"), 0.5, 2, 3, 0),
        mem_limit=64 * 1024 * 1024,
        nano_cpus=500_000_000,
        user="65534:65534",
        network=network,
        aliases=("web",) if network else (),
        stop_timeout_s=5,
    )


def sh_spec(app: str, name: str, script: str) -> ContainerSpec:
    labels = object_labels(app, **{L.SERVICE: name, L.SLOT: "1", L.CONFIG_HASH: "h"})
    return ContainerSpec(
        name=f"{app}-{name}", image=BUSYBOX, labels=labels, config_hash="h", command=("sh", "-c", script), restart="no"
    )


def test_observe_an_empty_app(gateway: DockerSdkGateway, app_name: str, busybox_image: str) -> None:
    observed = gateway.observe(app_name, ["busybox:1.36", "docker.io/library/busybox:1.36", "absent/image:9"])
    assert (observed.containers, observed.networks, observed.volumes) == ((), (), ())
    assert observed.engine_id == gateway.engine_id() != ""
    assert observed.images == {"busybox:1.36": busybox_image, "docker.io/library/busybox:1.36": busybox_image}
    assert gateway.image_id("absent/image:9") is None


def test_web_container_from_spec_to_removal(gateway: DockerSdkGateway, app_name: str, busybox_image: str) -> None:
    network = f"{app_name}_default"
    gateway.ensure_network(network, object_labels(app_name))
    spec = web_spec(app_name, network=network)
    container_id = gateway.create_container(spec)
    gateway.start(container_id)
    wait_for(lambda: gateway.inspect_health(container_id)[1] is Health.HEALTHY)

    (seen,) = gateway.observe(app_name, ["busybox:1.36"]).containers
    assert (seen.id, seen.name, seen.app, seen.service, seen.slot, seen.revision) == (
        container_id, spec.name, app_name, "web", 1, 1,
    )  # fmt: skip
    assert (seen.config_hash, seen.image_id, seen.state, seen.health) == (
        "hash-1", busybox_image, ContainerState.RUNNING, Health.HEALTHY,
    )  # fmt: skip
    assert seen.labels[L.TEST] == "1"
    assert SECRET not in json.dumps(dict(seen.labels))
    assert (seen.mem_limit, seen.nano_cpus, seen.restart) == (64 * 1024 * 1024, 500_000_000, "unless-stopped")
    assert "web" in seen.networks[network]
    (port,) = seen.ports
    assert port.container == 8080 and port.host_ip == "127.0.0.1" and port.host
    with urllib.request.urlopen(f"http://127.0.0.1:{port.host}/", timeout=5) as response:
        assert response.read().decode() == PAGE

    # What reached the engine, read back with the docker CLI:
    raw = docker_inspect(container_id)
    assert {"GREETING=hello", f"API_TOKEN={SECRET}"} <= set(raw["Config"]["Env"])
    assert SECRET not in json.dumps(raw["Config"]["Labels"])
    host = raw["HostConfig"]
    assert (host["ReadonlyRootfs"], host["CapDrop"], host["SecurityOpt"], host["Init"]) == (
        True, ["ALL"], ["no-new-privileges:true"], True,
    )  # fmt: skip
    assert raw["Config"]["Healthcheck"]["Interval"] == 500_000_000
    assert docker_exec(container_id, "id", "-u").stdout.strip() == "65534"
    assert docker_exec(container_id, "touch", "/rootfs-write").returncode != 0  # read-only root
    assert docker_exec(container_id, "touch", "/tmp/scratch").returncode == 0  # tmpfs is writable

    gateway.update_resources(container_id, None, 128 * 1024 * 1024, 32 * 1024 * 1024, "always")
    (updated,) = gateway.observe(app_name).containers
    mib = 1024 * 1024
    assert (updated.mem_limit, updated.mem_reservation, updated.restart) == (128 * mib, 32 * mib, "always")
    assert updated.nano_cpus == 500_000_000  # untouched

    gateway.leave_alias(container_id, network, keep_aliases=[spec.name])
    (drained,) = gateway.observe(app_name).containers
    assert "web" not in drained.networks[network] and spec.name in drained.networks[network]

    gateway.rename(container_id, f"{spec.name}-old")
    assert gateway.observe(app_name).containers[0].name == f"{spec.name}-old"
    started = time.monotonic()
    gateway.stop(container_id, timeout_s=5)
    assert time.monotonic() - started < 4, "init=True forwards SIGTERM, so busybox httpd stops at once"
    state, _, exit_code = gateway.inspect_health(container_id)
    assert state is ContainerState.EXITED and exit_code is not None
    gateway.remove(container_id)
    gateway.remove(container_id)  # idempotent
    assert gateway.observe(app_name).containers == ()
    with pytest.raises(NotFoundError):
        gateway.inspect_health(container_id)


def test_file_mounts_are_content_addressed(gateway: DockerSdkGateway, app_name: str, busybox_image: str) -> None:
    first = gateway.create_container(web_spec(app_name, slot=1))
    second = gateway.create_container(web_spec(app_name, slot=2))
    third = gateway.create_container(web_spec(app_name, slot=3, page="changed\n"))
    sources = [
        next(m["Source"] for m in docker_inspect(c)["Mounts"] if m["Destination"] == "/www/index.html")
        for c in (first, second, third)
    ]
    assert sources[0] == sources[1] != sources[2]
    assert all(Path(s).is_relative_to(gateway.state_dir.resolve()) for s in sources)
    assert Path(sources[2]).read_text() == "changed\n"


def test_exit_code_and_logs_prefixed_by_container(gateway: DockerSdkGateway, app_name: str, busybox_image: str) -> None:
    one = gateway.create_container(sh_spec(app_name, "one", "echo alpha; echo beta >&2; exit 3"))
    two = gateway.create_container(sh_spec(app_name, "two", "echo gamma; echo delta"))
    gateway.start(one)
    gateway.start(two)
    wait_for(lambda: all(gateway.inspect_health(c)[0] is ContainerState.EXITED for c in (one, two)))
    assert gateway.inspect_health(one) == (ContainerState.EXITED, Health.NONE, 3)

    lines = list(gateway.logs([one, two], tail=None))
    one_name, two_name = f"{app_name}-one", f"{app_name}-two"
    assert sorted(lines) == [(one_name, "alpha"), (one_name, "beta"), (two_name, "delta"), (two_name, "gamma")]
    assert lines[2:] == [(two_name, "gamma"), (two_name, "delta")]  # one container after the other, in order
    assert list(gateway.logs([two], tail=1)) == [(two_name, "delta")]
    followed = list(gateway.logs([one, two], tail=None, follow=True))  # exited containers: the follow ends
    assert sorted(followed) == sorted(lines)


def test_networks_and_volumes_are_ensured_idempotently(gateway: DockerSdkGateway, app_name: str) -> None:
    network, volume = f"{app_name}_default", f"{app_name}_data"
    network_id = gateway.ensure_network(network, object_labels(app_name))
    assert gateway.ensure_network(network, object_labels(app_name)) == network_id
    assert gateway.ensure_volume(volume, object_labels(app_name)) == volume
    assert gateway.ensure_volume(volume, object_labels(app_name, extra="ignored")) == volume

    observed = gateway.observe(app_name)
    assert [(n.id, n.name) for n in observed.networks] == [(network_id, network)]
    assert [v.name for v in observed.volumes] == [volume]
    assert observed.volumes[0].labels[L.TEST] == "1" and "extra" not in observed.volumes[0].labels

    gateway.remove_network(network)
    gateway.remove_network(network)
    gateway.remove_volume(volume)
    gateway.remove_volume(volume)
    assert gateway.observe(app_name).networks == gateway.observe(app_name).volumes == ()


def _count_requests(gateway: DockerSdkGateway, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the path of every GET the SDK sends (list and inspect calls are GETs)."""
    api = gateway.api()
    original = api.get
    paths: list[str] = []

    def counting(url: str, *args: Any, **kwargs: Any) -> Any:
        paths.append(urlparse(url).path.split("/", 2)[-1])  # drop the /v1.41 prefix
        return original(url, *args, **kwargs)

    monkeypatch.setattr(api, "get", counting)
    return paths


def test_observe_list_calls_stay_constant(
    gateway: DockerSdkGateway, app_name: str, busybox_image: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.engine_id()  # cached after the first call
    paths = _count_requests(gateway, monkeypatch)

    def lists_and_inspects(count: int) -> tuple[list[str], int]:
        paths.clear()
        observed = gateway.observe(app_name, ["busybox:1.36"])
        assert len(observed.containers) == count
        lists = sorted(p for p in paths if not p.startswith("containers/") or p == "containers/json")
        return lists, sum(p.startswith("containers/") and p != "containers/json" for p in paths)

    gateway.create_container(web_spec(app_name, slot=1))
    lists_one, inspects_one = lists_and_inspects(1)
    for slot in range(2, 7):
        gateway.create_container(web_spec(app_name, slot=slot))
    lists_six, inspects_six = lists_and_inspects(6)

    # containers/json twice: the app's by label, and names under "<app>-" other owners hold (engine.plan.collisions)
    assert lists_one == lists_six == ["containers/json", "containers/json", "images/json", "networks", "volumes"]
    assert (inspects_one, inspects_six) == (1, 6)  # drift fields the list lacks, inspected concurrently


def test_unreachable_engine_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    with pytest.raises(EngineError) as caught:
        DockerSdkGateway(tmp_path).observe("anything")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("cannot reach the Docker engine at tcp://127.0.0.1:1: Connection refused.")
    assert "scripts/docker-up" in message and "DOCKER_HOST" in message
    assert caught.value.exit_code == EXIT_ENGINE


def test_build_image_from_dockerfile_text(
    gateway: DockerSdkGateway, app_name: str, busybox_image: str, tmp_path: Path
) -> None:
    context = tmp_path / "context"
    context.mkdir()
    (context / "greeting.txt").write_text("built by shipspec\n")
    (context / "Dockerfile").write_text("FROM scratch\n")  # the user's own file is context, not the Dockerfile
    tag, alias = f"shipspec-test/{app_name}:1", f"shipspec-test/{app_name}:alias"
    dockerfile = f'FROM {BUSYBOX}\nCOPY greeting.txt /greeting.txt\nCMD ["cat", "/greeting.txt"]\n'
    try:
        image = gateway.build_image(context, dockerfile, tag, object_labels(app_name))
        assert image.startswith("sha256:") and gateway.image_id(tag) == image
        assert docker_inspect(image)["Config"]["Labels"][L.TEST] == "1"
        gateway.tag_image(image, alias)
        assert gateway.image_id(alias) == image

        spec = sh_spec(app_name, "cat", "cat /greeting.txt")
        container = gateway.create_container(ContainerSpec(**{**_fields(spec), "image": image}))
        gateway.start(container)
        wait_for(lambda: gateway.inspect_health(container)[0] is ContainerState.EXITED)
        assert list(gateway.logs([container], tail=None)) == [(spec.name, "built by shipspec")]
        gateway.remove(container)

        with pytest.raises(BuildError) as failed:
            gateway.build_image(context, f"FROM {BUSYBOX}\nRUN echo about to fail && false\n", tag, {})
        assert "returned a non-zero code: 1" in str(failed.value)
        assert any("about to fail" in line for line in failed.value.log_tail)
    finally:
        gateway.remove_image(alias)
        gateway.remove_image(tag)
        gateway.remove_image(tag)  # idempotent
    assert gateway.image_id(tag) is None


def _fields(spec: ContainerSpec) -> dict[str, Any]:
    return {name: getattr(spec, name) for name in spec.__dataclass_fields__}


def test_context_digest_honours_dockerignore(gateway: DockerSdkGateway, tmp_path: Path) -> None:
    context = tmp_path / "context"
    (context / "src").mkdir(parents=True)
    (context / "src" / "app.py").write_text("print('v1')\n")
    (context / "notes.log").write_text("ignored\n")
    (context / ".dockerignore").write_text("# comment\n*.log\nbuild/\n")
    dockerfile = "FROM scratch\n"
    first = gateway.context_digest(context, dockerfile)
    assert first == DockerSdkGateway(tmp_path / "other").context_digest(context, dockerfile)  # deterministic

    (context / "notes.log").write_text("changed, still ignored\n")
    (context / "build").mkdir()
    (context / "build" / "out.bin").write_bytes(b"\0")
    assert gateway.context_digest(context, dockerfile) == first

    (context / "src" / "app.py").write_text("print('v2')\n")
    second = gateway.context_digest(context, dockerfile)
    assert second != first
    (context / "src" / "app.py").chmod(0o755)
    third = gateway.context_digest(context, dockerfile)
    assert third not in (first, second)
    assert gateway.context_digest(context, dockerfile + "USER 1000\n") != third
    with pytest.raises(EngineError):
        gateway.context_digest(tmp_path / "missing", dockerfile)


def test_following_running_containers_stops_when_the_reader_does(
    gateway: DockerSdkGateway, app_name: str, busybox_image: str
) -> None:
    script = "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"
    ticking = [gateway.create_container(sh_spec(app_name, f"tick{n}", script)) for n in (1, 2)]
    for container in ticking:
        gateway.start(container)
    started = time.monotonic()
    stream = gateway.logs(ticking, tail=0, follow=True)
    seen = [next(stream) for _ in range(6)]
    stream.close()  # closes both engine streams; no reader thread blocks the test
    assert {name for name, _ in seen} == {f"{app_name}-tick1", f"{app_name}-tick2"}
    assert all(line.startswith("tick ") for _, line in seen)
    assert time.monotonic() - started < 10


def test_pull_failure_is_one_engine_error(gateway: DockerSdkGateway) -> None:
    with pytest.raises(EngineError) as caught:  # a registry on a closed loopback port: refused, nothing leaves
        gateway.pull_image("127.0.0.1:1/shipspec-test/none:1")
    assert "\n" not in str(caught.value) and "127.0.0.1:1/shipspec-test/none" in str(caught.value)


def test_build_image_stops_at_the_target_stage_with_build_args(
    gateway: DockerSdkGateway, app_name: str, busybox_image: str, tmp_path: Path
) -> None:
    context = tmp_path / "context"
    context.mkdir()
    dockerfile = (
        f"FROM {BUSYBOX} AS development\nARG GREETING=unset\nRUN echo \"dev $GREETING\" > /stage\n"
        f"FROM {BUSYBOX} AS production\nRUN echo prod > /stage\n"
    )
    tag = f"shipspec-test/{app_name}:target"
    try:
        image = gateway.build_image(
            context, dockerfile, tag, object_labels(app_name), target="development", args={"GREETING": "hello"}
        )
        spec = sh_spec(app_name, "stage", "cat /stage")
        container = gateway.create_container(ContainerSpec(**{**_fields(spec), "image": image}))
        gateway.start(container)
        wait_for(lambda: gateway.inspect_health(container)[0] is ContainerState.EXITED)
        assert list(gateway.logs([container], tail=None)) == [(spec.name, "dev hello")]
        gateway.remove(container)
    finally:
        gateway.remove_image(tag)
