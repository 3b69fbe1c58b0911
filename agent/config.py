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

import difflib
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from thinkdial.errors import ConfigError, ThinkdialError


class _Section(BaseModel):
    """A config table: unknown keys are errors (a typo must never drop a ceiling silently)."""

    model_config = ConfigDict(extra="forbid")


class ModelsConfig(_Section):
    """``[models]``: model profiles and where they run."""

    fast: str = "embedded"
    thinker: str | None = None
    verifier: str | None = None
    api_base: str | None = None
    n_gpu_layers: int | str = "auto"


class PricesConfig(_Section):
    """``[prices]``: USD per million tokens for local models."""

    input_per_mtok: float = Field(default=0.0, ge=0)
    output_per_mtok: float = Field(default=0.0, ge=0)

    @field_validator("input_per_mtok", "output_per_mtok")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v


class BudgetConfig(_Section):
    """``[budget]``: the default ceilings. Omit a key for no limit; ``inf``/``nan`` are refused."""

    max_cost_usd: float | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=0)
    max_steps: int | None = Field(default=None, ge=0)
    max_seconds: float | None = Field(default=None, ge=0)

    @field_validator("max_cost_usd", "max_seconds")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number (leave the key out for no limit)")
        return v


class PolicyConfig(_Section):
    """``[policy]``: the routing policy and its threshold."""

    name: str = "adaptive"
    threshold: float | None = Field(default=None, ge=0, le=1)


class ProfileConfig(_Section):
    """``[profiles.NAME]``: a named model set and policy; ``thinkdial serve`` offers it as the model ``thinkdial/NAME``."""

    fast: str | None = None
    """The fast model (default: ``[models] fast``)."""
    thinker: str | None = None
    """The thinker (default: ``[models] thinker``, else this profile's fast model)."""
    verifier: str | None = None
    policy: str = "adaptive"
    threshold: float | None = Field(default=None, ge=0, le=1)


class ServeConfig(_Section):
    """``[serve]``: ``thinkdial serve``'s keys and limits (command-line flags win)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    api_keys: list[str] = Field(default_factory=list)
    """Bearer keys a request must carry (none: no authentication)."""
    max_request_bytes: int = Field(default=1_000_000, gt=0)
    max_messages: int = Field(default=256, gt=0)
    max_concurrency: int = Field(default=8, gt=0)
    """Requests run at once; one more is answered 429 with ``Retry-After``."""
    daily_max_cost_usd: float | None = Field(default=None, ge=0)
    """Server-wide spend per UTC day."""
    daily_max_tokens: int | None = Field(default=None, ge=0)
    key_daily_max_cost_usd: float | None = Field(default=None, ge=0)
    """Spend per API key per UTC day."""
    key_daily_max_tokens: int | None = Field(default=None, ge=0)
    store: str | None = None
    """Where spend is kept: a SQLite file path or ``sqlite:///PATH`` (default under ``$XDG_DATA_HOME/thinkdial``), or
    ``redis://HOST:PORT/DB`` when several servers share keys."""


class Config(_Section):
    """The whole file."""

    models: ModelsConfig = Field(default_factory=ModelsConfig)
    prices: PricesConfig = Field(default_factory=PricesConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    profiles: dict[str, ProfileConfig] = Field(default_factory=dict)
    serve: ServeConfig = Field(default_factory=ServeConfig)


def default_config_path() -> Path:
    """``$XDG_CONFIG_HOME/thinkdial/config.toml`` (``~/.config`` by default)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "thinkdial" / "config.toml"


def load_config(path: str | Path | None = None) -> Config:
    """The config at ``path`` (must exist), else the default file if present, else defaults.

    Raises:
        ConfigError: The file is not valid TOML, has a key thinkdial does not know (the message
            names it, its line and the closest known key) or a value of the wrong type or range
            (the message names the field and its line).
    """
    file = Path(path).expanduser() if path else default_config_path()
    if not file.exists():
        if path:
            raise ThinkdialError(f"Config file not found: {file}.", "Pass an existing TOML file to --config.")
        return Config()
    text = file.read_text(encoding="utf-8")
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {file} is not valid TOML: {exc}.", "Fix the TOML (see README, 'Configuration').") from exc
    return parse_config(data, text, str(file))


def parse_config(data: dict[str, Any], text: str = "", where: str = "config") -> Config:
    """Validate parsed TOML ``data``; ``text`` (the file's source) lets errors name their line."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err, text) for err in exc.errors()]
        first = problems[0] + (f" (and {len(problems) - 1} more problem(s): " + "; ".join(problems[1:]) + ")" if len(problems) > 1 else "")
        raise ConfigError(f"Config file {where}: {first}.", "Fix it (see README, 'Configuration').") from exc


def _describe(err: Any, text: str) -> str:
    loc = tuple(str(p) for p in err["loc"])
    section, key = (loc[0], loc[1]) if len(loc) >= 2 else (None, loc[0] if loc else "")
    line = find_line(text, section, key)
    at = f"line {line}: " if line else ""
    dotted = ".".join(loc)
    if err["type"] == "extra_forbidden":
        known = _known_keys(section)
        what = f"unknown key '{key}' in [{section}]" if section else f"unknown section or key '{key}'"
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else (f" (known keys: {', '.join(known)})" if known else "")
        return at + what + hint
    if err["type"] == "model_type" or (err["type"] == "dict_type"):
        return f"{at}'{dotted}' must be a table like [{dotted}]"
    got = err.get("input")
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{at}{dotted} {msg[0].lower() + msg[1:]} (got {got!r})"


def _known_keys(section: str | None) -> list[str]:
    if section is None:
        return list(Config.model_fields)
    field = Config.model_fields.get(section)
    annotation = field.annotation if field is not None else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


_HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")


def find_line(text: str, section: str | None, key: str) -> int | None:
    """The 1-based line of ``key`` inside ``[section]`` (or of the ``[key]`` header), or None."""
    current: str | None = None
    key_re = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(raw)
        if header:
            current = header.group(1).strip().strip("\"'")
            if section is None and current == key:
                return number
            continue
        if current == section and key_re.match(raw):
            return number
        if section is not None and current is None and re.match(rf"^\s*{re.escape(section)}\.{re.escape(key)}\s*=", raw):
            return number
    return None
