"""Shared fixtures: the embedded model (loaded once) and a loopback OpenAI-compatible server."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# A fresh machine is the test: no calibration, pair calibration or config of the user's own leaks into a run.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="thinkdial-tests-config-")


@pytest.fixture(scope="session")
def embedded_path() -> Path:
    from thinkdial.models.embedded import embedded_model_path

    return embedded_model_path()


@pytest.fixture(scope="session")
def embedded(embedded_path: Path):
    from thinkdial.models import LlamaCppModel

    model = LlamaCppModel(embedded_path, name="embedded", n_ctx=2048)
    model.load()
    return model


@pytest.fixture(scope="session")
def loopback_server(embedded_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on 127.0.0.1, serving the embedded model as 'smol'."""
    from servers.llama import llama_server

    with llama_server(embedded_path, tmp_path_factory.mktemp("server")) as base:
        yield base
