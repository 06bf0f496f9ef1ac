"""The Lambda artifact `sam build` makes (infra/Makefile): built for real from PyPI's arm64 wheels, it carries
bytecode for its runtime, so a cold start reads modules instead of compiling them (Lambda's file system is
read-only: bytecode missing from the package is compiled again at every start)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "infra" / "Makefile"
RUNTIME = (3, 12)  # the template's python3.12


def _is_runtime_python(command: str) -> bool:
    try:
        done = subprocess.run([command, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True,
                              text=True, timeout=30, check=False)
    except OSError:
        return False
    return done.returncode == 0 and tuple(int(part) for part in done.stdout.split()) == RUNTIME


def _runtime_python() -> str | None:
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = [shutil.which("python3.12"), *sorted(glob.glob(f"{pyenv_root}/versions/3.12*/bin/python3.12"))]
    return next((command for command in candidates if command and _is_runtime_python(command)), None)


def _make(target: str, artifacts: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    assignments = [f"{key}={value}" for key, value in {"ARTIFACTS_DIR": str(artifacts), **variables}.items()]
    return subprocess.run(["make", "--no-print-directory", "-f", str(MAKEFILE), target, *assignments],
                          capture_output=True, text=True, timeout=900, check=False, cwd=ROOT)


def _bytecode_of(source: Path) -> Path:
    tag = f"cpython-{RUNTIME[0]}{RUNTIME[1]}"
    return source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"


def _is_unchecked_hash(pyc: Path) -> bool:
    flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
    return flags == 0b01  # hash-based, never checked against the source


@pytest.mark.slow
def test_the_artifact_ships_unchecked_bytecode_for_the_runtime_of_every_module(tmp_path: Path) -> None:
    runtime_python = _runtime_python()
    if runtime_python is None:
        pytest.skip("no Python 3.12 on this machine to compile the artifact's bytecode with")
    artifact = tmp_path / "function"
    done = _make("artifact", artifact, RUNTIME_PYTHON=runtime_python, PYTHON=sys.executable)
    assert done.returncode == 0, done.stdout + done.stderr

    sources = sorted(artifact.rglob("*.py"))
    assert (artifact / "bot" / "api" / "handler.py") in sources and (artifact / "lex" / "handler.py") in sources
    assert any(path.parts[len(artifact.parts)] == "pydantic" for path in sources)
    missing = [str(path.relative_to(artifact)) for path in sources if not _bytecode_of(path).is_file()]
    assert missing == []
    checked = [str(path.relative_to(artifact)) for path in sources if not _is_unchecked_hash(_bytecode_of(path))]
    assert checked == []
    assert not (artifact / "boto3").exists() and not (artifact / "bin").exists()
    # No layer supplies anything: Powertools ships inside, compiled like the rest, with the X-Ray SDK its Tracer
    # loads when tracing is on.
    assert (artifact / "aws_lambda_powertools" / "logging" / "logger.py") in sources
    assert (artifact / "aws_xray_sdk" / "core" / "__init__.py") in sources


def test_the_bytecode_step_refuses_a_python_other_than_the_runtimes(tmp_path: Path) -> None:
    if sys.version_info[:2] == RUNTIME:
        pytest.skip("this interpreter is the runtime's own version")
    (tmp_path / "module.py").write_text("VALUE = 1\n", encoding="utf-8")
    done = _make("bytecode", tmp_path, RUNTIME_PYTHON=sys.executable)
    assert done.returncode != 0
    assert "is not a Python 3.12" in done.stdout + done.stderr and "SKIP_BYTECODE=1" in done.stdout + done.stderr
    assert list(tmp_path.rglob("*.pyc")) == []


def test_skip_bytecode_ships_sources_only_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text("VALUE = 1\n", encoding="utf-8")
    done = _make("bytecode", tmp_path, RUNTIME_PYTHON="no-such-python", SKIP_BYTECODE="1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ships sources only" in done.stdout
    assert list(tmp_path.rglob("*.pyc")) == []
