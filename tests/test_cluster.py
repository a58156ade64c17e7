"""Tested as hosts, not as threads (issue 16): two web hosts and a worker host as network
namespaces on this machine, PostgreSQL and haproxy on the host side (tests/cluster.py),
100 readers from a bounded load generator, and then:

1. ``kill -9`` one web host under load: haproxy takes it out; the only failed requests
   are among those sent before haproxy marked it down, none after;
2. ``kill -9`` the worker in the middle of an embedding batch, then in the middle of a
   digest send: another worker finishes both, every paper embedded once and every
   digest delivered once;
3. PostgreSQL restarted, then stopped for 15 s and started: every process reconnects,
   no job deferred before or work imported after is lost;
4. a paper imported on the worker host is found by keyword and by meaning on both web
   hosts (asked directly) within 30 s.

One deployment for the whole scenario, in that order (each step leaves it usable).
Nothing is timed except the functional 30 s of step 4; other waits poll with a deadline
that only stops a hang.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import func, select, text

from cluster import (
    Deployment,
    Load,
    Network,
    Watch,
    first_hit,
    kill_namespace,
    paperwire_run,
    unavailable,
    wait_for,
)
from conftest import TEST_SECRET, make_settings
from factories import add_subscribers, make_paper, paper, trending_papers, write_jsonl
from paperwire.core import Paperwire
from paperwire.db.tables import change_log, embedding_claims, paper_embeddings, papers
from servers import Sink

WHY_NOT = unavailable()
pytestmark = [pytest.mark.cluster, pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")]

SEED = 40  # papers the readers read and search
SUBSCRIBERS = 30


@pytest.fixture(scope="module")
def network() -> Iterator[Network]:
    bridge = Network().up()
    yield bridge
    bridge.down()


@pytest.fixture(scope="module")
def sink(network: Network) -> Iterator[Sink]:
    mail = Sink(keep_bodies=False, host=network.gateway).up()  # reachable from every host
    yield mail
    mail.handler.release.set()
    mail.close()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, network: Network,
               sink: Sink) -> Iterator[Deployment]:
    env = {"PAPERWIRE_SMTP_HOST": sink.host, "PAPERWIRE_SMTP_PORT": str(sink.port),
           "PAPERWIRE_SMTP_SECURITY": "none", "PAPERWIRE_DIGEST_SEND_RATE": "0",
           "PAPERWIRE_DIGEST_LEASE_SECONDS": "1", "PAPERWIRE_BASE_URL": "https://papers.example.org",
           "PAPERWIRE_MAIL_FROM": "paperwire <digest@example.org>",
           "PAPERWIRE_EMBED_BATCH_SIZE": "5", "PAPERWIRE_JOBS_EMBED_BATCH": "1000"}
    cluster = Deployment(tmp_path_factory.mktemp("cluster"), TEST_SECRET, env,
                         network=network).start()
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def store(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paperwire]:
    """The test's own view of the store (from the host side), and the seed papers."""
    assert deployment.postgres is not None
    core = Paperwire(make_settings(tmp_path_factory.mktemp("seed"),
                                   database_url=deployment.postgres.url))
    for n in range(1, SEED + 1):
        make_paper(core, f"2601.{n:05d}", title=f"Seed paper {n} on topic {n % 7}",
                   abstract=f"A study of topic {n % 7} with method {n % 5}.")
    core.embed_pending()
    for name in deployment.web:  # a host answers 503 until its indexes are first built
        wait_for(lambda name=name: first_hit(deployment.url(name), "seed 1", keyword="false"),
                 f"{name} to index the seed papers")
    assert deployment.haproxy is not None
    wait_for(lambda: set(deployment.haproxy.states().values()) == {"UP"}, "every host in the pool")
    yield core
    core.close_job_queue()
    core.close()


def reader_paths() -> list[str]:
    pages = [f"/papers/2601.{n:05d}" for n in range(1, SEED + 1, 3)]
    searches = [f"/papers?q=topic+{n}+method" for n in range(7)]
    return ["/", *pages, *searches, *[f"/api/papers/search?q=seed+{n}" for n in range(5)]]


def count(core: Paperwire, table: object, *where: object) -> int:
    with core.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)
                                  ).scalar_one()


def test_hosts(deployment: Deployment, store: Paperwire, sink: Sink) -> None:
    try:
        web_host_killed_under_load(deployment)
        worker_killed_mid_embedding(deployment, store)
        worker_killed_mid_digest(deployment, store, sink)
        postgres_restarted(deployment, store)
        postgres_down_a_while(deployment, store)
        imported_on_the_worker_found_on_both_web_hosts(deployment, store)
    except BaseException as failure:
        failure.add_note(deployment.logs())
        raise


# -- 1. a web host dies under load -----------------------------------------------------


def web_host_killed_under_load(cluster: Deployment) -> None:
    assert cluster.haproxy is not None
    with Load(cluster.haproxy.url, reader_paths(), readers=100) as load:
        wait_for(lambda: len(load.done) >= 200, "the readers to warm up")
        with Watch(cluster.haproxy, "web1") as watch:
            killed_at = time.monotonic()
            assert kill_namespace(cluster.network.namespace("web1"))
            down_at = wait_for(lambda: watch.at, "haproxy to mark web1 down")
        wait_for(lambda: len(load.between(down_at, float("inf"))) >= 200,
                 "readers served by web2 alone")
    before = load.between(0, killed_at)
    failed = [r for r in load.done if not r.ok]
    assert [r for r in before if not r.ok and r.ended < killed_at] == []  # all well before
    assert [r for r in failed if r.started >= down_at] == []  # none once it was marked down
    assert all(r.ok for r in load.between(down_at, float("inf")))

    cluster.web["web1"].popen.wait(timeout=30)
    cluster.start_web("web1")  # the host comes back, and haproxy puts it back
    wait_for(lambda: cluster.haproxy.states().get("web1") == "UP", "web1 to be back in the pool")


# -- 2. a worker dies mid-job ----------------------------------------------------------


def worker_killed_mid_embedding(cluster: Deployment, core: Paperwire) -> None:
    ids = [make_paper(core, f"2602.{n:05d}", abstract=f"Embedded once, paper {n}.")
           for n in range(1, 21)]
    blocker = core.engine.connect()
    try:  # the worker claims a batch, embeds it, and waits to write it: kill it there
        blocker.execute(text("LOCK TABLE paper_embeddings IN SHARE MODE"))
        assert core.defer_job("embed_pending") is not None
        first = cluster.workers[-1]
        wait_for(lambda: claimed(core) > 0 and waiting_on_a_lock(core),
                 "the worker to claim a batch and wait to write it")
        first.kill_9()
    finally:
        blocker.rollback()
        blocker.close()
    cluster.start_worker()
    wait_for(lambda: embedded(core, ids) == 20, "another worker to embed the rest")
    with core.engine.connect() as connection:
        changes = connection.execute(
            select(papers.c.arxiv_id, func.count()).join(change_log, change_log.c.paper_id == papers.c.id)
            .where(change_log.c.kind == "embedding", papers.c.arxiv_id.in_(ids))
            .group_by(papers.c.arxiv_id)).all()
    assert sorted(arxiv_id for arxiv_id, _ in changes) == sorted(ids)
    assert {number for _, number in changes} == {1}  # each paper embedded once


def embedded(core: Paperwire, arxiv_ids: list[str]) -> int:
    return count(core, paper_embeddings.join(papers, papers.c.id == paper_embeddings.c.paper_id),
                 papers.c.arxiv_id.in_(arxiv_ids))


def claimed(core: Paperwire) -> int:
    return count(core, embedding_claims)


def waiting_on_a_lock(core: Paperwire) -> bool:
    with core.engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'")).scalar_one())


def worker_killed_mid_digest(cluster: Deployment, core: Paperwire, sink: Sink) -> None:
    day = core.digest_day()
    trending_papers(core, day=day, start=100)
    addresses = add_subscribers(core, SUBSCRIBERS)
    sink.handler.behaviour.mail_delay = 0.2  # a slow server: the send takes a while
    assert core.defer_job("send_digests") is not None
    sink.wait_for(5)
    sink.handler.behaviour.hold_next_mail = True  # the worker is mid-send, between two
    assert sink.handler.held.wait(60)
    assert 5 <= sink.count < SUBSCRIBERS
    cluster.workers[-1].kill_9()
    sink.handler.release.set()  # the held MAIL FROM is refused: that message never left
    cluster.start_worker()
    sink.wait_for(SUBSCRIBERS)
    # on a Monday the week's issue is built too (no subscribers): read the daily one
    wait_for(lambda: next(s for s in core.digest_status() if s.kind == "daily").counts
             == {"sent": SUBSCRIBERS},
             "the digest's send log to say every message sent")
    got = sink.handler.per_recipient()
    assert sorted(got) == sorted(addresses)
    assert {address: len(ids) for address, ids in got.items() if len(ids) != 1} == {}


# -- 3. PostgreSQL restarts --------------------------------------------------------------


def postgres_restarted(cluster: Deployment, core: Paperwire) -> None:
    assert cluster.postgres is not None
    survive_store_outage(cluster, core, cluster.postgres.restart, first=1)


def postgres_down_a_while(cluster: Deployment, core: Paperwire) -> None:
    """Stopped, down for a while (every worker restart and every request meanwhile
    fails), then started."""
    assert cluster.postgres is not None
    postgres = cluster.postgres

    def outage() -> None:
        postgres.ctl("stop", "-m", "fast")
        time.sleep(OUTAGE_SECONDS)
        postgres.ctl("start")

    survive_store_outage(cluster, core, outage, first=11)


OUTAGE_SECONDS = 15


def survive_store_outage(cluster: Deployment, core: Paperwire, outage: Callable[[], None],
                         *, first: int) -> None:
    """Jobs deferred before the outage and papers imported after it are all embedded;
    every host answers again and the worker is the same process."""
    assert cluster.haproxy is not None
    before = [make_paper(core, f"2603.{n:05d}", abstract=f"Deferred before an outage, {n}.")
              for n in range(first, first + 5)]
    assert core.defer_job("embed_pending") is not None
    core.close_job_queue()
    outage()
    after = write_jsonl(cluster.root / f"after-{first}.jsonl", [
        paper(f"2603.{n:05d}", f"Imported after an outage {n}", f"Deferred after, {n}.")
        for n in range(first + 5, first + 10)])
    # --no-embed: the embedding is the worker's job, the outage's point.
    imported = paperwire_run(cluster.network.namespace("worker"), cluster.host_env("worker"),
                             "import", "--no-embed", str(after))
    assert imported.returncode == 0, imported.stderr[-2000:]
    wanted = [*before, *(f"2603.{n:05d}" for n in range(first + 5, first + 10))]
    wait_for(lambda: embedded(core, wanted) == 10,
             "the worker to run the jobs deferred before and after the outage")
    for name in cluster.web:
        wait_for(lambda name=name: healthy(cluster.url(name)), f"{name} to answer again")
    wait_for(lambda: healthy(cluster.haproxy.url), "haproxy to answer again")
    wait_for(lambda: set(cluster.haproxy.states().values()) == {"UP"}, "every web host in the pool")
    assert all(worker.popen.poll() is None for worker in cluster.workers[-1:])  # it reconnected


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


# -- 4. a paper from the worker host, found on both web hosts ----------------------------


def imported_on_the_worker_found_on_both_web_hosts(cluster: Deployment, core: Paperwire) -> None:
    snapshot = write_jsonl(cluster.root / "new.jsonl", [paper(
        "2604.00001", "Tidal locking of exoplanet moons",
        "Resonant orbital forcing locks the spin of moons around exoplanets.")])
    started = time.monotonic()
    imported = paperwire_run(cluster.network.namespace("worker"), cluster.host_env("worker"),
                             "import", "--no-embed", str(snapshot))
    assert imported.returncode == 0, imported.stderr[-2000:]
    for name in cluster.web:
        wait_for(lambda name=name: first_hit(cluster.url(name), "tidal locking exoplanet",
                                             semantic="false") == ("2604.00001", "keyword"),
                 f"{name} to find it by keyword", timeout=30 - (time.monotonic() - started))
        # Other words than the title's: only the vectors can find it (keyword=false).
        wait_for(lambda name=name: first_hit(cluster.url(name), "exoplanet moons orbits",
                                             keyword="false") == ("2604.00001", "semantic"),
                 f"{name} to find it by meaning", timeout=30 - (time.monotonic() - started))

