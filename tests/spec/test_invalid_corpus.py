"""The invalid-spec corpus: one YAML file per rule under ``invalid/``, each stating the diagnostics it must produce.

Header format (comment lines at the top of the file)::

    # expect: 7:5 services.web.replcas: unknown key | hint: did you mean 'replicas'?
    # expect: 1:1 -: the file is empty          ("-" is the empty spec path of file-level problems)
    # env: prod                                  (validate one environment; default: base and every environment)

Each expected diagnostic must match one actual diagnostic exactly on line, column and path, and by substring on
the message (and hint, when given); every actual diagnostic must be expected. Line numbers count the header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.errors import Diagnostic, SpecError
from engine.spec.validate import load_and_validate, validate_all

CORPUS = Path(__file__).parent / "invalid"
CASES = sorted(CORPUS.glob("*.yaml"))
_EXPECT = re.compile(
    r"^# expect: (?P<line>\d+):(?P<column>\d+) (?P<path>.+?): (?P<message>.*?)(?: \| hint: (?P<hint>.*))?$"
)


@dataclass(frozen=True)
class Expected:
    line: int
    column: int
    path: str
    message: str
    hint: str | None

    def matches(self, d: Diagnostic) -> bool:
        return (
            (d.line, d.column, d.path) == (self.line, self.column, self.path)
            and self.message in d.message
            and (self.hint is None or self.hint in d.hint)
        )

    def __str__(self) -> str:
        return f"{self.line}:{self.column} {self.path or '-'}: {self.message}" + (
            f" | hint: {self.hint}" if self.hint else ""
        )


def read_header(path: Path) -> tuple[list[Expected], str | None]:
    expected: list[Expected] = []
    env = None
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not raw.startswith("#"):
            break
        if raw.startswith("# env:"):
            env = raw.removeprefix("# env:").strip()
        elif raw.startswith("# expect:"):
            m = _EXPECT.match(raw)
            assert m, f"{path.name}: malformed header line {raw!r}"
            p = m["path"]
            expected.append(Expected(int(m["line"]), int(m["column"]), "" if p == "-" else p, m["message"], m["hint"]))
    return expected, env


def _show(d: Diagnostic) -> str:
    return f"{d.line}:{d.column} {d.path or '-'}: {d.message} | hint: {d.hint}"


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 45, f"only {len(CASES)} invalid specs in {CORPUS}"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_invalid_spec(case: Path) -> None:
    expected, env = read_header(case)
    assert expected, f"{case.name} states no `# expect:` line"
    with pytest.raises(SpecError) as info:
        if env:
            load_and_validate(case, env, display_name=case.name)
        else:
            validate_all(case, display_name=case.name)
    actual = list(info.value.diagnostics)
    assert all(d.file == case.name for d in actual)
    unmatched = list(actual)
    missing = []
    for want in expected:
        hit = next((d for d in unmatched if want.matches(d)), None)
        if hit is None:
            missing.append(want)
        else:
            unmatched.remove(hit)
    report = "\n".join(
        [f"{case.name}:", *(f"  missing:    {w}" for w in missing), *(f"  unexpected: {_show(d)}" for d in unmatched)]
    )
    assert not missing and not unmatched, report
