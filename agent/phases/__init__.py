"""The run loop, one module per phase.

``controller.RunController`` drives steps; each phase is a function of a
:class:`~thinkdial.phases.context.RunContext` (frozen settings, the ledger's
gate, the mutable run state) and the messages so far:

* ``estimate``: the difficulty of the fast draft;
* ``think`` with ``strategies/``: the think route, one strategy per file;
* ``tools``: running tool calls;
* ``verify``: verification and revision;
* ``structured``: turning the answer into ``output_type``.
"""
