"""Argparse types the subcommands share (argparse only: importing this keeps ``thinkdial --help`` instant)."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see thinkdial.cli)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["gpu_layers", "number"]


def number(kind: Callable[[str], Any], *, minimum: float, strict: bool = False) -> Callable[[str], Any]:
    """An argparse type: a number of ``kind`` that is at least ``minimum`` (above it when ``strict``)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'a whole number' if kind is int else 'a number'}, got {text!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        if value < minimum or (strict and value == minimum):
            raise argparse.ArgumentTypeError(f"must be {'>' if strict else '>='} {minimum:g}, got {text!r}")
        return value

    return parse


def gpu_layers(text: str) -> int | str:
    """An argparse type for ``--n-gpu-layers``: ``auto`` or a whole number (-1 = all)."""
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto', -1 (all) or a number of layers, got {text!r}") from None
    if value < -1:
        raise argparse.ArgumentTypeError(f"expected 'auto', -1 (all) or a number of layers >= 0, got {text!r}")
    return value
