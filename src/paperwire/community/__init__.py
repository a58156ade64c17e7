"""Community features: accounts, upvotes, trending, comments, collections, submissions."""
