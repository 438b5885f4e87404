"""Every ContainerSpec field lands in the engine's create request, in engine units."""

from __future__ import annotations

from engine.adapters.docker_config import create_body, split_repo_tag, tmpfs_body
from engine.desire.types import ContainerSpec, HealthCheck, Mount, PortBinding


def test_create_body_maps_every_field() -> None:
    spec = ContainerSpec(
        name="shop-web-1",
        image="sha256:aa",
        labels={"k": "v"},
        config_hash="h",
        command=("serve",),
        entrypoint=("/init",),
        working_dir="/app",
        env={"B": "2", "A": "1"},
        secret_env={"TOKEN": "s"},
        ports=(PortBinding(80, "tcp", 8080), PortBinding(53, "udp", None), PortBinding(81, "tcp", 0, "0.0.0.0")),
        mounts=(Mount("/data", volume="shop_data"), Mount("/cfg", source="/etc/cfg", read_only=True)),
        tmpfs=("/tmp", "/run:size=1m"),
        health=HealthCheck(("wget", "-q", "http://127.0.0.1/"), 5, 2, 3, 1.5),
        nano_cpus=250_000_000,
        mem_limit=256,
        mem_reservation=128,
        restart="on-failure",
        user="1000:1000",
        cap_add=("NET_BIND_SERVICE",),
        network="shop_default",
        aliases=("web",),
        stop_timeout_s=20,
    )
    body = create_body(spec, (Mount("/etc/app.conf", source="/state/files/ab", read_only=True),))
    assert body["Env"] == ["A=1", "B=2", "TOKEN=s"]
    assert (body["Cmd"], body["Entrypoint"], body["WorkingDir"], body["User"]) == (
        ["serve"],
        ["/init"],
        "/app",
        "1000:1000",
    )
    assert body["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}, "81/tcp": {}}
    assert body["Healthcheck"] == {
        "Test": ["CMD", "wget", "-q", "http://127.0.0.1/"],
        "Interval": 5_000_000_000,
        "Timeout": 2_000_000_000,
        "Retries": 3,
        "StartPeriod": 1_500_000_000,
    }
    assert body["StopTimeout"] == 20 and body["Labels"] == {"k": "v"}
    assert body["NetworkingConfig"] == {"EndpointsConfig": {"shop_default": {"Aliases": ["web"]}}}
    host = body["HostConfig"]
    assert host["PortBindings"] == {
        "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}],
        "81/tcp": [{"HostIp": "0.0.0.0", "HostPort": ""}],
    }
    assert host["Mounts"] == [
        {"Type": "volume", "Source": "shop_data", "Target": "/data", "ReadOnly": False},
        {"Type": "bind", "Source": "/etc/cfg", "Target": "/cfg", "ReadOnly": True},
        {"Type": "bind", "Source": "/state/files/ab", "Target": "/etc/app.conf", "ReadOnly": True},
    ]
    assert host["Tmpfs"] == {"/tmp": "mode=1777,uid=1000,gid=1000", "/run": "size=1m,mode=1777,uid=1000,gid=1000"}
    assert tmpfs_body(("/t:mode=700,uid=5",), "app") == {"/t": "mode=700,uid=5"}
    assert (host["NanoCpus"], host["Memory"], host["MemoryReservation"]) == (250_000_000, 256, 128)
    assert host["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 0}
    assert (host["ReadonlyRootfs"], host["SecurityOpt"], host["Init"]) == (True, ["no-new-privileges:true"], True)
    assert (host["CapDrop"], host["CapAdd"], host["NetworkMode"]) == (["ALL"], ["NET_BIND_SERVICE"], "shop_default")


def test_defaults_leave_optional_keys_out() -> None:
    body = create_body(ContainerSpec(name="x", image="busybox:1.36", labels={}, config_hash="h", read_only=False))
    assert not {"Cmd", "Entrypoint", "WorkingDir", "User", "Healthcheck", "NetworkingConfig"} & body.keys()
    assert body["HostConfig"]["ReadonlyRootfs"] is False and "NetworkMode" not in body["HostConfig"]


def test_split_repo_tag() -> None:
    assert split_repo_tag("localhost:5000/app:1") == ("localhost:5000/app", "1")
    assert split_repo_tag("localhost:5000/app") == ("localhost:5000/app", "latest")
    assert split_repo_tag("busybox") == ("busybox", "latest")
