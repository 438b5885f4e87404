"""Image references against the distribution reference grammar, with cases from distribution/reference's tests."""

from __future__ import annotations

import pytest

from engine.spec.imageref import ImageRef, image_ref_problem, parse_image_ref

HEX64 = "f" * 64

VALID: list[tuple[str, ImageRef]] = [
    ("test_com", ImageRef("test_com", None, None)),
    ("test.com:tag", ImageRef("test.com", "tag", None)),
    ("test.com:5000", ImageRef("test.com", "5000", None)),
    ("test.com/repo:tag", ImageRef("test.com/repo", "tag", None)),
    ("test:5000/repo", ImageRef("test:5000/repo", None, None)),
    ("test:5000/repo:tag", ImageRef("test:5000/repo", "tag", None)),
    (f"test:5000/repo@sha256:{HEX64}", ImageRef("test:5000/repo", None, f"sha256:{HEX64}")),
    (f"test:5000/repo:tag@sha256:{HEX64}", ImageRef("test:5000/repo", "tag", f"sha256:{HEX64}")),
    ("lowercase:Uppercase", ImageRef("lowercase", "Uppercase", None)),
    ("sub-dom1.foo.com/bar/baz/quux", ImageRef("sub-dom1.foo.com/bar/baz/quux", None, None)),
    ("sub-dom1.foo.com/bar/baz/quux:some-long-tag", ImageRef("sub-dom1.foo.com/bar/baz/quux", "some-long-tag", None)),
    (
        "b.gcr.io/test.example.com/my-app:test.example.com",
        ImageRef("b.gcr.io/test.example.com/my-app", "test.example.com", None),
    ),
    ("xn--n3h.com/myimage:xn--n3h.com", ImageRef("xn--n3h.com/myimage", "xn--n3h.com", None)),
    ("foo_bar.com:8080", ImageRef("foo_bar.com", "8080", None)),
    ("foo/foo_bar.com:8080", ImageRef("foo/foo_bar.com", "8080", None)),
    ("[2001:db8::1]/repo", ImageRef("[2001:db8::1]/repo", None, None)),
    ("[2001:db8::1]:5000/repo:tag", ImageRef("[2001:db8::1]:5000/repo", "tag", None)),
    ("localhost/repo", ImageRef("localhost/repo", None, None)),
    ("localhost:5000/repo:1", ImageRef("localhost:5000/repo", "1", None)),
    ("Registry.Example.com/team/app", ImageRef("Registry.Example.com/team/app", None, None)),
    ("a", ImageRef("a", None, None)),
    ("a/b/c/d", ImageRef("a/b/c/d", None, None)),
    ("a__b", ImageRef("a__b", None, None)),
    ("a---b", ImageRef("a---b", None, None)),
    ("postgres:16", ImageRef("postgres", "16", None)),
    ("nginx:1.27-alpine", ImageRef("nginx", "1.27-alpine", None)),
    ("python:3.12-slim", ImageRef("python", "3.12-slim", None)),
    ("x:" + "t" * 128, ImageRef("x", "t" * 128, None)),
]

INVALID: list[tuple[str, str]] = [
    ("", "is empty"),
    (":justtag", "is not a valid image reference"),
    (f"@sha256:{HEX64}", "is not a valid image reference"),
    ("Uppercase:tag", "repository names must be lowercase"),
    ("test:5000/Uppercase/lowercase:tag", "repository names must be lowercase"),
    ("ghcr.io/Team/app", "repository names must be lowercase"),
    ("aa/asdf$$^/aa", "is not a valid image reference"),
    ("-foo", "is not a valid image reference"),
    ("foo-", "is not a valid image reference"),
    ("a_._b", "is not a valid image reference"),
    ("a___b", "is not a valid image reference"),
    ("a" * 256, "has a name longer than 255 characters"),
    ("repo:", "has an invalid tag ''"),
    ("repo:-tag", "has an invalid tag '-tag'"),
    ("repo:.tag", "has an invalid tag '.tag'"),
    ("x:" + "t" * 129, "has an invalid tag"),
    ("nginx::1.27", "has '::'"),
    ("repo@sha256:abc", "has an invalid digest 'sha256:abc'"),
    ("repo@sha256", "has an invalid digest"),
    ("a@b@c", "has more than one '@'"),
    ("[2001:db8::1]", "is not a valid image reference"),
    ("[fe80::1%eth0]:5000/repo", "is not a valid image reference"),
    (" nginx", "has spaces"),
    ("nginx ", "has spaces"),
    ("my app", "has spaces"),
    ("https://ghcr.io/team/app", "must not start with a URL scheme"),
    ("repo/", "is not a valid image reference"),
    ("/repo", "is not a valid image reference"),
    ("a//b", "is not a valid image reference"),
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t for t, _ in VALID])
def test_valid_references_parse(text: str, expected: ImageRef) -> None:
    assert parse_image_ref(text) == expected
    assert image_ref_problem(text) is None


@pytest.mark.parametrize(("text", "reason"), INVALID, ids=[t[:40] or "empty" for t, _ in INVALID])
def test_invalid_references_say_why(text: str, reason: str) -> None:
    assert parse_image_ref(text) is None
    problem = image_ref_problem(text)
    assert problem is not None and reason in problem
