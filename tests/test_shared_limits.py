"""Rate limits every process and host of a deployment shares (``core.hit_rate_limit``),
and arXiv's pacing kept in the store so that a harvest on another host keeps the gap."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from clients import Browser
from harvest.fake_arxiv import FakeArxiv, make_records
from paperwire.core import Paperwire
from paperwire.db import rate_limits
from paperwire.db.tables import rate_limit_events
from paperwire.errors import RateLimited
from paperwire.harvest.jobs import HarvestEnv
from paperwire.web.app import create_app


@pytest.fixture
def other_host(core: Paperwire) -> Iterator[Paperwire]:
    """A second core on the same store: what another web host of the deployment runs."""
    other = Paperwire(core.settings.model_copy())
    yield other
    other.close()


class SteppedClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_two_hosts_count_against_one_limit(core, other_host):
    core.settings.rate_limit_signin_address = other_host.settings.rate_limit_signin_address \
        = "2/hour"
    first, second = Browser(create_app(core=core), core), \
        Browser(create_app(core=other_host), other_host)
    assert [first.post("/signin", {"email": "ada@example.org"}).status_code,
            second.post("/signin", {"email": "ada@example.org"}).status_code] == [200, 200]
    refused = first.post("/signin", {"email": "Ada@Example.org"})
    assert refused.status_code == 429
    assert second.post("/signin", {"email": "ada@example.org"}).status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert second.post("/signin", {"email": "grace@example.org"}).status_code == 200


def test_per_process_limits_when_sharing_is_off(core, other_host):
    for host in (core, other_host):
        host.settings.rate_limit_signin_address = "1/hour"
        host.settings.rate_limits_shared = False
    first, second = Browser(create_app(core=core), core), \
        Browser(create_app(core=other_host), other_host)
    assert first.post("/signin", {"email": "ada@example.org"}).status_code == 200
    assert second.post("/signin", {"email": "ada@example.org"}).status_code == 200
    assert first.post("/signin", {"email": "ada@example.org"}).status_code == 429


def test_the_window_slides_and_refused_events_are_not_counted(core):
    clock = core.clock = SteppedClock()
    for _ in range(3):
        core.hit_rate_limit("votes", "user:1", "3/minute")
        clock.now += 10
    with pytest.raises(RateLimited) as refused:
        core.hit_rate_limit("votes", "user:1", "3/minute")
    assert refused.value.retry_after == 30  # the first event leaves the window at +60 s
    clock.now += 29
    with pytest.raises(RateLimited):
        core.hit_rate_limit("votes", "user:1", "3/minute")
    clock.now += 1.5  # the first event is out; the refused ones never counted
    core.hit_rate_limit("votes", "user:1", "3/minute")
    with pytest.raises(RateLimited):
        core.hit_rate_limit("votes", "user:1", "3/minute")
    core.hit_rate_limit("votes", "user:2", "3/minute")  # another key, its own window
    core.hit_rate_limit("comments", "user:1", "3/minute")  # another rule too


def test_racing_hosts_never_let_more_than_the_limit_through(core, other_host):
    allowed: list[str] = []
    start = threading.Barrier(8)

    def attempt(host: Paperwire, name: str) -> None:
        start.wait()
        for n in range(5):
            try:
                host.hit_rate_limit("submit", "user:7", "12/hour")
            except RateLimited:
                continue
            allowed.append(f"{name}{n}")

    threads = [threading.Thread(target=attempt, args=(host, f"{i}-"))
               for i, host in zip(range(8), itertools.cycle([core, other_host]), strict=False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 12  # 40 attempts at once from two hosts, 12 allowed


def test_no_address_is_kept_and_old_events_are_pruned(core):
    clock = core.clock = SteppedClock()
    core.hit_rate_limit("signin-address", "ada@example.org", "5/hour")
    with core.engine.connect() as connection:
        keys = connection.execute(select(rate_limit_events.c.key_hash)).scalars().all()
    assert keys
    assert all("ada" not in key and "@" not in key for key in keys)
    clock.now += 7200
    for n in range(rate_limits.PRUNE_EVERY):
        core.hit_rate_limit("votes", f"user:{n}", "1000/minute")
    with core.engine.connect() as connection:
        left = connection.execute(
            select(func.count()).where(rate_limit_events.c.rule == "signin-address")
        ).scalar()
    assert left == 0


def test_arxiv_pacing_holds_across_hosts(core, other_host):
    """A harvest on one host right after another host's: arXiv still sees the gap."""
    arxiv = FakeArxiv().start()
    try:
        arxiv.records = make_records(2)
        arxiv.page_size = 1
        for host in (core, other_host):
            host.settings.arxiv_oai_url = f"{arxiv.url}/oai"
            host.settings.arxiv_delay_seconds = 1.0
            host.harvest_env = HarvestEnv(sleep=time.sleep)  # the real clocks
        core.harvest(sets=["cs"])
        other_host.harvest(sets=["cs"], from_date=None)
    finally:
        arxiv.stop()
    times = [request.at for request in arxiv.oai_requests()]
    assert len(times) >= 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(gap >= 1.0 for gap in gaps), gaps


def test_a_store_outage_answers_503_with_retry_after_then_recovers(tmp_path):
    """The limits count in the store: while it is gone, a form and the API say so
    (503, Retry-After) instead of crashing, and work again once it is back."""
    import psycopg

    from conftest import POSTGRES_ADMIN, fresh_postgres_database, make_settings, worker_id

    name = f"paperwire_outage_{worker_id()}"
    core = Paperwire(make_settings(tmp_path, database_url=fresh_postgres_database(name)))
    core.migrate()
    browser = Browser(create_app(core=core), core)
    try:
        assert browser.post("/signin", {"email": "ada@example.org"}).status_code == 200
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        form = browser.post("/signin", {"email": "ada@example.org"})
        assert form.status_code == 503
        assert int(form.headers["retry-after"]) > 0
        assert "did not answer" in form.text
        assert "Nothing you saved is lost" in form.text
        api = browser.client.get("/api/daily_papers")
        assert api.status_code == 503
        assert api.json()["status"] == 503
        fresh_postgres_database(name)
        core.migrate()
        assert browser.post("/signin", {"email": "ada@example.org"}).status_code == 200
    finally:
        core.close()
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
