"""The three-node swarm the Swarm suite runs against, driven through ``scripts/swarm`` (the project's own script).

Each test session gets its own namespace prefix and state folder, so two sessions on one machine never share
nodes (each has its own ``lan`` bridge, so both can use 10.77.0.0/24). Traffic goes only to those namespaces'
addresses: ``lan_exec`` runs a command inside the ``lan`` namespace, the bridge every node hangs off.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "swarm"
NODES = ("n1", "n2", "n3")


@dataclass(frozen=True)
class Swarm:
    prefix: str
    state_dir: Path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SHIPSPEC_SWARM_PREFIX": self.prefix, "SHIPSPEC_SWARM_DIR": str(self.state_dir)}

    def script(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args], env=self.env, check=False, capture_output=True, text=True, timeout=timeout
        )

    def socket(self, node: str = "n1") -> str:
        return f"unix://{self.state_dir / node / 'docker.sock'}"

    @property
    def manager(self) -> str:
        """The DOCKER_HOST of the manager (n1)."""
        return self.socket("n1")

    @staticmethod
    def address(node: str) -> str:
        return f"10.77.0.1{node[1:]}"

    def docker(self, *args: str, node: str = "n1", timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["docker", "-H", self.socket(node), *args], check=False, capture_output=True, text=True, timeout=timeout
        )

    def lan_exec(self, argv: Sequence[str], *, stdin: str | None = None, timeout: float = 60) -> (
        subprocess.CompletedProcess[str]
    ):
        """Run ``argv`` in the lan namespace, where every node's address is one hop away."""
        return subprocess.run(
            ["ip", "netns", "exec", f"{self.prefix}lan", *argv],
            input=stdin, check=False, capture_output=True, text=True, timeout=timeout,
        )

    def dockerd_pid(self, node: str) -> int:
        return int((self.state_dir / node / "docker.pid").read_text().strip())
