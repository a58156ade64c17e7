"""The one core object the surfaces see, and the one factory that builds it."""

from __future__ import annotations

from paperwire.core.backup import BackupCore
from paperwire.core.digests import DigestCore
from paperwire.core.doctor import DoctorCore
from paperwire.core.github import GithubCore
from paperwire.core.health import HealthCore
from paperwire.core.jobs import JobsCore
from paperwire.core.limits import LimitsCore
from paperwire.core.summaries import SummariesCore
from paperwire.core.tokens import TokensCore
from paperwire.settings import Settings


class Paperwire(JobsCore, TokensCore, DigestCore, BackupCore, DoctorCore, SummariesCore,
                HealthCore, LimitsCore, GithubCore):
    """The core: every surface (web pages, JSON API, CLI, scheduler) calls only this.

    Each public method is one unit of work with its own transaction(s); callers never
    commit or touch the store directly. The methods live in one module per resource
    (``paperwire/core/``); each part inherits the parts it builds on."""


def make_paperwire(settings: Settings, *, refuse_weak_secret: bool = True) -> Paperwire:
    """The one factory of the core every command and the web app run on. Refuses the
    default or a short secret key outside dev mode before touching the store
    (``InsecureSettings``); only ``paperwire doctor``, which reports the key instead,
    passes ``refuse_weak_secret=False`` (a weak key still signs nothing)."""
    if refuse_weak_secret:
        settings.require_secret()
    return Paperwire(settings)
