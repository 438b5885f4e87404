"""The ``app.yaml`` format, version 1, as pydantic models: the single source of truth for the JSON Schema.

``schemas/app.schema.json`` is generated from these models (``python -m engine.spec.schema --write``) and a test
fails when the committed file is stale. Every field carries a description and an example, because editors show them.

The models hold structure and field-local rules only (types, ranges, patterns). Rules that need the whole spec
(dependency cycles, port collisions, path containment) live in ``checks.py`` so they can all be reported together.
Secure defaults are the field defaults; opting out is always an explicit, visible field.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DNS_LABEL = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
DURATION = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"
CPU_QUANTITY = r"^([0-9]+(\.[0-9]+)?|\.[0-9]+)m?$"
MEMORY_QUANTITY = r"^([0-9]+(\.[0-9]+)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$"
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
# What both Docker and Kubernetes accept as an env name (Kubernetes' IsEnvVarName): `discovery.type` included.
ENV_KEY = r"^[-._A-Za-z][-._A-Za-z0-9]*$"
LABEL_KEY = r"^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$"
ABSOLUTE_PATH = r"^/"
RUNTIME_VERSION = r"^[0-9]+(\.[0-9]+){0,2}$"
IP_ADDRESS = r"^([0-9]{1,3}(\.[0-9]{1,3}){3}|::1?|\[?[0-9a-fA-F:]+\]?)$"
PORT_NAME = r"^[a-z]([-a-z0-9]{0,13}[a-z0-9])?$"
USER = r"^[A-Za-z0-9_][-A-Za-z0-9_.]*(:[A-Za-z0-9_][-A-Za-z0-9_.]*)?$"
CAPABILITY = r"^[A-Z_]+$"
PLACEMENT_CONSTRAINT = (
    r"^(node\.(id|hostname|role|platform\.os|platform\.arch|labels\.[A-Za-z0-9_.-]+)|engine\.labels\.[A-Za-z0-9_.-]+)"
    r" *(==|!=) *[^ ]+$"
)
DOCKER_HOST = r"^(unix|tcp|ssh|npipe)://.+$"
SPREAD_KEY = r"^(node\.(id|hostname)|(node|engine)\.labels\.[A-Za-z0-9_.-]+)$"
BUILD_STAGE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
STOP_SIGNAL = r"^SIG[A-Z][A-Z0-9]*(\+[0-9]+)?$"
# Sysctls a container may set without touching the host (Docker's own allow-list of namespaced ones).
SYSCTL = r"^(net\.[A-Za-z0-9_.-]+|kernel\.(shm[a-z_]+|msg[a-z_]+|sem)|fs\.mqueue\.[a-z_]+)$"
HOST_NAME = r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"

Duration = Annotated[str, Field(pattern=DURATION, examples=["5s"])]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _f(description: str, example: Any, **kwargs: Any) -> Any:
    """A field with the description and example every schema property must carry."""
    return Field(description=description, examples=[example], **kwargs)


class Runtime(StrEnum):
    PYTHON = "python"
    NODE = "node"
    STATIC = "static"
    DOCKERFILE = "dockerfile"


class Condition(StrEnum):
    STARTED = "started"
    HEALTHY = "healthy"
    COMPLETED = "completed"


class StrategyType(StrEnum):
    RECREATE = "recreate"
    ROLLING = "rolling"
    BLUE_GREEN = "blue_green"
    CANARY = "canary"


class RestartPolicy(StrEnum):
    NO = "no"
    ALWAYS = "always"
    ON_FAILURE = "on-failure"
    UNLESS_STOPPED = "unless-stopped"


class BuildSpec(_Spec):
    """How shipspec builds the service's image from source."""

    context: str = _f("Build context directory, relative to the spec file.", "./web", default=".")
    runtime: Runtime = _f(
        "Which Dockerfile shipspec renders: python, node, static, or dockerfile (bring your own).", "python"
    )
    version: str | None = _f(
        "Runtime version (python or node). Quote it: 3.10 unquoted is still read as the text 3.10.",
        "3.12",
        default=None,
        pattern=RUNTIME_VERSION,
    )
    base_image: str | None = _f(
        "Base image for the rendered Dockerfile; defaults to a pinned official image for the runtime. "
        "Point it at a local image where no registry is reachable.",
        "python:3.12-slim",
        default=None,
    )
    dockerfile: str | None = _f(
        "Path of your own Dockerfile, relative to the context (runtime: dockerfile only).",
        "Dockerfile",
        default=None,
    )
    allow_outside: bool = _f(
        "Allow a context outside the spec's directory. Off by default so a spec cannot ship unrelated files.",
        False,
        default=False,
    )
    target: str | None = _f(
        "Build stage of your own multi-stage Dockerfile to stop at (runtime: dockerfile only): `docker build "
        "--target`, Compose `build.target`. Without it Docker builds the last stage. Kubernetes runs the built "
        "image and has no build step.",
        "development",
        default=None,
        pattern=BUILD_STAGE,
    )
    args: dict[Annotated[str, Field(pattern=ENV_NAME)], str] = _f(
        "Build arguments for the Dockerfile's ARG lines: `docker build --build-arg`, Compose `build.args`. Not "
        "secret: build arguments stay readable in the image's history, so pass secrets at run time under `secrets`.",
        {"NODE_ENV": "production"},
        default_factory=dict,
    )


class PortSpec(_Spec):
    """A port the container listens on, optionally published on the host."""

    container: int = _f("Port the process listens on inside the container.", 8000, ge=1, le=65535)
    host: int | None = _f(
        "Publish on this host port; omit to keep the port internal.", 8080, default=None, ge=1, le=65535
    )
    host_ip: str = _f(
        "Host address to publish on. Loopback by default: publishing to every interface is an explicit choice.",
        "127.0.0.1",
        default="127.0.0.1",
        pattern=IP_ADDRESS,
    )
    protocol: Literal["tcp", "udp"] = _f("Transport protocol.", "tcp", default="tcp")
    name: str | None = _f(
        "Port name (Kubernetes Service port name); defaults to the protocol and port.",
        "http",
        default=None,
        pattern=PORT_NAME,
    )


class SecretRef(_Spec):
    """Where the operator keeps a secret value. The value itself never lives in the spec."""

    env: str | None = _f(
        "Read the value from this variable of the operator's environment at apply time.",
        "SHOP_DB_PASSWORD",
        default=None,
        pattern=ENV_NAME,
    )
    file: str | None = _f(
        "Read the value from this file at apply time (relative to the spec file).",
        "./secrets/db_password",
        default=None,
    )


class MountSpec(_Spec):
    """A named volume (``name``) or a bind mount (``source``) mounted at ``target``."""

    target: str = _f("Absolute path inside the container.", "/var/lib/postgresql/data", pattern=ABSOLUTE_PATH)
    name: str | None = _f(
        "Named volume, created and kept by shipspec (never removed unless you ask).",
        "pgdata",
        default=None,
        pattern=DNS_LABEL,
        max_length=63,
    )
    source: str | None = _f("Host path for a bind mount, relative to the spec file.", "./config", default=None)
    read_only: bool = _f("Mount read-only.", True, default=False)
    allow_outside: bool = _f("Allow a bind source outside the spec's directory.", False, default=False)


class FileSpec(_Spec):
    """A file placed in the container, read-only. Its content is part of the service's config hash."""

    target: str = _f("Absolute path of the file inside the container.", "/etc/app/app.conf", pattern=ABSOLUTE_PATH)
    content: str | None = _f("Inline content.", "log_level = info\n", default=None)
    source: str | None = _f("Read the content from this file, relative to the spec.", "./app.conf", default=None)


class HttpCheck(_Spec):
    """An HTTP probe: healthy when the path answers 2xx or 3xx."""

    path: str = _f("Path that answers 2xx or 3xx when healthy.", "/healthz", default="/", pattern=ABSOLUTE_PATH)
    port: int | None = _f("Port to probe; defaults to the first container port.", 8000, default=None, ge=1, le=65535)


class TcpCheck(_Spec):
    """A TCP probe: healthy when the port accepts a connection."""

    port: int | None = _f(
        "Port that accepts a connection when healthy; defaults to the first container port.",
        5432,
        default=None,
        ge=1,
        le=65535,
    )


class HealthSpec(_Spec):
    """Exactly one of ``http``, ``tcp`` or ``exec``, probed inside the container."""

    http: HttpCheck | None = _f("Probe an HTTP path.", {"path": "/healthz"}, default=None)
    tcp: TcpCheck | None = _f("Probe a TCP port.", {"port": 5432}, default=None)
    exec: list[str] | None = _f(
        "Run a command in the container; exit 0 means healthy.",
        ["pg_isready", "-U", "shop"],
        default=None,
        min_length=1,
    )
    interval: str = _f("Time between probes.", "5s", default="10s", pattern=DURATION)
    timeout: str = _f("How long one probe may take.", "2s", default="3s", pattern=DURATION)
    retries: int = _f("Consecutive failures before unhealthy.", 3, default=3, ge=1, le=100)
    start_period: str = _f(
        "Grace period after start during which failures do not count.", "10s", default="0s", pattern=DURATION
    )


class ResourceQuantities(_Spec):
    """CPU and memory in Kubernetes quantity syntax."""

    cpu: str | None = _f(
        "CPU in Kubernetes quantity syntax: cores or millicores.", "500m", default=None, pattern=CPU_QUANTITY
    )
    memory: str | None = _f("Memory in Kubernetes quantity syntax.", "256Mi", default=None, pattern=MEMORY_QUANTITY)


class ResourcesSpec(_Spec):
    """Requests (what the scheduler reserves) and limits (the hard cap), as in Kubernetes."""

    requests: ResourceQuantities = _f(
        "Reserved resources.", {"cpu": "100m", "memory": "128Mi"}, default_factory=ResourceQuantities
    )
    limits: ResourceQuantities = _f(
        "Hard caps; memory above the limit kills the container.",
        {"cpu": "1", "memory": "256Mi"},
        default_factory=ResourceQuantities,
    )


class StrategySpec(_Spec):
    """How a change rolls out. Defaults: rolling when the service has a health check, recreate otherwise."""

    type: StrategyType = _f("recreate (has downtime), rolling, blue_green or canary.", "rolling")
    max_surge: int = _f(
        "Rolling: extra replicas allowed above the desired count during the update.", 1, default=1, ge=0, le=100
    )
    max_unavailable: int = _f(
        "Rolling: replicas that may be unavailable during the update.", 0, default=0, ge=0, le=100
    )
    steps: list[Annotated[int, Field(ge=1, le=100)]] = _f(
        "Canary: traffic percentages, ascending, ending at 100.", [10, 50, 100], default_factory=list
    )
    pause: str = _f("Canary: time to watch each step before promoting.", "30s", default="30s", pattern=DURATION)
    drain: str = _f(
        "How long a retired replica keeps serving the requests it already has, after it left the service's alias "
        "(and the proxy, which waits only until its last connection ends) and before it is stopped.",
        "10s",
        default="2s",
        pattern=DURATION,
    )
    health_deadline: str = _f(
        "How long new replicas may take to become healthy before rollback.", "2m", default="2m", pattern=DURATION
    )
    max_error_rate: float = _f(
        "Canary, behind the proxy: the highest share of the new version's requests that may fail during a pause "
        "(5xx, broken answers, refused connections) before the apply rolls back.",
        0.05,
        default=0.05,
        ge=0.0,
        le=1.0,
    )
    max_latency: str | None = _f(
        "Canary, behind the proxy (HTTP services): the highest average time the new version may take to start "
        "answering (HAProxy's rtime) once it answered min_requests requests in a pause; above it the apply rolls "
        "back. Unset: latency is not judged.",
        "500ms",
        default=None,
        pattern=DURATION,
    )
    min_requests: int = _f(
        "Canary, behind the proxy: requests the new version must have answered during a pause before its error "
        "rate is judged (fewer: too little traffic to tell, the step passes).",
        20,
        default=20,
        ge=1,
        le=1_000_000,
    )


class SecurityLevel(StrEnum):
    """Kubernetes' Pod Security Standards levels, applied the same way on Docker (see engine/spec/security.py)."""

    RESTRICTED = "restricted"
    BASELINE = "baseline"
    PRIVILEGED = "privileged"


class SecuritySpec(_Spec):
    """The service's security level and the fields that refine it; an unset field takes the level's value."""

    level: SecurityLevel | None = _f(
        "restricted (non-root uid, read-only root, no capabilities), baseline (the image's own user, Docker's "
        "default capabilities less NET_RAW) or privileged (no restriction). Defaults: the app's security.level, "
        "else restricted for services shipspec builds and baseline for image: services.",
        "restricted",
        default=None,
    )
    user: str | None = _f(
        "User (uid[:gid], or a name on Docker only) the process runs as; restricted defaults to 10001:10001, "
        "baseline and privileged to the image's own user.",
        "10001:10001",
        default=None,
        pattern=USER,
    )
    image_user: bool | None = _f(
        "Run as the user the image declares (its USER; root when it declares none) instead of the level's uid.",
        True,
        default=None,
    )
    run_as_root: bool | None = _f(
        "Deprecated: the old name of image_user (it never meant root, only the image's own user).",
        False,
        default=None,
    )
    read_only_root: bool | None = _f(
        "Mount the root file system read-only (default: true at restricted, false otherwise).", True, default=None
    )
    no_new_privileges: bool | None = _f(
        "Forbid privilege escalation through setuid binaries (default: true unless privileged).", True, default=None
    )
    cap_drop: list[Annotated[str, Field(pattern=CAPABILITY)]] | None = _f(
        "Linux capabilities to drop (default: ALL at restricted, NET_RAW at baseline, none when privileged).",
        ["ALL"],
        default=None,
    )
    cap_add: list[Annotated[str, Field(pattern=CAPABILITY)]] = _f(
        "Linux capabilities to add back after dropping (within what the level allows).",
        ["NET_BIND_SERVICE"],
        default_factory=list,
    )


class AppSecuritySpec(_Spec):
    """App-wide security: the level every service takes unless it sets its own."""

    level: SecurityLevel | None = _f(
        "The level of every service that sets none (restricted, baseline or privileged).", "restricted", default=None
    )


class ExposeSpec(_Spec):
    """Route external HTTP traffic to the service (Kubernetes Ingress; the proxy on a single host)."""

    host: str = _f(
        "Host name.",
        "shop.example.com",
        pattern=HOST_NAME,
    )
    path: str = _f("Path prefix.", "/", default="/", pattern=ABSOLUTE_PATH)
    port: int | None = _f(
        "Container port to route to; defaults to the first container port.", 8000, default=None, ge=1, le=65535
    )
    tls_secret: str | None = _f("Kubernetes TLS Secret for the host.", "shop-tls", default=None, pattern=DNS_LABEL)


class PlacementSpec(_Spec):
    """Where a service's tasks may run on a Swarm (ignored by a single engine, where every task shares one node)."""

    constraints: list[Annotated[str, Field(pattern=PLACEMENT_CONSTRAINT)]] = _f(
        "Swarm placement constraints, all of which a node must meet; `node.hostname==…` or `node.id==…` pins the "
        "service to one node (required for named volumes, which stay on the node that created them).",
        ["node.hostname==n1"],
        default_factory=list,
    )
    spread: list[Annotated[str, Field(pattern=SPREAD_KEY)]] = _f(
        "Spread the tasks evenly over the values of these node attributes, in order.",
        ["node.labels.zone"],
        default_factory=list,
    )
    max_per_node: int | None = _f("At most this many of the service's tasks on one node.", 1, default=None, ge=1)


class ServiceSpec(_Spec):
    """One service: an ``image`` to run or a ``build`` to make, and how to run it."""

    image: str | None = _f("Image reference to run (or the tag to give a built image).", "postgres:16", default=None)
    build: BuildSpec | None = _f(
        "Build the image from source.", {"context": "./web", "runtime": "python"}, default=None
    )
    command: list[str] | None = _f(
        "Command (exec form: each argument its own item).",
        ["gunicorn", "shop.wsgi", "-b", "0.0.0.0:8000"],
        default=None,
    )
    entrypoint: list[str] | None = _f("Entrypoint (exec form).", ["/docker-entrypoint.sh"], default=None)
    working_dir: str | None = _f("Working directory inside the container.", "/app", default=None, pattern=ABSOLUTE_PATH)
    ports: list[PortSpec] = _f(
        "Ports the container listens on.", [{"container": 8000, "host": 8080}], default_factory=list
    )
    replicas: int = _f("How many containers to run.", 3, default=1, ge=0, le=100)
    env: dict[Annotated[str, Field(pattern=ENV_KEY)], str] = _f(
        "Plain environment variables. Values are text; write secrets under `secrets`. Names are what Docker and "
        "Kubernetes accept: letters, digits, '_', '.' and '-', not starting with a digit (`discovery.type`).",
        {"LOG_LEVEL": "info"},
        default_factory=dict,
    )
    secrets: dict[Annotated[str, Field(pattern=ENV_NAME)], SecretRef] = _f(
        "Secret environment variables, by reference only.",
        {"DATABASE_PASSWORD": {"env": "SHOP_DB_PASSWORD"}},
        default_factory=dict,
    )
    files: list[FileSpec] = _f(
        "Files placed read-only in the container.",
        [{"target": "/etc/app/app.conf", "content": "x = 1\n"}],
        default_factory=list,
    )
    volumes: list[MountSpec] = _f(
        "Named volumes and bind mounts.",
        [{"name": "pgdata", "target": "/var/lib/postgresql/data"}],
        default_factory=list,
    )
    tmpfs: list[Annotated[str, Field(pattern=ABSOLUTE_PATH)]] = _f(
        "Writable in-memory directories (useful with a read-only root).", ["/tmp"], default_factory=list
    )
    health: HealthSpec | None = _f("Health check.", {"http": {"path": "/healthz"}}, default=None)
    resources: ResourcesSpec = _f(
        "CPU and memory requests and limits.", {"limits": {"memory": "256Mi"}}, default_factory=ResourcesSpec
    )
    depends_on: dict[str, Condition] = _f(
        "Services to wait for, and for what.", {"db": "healthy"}, default_factory=dict
    )
    strategy: StrategySpec | None = _f("How updates roll out.", {"type": "rolling", "max_surge": 1}, default=None)
    restart: RestartPolicy = _f("Restart policy.", "unless-stopped", default=RestartPolicy.UNLESS_STOPPED)
    security: SecuritySpec = _f(
        "Security level and refinements.", {"level": "restricted"}, default_factory=SecuritySpec
    )
    expose: ExposeSpec | None = _f("External HTTP route.", {"host": "shop.example.com"}, default=None)
    labels: dict[Annotated[str, Field(pattern=LABEL_KEY)], str] = _f(
        "Extra labels for the service's containers and objects.", {"team": "payments"}, default_factory=dict
    )
    stop_grace_period: str = _f(
        "Time between SIGTERM and SIGKILL when stopping.", "10s", default="10s", pattern=DURATION
    )
    stop_signal: str | None = _f(
        "Signal that asks the process to stop (docker stop, Compose stop_signal), then SIGKILL after "
        "stop_grace_period; default: the image's STOPSIGNAL, else SIGTERM. Kubernetes sends the image's own "
        "STOPSIGNAL, so the Kubernetes target is not rendered with another: set STOPSIGNAL in the Dockerfile.",
        "SIGQUIT",
        default=None,
        pattern=STOP_SIGNAL,
    )
    init: bool = _f(
        "Run Docker's init (tini) as PID 1, so signals reach the app and zombies are reaped (Compose init). "
        "false for images that bring their own init (s6-overlay refuses to run under another). Kubernetes has "
        "no such init: the image's entrypoint is PID 1 there either way.",
        False,
        default=True,
    )
    hostname: str | None = _f(
        "The container's host name (Docker --hostname, Compose hostname, the pod's spec.hostname). Every replica "
        "gets it; other services reach this one by its service name or network aliases, not by this.",
        "web1",
        default=None,
        pattern=DNS_LABEL,
        max_length=63,
    )
    sysctls: dict[Annotated[str, Field(pattern=SYSCTL)], str] = _f(
        "Kernel parameters of the container's own namespaces (net.*, kernel.shm*, kernel.msg*, kernel.sem, "
        "fs.mqueue.*): Docker --sysctl, Compose sysctls, the pod's securityContext.sysctls. Below level "
        "privileged only the ones Kubernetes calls safe (net.ipv4.ip_unprivileged_port_start, "
        "net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, "
        "net.ipv4.tcp_keepalive_*, net.ipv4.tcp_fin_timeout, net.ipv4.ip_local_reserved_ports, "
        "kernel.shm_rmid_forced); others also need the kubelet's --allowed-unsafe-sysctls.",
        {"net.ipv4.ip_unprivileged_port_start": "0"},
        default_factory=dict,
    )
    placement: PlacementSpec = _f(
        "Where the service's tasks run on a Swarm target.",
        {"constraints": ["node.hostname==n1"]},
        default_factory=PlacementSpec,
    )

    def effective_strategy(self) -> StrategySpec:
        if self.strategy is not None:
            return self.strategy
        kind = StrategyType.ROLLING if self.health is not None else StrategyType.RECREATE
        return StrategySpec(type=kind)


class TargetType(StrEnum):
    ENGINE = "engine"
    SWARM = "swarm"


class TargetSpec(_Spec):
    """Where an environment deploys: one Docker engine (containers), or a Docker Swarm (services) via a manager."""

    type: TargetType = _f(
        "engine: containers on one Docker engine; swarm: Swarm services on a cluster, through one of its managers.",
        "swarm",
        default=TargetType.ENGINE,
    )
    docker_host: str | None = _f(
        "The engine's (or the Swarm manager's) address, as in DOCKER_HOST; defaults to the DOCKER_HOST of the shell "
        "that runs shipspec, else the local socket.",
        "ssh://deploy@manager-1",
        default=None,
        pattern=DOCKER_HOST,
    )
    routing_mesh: bool = _f(
        "Swarm: publish ports through the ingress routing mesh with VIP load balancing (needs IPVS in the nodes' "
        "kernels); false: host-mode ports and DNS round-robin (endpoint_mode dnsrr), which work everywhere.",
        False,
        default=False,
    )


class EnvironmentSpec(_Spec):
    """A partial spec deep-merged onto the base: mappings merge key by key, lists and scalars replace."""

    target: TargetSpec | None = _f(
        "Where this environment deploys (replaces the base `target`).", {"type": "swarm"}, default=None
    )

    labels: dict[str, str] = _f("Labels added for this environment.", {"tier": "prod"}, default_factory=dict)
    services: dict[str, dict[str, Any]] = _f(
        "Per-service overrides, in the same shape as `services`.", {"web": {"replicas": 4}}, default_factory=dict
    )


class ProxySpec(_Spec):
    """The reverse proxy (HAProxy) shipspec runs in front of every service that publishes a host port."""

    enabled: bool = _f(
        "Front published ports with the proxy, so updates never drop a request; false: replicas bind the host "
        "port themselves and roll stop-first (downtime on every update).",
        True,
        default=True,
    )
    image: str = _f(
        "The HAProxy 2.6+ image the proxy runs (the environment variable SHIPSPEC_PROXY_IMAGE overrides it).",
        "haproxy:2.6",
        default="haproxy:2.6",
    )
    placement: PlacementSpec = _f(
        "Swarm: the nodes the proxy runs on (one task per eligible node, on each node's published ports).",
        {"constraints": ["node.hostname==n1"]},
        default_factory=PlacementSpec,
    )


class AppSpec(_Spec):
    """One application: its services and how they are deployed."""

    version: Literal[1] = _f("Spec format version.", 1)
    name: str = _f(
        "Application name: a DNS label, used to name containers, networks and Kubernetes objects.",
        "shop",
        pattern=DNS_LABEL,
        max_length=30,
    )
    description: str | None = _f("What the application is.", "The shop front end and its database.", default=None)
    labels: dict[Annotated[str, Field(pattern=LABEL_KEY)], str] = _f(
        "Labels on every object of the app.", {"owner": "team-shop"}, default_factory=dict
    )
    services: dict[str, ServiceSpec] = _f(
        "The services, by name (DNS labels).", {"web": {"image": "nginx:1.27"}}, min_length=1
    )
    security: AppSecuritySpec = _f(
        "App-wide security level.", {"level": "restricted"}, default_factory=AppSecuritySpec
    )
    proxy: ProxySpec = _f(
        "The reverse proxy in front of published ports.", {"enabled": True, "image": "haproxy:2.6"},
        default_factory=ProxySpec,
    )
    environments: dict[str, EnvironmentSpec] = _f(
        "Named environments whose partial specs deep-merge onto the base.",
        {"prod": {"services": {"web": {"replicas": 4}}}},
        default_factory=dict,
    )
    target: TargetSpec = _f(
        "Where the base spec deploys; environments may point elsewhere.", {"type": "engine"}, default_factory=TargetSpec
    )
