"""Compose's values in the spec's terms: sizes, CPUs, names and secret-looking variables.

Compose's sizes are binary (``1.5G`` is 1.5 GiB; ``docker compose config`` prints bytes), so a byte count becomes
the largest exact binary Kubernetes quantity (``1536Mi``), never a decimal one (``1.5G`` means 1.5×10⁹ to
Kubernetes).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_BINARY = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))
_SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|PASS|PWD|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$", re.I)
_BASIC_AUTH = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@", re.I)
_DNS_BAD = re.compile(r"[^a-z0-9-]+")


def memory_quantity(value: object) -> str | None:
    """Bytes (as Compose prints them) as a Kubernetes quantity, or None when it is not a byte count."""
    try:
        count = int(str(value))
    except ValueError:
        return None
    if count <= 0:
        return None
    for suffix, size in _BINARY:
        if count % size == 0:
            return f"{count // size}{suffix}"
    return str(count)


def cpu_quantity(value: object) -> str | None:
    """Compose's decimal cores (``0.5``) as Kubernetes CPU: whole cores or millicores (``500m``)."""
    try:
        cores = Decimal(str(value))
    except InvalidOperation:
        return None
    if cores <= 0:
        return None
    milli = cores * 1000
    if milli != milli.to_integral_value():
        return None
    if milli % 1000 == 0:
        return str(int(milli // 1000))
    return f"{int(milli)}m"


def looks_secret(name: str, value: str | None) -> bool:
    """``*_PASSWORD``, ``*_TOKEN`` and friends, or a URL that carries a password (``scheme://user:pw@host``).
    Variables that only name a secret's file (``*_FILE``) are not secrets themselves."""
    if name.upper().endswith("_FILE"):
        return False
    if _SECRET_NAME.search(name):
        return True
    return value is not None and bool(_BASIC_AUTH.match(value))


def dns_label(name: str, limit: int = 63) -> str:
    """A Compose name (letters, digits, ``_``, ``.``, ``-``) as a DNS label for the spec."""
    text = re.sub("-+", "-", _DNS_BAD.sub("-", name.lower())).strip("-")
    text = re.sub(r"^[^a-z]+", "", text)[:limit].rstrip("-")
    return text or "app"


def operator_variable(app: str, service: str, name: str) -> str:
    """The variable the operator sets for a secret that Compose had as a plain value."""
    return re.sub(r"[^A-Z0-9_]", "_", f"{app}_{service}_{name}".upper())
