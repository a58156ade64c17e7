"""What every part of the core stands on: the settings, the store, the clock and mail."""

from __future__ import annotations

import time
from collections.abc import Callable

from paperwire.db import migrate
from paperwire.db.engine import make_engine
from paperwire.db.session import Engine
from paperwire.errors import StoreNotReady
from paperwire.harvest.calendar import ArxivCalendar
from paperwire.harvest.jobs import HarvestEnv
from paperwire.mail.mailer import Mailer
from paperwire.mail.transport import Transport
from paperwire.settings import Settings

ProgressCallback = Callable[[int], None]


class CoreBase:
    """The state the parts share. Each part of the core inherits the parts it builds on,
    so a call from one part to another is an ordinary method of its own."""

    clock: Callable[[], float] = time.time

    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        *,
        mail_transport: Transport | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings)
        self.harvest_env = HarvestEnv()  # the network, clock and sleep harvests use
        # arXiv's rules and extra closures; the days its listings reported empty are read
        # from the store by each unit of work (``arxiv_calendar``).
        self.calendar = ArxivCalendar.with_extra(settings.arxiv_extra_closures)
        self.mailer = Mailer(settings, self.engine, mail_transport)

    def now(self) -> int:
        return int(self.clock())

    def migrate(self) -> None:
        """Create or upgrade the store's schema to the latest revision."""
        migrate.upgrade(self.engine)

    def ensure_ready(self) -> None:
        if not migrate.is_current(self.engine):
            raise StoreNotReady(
                "the store's schema is not current: run `paperwire migrate`"
            )

    def close(self) -> None:
        self.engine.dispose()
