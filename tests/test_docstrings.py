"""Docstrings in every common style give tools their description and every argument's description."""

from __future__ import annotations

import pytest

from thinkdial.tools import tool
from thinkdial.tools._docstring import parse_docstring


def google(value: float, unit: str = "C") -> str:
    """Convert a temperature.

    Args:
        value (float): The temperature
            to convert.
        unit: Target unit, "C" or "F".

    Returns:
        The converted temperature.
    """
    return f"{value}{unit}"


def numpy(value: float, unit: str = "C") -> str:
    """Convert a temperature.

    Parameters
    ----------
    value : float
        The temperature
        to convert.
    unit : str, optional
        Target unit, "C" or "F".

    Returns
    -------
    str
        The converted temperature.
    """
    return f"{value}{unit}"


def rest(value: float, unit: str = "C") -> str:
    """Convert a temperature.

    :param value: The temperature
        to convert.
    :type value: float
    :param unit: Target unit, "C" or "F".
    :returns: The converted temperature.
    """
    return f"{value}{unit}"


def epydoc(value: float, unit: str = "C") -> str:
    """Convert a temperature.

    @param value: The temperature
        to convert.
    @param unit: Target unit, "C" or "F".
    @return: The converted temperature.
    """
    return f"{value}{unit}"


@pytest.mark.parametrize("func", [google, numpy, rest, epydoc], ids=lambda f: f.__name__)
def test_every_style_keeps_summary_and_argument_descriptions(func) -> None:
    t = tool(func)
    assert t.description == "Convert a temperature."
    props = t.parameters["properties"]
    assert props["value"]["description"] == "The temperature to convert."
    assert props["unit"]["description"] == 'Target unit, "C" or "F".'
    assert "Returns" not in t.description and ":param" not in t.description


def test_google_keyword_args_and_starred_names() -> None:
    parsed = parse_docstring(
        """Do it.

        Keyword Args:
            depth: How deep.
            **extra: Anything else.
        """
    )
    assert parsed.summary == "Do it."
    assert parsed.args == {"depth": "How deep.", "extra": "Anything else."}


def test_wrapped_summary_and_no_docstring() -> None:
    assert parse_docstring("Convert a temperature that is\nwritten over two lines.\n\nArgs:\n    v: x").summary == (
        "Convert a temperature that is written over two lines."
    )
    assert parse_docstring(None).summary == "" and parse_docstring("   ").args == {}

