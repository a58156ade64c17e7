"""Harvesting arXiv: the polite HTTP client, the OAI-PMH loop, daily listings, the schedule."""
