"""The core, one package grouped by resource (see docs/architecture.md):

- ``base``: settings, store, clock, mail; ``papers``: lists and one paper;
- ``search``: the indexes and the one search; ``ingest``: imports and harvests;
- ``community``: accounts, votes, comments, collections, submissions;
- ``tokens``: API and feed tokens, personal lists; ``digests``: email digests;
- ``library``: a reader's library and signals (not interested, more like this, seen);
- ``backup``: export and restore; ``doctor``: health checks;
- ``paperwire``: the one object and its factory.
"""

from paperwire.core.doctor import Check
from paperwire.core.paperwire import Paperwire, make_paperwire

__all__ = ["Check", "Paperwire", "make_paperwire"]
