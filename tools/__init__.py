"""Tools for thinkdial agents: the ``@tool`` decorator, argument validation and built-in tools.

``tools`` depends on nothing else in thinkdial (``agent`` imports ``tools``,
never the reverse) and keeps its imports light.
"""

from tools.base import Tool, ToolContext, ToolResult, ToolSet, as_tool, render_value, tool, tool_call_schema
from tools.calculator import calculator, evaluate
from tools.files import workspace_tools
from tools.python_runner import python_tool

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
