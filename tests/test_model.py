"""The real embedding model (bundled all-MiniLM-L6-v2, ONNX Runtime int8) on a small slice.

Marked ``model``: run alone with ``pytest -m model``; CI runs them with the rest.

int8 numerics move cosines by about 0.01 from one CPU to another (and with how papers
are batched), so these tests assert properties with a wider margin than that: a set
of on-topic neighbours, a rank range, a gap between on- and off-topic. The store is
built once per ONNX thread count (``embed_threads`` 1 and 2) and every test runs on
both: nothing may depend on how many threads embedded the papers.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, SAMPLE, TEST_SECRET, make_settings
from paperwire.core import Paperwire
from paperwire.search.embedder import paper_text

pytestmark = pytest.mark.model
SLICE_EVERY = 100
KNOWN = {"1810.04805", "0704.0001", "hep-th/9901001", "2101.10016"}
THREADS = [1, 2]
# Archives outside computing and statistics: what the nearest papers of a string
# theory paper must come from (the slice is ~95% cs).
PHYSICS_AND_MATHS = ("hep-", "gr-qc", "quant-ph", "physics", "cond-mat", "astro-ph", "nucl-",
                     "nlin", "math")


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("PAPERWIRE_TEST_MODEL_CACHE")
    return Path(configured) if configured else tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def model_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("model-slice") / "slice.jsonl"
    with SAMPLE.open() as source, target.open("w") as sink:
        for number, line in enumerate(source):
            if number % SLICE_EVERY == 0 or json.loads(line)["id"] in KNOWN:
                sink.write(line)
    return target


@pytest.fixture(scope="session", params=THREADS, ids=lambda n: f"threads{n}")
def model_core(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               model_cache: Path, model_slice: Path) -> Iterator[Paperwire]:
    """~330 real papers, embedded by the real model on ``param`` threads, on SQLite."""
    directory = tmp_path_factory.mktemp(f"model-store-{request.param}")
    core = Paperwire(make_settings(directory / "data", embedder="onnx", model_cache_dir=model_cache,
                                   embed_threads=request.param))
    lanes = core.semantic.embedder._lanes
    assert sum(lane.get_session_options().intra_op_num_threads for lane in lanes) == request.param
    core.migrate()
    core.import_snapshot([model_slice])
    report = core.embed_pending()
    assert report.embedded == core.stats().papers
    yield core
    core.close()


def test_model_vectors_are_unit_length_and_meaningful(model_core):
    embedder = model_core.semantic.embedder
    assert embedder.dim == 384
    vectors = embedder.embed([
        "a neural network for image classification",
        "convolutional networks that recognise pictures",
        "the thermal history of the early universe",
    ])
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_semantic_search_finds_bert_by_meaning(model_core):
    results = model_core.search_papers("pretrained bidirectional language model for NLP tasks")
    first, second = results.hits[:2]
    assert first.paper.arxiv_id == "1810.04805"  # ahead of the next by ~0.12
    assert first.similarity is not None
    assert first.similarity > 0.5
    assert second.similarity is None or first.similarity > second.similarity + 0.05


def test_concepts_of_known_abstracts(model_core):
    bert = [c.lower() for c in model_core.paper_concepts("1810.04805")]
    assert "bert" in bert
    assert any("bidirectional" in c for c in bert)
    strings = [c.lower() for c in model_core.paper_concepts("hep-th/9901001")]
    assert any("heterotic string" in c for c in strings)
    diphoton = [c.lower() for c in model_core.paper_concepts("0704.0001")]
    assert any("diphoton" in c for c in diphoton)


def test_similar_papers_are_on_topic(model_core):
    """The slice is mostly machine learning; a string theory paper's neighbours are its
    few physics and mathematics papers. Which of them is nearest is a close call that
    int8 numerics decide differently on other CPUs (on an AMD EPYC a cond-mat paper,
    here a math.QA one, 0.004 apart): assert the set and a rank range, not the first."""
    similar = model_core.similar_papers("hep-th/9901001", limit=10)
    ids = [item.paper.arxiv_id for item in similar]
    assert len(ids) == 10
    assert "hep-th/9901001" not in ids
    categories = [item.paper.primary_category or "" for item in similar]
    assert all(c.startswith(PHYSICS_AND_MATHS) for c in categories[:5]), categories
    assert sum(c.startswith(PHYSICS_AND_MATHS) for c in categories) >= 8, categories
    # Its hep-th neighbours in the slice are all among the eight nearest.
    assert {"0704.0929", "0704.0729", "0704.0829"} <= set(ids[:8]), ids


def test_vectors_do_not_depend_on_the_thread_count(model_slice, model_cache):
    """Batches embedded on 1, 2 and 3 ONNX threads (the query session has one)."""
    from paperwire.search.onnx_embedder import OnnxEmbedder

    records = [json.loads(line) for line in model_slice.read_text().splitlines()[:64]]
    texts = [paper_text(r["title"], r["abstract"]) for r in records]
    vectors = [OnnxEmbedder(cache_dir=model_cache, threads=n).embed(texts) for n in (1, 2, 3)]
    for other in vectors[1:]:
        assert np.abs(other - vectors[0]).max() < 1e-4


def _reference_embedding(
    model_dir: Path, ids: list[int], layers: int | None = None, *, words_only: bool = False
) -> np.ndarray:
    """BertModel's forward pass (its first ``layers`` layers), mean-pooled (over every
    token but [CLS] and [SEP] with ``words_only``) and normalised, in plain numpy (fp32)."""
    from math import erf

    from paperwire.search.onnx_build import _strip_prefix, load_safetensors

    cfg = json.loads((model_dir / "config.json").read_text())
    w = _strip_prefix(load_safetensors(model_dir / "model.safetensors"))
    eps, heads = cfg["layer_norm_eps"], cfg["num_attention_heads"]
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / np.sqrt(2))))

    def norm(x: np.ndarray, prefix: str) -> np.ndarray:
        centred = x - x.mean(-1, keepdims=True)
        scaled = centred / np.sqrt((centred**2).mean(-1, keepdims=True) + eps)
        return scaled * w[f"{prefix}.weight"] + w[f"{prefix}.bias"]

    def dense(x: np.ndarray, prefix: str) -> np.ndarray:
        return x @ w[f"{prefix}.weight"].T + w[f"{prefix}.bias"]

    n = len(ids)
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = norm(x, "embeddings.LayerNorm")
    for i in range(layers or cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}"
        q, k, v = (dense(x, f"{p}.attention.self.{part}").reshape(n, heads, -1).transpose(1, 0, 2)
                   for part in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, -1)
        x = norm(dense(context, f"{p}.attention.output.dense") + x, f"{p}.attention.output.LayerNorm")
        x = norm(dense(gelu(dense(x, f"{p}.intermediate.dense")), f"{p}.output.dense") + x,
                 f"{p}.output.LayerNorm")
    pooled = x[1:-1].mean(0) if words_only else x.mean(0)
    return pooled / np.linalg.norm(pooled)


def test_the_onnx_graph_is_bert_and_int8_stays_close(model_slice, model_cache):
    """The fused graph, fp32, against numpy's BertModel: equal to rounding, padded
    batches included; int8 keeps each vector's direction within its usual noise."""
    from paperwire.search.onnx_embedder import OnnxEmbedder

    fp32 = OnnxEmbedder(cache_dir=model_cache, quantized=False, threads=1)
    int8 = OnnxEmbedder(cache_dir=model_cache, threads=1)
    records = [json.loads(line) for line in model_slice.read_text().splitlines()[:6]]
    texts = ["task-specific heads", *(paper_text(r["title"], r["abstract"]) for r in records)]
    expected = np.stack([_reference_embedding(fp32.model_dir, fp32._tokenizer.encode(t).ids)
                         for t in texts])
    exact = fp32.embed(texts)  # one padded batch: lengths 7 to 128 tokens
    assert np.abs(exact - expected).max() < 1e-4
    assert ((int8.embed(texts) * expected).sum(1) > 0.97).all()


def test_phrases_and_papers_meet_in_the_first_layers_space(model_slice, model_cache):
    """``phrase_space``: the pooling after PHRASE_LAYERS layers, from the paper's full
    run and (over the words alone) from the phrase graph, equal to numpy's; the full
    graph's sentence vectors are untouched by the extra output."""
    from paperwire.search.onnx_build import PHRASE_LAYERS
    from paperwire.search.onnx_embedder import OnnxEmbedder

    fp32 = OnnxEmbedder(cache_dir=model_cache, quantized=False, threads=1)
    records = [json.loads(line) for line in model_slice.read_text().splitlines()[:4]]
    texts = ["task-specific heads", *(paper_text(r["title"], r["abstract"]) for r in records)]
    expected = np.stack([
        _reference_embedding(fp32.model_dir, fp32._tokenizer.encode(t).ids, PHRASE_LAYERS)
        for t in texts])
    words = np.stack([
        _reference_embedding(fp32.model_dir, fp32._tokenizer.encode(t).ids, PHRASE_LAYERS,
                             words_only=True)
        for t in texts])
    vectors, phrase_space = fp32.embed_papers(texts)  # one padded batch
    assert np.abs(phrase_space - expected).max() < 1e-4
    assert np.abs(fp32.embed_phrases(texts) - words).max() < 1e-4
    assert np.abs(vectors - fp32.embed(texts)).max() < 1e-5
    int8 = OnnxEmbedder(cache_dir=model_cache, threads=1)
    assert ((int8.embed_phrases(texts) * words).sum(1) > 0.97).all()


def test_concepts_come_from_the_phrase_space(model_cache):
    """The bundled model's concepts: phrases of the paper, run through the phrase graph
    (not the full model) and compared with the paper's phrase-space row."""
    from paperwire.search.concepts import ConceptExtractor, embed_for_concepts
    from paperwire.search.onnx_embedder import OnnxEmbedder

    title = "Multi-task learning with task-specific heads"
    abstract = ("We propose a multi-task learning framework in which a shared encoder feeds "
                "task-specific heads. Gradient calibration balances the heads and improves "
                "transfer on dense prediction benchmarks such as NYUv2 and Cityscapes.")
    embedder = OnnxEmbedder(cache_dir=model_cache, threads=1)
    vectors, rows = embed_for_concepts(embedder, [paper_text(title, abstract)])
    assert np.abs(vectors - embedder.embed([paper_text(title, abstract)])).max() < 1e-5
    extractor = ConceptExtractor(embedder)
    concepts = extractor.extract(title, abstract, rows[0])
    assert 3 <= len(concepts) <= 6
    assert all(c.lower() in f"{title} {abstract}".lower() for c in concepts)
    phrase = concepts[0].lower()
    alone = embedder.embed_phrases([phrase])[0]
    assert float(extractor._cache[phrase] @ alone) > 0.97


def test_a_host_that_only_searches_never_opens_the_phrase_graph(tmp_path, model_cache):
    """Queries and paper vectors need the full graph only; the phrase graph is built
    (into an empty cache) and opened by the first concept phrase."""
    import shutil

    from paperwire.search.embedder import PhraseSpaceEmbedder
    from paperwire.search.onnx_embedder import OnnxEmbedder

    cache = tmp_path / "cache"
    shutil.copytree(model_cache, cache, ignore=shutil.ignore_patterns("*-phrases*"))
    embedder = OnnxEmbedder(cache_dir=cache, threads=1)
    assert isinstance(embedder, PhraseSpaceEmbedder)
    embedder.embed_query("task-specific heads")
    embedder.embed(["A paper. Its abstract."])
    assert not list(cache.rglob("*-phrases*"))
    phrase = embedder.embed_phrases(["task-specific heads"])[0]
    assert list(cache.rglob("*-phrases*"))
    assert abs(float(np.linalg.norm(phrase)) - 1.0) < 1e-3


def test_batches_hold_similar_lengths_within_their_token_budget():
    from paperwire.search.onnx_embedder import token_batches

    lengths = [128, 7, 128, 9, 128, 128, 128, 300, 8, 128]
    batches = token_batches(lengths, max_rows=3, max_tokens=512)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= 3
        assert len(batch) == 1 or len(batch) * max(lengths[i] for i in batch) <= 512
    assert [lengths[i] for i in batches[0]] == [7, 8, 9]  # the short ones together
    assert [len(batch) for batch in token_batches([128] * 10, 32, 512)] == [4, 4, 2]
    assert token_batches([600, 5], 32, 512) == [[1], [0]]  # an over-long row runs alone
    assert token_batches([], 32, 512) == []


def test_cache_sized_batches_give_the_vectors_of_full_batches(model_slice, model_cache):
    """Abstracts run four to a batch (they fit the core's cache) or 32 to a batch:
    int8's per-batch activation scales move the vectors, never their meaning."""
    from paperwire.search.onnx_embedder import OnnxEmbedder

    records = [json.loads(line) for line in model_slice.read_text().splitlines()[:64]]
    texts = [paper_text(r["title"], r["abstract"]) for r in records]
    small = OnnxEmbedder(cache_dir=model_cache, threads=1).embed(texts)
    full = OnnxEmbedder(cache_dir=model_cache, threads=1, batch_tokens=32 * 128).embed(texts)
    assert float((small * full).sum(axis=1).min()) > 0.98


def test_the_batch_budget_is_a_setting(tmp_path, model_cache):
    from paperwire.search.embedder import make_embedder
    from paperwire.search.onnx_embedder import BATCH_TOKENS

    def budget(tokens: int) -> int:
        settings = make_settings(tmp_path, embedder="onnx", model_cache_dir=model_cache,
                                 embed_batch_tokens=tokens, embed_threads=1)
        return make_embedder(settings).batch_tokens

    assert budget(0) == BATCH_TOKENS
    assert budget(2048) == 2048


def test_text_is_the_title_and_abstract():
    assert paper_text("A  title.", " An\nabstract ") == "A title. An abstract"


def test_batches_run_on_cuda_when_offered_else_on_the_cpu(model_slice, model_cache):
    import onnxruntime

    from paperwire.search.onnx_embedder import OnnxEmbedder, batch_providers

    cpu_only = ["CPUExecutionProvider"]
    assert batch_providers(["CUDAExecutionProvider", *cpu_only]) == [
        "CUDAExecutionProvider", "CPUExecutionProvider"]
    assert batch_providers(["AzureExecutionProvider", *cpu_only]) == cpu_only
    embedder = OnnxEmbedder(cache_dir=model_cache, threads=2)
    expected = batch_providers(onnxruntime.get_available_providers())
    assert embedder.providers == expected
    assert [lane.get_providers()[0] for lane in embedder._lanes] == [expected[0]] * len(embedder._lanes)
    assert embedder._query_session.get_providers() == cpu_only


def test_kill_9_mid_embedding_then_rerun_embeds_each_paper_once(tmp_path, model_slice, model_cache):
    """A real `paperwire embed` on 192 papers in batches of 16, killed with SIGKILL after
    a few batches committed; the rerun embeds exactly the papers the first did not."""
    lines = model_slice.read_text().splitlines(keepends=True)[:192]
    snapshot = tmp_path / "slice.jsonl"
    snapshot.write_text("".join(lines))
    data = tmp_path / "data"
    core = Paperwire(make_settings(data, embedder="onnx", model_cache_dir=model_cache))
    core.migrate()
    core.import_snapshot([snapshot])
    total = core.pending_embeddings()
    assert total == len(lines)
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data), "PAPERWIRE_EMBEDDER": "onnx",
           "PAPERWIRE_MODEL_CACHE_DIR": str(model_cache), "PAPERWIRE_EMBED_BATCH_SIZE": "16",
           "PAPERWIRE_SECRET_KEY": TEST_SECRET}
    env.pop("PAPERWIRE_DATABASE_URL", None)
    command = [sys.executable, "-m", "paperwire", "embed"]
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while core.pending_embeddings() > total - 48:  # three batches committed
        assert process.poll() is None, "embed ended before it could be killed"
        assert time.monotonic() < deadline, "embed never committed three batches"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    committed = total - core.pending_embeddings()
    assert committed % 16 == 0  # whole batches only
    assert 48 <= committed < total

    rerun = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True,
                           timeout=900)
    assert rerun.returncode == 0, rerun.stderr
    counts = re.search(r"embedded ([\d,]+) .* vector index updated with ([\d,]+)", rerun.stdout)
    assert counts, rerun.stdout
    assert int(counts[1].replace(",", "")) == total - committed  # nothing embedded twice
    assert int(counts[2].replace(",", "")) == total  # the killed run's batches too
    assert core.pending_embeddings() == 0
    assert len(core.semantic.index) == total
    core.close()
