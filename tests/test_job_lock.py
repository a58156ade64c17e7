"""Job locks die with their holder (db/locks.py): real processes, real kill -9, both backends.

The harvest's own kill -9 and restart is in harvest/test_harvest_safety.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select

from clients import Browser
from factories import run_task
from paperwire.core import Paperwire
from paperwire.db.locks import (
    DIGEST_LOCK,
    HARVEST_LOCK,
    SUMMARIES_LOCK,
    JobLock,
    LockHolder,
    lock_holder,
    read_row,
)
from paperwire.db.tables import job_locks, outbox
from paperwire.errors import HarvestBusy, JobBusy
from servers import held_elsewhere, store_env, wait_until_freed


def row(core: Paperwire, name: str) -> LockHolder | None:
    with core.engine.connect() as connection:
        return read_row(connection, name)


def test_a_live_holder_makes_the_next_busy_naming_it_then_release_frees_it(
    core: Paperwire, app: object,
) -> None:
    with held_elsewhere(core, HARVEST_LOCK) as holder:
        assert f"arXiv is in use by {holder.owner} since" in Browser(app, core).get("/status").text
        assert f":{holder.process.pid}:" in holder.owner
        with pytest.raises(JobBusy, match=rf"held by {re.escape(holder.owner)} since 20\d\d-"):
            JobLock(core.engine, HARVEST_LOCK).acquire()
        assert lock_holder(core.engine, HARVEST_LOCK).owner == holder.owner
        assert core.harvest_status().lock_holder == holder.owner
        holder.release()
        assert lock_holder(core.engine, HARVEST_LOCK) is None
        assert row(core, HARVEST_LOCK) is None  # a clean release leaves no row
        assert "arXiv is in use" not in Browser(app, core).get("/status").text
    with JobLock(core.engine, HARVEST_LOCK) as mine:
        assert core.harvest_status().lock_holder == mine.owner


def test_kill_9_frees_the_lock_for_another_process_at_once(core: Paperwire) -> None:
    with held_elsewhere(core, HARVEST_LOCK) as dead:
        dead.kill_9()
        wait_until_freed(core, HARVEST_LOCK)
        assert row(core, HARVEST_LOCK).owner == dead.owner  # the dead holder's row stays
        assert lock_holder(core.engine, HARVEST_LOCK) is None  # ... and shows nobody
        assert core.harvest_status().lock_holder is None
        with held_elsewhere(core, HARVEST_LOCK) as successor:  # not busy
            assert successor.owner != dead.owner
            assert row(core, HARVEST_LOCK).owner == successor.owner  # overwritten
            successor.kill_9()


@pytest.mark.parametrize("name", [DIGEST_LOCK, SUMMARIES_LOCK])
def test_every_job_lock_dies_with_its_holder(core: Paperwire, name: str) -> None:
    with held_elsewhere(core, name) as holder:
        with pytest.raises(JobBusy, match=re.escape(holder.owner)):
            JobLock(core.engine, name).acquire()
        with JobLock(core.engine, HARVEST_LOCK):  # other names are independent
            pass
        holder.kill_9()
        wait_until_freed(core, name)
    with JobLock(core.engine, name):
        pass


def test_a_stale_row_from_a_dead_holder_blocks_nothing(core: Paperwire) -> None:
    with core.engine.begin() as connection:
        then = datetime(2020, 1, 1, tzinfo=UTC)
        connection.execute(insert(job_locks).values(
            name=HARVEST_LOCK, owner="gone-host:4242:deadbeef", acquired_at=then,
            expires_at=datetime(2099, 1, 1, tzinfo=UTC),  # an old-style "valid" expiry too
        ))
    assert lock_holder(core.engine, HARVEST_LOCK) is None
    assert core.harvest_status().lock_holder is None
    with JobLock(core.engine, HARVEST_LOCK) as mine:
        assert row(core, HARVEST_LOCK).owner == mine.owner
        with pytest.raises(JobBusy, match=re.escape(mine.owner)):
            JobLock(core.engine, HARVEST_LOCK).acquire()
    with core.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(job_locks)).scalar() == 0


def test_paperwire_harvest_says_busy_in_one_line_naming_the_holder(core: Paperwire) -> None:
    with held_elsewhere(core, HARVEST_LOCK) as holder:
        done = subprocess.run(
            [sys.executable, "-c", "from paperwire.cli import main; main()",
             "harvest", "--set", "cs"],
            env=store_env(core, COLUMNS="300"), capture_output=True, timeout=120,
        )
    output = done.stderr.decode()
    assert done.returncode == 1, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output  # (above it, the progress line's last state)
    assert re.fullmatch(rf"error: busy: the harvest lock is held by {re.escape(holder.owner)}"
                        r" since \S+ \S+ UTC", errors[0]), output


def test_add_and_submissions_wait_their_turn_at_arxiv(core: Paperwire, app: object) -> None:
    user = core.add_user("ada@example.org", username="ada")
    ada = Browser(app, core, "ada@example.org")
    with held_elsewhere(core, HARVEST_LOCK) as holder:
        with pytest.raises(HarvestBusy, match=re.escape(holder.owner)):
            core.add_papers(["2602.00001"])
        with pytest.raises(JobBusy, match=re.escape(holder.owner)):
            core.submit_paper(user, "2602.00001")
        page = ada.post("/submit", {"paper": "2602.00001"})
    assert page.status_code == 503
    assert "try again later" in page.text
    assert holder.owner in page.text


def test_scheduled_digests_skip_while_another_scheduler_holds_them(core: Paperwire) -> None:
    with held_elsewhere(core, DIGEST_LOCK):
        assert run_task(core, "send_digests") == "skipped"  # skipped, not failed
    assert core.digest_status() == []  # nothing built
    assert run_task(core, "send_digests") == "0 sent, 0 failed"
    with core.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(outbox)).scalar() == 0
    assert "daily" in {issue.kind for issue in core.digest_status()}
