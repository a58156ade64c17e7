"""paperwire: a self-hosted Daily Papers for arXiv."""

__version__ = "0.1.0"
