"""Canonical JSON and sha256: how every hash shipspec compares is made (config hashes, spec hashes, fingerprints)."""

from __future__ import annotations

import hashlib
import json


def canonical_json(value: object) -> str:
    """Sorted keys, no whitespace, UTF-8: the same document always hashes the same."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def content_digest(content: str) -> str:
    return sha256_hex(content)
