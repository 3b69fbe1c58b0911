"""Optional TOML configuration (``~/.config/thinkdial/config.toml`` or ``--config``).

Example::

    [models]
    fast = "embedded"
    thinker = "~/models/qwen3-8b-q4_k_m.gguf"
    n_gpu_layers = -1          # or "auto"
    api_base = "http://127.0.0.1:8000/v1"

    [prices]                   # USD per million tokens, for local models (default 0)
    input_per_mtok = 0.0
    output_per_mtok = 0.0

    [budget]
    max_cost_usd = 0.05
    max_tokens = 8000

    [policy]
    name = "adaptive"
    threshold = 0.5

Nothing is required: with no file everything runs on the embedded model.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from thinkdial.errors import ThinkdialError


class ModelsConfig(BaseModel):
    fast: str = "embedded"
    thinker: str | None = None
    verifier: str | None = None
    api_base: str | None = None
    n_gpu_layers: int | str = "auto"


class PricesConfig(BaseModel):
    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0


class BudgetConfig(BaseModel):
    max_cost_usd: float | None = None
    max_tokens: int | None = None
    max_steps: int | None = None
    max_seconds: float | None = None


class PolicyConfig(BaseModel):
    name: str = "adaptive"
    threshold: float | None = None


class Config(BaseModel):
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    prices: PricesConfig = Field(default_factory=PricesConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "thinkdial" / "config.toml"


def load_config(path: str | Path | None = None) -> Config:
    """The config at ``path`` (must exist), else the default file if present, else defaults."""
    file = Path(path).expanduser() if path else default_config_path()
    if not file.exists():
        if path:
            raise ThinkdialError(f"Config file not found: {file}.", "Pass an existing TOML file to --config.")
        return Config()
    try:
        data: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
        return Config.model_validate(data)
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise ThinkdialError(f"Config file {file} is invalid: {first}.", "Fix the TOML (see README, 'Configuration').") from exc
