"""Feeds (RSS 2.0, Atom, JSON Feed) built from the same lists as the pages."""
