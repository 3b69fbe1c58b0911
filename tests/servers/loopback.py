"""The plumbing every test HTTP server shares: a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 on a thread.

A server is a dataclass subclassing :class:`LoopbackServer` with a ``handler`` class; the handler
reaches its server as ``self.owner``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-request are what several tests do on purpose.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LoopbackHandler(BaseHTTPRequestHandler):
    """Base request handler: HTTP/1.1, quiet, and ``owner`` is the server object."""

    owner: Any
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        return


@dataclass
class LoopbackServer:
    """Start with :meth:`start` (or ``with``); :attr:`base` is the OpenAI-style ``api_base``."""

    handler: ClassVar[type[LoopbackHandler]]
    host: str = "127.0.0.1"
    port: int = 0

    def __post_init__(self) -> None:
        self._httpd: ThreadingHTTPServer | None = None
        self._stop = threading.Event()

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> Self:
        handler = type("Handler", (self.handler,), {"owner": self})
        self._httpd = _QuietServer((self.host, self.port), handler)
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
