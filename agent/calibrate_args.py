"""The ``thinkdial calibrate`` subcommand's arguments: argparse only, so ``thinkdial --help`` stays instant.

The command itself lives in :mod:`thinkdial.calibrate`, which imports the difficulty estimator.
"""

from __future__ import annotations

import argparse

__all__ = ["add_arguments"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``calibrate`` subcommand's arguments (argparse only: importing this stays cheap)."""
    p.add_argument("file", nargs="?", help="labelled tasks (JSON Lines, the thinkdial bench task format)")
    p.add_argument("--unlabelled", metavar="PROMPTS", help="prompts, one per line (or JSON Lines with 'prompt')")
    p.add_argument("--show", action="store_true", help="print the stored calibration of the model and its AUROC")
    p.add_argument("--fast", help="the fast model to calibrate (default: the config's, else 'embedded')")
    p.add_argument("--thinker", help="also fit P(thinker right) for this (fast, thinker) pair from the labelled tasks, "
                                     "run through both routes (what escalation gains; see README)")
    p.add_argument("--api-base", help="endpoint for OpenAI-compatible servers (litellm api_base)")
    p.add_argument("--samples", type=int, default=4, help="k samples per prompt (label-free: the label's source)")
    p.add_argument("--draft-tokens", type=int, default=48, help="token cap of drafts and samples")
    p.add_argument("--out", help="write the calibration here instead of the per-model config file")
    p.add_argument("--config", help="TOML config file (default ~/.config/thinkdial/config.toml)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
