"""Tools for thinkdial agents: the ``@tool`` decorator, argument validation and built-in tools.

``thinkdial.tools`` depends on nothing else in thinkdial (the runtime imports it,
never the reverse) and keeps its imports light.
"""

if __name__ != "thinkdial.tools":
    raise ImportError(
        f"{__name__!r} is thinkdial's source folder; import it as 'thinkdial.tools' "
        "(install the project with `pip install -e .`)."
    )

from thinkdial.tools.base import Tool, ToolContext, ToolResult, ToolSet, as_tool, render_value, tool, tool_call_schema
from thinkdial.tools.calculator import calculator, evaluate
from thinkdial.tools.files import workspace_tools
from thinkdial.tools.python_runner import python_tool

__all__ = [
    "Tool",
    "ToolContext",
    "ToolResult",
    "ToolSet",
    "as_tool",
    "calculator",
    "evaluate",
    "python_tool",
    "render_value",
    "tool",
    "tool_call_schema",
    "workspace_tools",
]
