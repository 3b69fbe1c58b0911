"""Turn a model string into a backend: ``"embedded"``, a ``.gguf`` path, or a litellm name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from thinkdial.errors import ModelFileError
from thinkdial.models.base import Model, Pricing
from thinkdial.models.embedded import EMBEDDED_NAME, embedded_model_path

_EMBEDDED: dict[tuple[Any, ...], Model] = {}


def resolve_model(
    spec: str | Model | Sequence[str | Model] | None,
    *,
    api_base: str | None = None,
    api_key: str | None = None,
    n_gpu_layers: int | str = "auto",
    n_ctx: int = 4096,
    pricing: Pricing | None = None,
    prices: Mapping[str, Pricing] | None = None,
) -> Model:
    """A model object from a model object, ``"embedded"`` (the default), a GGUF path or a litellm name.

    A list (or tuple) of these is a :class:`~thinkdial.models.fallback.FallbackModel`: the first member
    that is reachable answers each call. ``pricing`` prices local models (default free); ``prices``
    prices litellm names (by name; otherwise litellm's cost map, else the price is unknown).
    """
    if isinstance(spec, (list, tuple)):
        if not spec:
            raise ValueError("a model list needs at least one model, e.g. ['openai/gpt-4o-mini', 'embedded']")
        options = {"api_base": api_base, "api_key": api_key, "n_gpu_layers": n_gpu_layers, "n_ctx": n_ctx, "pricing": pricing,
                   "prices": prices}
        members = [resolve_model(item, **options) for item in spec]  # type: ignore[arg-type]
        if len(members) == 1:
            return members[0]
        from thinkdial.models.fallback import FallbackModel

        return cast(Model, FallbackModel(members))
    if spec is not None and not isinstance(spec, str):
        return cast(Model, spec)
    from thinkdial.models.llamacpp import LlamaCppModel

    if spec is None or spec == EMBEDDED_NAME:
        key = (n_ctx, n_gpu_layers)
        if key not in _EMBEDDED:
            _EMBEDDED[key] = cast(Model, LlamaCppModel(
                embedded_model_path(), name=EMBEDDED_NAME, n_ctx=n_ctx, n_gpu_layers=n_gpu_layers  # type: ignore[arg-type]
            ))
        model = _EMBEDDED[key]
        if pricing is not None:
            model.pricing = pricing
        return model
    looks_like_path = spec.endswith(".gguf") or spec.startswith((".", "/", "~")) or Path(spec).expanduser().exists()
    if looks_like_path:
        path = Path(spec).expanduser()
        if not path.exists():
            raise ModelFileError(
                f"Model file not found: {path}.",
                "Pass an existing .gguf path, 'embedded', or a litellm model name like 'openai/gpt-4o-mini'.",
            )
        return cast(Model, LlamaCppModel(path, n_ctx=n_ctx, n_gpu_layers=n_gpu_layers, pricing=pricing))  # type: ignore[arg-type]
    from thinkdial.models.litellm_model import LiteLLMModel

    # Local prices do not apply to remote models: their own entry in ``prices``, else litellm's cost map.
    return cast(Model, LiteLLMModel(spec, api_base=api_base, api_key=api_key, pricing=(prices or {}).get(spec)))
