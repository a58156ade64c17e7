"""The vector index: exact and HNSW behind one interface, persisted, shared, incremental."""

import numpy as np
import pytest

from paperwire.search.vectors import VectorIndex, VectorIndexWriter
from synthetic_vectors import clustered_vectors

DIM = 384


def build(directory, vectors, start=1, threads=None):
    writer = VectorIndexWriter(directory, "m", DIM, threads=threads)
    writer.upsert(list(range(start, start + len(vectors))), vectors)
    writer.save({"seq": 7, "xmax": None, "pending": []}, 1_700_000_000.0)
    return writer


def recall_at_10(directory, vectors) -> float:
    index = VectorIndex(directory, "m", DIM, exact_max=0)
    assert not index.is_exact
    rng = np.random.default_rng(1)
    queries = vectors[rng.integers(0, len(vectors), 200)]
    queries = queries + 0.05 * rng.standard_normal(queries.shape).astype(np.float32)
    found = 0
    for query in queries:
        approximate = {key for key, _ in index.search(query, 10)}
        exact = {key for key, _ in index.search(query, 10, exact=True)}
        found += len(approximate & exact)
    return found / (10 * len(queries))


# One inserting thread builds the same graph on every machine; 16 (however many cores
# there are) inserts concurrently, so the graph differs a little from run to run:
# recall measured 1.0 with one thread and 0.9915-0.9935 with 16 on two busy cores
# (0.97-0.996 before EXPANSION_ADD went from 64 to 128), against a bound of 0.98.
@pytest.mark.parametrize("threads", [1, 16])
def test_ann_recall_at_10_against_exact_is_at_least_098(tmp_path, threads):
    vectors = clustered_vectors(12_000)
    build(tmp_path, vectors, threads=threads)
    recall = recall_at_10(tmp_path, vectors)
    assert recall >= 0.98, f"recall@10 {recall:.3f} with {threads} threads"


def test_a_one_thread_build_is_the_same_graph_every_time(tmp_path):
    vectors = clustered_vectors(3_000)
    for folder in ("a", "b"):
        build(tmp_path / folder, vectors, threads=1)
    assert (tmp_path / "a" / "m.usearch").read_bytes() == (tmp_path / "b" / "m.usearch").read_bytes()


def test_exact_search_finds_itself_first(tmp_path):
    vectors = clustered_vectors(500)
    build(tmp_path, vectors)
    index = VectorIndex(tmp_path, "m", DIM, exact_max=10_000)
    assert index.is_exact
    key, similarity = index.search(vectors[41], 3)[0]
    assert key == 42
    assert similarity == pytest.approx(1.0, abs=1e-3)


def test_a_batch_of_queries_split_over_the_cores_finds_what_each_query_finds(tmp_path):
    vectors = clustered_vectors(3_000)
    build(tmp_path, vectors, threads=1)
    index = VectorIndex(tmp_path, "m", DIM, exact_max=0)
    queries = vectors[[3, 500, 1_200, 2_999, 17, 1_800]]
    batched = index.search_many(queries, 20)
    one_by_one = [key for query in queries for key, _ in index.search(query, 20)]
    assert batched.tolist() == one_by_one


def test_restart_reads_the_persisted_index(tmp_path):
    vectors = clustered_vectors(300)
    build(tmp_path, vectors)
    reopened = VectorIndex(tmp_path, "m", DIM, exact_max=0)  # a new process would do this
    assert len(reopened) == 300
    assert reopened.search(vectors[9], 1)[0][0] == 10
    assert reopened.meta().feed == {"seq": 7, "xmax": None, "pending": []}
    assert reopened.meta().synced_at == 1_700_000_000.0
    assert set(reopened.vectors([1, 2, 999])) == {1, 2}


def test_incremental_upsert_and_remove_reach_open_readers(tmp_path, monkeypatch):
    vectors = clustered_vectors(200)
    build(tmp_path, vectors[:100])
    reader = VectorIndex(tmp_path, "m", DIM, exact_max=10_000)
    assert len(reader) == 100
    writer = VectorIndexWriter(tmp_path, "m", DIM)  # loads the saved file
    writer.upsert(list(range(101, 201)), vectors[100:])
    writer.upsert([1], vectors[150:151])  # paper 1 changed: its vector moves
    writer.remove([2])
    writer.save(None, None)
    monkeypatch.setattr("paperwire.search.vectors.RECHECK_SECONDS", 0.0)
    assert len(reader) == 199
    assert {key for key, _ in reader.search(vectors[150], 2)} == {1, 151}
    assert 2 not in reader.vectors([2])
