"""Fixtures for harvest tests: a fake arXiv server and a core pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harvest.fake_arxiv import FakeArxiv
from paperwire.core import Paperwire
from paperwire.harvest.jobs import HarvestEnv


class FakeTime:
    """A clock that moves only when the harvester sleeps: backoff tests run instantly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    fake = FakeArxiv().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def point_at(core: Paperwire, fake: FakeArxiv, *, delay: float = 0.0) -> None:
    core.settings.arxiv_oai_url = f"{fake.url}/oai"
    core.settings.arxiv_api_url = f"{fake.url}/api/query"
    core.settings.arxiv_rss_url = fake.url
    core.settings.arxiv_delay_seconds = delay
    core.settings.arxiv_max_backoff_seconds = 3600.0
    core.settings.categories = ["cs.AI", "cs.LG"]


@pytest.fixture
def hcore(core: Paperwire, arxiv: FakeArxiv, fake_time: FakeTime) -> Iterator[Paperwire]:
    """The backend-parametrized core, harvesting from the fake arXiv on fake time."""
    saved = core.settings.model_copy()
    point_at(core, arxiv)
    core.harvest_env = HarvestEnv(sleep=fake_time.sleep, clock=fake_time.clock,
                                 wall_clock=fake_time.clock)
    yield core
    for name in type(saved).model_fields:
        setattr(core.settings, name, getattr(saved, name))
    core.harvest_env = HarvestEnv()
