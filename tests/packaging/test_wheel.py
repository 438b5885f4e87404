"""`pip install .` gives a working `shipspec` anywhere: templates and the schema ship inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = work.glob("shipspec-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "engine/_data/schemas/app.schema.json" in names
    assert any(n.startswith("engine/_data/templates/k8s/") for n in names)
    assert any(n.startswith("engine/_data/templates/dockerfile/") for n in names)
    # The runtime dependencies come from the interpreter running the tests; the package itself only from the wheel.
    env_dir = work / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, capture_output=True, timeout=600)
    return env_dir / "bin" / "shipspec"


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "specs").iterdir() if (p / "app.yaml").is_file()))
def test_the_installed_command_validates_and_renders_every_example(installed: Path, example: str,
                                                                    tmp_path: Path) -> None:
    spec = ROOT / "specs" / example / "app.yaml"
    done = subprocess.run([str(installed), "validate", "-f", str(spec)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    rendered = subprocess.run([str(installed), "render", "-f", str(spec), "--out", str(tmp_path / "out")],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert rendered.returncode == 0, rendered.stderr
    assert (tmp_path / "out" / "compose.yaml").is_file()
    imported = subprocess.run([str(installed.parent / "python"), "-c", "import engine, sys; print(engine.__file__)"],
                              cwd=tmp_path, capture_output=True, text=True, check=True)
    assert str(ROOT) not in imported.stdout, "the test must exercise the installed wheel, not the checkout"
