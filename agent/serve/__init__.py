"""``thinkdial serve``: the adaptive agent as an OpenAI-compatible endpoint.

Each ``POST /v1/chat/completions`` is one step of the client's own loop: the fast model drafts, the
controller keeps the draft or escalates, and a step that decides on a call of one of the request's
``tools`` returns ``tool_calls`` for the client to run. Modules, one job each:

- :mod:`thinkdial.serve.protocol`: the OpenAI request and response shapes, and their errors;
- :mod:`thinkdial.serve.engine`: one request as one run of an :class:`~thinkdial.Agent`;
- :mod:`thinkdial.serve.spend`: per-day spend ceilings, kept in SQLite or Redis;
- :mod:`thinkdial.serve.limits`: bearer keys and the concurrency gate;
- :mod:`thinkdial.serve.app`: the Starlette app (routes, streaming, disconnects);
- :mod:`thinkdial.serve.cli`: the ``thinkdial serve`` command (argparse only at import time).

Nothing here is imported by ``import thinkdial``; the web stack loads only when a server is built.
"""

from __future__ import annotations
