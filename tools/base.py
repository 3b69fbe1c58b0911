"""Tool definition: the ``@tool`` decorator, ``Tool``, ``ToolSet`` and their results.

A tool is a plain (sync or async) Python function with type hints. ``@tool``
wraps it in a :class:`Tool` that knows its JSON schema (derived with pydantic
from the signature and the docstring) and can be called with the raw argument
text a model produced. :meth:`Tool.call` never raises for bad input or for a
failing tool: every problem comes back as a :class:`ToolResult` with
``ok=False`` and a message written for the model, so it can correct itself.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import json
import re
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, ParamSpec, Protocol, TypeVar, Union, get_args, get_origin, get_type_hints, overload

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo

from thinkdial.tools._docstring import parse_docstring
from thinkdial.tools._schema import clean_schema, describe_type

__all__ = ["SchemaTool", "Tool", "ToolContext", "ToolResult", "ToolSet", "as_tool", "render_value", "tool", "tool_call_schema"]

P = ParamSpec("P")
R = TypeVar("R")

_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SNIPPET = 200  # characters of bad input quoted back to the model
MAX_OFFERED = 64
"""At most this many offered values per argument go into a tool grammar (more offer none)."""


@dataclass
class ToolContext:
    """Run-time information injected into tools that ask for it.

    Declare a parameter annotated ``ToolContext`` (any name) and the agent fills
    it in; it never appears in the tool's JSON schema.

    Attributes:
        workspace: The directory the task may read and write, if any.
        remaining: A snapshot of the remaining budget, filled in by the agent.
        extra: Free-form values the caller wants to pass to tools.
    """

    workspace: Path | None = None
    remaining: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class ToolResult(BaseModel):
    """The outcome of one tool call.

    Attributes:
        ok: False when the arguments were bad, the tool raised or timed out.
        content: Text for the model: the rendered return value or the error.
        value: The raw return value on success (excluded from serialisation,
            since it can be any Python object).
        seconds: Wall-clock time the call took, validation included.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    ok: bool
    content: str
    value: Any = Field(default=None, exclude=True)
    seconds: float = 0.0


def render_value(value: Any) -> str:
    """Render a tool's return value as the text a model sees.

    Strings are returned as-is; pydantic models, dataclasses, dicts, lists and
    tuples become JSON; anything else goes through ``str``.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (BaseModel, dict, list, tuple)) or _is_dataclass_instance(value):
        try:
            return pydantic_core.to_json(value, fallback=str).decode()
        except (TypeError, ValueError, pydantic_core.PydanticSerializationError):
            return str(value)
    return str(value)


def _is_dataclass_instance(value: Any) -> bool:
    """True for dataclass instances (not dataclass types)."""
    return hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type)


class _BadArguments(Exception):
    """Internal: the arguments could not be parsed or validated; str() is the message."""


class Tool(Generic[P, R]):
    """A function the model can call, with its JSON schema and a safe ``call``.

    A ``Tool`` stays callable like the function it wraps. Build one with the
    :func:`tool` decorator or directly with ``Tool(func, name=..., ...)``.

    Attributes:
        name: The name the model uses to call the tool.
        description: What the tool does (the docstring's first paragraph by default).
        parameters: JSON schema of the arguments: an object with ``properties``,
            ``required`` and ``additionalProperties: false``; no ``$ref``.
        timeout: Seconds a call may take, or ``None`` for no limit.
        process: Whether each call runs in a worker process (see :func:`tool`).
        is_async: Whether the wrapped function is a coroutine function.
        func: The wrapped function.
        offers: ``None``, or a function returning the values a string argument can usefully take right now
            (``{"path": ["a.txt", "notes/b.md"]}``, as :func:`~thinkdial.tools.files.workspace_tools` offers the
            workspace's files). A local model's tool grammar restricts the argument to them, so a small model
            picks a real value instead of inventing one; validation does not (a value may appear later).
    """

    offers: Callable[[], dict[str, list[str]]] | None = None

    def __init__(
        self,
        func: Callable[P, R],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
        process: bool = False,
    ) -> None:
        """Wrap ``func``; raises ``TypeError``/``ValueError`` for unusable definitions."""
        if not callable(func):
            raise TypeError(f"tool expects a function, got {type(func).__name__}")
        functools.update_wrapper(self, func)
        self.func: Callable[P, R] = func
        self.name: str = str(name or getattr(func, "__name__", type(func).__name__))
        if not _NAME_RE.match(self.name):
            raise ValueError(f"tool name {self.name!r} must be 1-64 letters, digits, '_' or '-'; pass name=...")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"tool {self.name!r}: timeout must be positive seconds or None, got {timeout!r}")
        self.timeout: float | None = timeout
        doc = parse_docstring(inspect.getdoc(func))
        self.description: str = description if description is not None else doc.summary
        self.is_async: bool = _is_coroutine_function(func)
        self._reference = _worker_reference(func, process, self.name, self.is_async)
        self._positional_only: set[str] = set()
        self._context_params: list[str] = []
        self._fields: dict[str, str] = {}  # model field name -> parameter name
        self._param_order: list[str] = []
        self._model = self._build_model(doc.args)
        self.parameters: dict[str, Any] = self._build_parameters()

    # ------------------------------------------------------------------ schema

    def _build_model(self, arg_docs: dict[str, str]) -> type[BaseModel]:
        """Create the pydantic model that validates this tool's arguments."""
        target = self.func if inspect.isroutine(self.func) else getattr(self.func, "__call__", self.func)  # noqa: B004
        signature = inspect.signature(self.func)
        try:
            hints = get_type_hints(target, include_extras=True)
        except Exception:  # unresolvable forward references: fall back to raw annotations
            hints = {}
        definitions: dict[str, Any] = {}
        self._param_order = list(signature.parameters)
        for index, (pname, param) in enumerate(signature.parameters.items()):
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise TypeError(f"tool {self.name!r}: *args/**kwargs parameters are not supported ({pname!r})")
            annotation = hints.get(pname, param.annotation)
            if annotation is inspect.Parameter.empty:
                annotation = Any
            if param.kind is param.POSITIONAL_ONLY:
                self._positional_only.add(pname)
            if _is_context_annotation(annotation):
                self._context_params.append(pname)
                continue
            field_name = f"arg{index}"
            self._fields[field_name] = pname
            default = ... if param.default is inspect.Parameter.empty else param.default
            description = None if _has_description(annotation) else arg_docs.get(pname)
            definitions[field_name] = (annotation, Field(default, alias=pname, description=description or None))
        try:
            return create_model(
                f"{self.name}_arguments",
                __config__=ConfigDict(extra="forbid", populate_by_name=False),
                **definitions,
            )
        except Exception as exc:
            raise TypeError(f"tool {self.name!r}: cannot build an argument schema: {exc}") from exc

    def _build_parameters(self) -> dict[str, Any]:
        """Derive the cleaned JSON schema of the arguments."""
        try:
            raw = self._model.model_json_schema(by_alias=True)
            schema = clean_schema(raw)
        except Exception as exc:
            raise TypeError(f"tool {self.name!r}: cannot build an argument schema: {exc}") from exc
        return {
            "type": "object",
            "properties": schema.get("properties", {}),
            "required": list(schema.get("required", [])),
            "additionalProperties": False,
        }

    @classmethod
    def from_schema(
        cls,
        name: str,
        description: str,
        json_schema: dict[str, Any],
        fn: Callable[..., Any],
        *,
        timeout: float | None = None,
        process: bool = False,
    ) -> Tool[..., Any]:
        """A tool whose arguments are described by a JSON schema rather than a Python signature.

        For tools defined elsewhere (an MCP server, an OpenAPI operation, a plugin):
        the model sees ``json_schema`` (with ``$ref`` inlined), every call's arguments
        are validated against it (nested objects, arrays, enums, formats included)
        and ``fn`` is called with them as keyword arguments: ``fn(**arguments)``.
        ``fn`` may be sync or async; bad arguments, exceptions and timeouts come
        back to the model as ``ToolResult(ok=False)``, as for ``@tool`` functions.

        Args:
            name: The name the model uses (1-64 letters, digits, ``_`` or ``-``).
            description: What the tool does.
            json_schema: An object schema: ``{"type": "object", "properties": {...}, "required": [...]}``.
            fn: Called with the validated arguments as keyword arguments.
            timeout: Seconds one call may take; ``None`` leaves it to the agent's ``tool_timeout``.
            process: Run each call of a sync ``fn`` in a worker process that a timeout kills (see :func:`tool`).

        Raises:
            TypeError: ``fn`` is not callable, or ``json_schema`` is not a dict.
            ValueError: A bad name or timeout, or a schema that is not a valid object schema.
        """
        return SchemaTool(name, description, json_schema, fn, timeout=timeout, process=process)

    def openai_schema(self) -> dict[str, Any]:
        """The tool in OpenAI's function-calling format (as litellm expects)."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def offered_values(self, limit: int = MAX_OFFERED) -> dict[str, list[str]]:
        """The values :attr:`offers` names now, per string argument of the schema (at most ``limit`` each; an
        argument offering more, or none, is left out). Never raises: a failing ``offers`` offers nothing."""
        if self.offers is None:
            return {}
        try:
            raw = self.offers()
        except Exception:  # noqa: BLE001 - what a tool offers is a hint, never a failure
            return {}
        props = self.parameters.get("properties", {})
        out: dict[str, list[str]] = {}
        for key, values in (raw or {}).items():
            if key not in props or props[key].get("type") != "string" or not isinstance(values, (list, tuple)):
                continue
            kept = list(dict.fromkeys(v for v in values if isinstance(v, str) and v))
            if kept and len(kept) <= limit:
                out[key] = kept
        return out

    def check_arguments(self, arguments: str | dict[str, Any] | None) -> str | None:
        """Why ``arguments`` would be refused (the message the model would get), or None when they validate.
        Nothing runs."""
        try:
            self._prepare(arguments, ToolContext())
        except _BadArguments as exc:
            return str(exc)
        return None

    # ------------------------------------------------------------------ calls

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call the wrapped function directly (no validation, no timeout)."""
        return self.func(*args, **kwargs)

    async def call(
        self, arguments: str | dict[str, Any] | None = None, context: ToolContext | None = None
    ) -> ToolResult:
        """Validate ``arguments``, run the tool and report the outcome; never raises for failures.

        Args:
            arguments: JSON text (as produced by a model) or an already-parsed dict.
            context: Injected into parameters annotated ``ToolContext``.

        Returns:
            ``ToolResult(ok=True, content=<rendered value>, value=<raw value>)`` on
            success; ``ok=False`` with a message for the model otherwise.
        """
        start = time.perf_counter()
        try:
            args, kwargs = self._prepare(arguments, context or ToolContext())
        except _BadArguments as exc:
            return ToolResult(ok=False, content=str(exc), seconds=time.perf_counter() - start)
        deadline = asyncio.timeout(self.timeout)
        try:
            async with deadline:
                if self.is_async:
                    value = await self.func(*args, **kwargs)  # type: ignore[misc]
                elif self._reference is not None:
                    from thinkdial.tools._process import call_in_process

                    value = await call_in_process(self._reference, args, kwargs, self.name)
                else:
                    value = await _run_in_daemon_thread(self.func, args, kwargs, self.name)
        except TimeoutError as exc:
            if deadline.expired():
                message = f"Tool '{self.name}' timed out after {self.timeout:g} s."
            else:
                message = _exception_text(exc)
            return ToolResult(ok=False, content=message, seconds=time.perf_counter() - start)
        except (Exception, SystemExit) as exc:
            return ToolResult(ok=False, content=_exception_text(exc), seconds=time.perf_counter() - start)
        return ToolResult(ok=True, content=render_value(value), value=value, seconds=time.perf_counter() - start)

    def _prepare(
        self, arguments: str | dict[str, Any] | None, context: ToolContext
    ) -> tuple[list[Any], dict[str, Any]]:
        """Parse and validate ``arguments``; return positional and keyword arguments for the call."""
        data = self._parse(arguments)
        try:
            validated = self._model.model_validate(data)
        except ValidationError as exc:
            raise _BadArguments(self._validation_message(exc)) from None
        values = {pname: getattr(validated, fname) for fname, pname in self._fields.items()}
        values.update({pname: context for pname in self._context_params})
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for pname in self._param_order:
            if pname in self._positional_only:
                args.append(values[pname])
            else:
                kwargs[pname] = values[pname]
        return args, kwargs

    def _parse(self, arguments: str | dict[str, Any] | None) -> dict[str, Any]:
        """Turn the model's argument text into a dict, with a helpful error if it is not one."""
        if arguments is None:
            return {}
        data: Any = arguments
        if isinstance(arguments, (str, bytes)):
            text = arguments.decode(errors="replace") if isinstance(arguments, bytes) else arguments
            if not text.strip():
                return {}
            try:
                data = json.loads(text)
                if isinstance(data, str) and data.strip().startswith("{"):
                    data = json.loads(data)  # JSON encoded twice, a common model habit
            except json.JSONDecodeError as exc:
                snippet = text if len(text) <= _SNIPPET else text[:_SNIPPET] + "..."
                raise _BadArguments(
                    f"The arguments for tool '{self.name}' are not valid JSON "
                    f"({exc.msg}: line {exc.lineno} column {exc.colno}) in: {snippet}\n"
                    f"Send one JSON object like {self._example()}."
                ) from None
            except RecursionError:  # nested deeper than the JSON decoder's recursion limit
                raise _BadArguments(
                    f"The arguments for tool '{self.name}' are nested too deeply to read. "
                    f"Send one flat JSON object like {self._example()}."
                ) from None
            except ValueError as exc:  # an integer beyond Python's int-string limit (over 4300 digits)
                raise _BadArguments(
                    f"The arguments for tool '{self.name}' could not be read: {exc}. "
                    f"Send one JSON object like {self._example()}, with numbers of at most 4300 digits."
                ) from None
        if not isinstance(data, dict):
            raise _BadArguments(
                f"The arguments for tool '{self.name}' must be a JSON object, got {_json_kind(data)}. "
                f"Send one JSON object like {self._example()}."
            )
        return data

    def _example(self) -> str:
        """A readable template of a valid argument object, e.g. ``{"a": <number>}``."""
        props = self.parameters["properties"]
        parts = [f"{json.dumps(name)}: <{describe_type(schema)}>" for name, schema in props.items()]
        return "{" + ", ".join(parts) + "}"

    def _validation_message(self, error: ValidationError) -> str:
        """Summarise pydantic's errors: one line per bad field, then the expected arguments."""
        props = self.parameters["properties"]
        lines = [f"Invalid arguments for tool '{self.name}':"]
        for item in error.errors(include_url=False):
            loc = [str(part) for part in item.get("loc", ())]
            where = ".".join(loc) or "(arguments)"
            top = props.get(loc[0]) if loc else None
            expected = describe_type(top) if top is not None and len(loc) == 1 else None
            kind = item.get("type", "")
            if kind == "missing":
                lines.append(f"- missing required argument '{where}'" + (f" ({expected})" if expected else ""))
            elif kind == "extra_forbidden":
                lines.append(f"- unknown argument '{where}'")
            else:
                got = _short_json(item.get("input"))
                text = f"- argument '{where}': {item.get('msg', 'invalid value')}, got {got}"
                lines.append(text + (f"; expected {expected}" if expected else ""))
        lines.append("Expected arguments: " + self._signature_text() + ".")
        return "\n".join(lines)

    def _signature_text(self) -> str:
        """Describe every argument: name, type and whether it is required."""
        props = self.parameters["properties"]
        required = set(self.parameters["required"])
        if not props:
            return "none (send {})"
        parts = []
        for name, schema in props.items():
            status = "required" if name in required else f"optional, default {_short_json(schema.get('default'))}"
            parts.append(f"{name} ({describe_type(schema)}, {status})")
        return ", ".join(parts)

    @property
    def process(self) -> bool:
        """Whether each call runs in a worker process (``process=True``)."""
        return self._reference is not None

    def __repr__(self) -> str:
        extra = ", process=True" if self.process else ""
        return f"{type(self).__name__}(name={self.name!r}, is_async={self.is_async}, timeout={self.timeout!r}{extra})"


class SchemaTool(Tool[..., Any]):
    """A :class:`Tool` defined by a JSON schema (see :meth:`Tool.from_schema`), validated with ``jsonschema``."""

    def __init__(
        self,
        name: str,
        description: str,
        json_schema: dict[str, Any],
        fn: Callable[..., Any],
        *,
        timeout: float | None = None,
        process: bool = False,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"Tool.from_schema(fn=...) takes a function, got {type(fn).__name__}")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(f"Tool.from_schema(name=...): {name!r} must be 1-64 letters, digits, '_' or '-'")
        if not isinstance(json_schema, dict):
            raise TypeError(f"Tool.from_schema(json_schema=...) takes a dict, got {type(json_schema).__name__}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"tool {name!r}: timeout must be positive seconds or None, got {timeout!r}")
        self.func = fn
        self.name = name
        self.description = description or ""
        self.timeout = timeout
        self.is_async = _is_coroutine_function(fn)
        self._reference = _worker_reference(fn, process, name, self.is_async)
        self._positional_only = set()
        self._context_params = []
        self._fields = {}
        self._param_order = []
        self.parameters = self._schema_parameters(json_schema)
        from jsonschema import Draft202012Validator, FormatChecker

        self._validator = Draft202012Validator(self.parameters, format_checker=FormatChecker())

    def _schema_parameters(self, json_schema: dict[str, Any]) -> dict[str, Any]:
        """The cleaned argument schema: ``$ref`` inlined, an object with properties and required."""
        from jsonschema.exceptions import SchemaError
        from jsonschema.validators import validator_for

        try:
            validator_for(json_schema).check_schema(json_schema)
        except SchemaError as exc:
            raise ValueError(f"Tool.from_schema(json_schema=...) for {self.name!r} is not a valid JSON schema: {exc.message}") from None
        kind = json_schema.get("type", "object")
        if kind != "object":
            raise ValueError(
                f"Tool.from_schema(json_schema=...) for {self.name!r} must describe an object of arguments, not {kind!r}"
            )
        try:
            cleaned = clean_schema({k: v for k, v in json_schema.items() if k != "$schema"})
        except TypeError as exc:
            raise ValueError(f"Tool.from_schema(json_schema=...) for {self.name!r}: {exc}") from None
        cleaned["type"] = "object"
        cleaned.setdefault("properties", {})
        cleaned["required"] = list(cleaned.get("required", []))
        cleaned.setdefault("additionalProperties", False)
        return cleaned

    def _prepare(
        self, arguments: str | dict[str, Any] | None, context: ToolContext
    ) -> tuple[list[Any], dict[str, Any]]:
        """Parse ``arguments`` and validate them against the schema; every problem is named for the model."""
        data = self._parse(arguments)
        errors = sorted(self._validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
        if errors:
            props = self.parameters["properties"]
            lines = [f"Invalid arguments for tool '{self.name}':"]
            for err in errors[:10]:
                where = ".".join(str(p) for p in err.absolute_path)
                if err.validator == "required":
                    missing = err.message.split("'")[1] if "'" in err.message else err.message
                    path = f"{where}.{missing}" if where else missing
                    top = props.get(path) if not where else None
                    lines.append(f"- missing required argument '{path}'" + (f" ({describe_type(top)})" if top else ""))
                elif err.validator == "additionalProperties" and not where:
                    lines.append(f"- unknown argument(s): {err.message}")
                else:
                    lines.append(f"- argument '{where or '(arguments)'}': {err.message}")
            lines.append("Expected arguments: " + self._signature_text() + ".")
            raise _BadArguments("\n".join(lines))
        return [], data


@overload
def tool(func: Callable[P, R], /) -> Tool[P, R]: ...


@overload
def tool(
    *, name: str | None = None, description: str | None = None, timeout: float | None = None, process: bool = False
) -> Callable[[Callable[P, R]], Tool[P, R]]: ...


def tool(
    func: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    process: bool = False,
) -> Tool[P, R] | Callable[[Callable[P, R]], Tool[P, R]]:
    """Turn a typed function into a :class:`Tool`; usable as ``@tool`` or ``@tool(...)``.

    Args:
        func: The function (when used bare as ``@tool``).
        name: The tool's name; defaults to the function's name.
        description: What the tool does; defaults to the docstring's first paragraph.
        timeout: Seconds one call may take; ``None`` (the default) means no limit.
        process: Run each call of a synchronous function in a worker process, killed
            (with everything it started) when the call times out or the run stops.
            Without it a sync tool runs in a thread, and a thread cannot be stopped:
            a timed-out call goes on in the background, and one long C-level call that
            holds the GIL (big-integer arithmetic, a runaway regular expression) stalls
            the whole agent past every timeout. With it, the function must be defined
            at module level (the worker imports it by name), its arguments and value
            must pickle, and what it changes in memory stays in the worker. A warm
            worker adds well under a millisecond a call; starting one costs about as
            much as importing the tool's module.

    Returns:
        The :class:`Tool`, or a decorator producing one when called with options.
    """

    def wrap(f: Callable[P, R]) -> Tool[P, R]:
        return Tool(f, name=name, description=description, timeout=timeout, process=process)

    return wrap if func is None else wrap(func)


def as_tool(obj: Tool[Any, Any] | Callable[..., Any]) -> Tool[Any, Any]:
    """Return ``obj`` if it is a :class:`Tool`, else wrap the function with defaults."""
    return obj if isinstance(obj, Tool) else Tool(obj)


class ToolSet:
    """Tools by name, with a ``call`` that reports unknown tools to the model."""

    def __init__(self, tools: Iterable[Tool[Any, Any] | Callable[..., Any] | Iterable[Tool[Any, Any]]] = ()) -> None:
        """Hold ``tools`` (plain functions are wrapped with :func:`as_tool`).

        An item that is a collection of tools rather than a function (another
        ``ToolSet``, an ``MCPToolset``) contributes each of its tools.
        """
        self._tools: dict[str, Tool[Any, Any]] = {}
        for item in tools:
            if not callable(item) and isinstance(item, Iterable) and not isinstance(item, (str, bytes)):
                for inner in item:
                    self.add(inner)
            else:
                self.add(item)

    def add(self, item: Tool[Any, Any] | Callable[..., Any]) -> Tool[Any, Any]:
        """Add one tool; raises ``ValueError`` if its name is taken."""
        wrapped = as_tool(item)
        if wrapped.name in self._tools:
            raise ValueError(f"duplicate tool name {wrapped.name!r}")
        self._tools[wrapped.name] = wrapped
        return wrapped

    def get(self, name: str) -> Tool[Any, Any] | None:
        """The tool called ``name``, or ``None``."""
        return self._tools.get(name)

    def __getitem__(self, name: str) -> Tool[Any, Any]:
        return self._tools[name]

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool[Any, Any]]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    @property
    def names(self) -> list[str]:
        """Tool names in insertion order."""
        return list(self._tools)

    async def call(
        self, name: str, arguments: str | dict[str, Any] | None = None, context: ToolContext | None = None
    ) -> ToolResult:
        """Call the tool ``name``; an unknown name gives ``ok=False`` listing the available tools."""
        found = self._tools.get(name)
        if found is None:
            available = ", ".join(self.names) or "(none)"
            return ToolResult(ok=False, content=f"Unknown tool '{name}'. Available tools: {available}.")
        return await found.call(arguments, context)

    def call_schema(self) -> dict[str, Any]:
        """JSON schema of one call of one of these tools (see :func:`tool_call_schema`)."""
        return tool_call_schema(self)

    def openai_schemas(self) -> list[dict[str, Any]]:
        """Every tool in OpenAI's function-calling format."""
        return [t.openai_schema() for t in self]

    def __repr__(self) -> str:
        return f"ToolSet({self.names!r})"


class HasCallSchema(Protocol):
    """Anything a call schema can be built from: a :class:`Tool` or a model-side ``ToolSpec``."""

    @property
    def name(self) -> str: ...

    @property
    def parameters(self) -> dict[str, Any]: ...


def tool_call_schema(tools: Iterable[HasCallSchema]) -> dict[str, Any]:
    """JSON schema for one call ``{"tool": "<name>", "arguments": {...}}`` of one of ``tools``.

    Only plain features are used (type, properties, required, enum, anyOf,
    items, additionalProperties false; no ``$ref``), so llama.cpp's
    JSON-schema-to-grammar converter accepts it.

    Args:
        tools: The tools a call may name (a :class:`ToolSet` works too).

    Returns:
        ``{"anyOf": [...]}`` with one object schema per tool.

    Raises:
        ValueError: ``tools`` is empty.
    """
    options = [
        {
            "type": "object",
            "properties": {
                "tool": {"type": "string", "enum": [t.name]},
                "arguments": t.parameters,
            },
            "required": ["tool", "arguments"],
            "additionalProperties": False,
        }
        for t in tools
    ]
    if not options:
        raise ValueError("tool_call_schema needs at least one tool")
    return {"anyOf": options}


# ---------------------------------------------------------------------- helpers


def _is_coroutine_function(func: Any) -> bool:
    """True for async functions, partials of them and objects with an async ``__call__``."""
    while isinstance(func, functools.partial):
        func = func.func
    if inspect.iscoroutinefunction(func):
        return True
    call = getattr(func, "__call__", None)  # noqa: B004 - the method itself, to ask if it is async
    return not inspect.isroutine(func) and inspect.iscoroutinefunction(call)


def _is_context_annotation(annotation: Any) -> bool:
    """Whether a parameter annotation asks for the injected :class:`ToolContext`."""
    if isinstance(annotation, str):
        cleaned = annotation.replace(" ", "")
        return cleaned in {"ToolContext", "ToolContext|None", "Optional[ToolContext]", "None|ToolContext"}
    if isinstance(annotation, type):
        return issubclass(annotation, ToolContext)
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_context_annotation(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(isinstance(a, type) and issubclass(a, ToolContext) for a in get_args(annotation))
    return False


def _has_description(annotation: Any) -> bool:
    """Whether an ``Annotated[..., Field(description=...)]`` already describes the argument."""
    if get_origin(annotation) is not Annotated:
        return False
    return any(isinstance(m, FieldInfo) and m.description for m in get_args(annotation)[1:])


def _exception_text(exc: BaseException) -> str:
    """``"<ExceptionType>: <message>"`` (just the type when the message is empty)."""
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _json_kind(value: Any) -> str:
    """JSON's name for the kind of ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _worker_reference(func: Callable[..., Any], process: bool, name: str, is_async: bool) -> tuple[str, str] | None:
    """Check ``process=``; how a worker process imports ``func`` when it is set, else ``None``."""
    if not isinstance(process, bool):
        raise TypeError(f"tool {name!r}: process must be True or False, got {process!r}")
    if not process:
        return None
    if is_async:
        raise ValueError(f"tool {name!r}: process=True is for synchronous functions; an async tool is stopped by cancellation")
    from thinkdial.tools._process import function_reference

    return function_reference(func, f"tool {name!r}: process=True")


def _short_json(value: Any, limit: int = 80) -> str:
    """``value`` as compact JSON, cut to ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


async def _run_in_daemon_thread(func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any], name: str) -> Any:
    """Run a sync function in a fresh daemon thread and await its result.

    Like ``asyncio.to_thread`` (context variables are copied), but the thread is
    a daemon outside the loop's default executor: a call abandoned on timeout
    keeps running in the background without blocking ``asyncio.run`` from
    returning or the interpreter from exiting.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    ctx = contextvars.copy_context()

    def settle(setter: Callable[[Any], None], payload: Any) -> None:
        if not future.done():
            setter(payload)

    def runner() -> None:
        try:
            result = ctx.run(func, *args, **kwargs)
        except BaseException as exc:  # delivered to the awaiting coroutine
            outcome: tuple[Callable[[Any], None], Any] = (future.set_exception, exc)
        else:
            outcome = (future.set_result, result)
        try:
            loop.call_soon_threadsafe(settle, *outcome)
        except RuntimeError:  # the loop closed while we ran (call abandoned)
            pass

    threading.Thread(target=runner, name=f"tool-{name}", daemon=True).start()
    return await future
