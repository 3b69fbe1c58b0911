"""Per-day spend ceilings for a shared server, kept where a restart forgets nothing.

Before a run the server *reserves* the run's worst case (its ceiling: tokens, and their cost at the
dearest price of its models) against what is left today of the server-wide and the per-key ceilings,
atomically; the run's own :class:`~thinkdial.budget.Ledger` is then given the granted amount as its
budget, so no call of the run can spend past it. After the run (finished, failed or cancelled) the
reservation is released and what the run's ledger really spent is booked. A request that finds nothing
left is refused before any model call.

Amounts are integers: tokens, and cost in nano-dollars (1e-9 USD), so sums are exact in SQLite and in
Redis' Lua. Days are UTC dates. A reservation left by a process that died mid-run keeps counting until
its day ends (a crash can only make the server more careful, never overspend).

- :class:`SQLiteSpendStore`: one file, the default; safe across processes on one machine (``BEGIN IMMEDIATE``).
- :class:`RedisSpendStore`: for several servers or machines sharing keys; a reservation is one Lua script.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

NANO = 1_000_000_000
"""Nano-dollars per dollar."""

UNLIMITED = -1
"""A limit or a wanted amount with no bound."""


@dataclass(frozen=True)
class Amount:
    """Tokens and nano-dollars. In a request for a reservation, ``UNLIMITED`` means "as much as is left"."""

    tokens: int = 0
    nano_usd: int = 0

    @property
    def cost_usd(self) -> float:
        return self.nano_usd / NANO


@dataclass(frozen=True)
class Limits:
    """One scope's ceilings per day (``UNLIMITED`` on an axis without one)."""

    tokens: int = UNLIMITED
    nano_usd: int = UNLIMITED

    @classmethod
    def of(cls, max_tokens: int | None, max_cost_usd: float | None) -> Limits:
        return cls(UNLIMITED if max_tokens is None else max_tokens,
                   UNLIMITED if max_cost_usd is None else int(max_cost_usd * NANO))

    @property
    def cost_usd(self) -> float | None:
        return None if self.nano_usd == UNLIMITED else self.nano_usd / NANO

    @property
    def any(self) -> bool:
        return self.tokens != UNLIMITED or self.nano_usd != UNLIMITED


@dataclass(frozen=True)
class Reservation:
    """What one run may spend, held against each scope until :meth:`SpendStore.settle`."""

    day: str
    scopes: tuple[str, ...]
    granted: Amount


class Refused(Exception):
    """Nothing is left today on a ceiling the run needs; ``scope`` says whose."""

    def __init__(self, scope: str, axis: str) -> None:
        super().__init__(f"the {'server' if scope == SERVER_SCOPE else 'key'}'s daily {axis} ceiling is spent")
        self.scope, self.axis = scope, axis


SERVER_SCOPE = "server"


def key_scope(api_key: str) -> str:
    """The scope of one API key (a hash: the store never holds a key)."""
    return "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:24]


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def seconds_to_midnight() -> int:
    """Seconds until the UTC day (and the daily ceilings) turn over."""
    now = dt.datetime.now(dt.UTC)
    tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    return max(1, int((tomorrow - now).total_seconds()) + 1)


def grant(want: Amount, lefts: list[Amount | None], scopes: list[str]) -> Amount:
    """The amount to reserve: ``want`` cut to the least left on each axis (``None`` = that scope is unlimited).

    Raises:
        Refused: an axis with a ceiling has nothing left and the run wants some of it.
    """
    out = []
    for axis in ("tokens", "nano_usd"):
        wanted = getattr(want, axis)
        bounded = [(getattr(left, axis), scope) for left, scope in zip(lefts, scopes, strict=True)
                   if left is not None and getattr(left, axis) != UNLIMITED]
        if not bounded:
            out.append(0 if wanted == UNLIMITED else wanted)
            continue
        least, scope = min(bounded)
        if least <= 0 and wanted != 0:
            raise Refused(scope, "token" if axis == "tokens" else "cost")
        out.append(max(least, 0) if wanted == UNLIMITED else min(wanted, max(least, 0)))
    return Amount(tokens=out[0], nano_usd=out[1])


class SpendStore(Protocol):
    """Where spend is kept. Both methods are atomic across every server sharing the store."""

    def reserve(self, scopes: list[tuple[str, Limits]], want: Amount) -> Reservation:
        """Reserve ``want`` (cut to what is left) in every scope, or raise :class:`Refused`."""
        ...

    def settle(self, reservation: Reservation, spent: Amount) -> None:
        """Release ``reservation`` and book what was really spent."""
        ...

    def used(self, scope: str, day: str | None = None) -> tuple[Amount, Amount]:
        """(spent, reserved) in ``scope`` on ``day`` (today by default)."""
        ...

    def close(self) -> None: ...


class SQLiteSpendStore:
    """Spend in one SQLite file (WAL); processes on one machine may share it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS spend (day TEXT NOT NULL, scope TEXT NOT NULL, "
            "spent_tokens INTEGER NOT NULL DEFAULT 0, spent_nusd INTEGER NOT NULL DEFAULT 0, "
            "reserved_tokens INTEGER NOT NULL DEFAULT 0, reserved_nusd INTEGER NOT NULL DEFAULT 0, "
            "PRIMARY KEY (day, scope))"
        )

    def _row(self, day: str, scope: str) -> tuple[int, int, int, int]:
        row = self._db.execute(
            "SELECT spent_tokens, spent_nusd, reserved_tokens, reserved_nusd FROM spend WHERE day=? AND scope=?", (day, scope)
        ).fetchone()
        return (int(row[0]), int(row[1]), int(row[2]), int(row[3])) if row else (0, 0, 0, 0)

    def reserve(self, scopes: list[tuple[str, Limits]], want: Amount) -> Reservation:
        day = today()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                lefts: list[Amount | None] = []
                for scope, limits in scopes:
                    st, sc, rt, rc = self._row(day, scope)
                    lefts.append(Amount(
                        tokens=UNLIMITED if limits.tokens == UNLIMITED else limits.tokens - st - rt,
                        nano_usd=UNLIMITED if limits.nano_usd == UNLIMITED else limits.nano_usd - sc - rc,
                    ))
                granted = grant(want, lefts, [s for s, _ in scopes])
                for scope, _ in scopes:
                    self._db.execute(
                        "INSERT INTO spend (day, scope, reserved_tokens, reserved_nusd) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(day, scope) DO UPDATE SET reserved_tokens = reserved_tokens + excluded.reserved_tokens, "
                        "reserved_nusd = reserved_nusd + excluded.reserved_nusd",
                        (day, scope, granted.tokens, granted.nano_usd),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return Reservation(day, tuple(s for s, _ in scopes), granted)

    def settle(self, reservation: Reservation, spent: Amount) -> None:
        g = reservation.granted
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for scope in reservation.scopes:
                    self._db.execute(
                        "INSERT INTO spend (day, scope, spent_tokens, spent_nusd, reserved_tokens, reserved_nusd) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(day, scope) DO UPDATE SET "
                        "spent_tokens = spent_tokens + excluded.spent_tokens, spent_nusd = spent_nusd + excluded.spent_nusd, "
                        "reserved_tokens = reserved_tokens + excluded.reserved_tokens, "
                        "reserved_nusd = reserved_nusd + excluded.reserved_nusd",
                        (reservation.day, scope, spent.tokens, spent.nano_usd, -g.tokens, -g.nano_usd),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def used(self, scope: str, day: str | None = None) -> tuple[Amount, Amount]:
        with self._lock:
            st, sc, rt, rc = self._row(day or today(), scope)
        return Amount(st, sc), Amount(rt, rc)

    def close(self) -> None:
        with self._lock:
            self._db.close()


# KEYS: one hash per scope. ARGV: want_tokens, want_nusd, then limit_tokens, limit_nusd per scope (-1 = none).
# Returns {granted_tokens, granted_nusd} or {"refused", scope index (1-based), axis}.
_RESERVE = """
local want = {tonumber(ARGV[1]), tonumber(ARGV[2])}
local fields_spent = {'spent_tokens', 'spent_nusd'}
local fields_reserved = {'reserved_tokens', 'reserved_nusd'}
local granted = {0, 0}
for axis = 1, 2 do
  local least = nil
  local least_at = 0
  for i, key in ipairs(KEYS) do
    local limit = tonumber(ARGV[2 + (i - 1) * 2 + axis])
    if limit >= 0 then
      local spent = tonumber(redis.call('HGET', key, fields_spent[axis]) or '0')
      local reserved = tonumber(redis.call('HGET', key, fields_reserved[axis]) or '0')
      local left = limit - spent - reserved
      if least == nil or left < least then least = left; least_at = i end
    end
  end
  if least == nil then
    if want[axis] < 0 then granted[axis] = 0 else granted[axis] = want[axis] end
  else
    if least <= 0 and want[axis] ~= 0 then return {'refused', least_at, axis} end
    if least < 0 then least = 0 end
    if want[axis] < 0 or want[axis] > least then granted[axis] = least else granted[axis] = want[axis] end
  end
end
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'reserved_tokens', granted[1])
  redis.call('HINCRBY', key, 'reserved_nusd', granted[2])
  redis.call('EXPIRE', key, 259200)
end
return {granted[1], granted[2]}
"""

# KEYS: one hash per scope. ARGV: -granted_tokens, -granted_nusd, spent_tokens, spent_nusd (passed as given:
# Redis refuses "-0", which Lua would make of negating a zero).
_SETTLE = """
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'reserved_tokens', ARGV[1])
  redis.call('HINCRBY', key, 'reserved_nusd', ARGV[2])
  redis.call('HINCRBY', key, 'spent_tokens', ARGV[3])
  redis.call('HINCRBY', key, 'spent_nusd', ARGV[4])
  redis.call('EXPIRE', key, 259200)
end
return 1
"""


class RedisSpendStore:
    """Spend in Redis: every server sharing the URL shares the ceilings; reserving is one atomic Lua script."""

    def __init__(self, url: str, prefix: str = "thinkdial:spend") -> None:
        try:
            import redis
        except ImportError:  # pragma: no cover - depends on the environment
            from thinkdial.errors import ThinkdialError

            raise ThinkdialError("A redis:// spend store needs the redis package.", "pip install redis") from None
        self.url, self.prefix = url, prefix
        self._client: Any = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._reserve = self._client.register_script(_RESERVE)
        self._settle = self._client.register_script(_SETTLE)

    def _key(self, day: str, scope: str) -> str:
        return f"{self.prefix}:{day}:{scope}"

    def reserve(self, scopes: list[tuple[str, Limits]], want: Amount) -> Reservation:
        day = today()
        keys = [self._key(day, s) for s, _ in scopes]
        args: list[int] = [want.tokens, want.nano_usd]
        for _, limits in scopes:
            args += [limits.tokens, limits.nano_usd]
        out = self._reserve(keys=keys, args=args)
        if out and out[0] in (b"refused", "refused"):
            raise Refused(scopes[int(out[1]) - 1][0], "token" if int(out[2]) == 1 else "cost")
        return Reservation(day, tuple(s for s, _ in scopes), Amount(tokens=int(out[0]), nano_usd=int(out[1])))

    def settle(self, reservation: Reservation, spent: Amount) -> None:
        g = reservation.granted
        keys = [self._key(reservation.day, s) for s in reservation.scopes]
        self._settle(keys=keys, args=[-g.tokens, -g.nano_usd, spent.tokens, spent.nano_usd])

    def used(self, scope: str, day: str | None = None) -> tuple[Amount, Amount]:
        raw = self._client.hgetall(self._key(day or today(), scope))
        v = {k.decode() if isinstance(k, bytes) else k: int(x) for k, x in raw.items()}
        return (Amount(v.get("spent_tokens", 0), v.get("spent_nusd", 0)),
                Amount(v.get("reserved_tokens", 0), v.get("reserved_nusd", 0)))

    def close(self) -> None:
        self._client.close()


def default_store_path() -> Path:
    """``$XDG_DATA_HOME/thinkdial/serve-spend.sqlite3`` (``~/.local/share`` by default)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "thinkdial" / "serve-spend.sqlite3"


def open_store(where: str | None) -> SpendStore:
    """A store from ``redis://...``, ``sqlite:///PATH``, a plain path, or None (the default SQLite file)."""
    if where and where.startswith(("redis://", "rediss://", "unix://")):
        return RedisSpendStore(where)
    if where and where.startswith("sqlite:///"):
        where = where.removeprefix("sqlite:///")  # sqlite:///relative.db, sqlite:////absolute.db
    return SQLiteSpendStore(where or default_store_path())
