"""Daily spend ceilings: reservations that can never overspend, in SQLite and in a real ``redis-server``.

Two servers sharing one key through Redis must not overspend it together; neither may many threads
or processes sharing one SQLite file.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openai
import pytest
from servers.serve import redis_server, serving

from thinkdial import Agent
from thinkdial.models import ScriptedModel
from thinkdial.models.base import Pricing
from thinkdial.models.scripted import ScriptedReply
from thinkdial.serve.app import ServeOptions, create_app
from thinkdial.serve.engine import Engine
from thinkdial.serve.spend import (
    SERVER_SCOPE,
    UNLIMITED,
    Amount,
    Limits,
    RedisSpendStore,
    Refused,
    SpendStore,
    SQLiteSpendStore,
    grant,
    key_scope,
    open_store,
)


def test_grant_cuts_to_what_is_left_and_refuses_only_what_cannot_be_paid() -> None:
    left = [Amount(tokens=100, nano_usd=UNLIMITED), Amount(tokens=40, nano_usd=5)]
    assert grant(Amount(tokens=60, nano_usd=3), left, ["server", "key"]) == Amount(tokens=40, nano_usd=3)
    assert grant(Amount(tokens=UNLIMITED, nano_usd=UNLIMITED), left, ["server", "key"]) == Amount(tokens=40, nano_usd=5)
    with pytest.raises(Refused) as err:
        grant(Amount(tokens=10, nano_usd=0), [Amount(tokens=0, nano_usd=UNLIMITED)], ["key"])
    assert err.value.axis == "token" and err.value.scope == "key"
    # A free model (cost 0) is not refused by a spent cost ceiling.
    assert grant(Amount(tokens=10, nano_usd=0), [Amount(tokens=UNLIMITED, nano_usd=0)], ["server"]) == Amount(10, 0)
    assert grant(Amount(tokens=10, nano_usd=7), [None], ["server"]) == Amount(10, 7)


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SpendStore]:
    if request.param == "sqlite":
        s: SpendStore = SQLiteSpendStore(tmp_path / "spend.sqlite3")
        yield s
        s.close()
    else:
        with redis_server(tmp_path) as url:
            s = open_store(url)
            assert isinstance(s, RedisSpendStore)
            yield s
            s.close()


def test_reserve_and_settle(store: SpendStore) -> None:
    scopes = [(SERVER_SCOPE, Limits.of(1000, None)), (key_scope("k"), Limits.of(300, 0.5))]
    r = store.reserve(scopes, Amount(tokens=200, nano_usd=10**8))
    assert r.granted == Amount(200, 10**8)
    assert store.used(key_scope("k")) == (Amount(0, 0), Amount(200, 10**8))
    r2 = store.reserve(scopes, Amount(tokens=200, nano_usd=10**8))
    assert r2.granted.tokens == 100  # the key has 300 - 200 reserved left
    with pytest.raises(Refused):
        store.reserve(scopes, Amount(tokens=1, nano_usd=0))
    store.settle(r, Amount(tokens=50, nano_usd=2 * 10**7))
    store.settle(r2, Amount(tokens=100, nano_usd=0))
    assert store.used(key_scope("k")) == (Amount(150, 2 * 10**7), Amount(0, 0))
    assert store.used(SERVER_SCOPE)[0] == Amount(150, 2 * 10**7)


def test_many_reservers_at_once_never_overspend(store: SpendStore) -> None:
    scopes = [(key_scope("shared"), Limits.of(1000, None))]
    granted: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            r = store.reserve(scopes, Amount(tokens=70, nano_usd=0))
        except Refused:
            return
        with lock:
            granted.append(r.granted.tokens)
        store.settle(r, Amount(tokens=r.granted.tokens, nano_usd=0))  # spend all of it

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: one(), range(40)))
    assert sum(granted) == 1000
    assert store.used(key_scope("shared")) == (Amount(1000, 0), Amount(0, 0))


def test_processes_sharing_one_sqlite_file_share_the_ceiling(tmp_path: Path) -> None:
    path = tmp_path / "spend.sqlite3"
    a, b = SQLiteSpendStore(path), SQLiteSpendStore(path)
    scopes = [(SERVER_SCOPE, Limits.of(100, None))]
    assert a.reserve(scopes, Amount(80, 0)).granted.tokens == 80
    assert b.reserve(scopes, Amount(80, 0)).granted.tokens == 20


def test_two_servers_sharing_a_key_through_redis_do_not_overspend_it(tmp_path: Path) -> None:
    price = Pricing(input_per_mtok=1000.0, output_per_mtok=1000.0)  # $0.001 a token

    def agent() -> Agent:
        fast = ScriptedModel(ScriptedReply(text="the sum is eighty five", delay=0.01), name="priced", pricing=price)
        return Agent(fast=fast, thinker=fast)

    ceiling = 0.5
    with redis_server(tmp_path) as url:
        stores = [open_store(url), open_store(url)]
        apps = [create_app(Engine.default(agent()), ServeOptions(api_keys=["team"], store=s, key_daily=Limits.of(None, ceiling)))
                for s in stores]
        with serving(apps[0]) as one, serving(apps[1]) as two:
            clients = [openai.OpenAI(base_url=u, api_key="team", max_retries=0) for u in (one, two)]

            def ask(i: int) -> float:
                try:
                    reply = clients[i % 2].chat.completions.create(
                        model="thinkdial/fast", messages=[{"role": "user", "content": "What is 37 + 48?"}],
                        extra_body={"thinkdial": {"budget": {"max_cost_usd": 0.04}}},
                    )
                except openai.RateLimitError:
                    return -1.0
                return float(reply.model_extra["thinkdial"]["cost_usd"])  # type: ignore[index]

            with ThreadPoolExecutor(8) as pool:
                costs = list(pool.map(ask, range(48)))
        answered = [c for c in costs if c >= 0]
        spent, reserved = stores[0].used(key_scope("team"))
        assert len(answered) < len(costs)  # the ceiling was reached ...
        assert reserved.nano_usd == 0
        assert spent.cost_usd == pytest.approx(sum(answered))
        assert spent.cost_usd <= ceiling  # ... and never crossed, by the two servers together
        for s in stores:
            s.close()
