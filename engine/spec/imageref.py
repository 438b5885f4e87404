"""Image references by the distribution reference grammar (what ``docker pull`` accepts).

    reference  := name [":" tag] ["@" digest]
    name       := [domain "/"] path-component ["/" path-component]*
    domain     := host [":" port]             host: DNS name, IPv4, or [IPv6]
    path-comp  := [a-z0-9]+ (([_.]|__|-+) [a-z0-9]+)*
    tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
    digest     := algorithm ":" hex (at least 32 hex digits)

The first component is a domain only when it contains "." or ":" or is "localhost" (Docker's rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMPONENT = r"[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-fA-F:]+\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"  # ASCII only: Python's \w takes any Unicode letter
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"^(?P<name>(?:(?P<domain>{_DOMAIN})/)?{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?$"
)
MAX_NAME = 255


@dataclass(frozen=True)
class ImageRef:
    name: str
    tag: str | None
    digest: str | None


def parse_image_ref(text: str) -> ImageRef | None:
    """The parsed reference, or None when ``text`` is not a valid reference."""
    match = _REFERENCE.fullmatch(text)  # fullmatch: `$` alone lets a final newline through
    if match is None or len(match["name"]) > MAX_NAME:
        return None
    domain = match["domain"]
    is_domain = domain is not None and ("." in domain or ":" in domain or domain == "localhost")
    if domain is not None and not is_domain and not re.fullmatch(_COMPONENT, domain):
        return None  # "Team/app": without a dot or port, the first part is a path component and must be lowercase
    return ImageRef(match["name"], match["tag"], match["digest"])


def image_ref_problem(text: str) -> str | None:
    """Why ``text`` is not a valid reference, in words, or None when it is."""
    if parse_image_ref(text) is not None:
        return None
    name, _, digest = text.partition("@")
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]  # the registry host may have capitals; the repository path may not
    parts[-1], colon, tag = ("", "", "") if parts[-1].startswith("[") else parts[-1].partition(":")
    reasons = (
        (not text, "is empty"),
        (text != text.strip() or " " in text, "has spaces"),
        ("://" in text, "must not start with a URL scheme (write ghcr.io/team/app, not https://…)"),
        (text.count("@") > 1, "has more than one '@'"),
        (any(c.isupper() for part in parts for c in part), "repository names must be lowercase"),
        ("::" in name.rsplit("]", 1)[-1], "has '::'; a tag follows a single ':'"),
        (
            bool(colon) and not re.fullmatch(_TAG, tag),
            f"has an invalid tag {tag!r}: letters, digits, '_', '.', '-',"
            " not starting with '.' or '-', at most 128 characters",
        ),
        (
            bool(digest) and not re.fullmatch(_DIGEST, digest),
            f"has an invalid digest {digest!r}: write algorithm:hex, e.g. sha256: and 64 hex digits",
        ),
        (len(name) > MAX_NAME, f"has a name longer than {MAX_NAME} characters"),
    )
    return next((reason for failed, reason in reasons if failed), "is not a valid image reference")
