"""A reader's library: parsers of exported reference files (one module per format),
matching entries to stored papers, and the shapes the core hands back."""
