"""Security levels, named after Kubernetes' Pod Security Standards, resolved into the settings a container runs with.

One word means the same on Docker and on Kubernetes:

* ``restricted``: a non-root uid (10001:10001 unless ``security.user`` says otherwise), a read-only root, every
  capability dropped (only NET_BIND_SERVICE may come back), no privilege escalation. The default for services
  shipspec builds, because it writes their Dockerfile and so knows their user and the paths they write.
* ``baseline``: the image's own user, a writable root, Docker's default capabilities less NET_RAW (exactly what the
  standard allows), no privilege escalation through setuid binaries, no host namespaces. The default for an
  ``image:`` shipspec does not build: official images start as root and drop to their own user (gosu), which
  ``restricted`` forbids, and a default that makes postgres fail at start only teaches users to turn everything off.
* ``privileged``: no restriction at all, an explicit and loudly reported opt-out.

The fields that exist (``user``, ``read_only_root``, ``cap_drop``, ``cap_add``, ``no_new_privileges``) refine the
level within its bounds; a value the level forbids is a validation error naming the level that allows it, so the
level a service is reported at is always the level it meets. Pure: no engine, no files.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import Diagnostic
from engine.spec.model import AppSpec, Runtime, SecurityLevel, ServiceSpec
from engine.spec.source import SourceMap

DEFAULT_USER = "10001:10001"
# Pod Security Standards: what each level lets a container add back (baseline's list is Docker's default set
# less NET_RAW; restricted allows NET_BIND_SERVICE only).
RESTRICTED_ADD = frozenset({"NET_BIND_SERVICE"})
BASELINE_ADD = frozenset(
    {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
     "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
)
# Pod Security Standards (baseline and restricted): the sysctls Kubernetes calls safe, isolated per pod.
SAFE_SYSCTLS = frozenset(
    {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
     "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
     "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
     "net.ipv4.tcp_keepalive_probes"}
)
_ORDER = {SecurityLevel.PRIVILEGED: 0, SecurityLevel.BASELINE: 1, SecurityLevel.RESTRICTED: 2}
_DROP = {SecurityLevel.RESTRICTED: ("ALL",), SecurityLevel.BASELINE: ("NET_RAW",), SecurityLevel.PRIVILEGED: ()}


@dataclass(frozen=True, slots=True)
class Security:
    """What a service runs with. ``user`` None means the image's own user (its USER, root when it has none)."""

    level: SecurityLevel
    origin: str
    user: str | None
    read_only_root: bool
    no_new_privileges: bool
    cap_drop: tuple[str, ...]
    cap_add: tuple[str, ...]
    deprecated_run_as_root: bool = False

    @property
    def non_root(self) -> bool:
        """Whether the level promises a non-root process (Kubernetes ``runAsNonRoot``)."""
        return self.level is SecurityLevel.RESTRICTED


def builds_dockerfile(svc: ServiceSpec) -> bool:
    """Whether shipspec writes the service's Dockerfile (and so knows its user and writable paths)."""
    return svc.build is not None and svc.build.runtime is not Runtime.DOCKERFILE


def declared_level(app: AppSpec, svc: ServiceSpec) -> tuple[SecurityLevel, str]:
    """The service's level and where it came from: its own field, the app's, or the default for its kind."""
    if svc.security.level is not None:
        return svc.security.level, "security.level"
    if app.security.level is not None:
        return app.security.level, "app security.level"
    if builds_dockerfile(svc):
        return SecurityLevel.RESTRICTED, "default for services shipspec builds"
    return SecurityLevel.BASELINE, "default for image: services"


def resolve(app: AppSpec, svc: ServiceSpec) -> Security:
    level, origin = declared_level(app, svc)
    sec = svc.security
    image_user = bool(sec.image_user or sec.run_as_root)
    user = sec.user
    if user is None and not image_user and (builds_dockerfile(svc) or level is SecurityLevel.RESTRICTED):
        user = DEFAULT_USER  # a built image's own user is the one its rendered Dockerfile names
    return Security(
        level=level,
        origin=origin,
        user=user,
        read_only_root=sec.read_only_root if sec.read_only_root is not None else level is SecurityLevel.RESTRICTED,
        no_new_privileges=(
            sec.no_new_privileges if sec.no_new_privileges is not None else level is not SecurityLevel.PRIVILEGED
        ),
        cap_drop=tuple(sec.cap_drop) if sec.cap_drop is not None else _DROP[level],
        cap_add=tuple(sec.cap_add),
        deprecated_run_as_root=sec.run_as_root is not None,
    )


def strictest_met(levels: list[SecurityLevel]) -> SecurityLevel:
    """The strictest level every one of ``levels`` meets (a namespace's Pod Security label)."""
    return min(levels, key=_ORDER.__getitem__, default=SecurityLevel.RESTRICTED)


def is_root(user: str | None) -> bool:
    return user is not None and user.partition(":")[0] in {"0", "root"}


def numeric_user(user: str) -> bool:
    uid, _, gid = user.partition(":")
    return uid.isdigit() and (not gid or gid.isdigit())


def level_problems(app: AppSpec, source: SourceMap) -> list[Diagnostic]:
    """Fields that ask for more than the service's level allows, each with the level that would allow it."""
    out: list[Diagnostic] = []
    for name, svc in app.services.items():
        sec, where = resolve(app, svc), ("services", name, "security")
        if sec.deprecated_run_as_root and svc.security.image_user is not None:
            out.append(source.diagnostic((*where, "run_as_root"), "run_as_root and image_user both set",
                                         "run_as_root is the old name of image_user: keep image_user only"))
        allowed = {SecurityLevel.RESTRICTED: RESTRICTED_ADD, SecurityLevel.BASELINE: BASELINE_ADD}.get(sec.level)
        extra = sorted(set(sec.cap_add) - allowed) if allowed is not None else []
        if extra:
            fits = sec.level is SecurityLevel.RESTRICTED and set(extra) <= BASELINE_ADD
            looser = "baseline" if fits else "privileged"
            out.append(source.diagnostic((*where, "cap_add"), f"level {sec.level} does not allow adding "
                                         f"{', '.join(extra)}", f"set security.level: {looser} for this service"))
        unsafe = sorted(set(svc.sysctls) - SAFE_SYSCTLS) if sec.level is not SecurityLevel.PRIVILEGED else []
        if unsafe:
            out.append(source.diagnostic(("services", name, "sysctls", unsafe[0]), f"level {sec.level} allows only "
                                         f"the sysctls Kubernetes calls safe, not {', '.join(unsafe)}",
                                         "set security.level: privileged for this service", key=True))
        if sec.level is not SecurityLevel.RESTRICTED:
            continue
        if not sec.no_new_privileges:
            out.append(source.diagnostic((*where, "no_new_privileges"), "level restricted forbids privilege "
                                         "escalation", "set security.level: baseline to allow it"))
        if "ALL" not in sec.cap_drop:
            out.append(source.diagnostic((*where, "cap_drop"), "level restricted drops ALL capabilities",
                                         "add NET_BIND_SERVICE back with cap_add, or set security.level: baseline"))
        if is_root(sec.user):
            out.append(source.diagnostic((*where, "user"), f"level restricted runs no process as root "
                                         f"(user {sec.user!r})", "set security.level: baseline for this service"))
    return out


def describe(name: str, sec: Security) -> str:
    """One line per service for validate and plan: its effective level, why, and how to harden it."""
    line = f"{name}: {sec.level.value.upper() if sec.level is SecurityLevel.PRIVILEGED else sec.level.value}"
    line += f" ({sec.origin})"
    if sec.level is SecurityLevel.BASELINE:
        line += "; harden with security.level: restricted and a uid the image runs as (security.user)"
    elif sec.level is SecurityLevel.PRIVILEGED:
        line += ": no restriction at all; harden with security.level: baseline and only the capabilities it needs"
    elif sec.user is None:
        line += "; the image's own user must not be root"
    if sec.deprecated_run_as_root:
        line += "; security.run_as_root is deprecated, write security.image_user: true"
    return line


def describe_app(app: AppSpec) -> list[str]:
    return [describe(name, resolve(app, svc)) for name, svc in app.services.items()]


def kubernetes_problems(app: AppSpec, source: SourceMap) -> list[Diagnostic]:
    """What a pod cannot carry, refused rather than dropped: a user given by name cannot become ``runAsUser``, and
    a stop signal other than the image's has no pod field (``lifecycle.stopSignal`` is alpha)."""
    out: list[Diagnostic] = []
    for name, svc in app.services.items():
        if svc.stop_signal is not None:
            out.append(source.diagnostic(
                ("services", name, "stop_signal"),
                f"Kubernetes sends the image's own STOPSIGNAL and has no field for another ({svc.stop_signal})",
                f"write `STOPSIGNAL {svc.stop_signal}` in the image's Dockerfile and remove stop_signal, or render "
                "--only dockerfile,compose",
            ))
        user = svc.security.user
        if user is not None and not numeric_user(user):
            out.append(source.diagnostic(
                ("services", name, "security", "user"),
                f"user {user!r} is a name, and Kubernetes runs a pod only as a numeric uid (runAsUser)",
                "write the uid[:gid] the image gives that user, e.g. security.user: \"999:999\" "
                f"(docker run --rm --entrypoint id IMAGE {user.partition(':')[0]})",
            ))
    return out
