"""The swarm ``scripts/swarm`` builds: three nodes with their own names and IDs, images on each, traffic across
nodes over an overlay with ``dnsrr``, a host-mode port answering on the node's own address, and an idempotent ``up``.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.support.busybox import TAG as BUSYBOX
from tests.support.swarm import NODES, Swarm

pytestmark = [pytest.mark.docker, pytest.mark.swarm]


def _http_get(swarm: Swarm, address: str, port: int) -> str:
    done = swarm.lan_exec(["busybox", "nc", "-w", "2", address, str(port)], stdin="GET / HTTP/1.0\r\n\r\n")
    return done.stdout


def test_three_nodes_one_manager_distinct_identities(swarm: Swarm) -> None:
    rows = swarm.docker("node", "ls", "--format", "{{json .}}").stdout.splitlines()
    nodes = [json.loads(row) for row in rows]
    assert sorted(n["Hostname"] for n in nodes) == list(NODES)
    assert {n["Status"] for n in nodes} == {"Ready"}
    assert [n["Hostname"] for n in nodes if n["ManagerStatus"] == "Leader"] == ["n1"]
    node_ids = {swarm.docker("info", "--format", "{{.Swarm.NodeID}}", node=n).stdout.strip() for n in NODES}
    assert len(node_ids) == 3
    for node in NODES:
        assert swarm.docker("image", "inspect", BUSYBOX, node=node).returncode == 0


def test_up_again_changes_nothing(swarm: Swarm) -> None:
    before = swarm.script("status").stdout
    again = swarm.script("up", BUSYBOX)
    assert again.returncode == 0, again.stderr
    assert "starting" not in again.stderr and "joining" not in again.stderr and "loading" not in again.stderr
    assert swarm.script("status").stdout == before


def test_dnsrr_service_on_overlay_answers_on_every_node(swarm: Swarm) -> None:
    network, name, port = "smoke-net", "smoke-web", 18080
    assert swarm.docker("network", "create", "-d", "overlay", network).returncode == 0
    try:
        created = swarm.docker(
            "service", "create", "-d", "--name", name, "--network", network, "--endpoint-mode", "dnsrr",
            "--replicas", "3", "--placement-pref", "spread=node.id",
            "--publish", f"mode=host,target=8080,published={port}", BUSYBOX,
            "sh", "-c", "mkdir /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www",
        )
        assert created.returncode == 0, created.stderr
        answers: dict[str, str] = {}
        for _ in range(120):  # bounded: 60 s for three tasks to start
            for node in NODES:
                body = _http_get(swarm, Swarm.address(node), port).strip().splitlines()
                if body and node not in answers:
                    answers[node] = body[-1]
            if len(answers) == 3:
                break
            time.sleep(0.5)
        assert len(answers) == 3, answers
        assert len(set(answers.values())) == 3  # three different tasks (container hostnames), one per node
    finally:
        swarm.docker("service", "rm", name)
        for _ in range(40):
            if swarm.docker("network", "rm", network).returncode == 0:
                break
            time.sleep(0.5)
