"""What keeps a shared server shared: bearer keys (compared in constant time) and a concurrency gate."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from thinkdial.serve.protocol import APIError


class KeyRing:
    """The bearer keys a request may carry; with none, every request is let in (a local, single-user server)."""

    def __init__(self, keys: Sequence[str] = ()) -> None:
        self._keys = [k.encode() for k in keys if k]

    @property
    def required(self) -> bool:
        return bool(self._keys)

    def check(self, authorization: str | None) -> str | None:
        """The key a request's ``Authorization`` header carries, or None when no keys are set.

        Every key is compared (``hmac.compare_digest``), so the time taken says nothing about which matched.

        Raises:
            APIError: 401, when keys are set and the header carries none of them.
        """
        if not self._keys:
            return None
        scheme, _, token = (authorization or "").partition(" ")
        given = token.strip().encode()
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(key, given)
        if scheme.lower() != "bearer" or not given or not matched:
            raise APIError(
                401, "Missing or invalid API key: send 'Authorization: Bearer <key>'.", code="invalid_api_key",
                headers={"WWW-Authenticate": 'Bearer realm="thinkdial"'},
            )
        return given.decode()


class Gate:
    """At most ``limit`` runs at once; one more is refused at once with 429 and ``Retry-After``, never queued."""

    def __init__(self, limit: int, retry_after: int = 1) -> None:
        if limit < 1:
            raise ValueError("the concurrency limit must be at least 1")
        self.limit, self.retry_after = limit, retry_after
        self.active = 0

    def enter(self) -> None:
        """Take a slot (the caller must :meth:`leave` it exactly once).

        Raises:
            APIError: 429 when every slot is taken.
        """
        if self.active >= self.limit:
            raise APIError(
                429, f"The server is running {self.limit} requests, its limit; retry shortly.", type="requests",
                code="rate_limit_exceeded", headers={"Retry-After": str(self.retry_after)},
            )
        self.active += 1

    def leave(self) -> None:
        self.active = max(0, self.active - 1)
