"""Export a deployment to one archive file and restore it into an empty store (docs/backup.md)."""
