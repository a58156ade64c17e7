"""paperwire's own exceptions. Surfaces map them: the web to HTTP, the CLI to one line."""

from __future__ import annotations


class PaperwireError(Exception):
    """Base of every error paperwire raises on purpose."""


class InvalidArxivId(PaperwireError, ValueError):
    def __init__(self, raw: str) -> None:
        shown = raw if len(raw) <= 60 else raw[:57] + "..."
        super().__init__(f"not an arXiv id or URL: {shown!r}")
        self.raw = raw


class PaperNotFound(PaperwireError, LookupError):
    def __init__(self, arxiv_id: str) -> None:
        super().__init__(f"no paper {arxiv_id} in the store")
        self.arxiv_id = arxiv_id


class InvalidRecord(PaperwireError, ValueError):
    """A source record that cannot become a paper; the message names the field."""


class InvalidQuery(PaperwireError, ValueError):
    """A list or search request with parameters that make no sense."""


class StoreNotReady(PaperwireError):
    """The store is missing, unreachable or needs a migration."""


class JobBusy(PaperwireError):
    """A job that runs once at a time is running elsewhere; the message names its holder."""


class HarvestError(PaperwireError):
    """A harvest that could not go on; the message says why and what to do."""


class ArxivRefused(HarvestError):
    """arXiv answered 403: it wants us to stop. We stop."""


class ArxivUnavailable(HarvestError):
    """arXiv kept failing (5xx, timeouts) past the longest backoff."""


class ArxivUnreachable(ArxivUnavailable):
    """No connection to arXiv at all (no network, DNS, firewall)."""


class HarvestBusy(JobBusy, HarvestError):
    """Another scheduler or process holds the harvest lock (it is talking to arXiv)."""


class HarvestCancelled(HarvestError):
    """The harvest was asked to stop (shutdown)."""
# -- community (issue 5) -----------------------------------------------------------


class InvalidInput(PaperwireError, ValueError):
    """A form value that cannot be accepted; the message says why, for the user."""


class NotFound(PaperwireError, LookupError):
    """A user, comment or collection that does not exist (or that the viewer may not see)."""


class PermissionDenied(PaperwireError):
    """The viewer is signed in but may not do this."""


class SignInRequired(PaperwireError):
    """The action needs a signed-in user."""


class InvalidSignInLink(PaperwireError):
    """A sign-in link that is unknown, used, expired, or for a banned account."""


class SubmissionRefused(PaperwireError):
    """A paper that cannot be submitted: already submitted, too old, or not on arXiv."""


class RateLimited(PaperwireError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests: try again in {retry_after} seconds")
        self.retry_after = retry_after


class InsecureSettings(PaperwireError):
    """Settings that must not serve a public site (the default secret key)."""


# -- API tokens (issue 7) ----------------------------------------------------------


class TokenRequired(PaperwireError):
    """An API call that needs ``Authorization: Bearer <token>`` came without a valid one."""


# -- export and restore (issue 11) -----------------------------------------------------


class ArchiveError(PaperwireError):
    """An archive that cannot be restored; the message names the file and line."""


class StoreNotEmpty(PaperwireError):
    """Restore loads only into an empty store."""


class GithubError(PaperwireError):
    """GitHub refused the client (a bad token) or could not be reached."""
