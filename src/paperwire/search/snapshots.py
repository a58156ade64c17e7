"""Index snapshots: one host (a worker) publishes its keyword and vector indexes to a
folder every host can read; a new host starts from the latest one and then follows the
change feed from the position the snapshot recorded, instead of reading every paper.

A snapshot is a folder ``snapshot-<unix seconds>`` holding ``text-index/`` (tantivy,
with its ``paperwire.json`` position), ``vectors/`` (each model's ``.usearch`` file and
its sidecar) and ``manifest.json``; ``LATEST`` names the newest. Each index is copied
under its writer's lock, so a copy and its recorded position always agree; publishing
is atomic (a hidden partial folder renamed into place), and the two newest are kept.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from paperwire.search.indexing import index_lock
from paperwire.search.text_index import writer_lock
from paperwire.search.vectors import index_paths

LATEST, MANIFEST = "LATEST", "manifest.json"
KEEP = 2
_NOT_COPIED = shutil.ignore_patterns("*.lock", "*.tmp*")


@dataclass(frozen=True, slots=True)
class Snapshot:
    path: Path
    created_at: float
    papers: int  # documents in its keyword index
    vectors: dict[str, int]  # model -> vectors in its index
    # Some of the publishing store's papers (row id -> arXiv id), so that a host of
    # another store (a wrong folder, a restore) does not adopt it; {}: not recorded.
    store: dict[int, str] = field(default_factory=dict)

    def belongs_to(self, arxiv_ids_of: Callable[[list[int]], dict[int, str]]) -> bool:
        """Whether the store that ``arxiv_ids_of`` reads is the one that published, and
        holds its newest papers (a store restored from an older backup does not). A
        false "no" only costs a rebuild."""
        if not self.store:
            return True  # published before snapshots recorded their store
        return arxiv_ids_of(list(self.store)) == self.store


def publish(text_dir: Path, vector_dir: Path, target: Path, *, models: list[str],
            now: float, store: dict[int, str]) -> Snapshot:
    """Copy this host's indexes into a new snapshot under ``target``; returns it."""
    target.mkdir(parents=True, exist_ok=True)
    name = f"snapshot-{int(now)}"
    staging = target / f".{name}.{os.getpid()}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    with writer_lock(text_dir):
        shutil.copytree(text_dir, staging / "text-index", ignore=_NOT_COPIED)
    (staging / "vectors").mkdir()
    for model in models:
        with index_lock(vector_dir, model):
            for path in index_paths(vector_dir, model):
                if path.is_file():
                    shutil.copy2(path, staging / "vectors" / path.name)
    snapshot = _describe(staging, now)
    (staging / MANIFEST).write_text(json.dumps({
        "created_at": now, "papers": snapshot.papers, "vectors": snapshot.vectors,
        "store": {str(pid): arxiv for pid, arxiv in store.items()},
    }))
    final = target / name
    shutil.rmtree(final, ignore_errors=True)
    os.replace(staging, final)
    _write_latest(target, name)
    _prune(target, keep=KEEP)
    return Snapshot(final, now, snapshot.papers, snapshot.vectors, dict(store))


def latest(target: Path) -> Snapshot | None:
    try:
        path = target / (target / LATEST).read_text().strip()
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return Snapshot(path, float(manifest["created_at"]), int(manifest["papers"]),
                    {str(k): int(v) for k, v in manifest["vectors"].items()},
                    {int(k): str(v) for k, v in manifest.get("store", {}).items()})


def adopt_text(snapshot: Snapshot, text_dir: Path) -> bool:
    """Put the snapshot's keyword index in place of this host's (call only when this
    host's is missing or untrusted); False when the snapshot has none."""
    source = snapshot.path / "text-index"
    if not (source / "paperwire.json").is_file():
        return False
    with writer_lock(text_dir):
        incoming = text_dir.with_name(f".{text_dir.name}.{os.getpid()}.incoming")
        shutil.rmtree(incoming, ignore_errors=True)
        shutil.copytree(source, incoming)
        shutil.rmtree(text_dir, ignore_errors=True)
        os.replace(incoming, text_dir)
    return True


def adopt_vectors(snapshot: Snapshot, vector_dir: Path, model: str) -> bool:
    """Put the snapshot's vector index of ``model`` in place (the index file first, its
    sidecar with the feed position last); False when the snapshot has none."""
    index_file, sidecar = index_paths(snapshot.path / "vectors", model)
    if not (index_file.is_file() and sidecar.is_file()):
        return False
    vector_dir.mkdir(parents=True, exist_ok=True)
    with index_lock(vector_dir, model):
        for source in (index_file, sidecar):
            incoming = vector_dir / f"{source.name}.tmp{os.getpid()}"
            shutil.copy2(source, incoming)
            os.replace(incoming, vector_dir / source.name)
    return True


def _describe(staging: Path, now: float) -> Snapshot:
    try:
        text_meta = json.loads((staging / "text-index" / "paperwire.json").read_text())
    except (OSError, ValueError):
        text_meta = {}
    vectors = {}
    for sidecar in (staging / "vectors").glob("*.json"):
        meta = json.loads(sidecar.read_text())
        vectors[str(meta.get("model", sidecar.stem))] = int(meta.get("count", 0))
    return Snapshot(staging, now, int(text_meta.get("count", 0) or 0), vectors)


def _write_latest(target: Path, name: str) -> None:
    temporary = target / f".{LATEST}.{os.getpid()}"
    temporary.write_text(name + "\n")
    os.replace(temporary, target / LATEST)


def _prune(target: Path, *, keep: int) -> None:
    published = sorted((p for p in target.glob("snapshot-*") if p.is_dir()),
                       key=lambda p: int(p.name.split("-")[1]))
    for old in published[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
