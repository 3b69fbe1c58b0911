"""Packaging: one ``thinkdial`` namespace, nothing generic in site-packages, one name per module."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_source_folders_refuse_to_import_under_their_folder_names():
    # From the repository root the folders are on sys.path; importing them by their generic
    # names would load a second copy of every module. They say which name to use instead.
    for folder, name in [("agent", "thinkdial"), ("tools", "thinkdial.tools"), ("policies", "thinkdial.policies")]:
        out = subprocess.run([sys.executable, "-c", f"import {folder}"], capture_output=True, text=True, cwd=ROOT)
        assert out.returncode != 0
        assert f"import it as '{name}'" in out.stderr


def test_public_names_live_under_thinkdial():
    from thinkdial import Agent, Budget, tool
    from thinkdial.models import LiteLLMModel, LlamaCppModel, ScriptedModel
    from thinkdial.tools import calculator

    assert Agent.__module__ == "thinkdial.agent" and Budget.__module__ == "thinkdial.budget"
    assert calculator.name == "calculator" and callable(tool)
    assert {LiteLLMModel.__module__, LlamaCppModel.__module__, ScriptedModel.__module__} <= {
        "thinkdial.models.litellm_model", "thinkdial.models.llamacpp", "thinkdial.models.scripted",
    }


@pytest.mark.slow
def test_the_wheel_installs_only_the_thinkdial_namespace(tmp_path):
    import shutil

    # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__",
                                                                  ".mypy_cache", ".ruff_cache", "thinkdial-bench"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("thinkdial-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"thinkdial", next(t for t in tops if t.endswith(".dist-info"))}
    for expected in ["thinkdial/__init__.py", "thinkdial/tools/__init__.py", "thinkdial/policies/__init__.py",
                     "thinkdial/tui/__init__.py", "thinkdial/models/__init__.py", "thinkdial/tui/styles.tcss",
                     "thinkdial/policies/estimate/calibration_default.json"]:
        assert expected in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "thinkdial = thinkdial.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
