"""`shipspec validate` as users run it: the installed executable in a subprocess, exit codes and output formats.

Each invocation costs a Python start-up (about half a second), so the module declares them all up front and runs
them concurrently once; the tests then read the results. Hostile files go through ``engine.cli.main`` in-process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.cli import main

VALID = """\
version: 1
name: shop
services:
  web:
    image: nginx:1.27
    ports: [{container: 80, host: 8080}]
    health: {http: {path: /}}
environments:
  prod: {services: {web: {replicas: 3}}}
"""
# validate names each service's effective security level in one line, with a hint to harden it
SECURITY_LINE = ("  security: web: baseline (default for image: services); harden with security.level: restricted "
                 "and a uid the image runs as (security.user)\n")
INVALID = """\
version: 1
name: shop
services:
  web:
    image: nginx:1.27
    replcas: 3
    env:
      LOG_LEVEL:
"""
INVOCATIONS: dict[str, list[str]] = {
    "valid": ["validate"],  # ./app.yaml by default
    "valid-json": ["validate", "--format", "json"],
    "invalid": ["validate", "-f", "bad.yaml"],
    "invalid-json": ["validate", "-f", "bad.yaml", "--format", "json"],
    "unknown-flag": ["validate", "--bogus"],
    "bad-format": ["validate", "--format", "xml"],
    "missing": ["validate", "-f", "nope.yaml"],
    "directory": ["validate", "-f", "specs"],
}


def _executable() -> str:
    beside = Path(sys.executable).parent / "shipspec"
    found = str(beside) if beside.exists() else shutil.which("shipspec")
    assert found, "the shipspec console script is not installed (pip install -e .)"
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    work = tmp_path_factory.mktemp("cli")
    (work / "app.yaml").write_text(VALID, encoding="utf-8")
    (work / "bad.yaml").write_text(INVALID, encoding="utf-8")
    (work / "specs").mkdir()
    exe = _executable()

    def run(args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], cwd=work, capture_output=True, text=True, timeout=60, check=False)

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(run, args) for name, args in INVOCATIONS.items()}
        return {name: future.result() for name, future in futures.items()}


def test_no_output_ever_has_a_traceback(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    for name, result in runs.items():
        assert "Traceback" not in result.stdout + result.stderr, f"{name}: {result.stderr}"
        assert result.returncode in (0, 1, 2), f"{name}: exit {result.returncode}: {result.stderr}"


def test_valid_spec_exits_0(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = runs["valid"]
    assert result.returncode == 0, result.stderr
    assert result.stdout == "app.yaml: valid (shop, 1 service; base and prod)\n" + SECURITY_LINE


def test_invalid_spec_exits_1_with_file_line_col_path(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = runs["invalid"]
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "bad.yaml:6:5 services.web.replcas: unknown key",
        "    hint: did you mean 'replicas'?",
        "bad.yaml:8:17 services.web.env.LOG_LEVEL: expected text, got nothing",
        '    hint: write a value, or "" for empty text, or remove the key',
        "2 problems in the spec.",
    ]
    assert result.stdout == ""


def test_json_format_lists_every_problem(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = runs["invalid-json"]
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert [(e["file"], e["path"], e["line"], e["column"], e["message"]) for e in report["errors"]] == [
        ("bad.yaml", "services.web.replcas", 6, 5, "unknown key"),
        ("bad.yaml", "services.web.env.LOG_LEVEL", 8, 17, "expected text, got nothing"),
    ]
    assert report["errors"][0]["hint"] == "did you mean 'replicas'?"


def test_json_format_on_a_valid_spec(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = runs["valid-json"]
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"valid": True, "file": "app.yaml", "environments": ["prod"], "errors": [],
                                         "security": {"web": "baseline"}}


@pytest.mark.parametrize(
    ("name", "needle"),
    [("unknown-flag", "No such option"), ("bad-format", "'xml' is not one of")],
)
def test_usage_errors_exit_2(runs: dict[str, subprocess.CompletedProcess[str]], name: str, needle: str) -> None:
    assert runs[name].returncode == 2
    assert needle in runs[name].stderr


def test_missing_file_is_a_clear_error(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = runs["missing"]
    assert result.returncode == 1
    assert result.stderr.startswith("nope.yaml:1:1 file not found\n    hint: pass the spec with -f FILE")


def test_directory_instead_of_a_file(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = runs["directory"]
    assert result.returncode == 2  # click's path check: a usage error
    assert "is a directory" in result.stderr


def _in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.yaml").write_text(VALID, encoding="utf-8")
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_one_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _in_process(tmp_path, monkeypatch, capsys, "validate", "-e", "prod")
    assert (code, out) == (0, "app.yaml: valid (shop, 1 service; environment 'prod')\n" + SECURITY_LINE)


def test_unknown_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _in_process(tmp_path, monkeypatch, capsys, "validate", "-e", "qa")
    assert code == 1
    assert "app.yaml:9:3 environments: unknown environment 'qa'\n    hint: known: prod" in err


def test_unknown_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _in_process(tmp_path, monkeypatch, capsys, "no-such-command")
    assert code == 2
    assert "No such command" in err


def test_help(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _in_process(tmp_path, monkeypatch, capsys, "validate", "--help")
    assert code == 0
    assert "--format [text|json]" in out


@pytest.mark.parametrize(
    "content",
    [
        b"",
        "version: 1\n".encode("utf-16"),
        b"- a\n",
        b"a: &x 1\nb: *x\n",
        b"a: [" * 100,
        b"\x00",
        b"\t",
        b"a: !!python/object:os.system x\n",
        b"{{{",
    ],
    ids=["empty", "utf16", "list", "alias", "brackets", "nul", "tab", "python-tag", "garbage"],
)
def test_hostile_files_exit_1_with_a_located_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.yaml").write_bytes(content)
    assert main(["validate", "-f", "x.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("x.yaml:")
    assert "Traceback" not in err


def test_default_file_missing_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"][0]["message"] == "file not found"
    assert report["errors"][0]["file"] == "app.yaml"
