"""Email digests: subscriptions (double opt-in, one-click unsubscribe), the period's
frozen issue, per-recipient sends with leases, and the sending worker.

See docs/digests.md for the flow and the exactly-once design.
"""
