"""Security levels: what each resolves to, which refinements a level refuses, and how validate reports them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import SpecError
from engine.spec.model import SecurityLevel
from engine.spec.security import DEFAULT_USER, describe, resolve, strictest_met
from engine.spec.validate import load_and_validate

HEADER = "version: 1\nname: sec\nservices:\n"


def spec(tmp_path: Path, services: str, extra: str = "") -> Path:
    path = tmp_path / "app.yaml"
    (tmp_path / "web").mkdir(exist_ok=True)
    path.write_text(HEADER + services + extra, encoding="utf-8")
    return path


def resolved(tmp_path: Path, services: str, name: str, extra: str = ""):  # type: ignore[no-untyped-def]
    valid = load_and_validate(spec(tmp_path, services, extra))
    return resolve(valid.spec, valid.spec.services[name])


def test_image_services_default_to_baseline_with_the_images_own_user(tmp_path: Path) -> None:
    sec = resolved(tmp_path, "  db:\n    image: postgres:16\n", "db")
    assert sec.level is SecurityLevel.BASELINE
    assert (sec.user, sec.read_only_root, sec.no_new_privileges) == (None, False, True)
    assert sec.cap_drop == ("NET_RAW",) and sec.cap_add == ()
    assert sec.origin == "default for image: services"


def test_built_services_default_to_restricted(tmp_path: Path) -> None:
    sec = resolved(tmp_path, "  web:\n    build: {context: ./web, runtime: python}\n", "web")
    assert sec.level is SecurityLevel.RESTRICTED
    assert (sec.user, sec.read_only_root, sec.no_new_privileges, sec.cap_drop) == (DEFAULT_USER, True, True, ("ALL",))


def test_a_bring_your_own_dockerfile_is_treated_like_an_image(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile").write_text("FROM scratch\n")
    sec = resolved(tmp_path, "  web:\n    build: {context: ./web, runtime: dockerfile}\n", "web")
    assert sec.level is SecurityLevel.BASELINE and sec.user is None


def test_the_app_wide_level_applies_unless_a_service_sets_its_own(tmp_path: Path) -> None:
    services = "  a:\n    image: redis:7\n  b:\n    image: redis:7\n    security: {level: baseline}\n"
    valid = load_and_validate(spec(tmp_path, services, "security: {level: restricted}\n"))
    a, b = (resolve(valid.spec, valid.spec.services[n]) for n in "ab")
    assert (a.level, a.origin, a.user) == (SecurityLevel.RESTRICTED, "app security.level", DEFAULT_USER)
    assert (b.level, b.origin) == (SecurityLevel.BASELINE, "security.level")


def test_privileged_lifts_every_restriction(tmp_path: Path) -> None:
    services = "  vpn:\n    image: wg:1\n    security: {level: privileged, cap_add: [NET_ADMIN, SYS_MODULE]}\n"
    sec = resolved(tmp_path, services, "vpn")
    assert (sec.no_new_privileges, sec.cap_drop, sec.cap_add) == (False, (), ("NET_ADMIN", "SYS_MODULE"))
    assert describe("vpn", sec).startswith("vpn: PRIVILEGED (security.level): no restriction at all")


def test_fields_refine_a_level(tmp_path: Path) -> None:
    services = "  db:\n    image: postgres:16\n    security: {user: '999:999', read_only_root: true}\n"
    sec = resolved(tmp_path, services, "db")
    assert (sec.level, sec.user, sec.read_only_root) == (SecurityLevel.BASELINE, "999:999", True)


def test_run_as_root_still_loads_as_image_user_with_a_hint(tmp_path: Path) -> None:
    services = "  db:\n    image: postgres:16\n    security: {level: restricted, run_as_root: true}\n"
    sec = resolved(tmp_path, services, "db")
    assert sec.user is None and sec.deprecated_run_as_root
    assert "security.run_as_root is deprecated, write security.image_user: true" in describe("db", sec)


@pytest.mark.parametrize(
    ("security", "where", "message"),
    [
        ("{level: restricted, cap_add: [CHOWN]}", "cap_add", "level restricted does not allow adding CHOWN"),
        ("{level: baseline, cap_add: [NET_ADMIN]}", "cap_add", "level baseline does not allow adding NET_ADMIN"),
        ("{level: restricted, no_new_privileges: false}", "no_new_privileges", "forbids privilege escalation"),
        ("{level: restricted, cap_drop: [NET_RAW]}", "cap_drop", "drops ALL capabilities"),
        ("{level: restricted, user: root}", "user", "runs no process as root"),
        ("{image_user: true, run_as_root: true}", "run_as_root", "run_as_root and image_user both set"),
    ],
)
def test_a_refinement_beyond_the_level_is_an_error_with_the_level_that_allows_it(
    tmp_path: Path, security: str, where: str, message: str
) -> None:
    with pytest.raises(SpecError) as caught:
        load_and_validate(spec(tmp_path, f"  db:\n    image: postgres:16\n    security: {security}\n"))
    (diag,) = caught.value.diagnostics
    assert diag.path == f"services.db.security.{where}" and message in diag.message
    assert diag.line == 6 and diag.hint


def test_baseline_capabilities_point_at_privileged_and_restricted_ones_at_baseline(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_and_validate(spec(tmp_path, "  db:\n    image: x:1\n    security: {level: restricted, cap_add: [KILL]}\n"))
    assert "security.level: baseline" in caught.value.diagnostics[0].hint


def test_the_strictest_level_all_meet() -> None:
    assert strictest_met([SecurityLevel.RESTRICTED, SecurityLevel.BASELINE]) is SecurityLevel.BASELINE
    assert strictest_met([SecurityLevel.RESTRICTED]) is SecurityLevel.RESTRICTED
    assert strictest_met([SecurityLevel.BASELINE, SecurityLevel.PRIVILEGED]) is SecurityLevel.PRIVILEGED


def test_validate_names_each_services_level_in_one_line(tmp_path: Path) -> None:
    path = spec(tmp_path, "  web:\n    build: {context: ./web, runtime: static}\n  db:\n    image: postgres:16\n")
    out = subprocess.run([str(Path(sys.executable).parent / "shipspec"), "validate", "-f", str(path)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[1:] == [
        "  security: web: restricted (default for services shipspec builds)",
        "  security: db: baseline (default for image: services); harden with security.level: restricted and a uid "
        "the image runs as (security.user)",
    ]
