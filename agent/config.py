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

    [prices."openai/my-model"] # a remote model litellm's cost map does not know (0 and 0 = free)
    input_per_mtok = 0.5
    output_per_mtok = 1.5

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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


def _finite_price(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError("must be a finite number")
    return v


class ModelPriceConfig(_Section):
    """``[prices."provider/model"]``: one remote model's prices. Both keys are required (0 and 0 declares it free)."""

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)

    _finite = field_validator("input_per_mtok", "output_per_mtok")(_finite_price)


class PricesConfig(_Section):
    """``[prices]``: USD per million tokens for local models; ``[prices."name"]`` tables price remote models by name."""

    input_per_mtok: float = Field(default=0.0, ge=0)
    output_per_mtok: float = Field(default=0.0, ge=0)
    models: dict[str, ModelPriceConfig] = Field(default_factory=dict, exclude=True)
    """Remote models by litellm name (the ``[prices."name"]`` tables); not part of the local prices."""

    _finite = field_validator("input_per_mtok", "output_per_mtok")(_finite_price)

    @model_validator(mode="before")
    @classmethod
    def _model_tables(cls, data: Any) -> Any:
        """``[prices."openai/x"]`` tables arrive as dict values among the local keys: gather them under ``models``."""
        if isinstance(data, dict) and "models" not in data:
            tables = {k: v for k, v in data.items() if isinstance(v, dict)}
            if tables:
                data = {**{k: v for k, v in data.items() if k not in tables}, "models": tables}
        return data

    def remote(self) -> dict[str, Any]:
        """The ``[prices."name"]`` tables as :class:`~thinkdial.models.base.Pricing` objects, by model name."""
        from thinkdial.models.base import Pricing

        return {name: Pricing(input_per_mtok=p.input_per_mtok, output_per_mtok=p.output_per_mtok) for name, p in self.models.items()}


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
    if len(loc) >= 3 and loc[:2] == ("prices", "models"):
        return _describe_model_price(err, loc[2], loc[3] if len(loc) > 3 else "", text)
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


def _describe_model_price(err: Any, model: str, key: str, text: str) -> str:
    """A problem inside a ``[prices."name"]`` table, naming the table and the line."""
    table = f'[prices."{model}"]'
    line = find_line(text, ("prices", model), key) if key else None
    if line is None:
        line = find_line(text, None, ("prices", model))
    at = f"line {line}: " if line else ""
    if err["type"] == "extra_forbidden":
        known = list(ModelPriceConfig.model_fields)
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
        return f"{at}unknown key '{key}' in {table}" + (f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(known)})")
    if err["type"] == "missing":
        return f"{at}{table} needs {key} (give both input_per_mtok and output_per_mtok; 0 and 0 declares the model free)"
    if err["type"] in ("model_type", "dict_type"):
        return f"{at}{table} must be a table with input_per_mtok and output_per_mtok"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{at}{table} {key} {msg[0].lower() + msg[1:]} (got {err.get('input')!r})"


def _known_keys(section: str | None) -> list[str]:
    if section is None:
        return list(Config.model_fields)
    field = Config.model_fields.get(section)
    annotation = field.annotation if field is not None else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [name for name, f in annotation.model_fields.items() if not f.exclude]
    return []


_HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")
_HEADER_PART = re.compile(r"""\s*(?:"[^"]*"|'[^']*'|[^.]+)\s*""")


def _header_parts(header: str) -> tuple[str, ...]:
    """``prices."openai/gpt-4.1"`` -> ``("prices", "openai/gpt-4.1")``: dots inside quotes do not split."""
    return tuple(part.strip().strip("\"'") for part in _HEADER_PART.findall(header))


def find_line(text: str, section: str | tuple[str, ...] | None, key: str | tuple[str, ...]) -> int | None:
    """The 1-based line of ``key`` inside ``[section]`` (or of the ``[key]`` header), or None.

    A nested table is a tuple of its parts: ``find_line(text, ("prices", "openai/x"), "input_per_mtok")``.
    """
    want = (section,) if isinstance(section, str) else section
    header_key = (key,) if isinstance(key, str) else key
    current: tuple[str, ...] | None = None
    key_re = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=") if isinstance(key, str) else None
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(raw)
        if header:
            current = _header_parts(header.group(1))
            if section is None and current == header_key:
                return number
            continue
        if key_re is None:
            continue
        if want is not None and current == want and key_re.match(raw):
            return number
        if isinstance(section, str) and current is None and re.match(rf"^\s*{re.escape(section)}\.{re.escape(str(key))}\s*=", raw):
            return number
    return None
