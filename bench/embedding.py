"""Embedding speed: the bare int8 model against the product path, in one run.

    python bench/embedding.py [--papers 768] [--rounds 3] [--batch-size 256]
    python bench/embedding.py --sweep [--budgets 256,512,1024,2048,4096]

Each round takes its own slice of real sample abstracts (spread over the sample) and
embeds it three times, back to back: once through the **bare model** (onnxruntime with its
default options on the int8 graph paperwire builds, tokenizers, batches of 32
length-sorted texts, 128 tokens: what the model costs on its own; and again in the
product's smaller batches, which fit the core's cache), once through the
**product path**, `Paperwire.embed_pending` on a fresh SQLite store holding the
slice (vectors, key concepts, stored rows, vector index: what `paperwire embed` and
`paperwire import` run). Alternating rounds put both under the same load on a busy
machine; the medians, their ratio, and CPU-seconds per paper (the process's user +
system time: robust to other work on the machine) are printed with the CPU's int8
features, which bound what int8 inference can reach.

``--sweep`` runs the product path once per batch budget (`embed_batch_tokens`) in each
round instead: the best budget is per CPU (its cache), and this is how to find it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common import REPO, SAMPLE, machine
from paperwire.core import Paperwire
from paperwire.search.embedder import paper_text
from paperwire.search.onnx_embedder import BATCH_TOKENS, OnnxEmbedder
from paperwire.settings import Settings

MODELS = REPO / ".scratch" / "models"
INT8_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")


def int8_features() -> str:
    """Which of the CPU's instruction sets for int8 inference it has."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    return " ".join(f"{flag}{'+' if flag in flags else '-'}" for flag in INT8_FLAGS)


@dataclass(slots=True)
class Figure:
    papers: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.papers / self.seconds

    @property
    def cpu_per_paper_ms(self) -> float:
        return self.cpu_seconds / self.papers * 1000


def measured(papers: int, work: Callable[[], object]) -> Figure:
    before, started = os.times(), time.perf_counter()
    work()
    seconds, after = time.perf_counter() - started, os.times()
    cpu = (after.user - before.user) + (after.system - before.system)
    return Figure(papers, seconds, cpu)


class BareModel:
    """The int8 graph on onnxruntime as anyone would run it: default session options."""

    def __init__(self, onnx_path: Path, tokenizer_path: Path) -> None:
        import onnxruntime
        import tokenizers

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = tokenizers.Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=128)

    def embed(self, texts: list[str], batch: int = 32) -> None:
        import numpy as np

        ids = [encoding.ids for encoding in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch):
            rows = [ids[i] for i in order[start : start + batch]]
            width = max(len(row) for row in rows)
            input_ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(input_ids)
            for i, row in enumerate(rows):
                input_ids[i, : len(row)], mask[i, : len(row)] = row, 1
            self.session.run(["sentence_embedding"], {"input_ids": input_ids, "attention_mask": mask})


def slices(count: int, rounds: int) -> list[list[str]]:
    """``rounds`` disjoint slices of ``count`` sample lines, spread over the sample."""
    with SAMPLE.open() as handle:
        lines = handle.readlines()
    step = max(1, len(lines) // (count * rounds))
    picked = lines[::step][: count * rounds]
    return [picked[i * count : (i + 1) * count] for i in range(rounds)]


def product_path(
    lines: list[str], batch_size: int, threads: int, batch_tokens: int = 0
) -> Figure:
    """`paperwire embed` on a fresh store holding ``lines``; only the embedding is timed."""
    folder = Path(tempfile.mkdtemp(prefix="paperwire-embed-bench-"))
    try:
        snapshot = folder / "slice.jsonl"
        snapshot.write_text("".join(lines))
        core = Paperwire(Settings(
            data_dir=folder, model_cache_dir=MODELS, embed_batch_size=batch_size,
            embed_threads=threads, embed_batch_tokens=batch_tokens,
        ))
        core.migrate()
        core.import_snapshot([snapshot])
        assert core.semantic is not None, "the bundled model is not installed"
        core.semantic.embedder.embed(["warm up the session"])
        figure = measured(len(lines), core.embed_pending)
        core.close()
        return figure
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report(label: str, figures: list[Figure]) -> tuple[float, float]:
    rate = statistics.median(f.rate for f in figures)
    cpu = statistics.median(f.cpu_per_paper_ms for f in figures)
    rounds = " ".join(f"{f.rate:6.1f}" for f in figures)
    print(f"{label:<34} {rate:6.1f} papers/s  {cpu:6.1f} CPU-ms/paper"
          f"  {1000 / cpu:6.1f} papers/CPU-s   (rounds: {rounds})")
    return rate, cpu


def sweep(args: argparse.Namespace, budgets: list[int]) -> None:
    """The product path at each batch budget, the budgets alternating within each round."""
    figures: dict[int, list[Figure]] = {budget: [] for budget in budgets}
    for number, lines in enumerate(slices(args.papers, args.rounds), 1):
        for budget in budgets:
            figures[budget].append(product_path(lines, args.batch_size, args.threads, budget))
        rates = ", ".join(f"{budget}: {figures[budget][-1].rate:6.1f}" for budget in budgets)
        print(f"round {number}: papers/s by budget {rates}", flush=True)
    print(f"\n{args.rounds} rounds of {args.papers} papers, medians (default {BATCH_TOKENS}):")
    for budget in budgets:
        report(f"product, batches of <= {budget} tokens", figures[budget])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=768, help="papers per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256, help="embed_batch_size")
    parser.add_argument("--threads", type=int, default=0, help="embed_threads (0: cores)")
    parser.add_argument("--sweep", action="store_true",
                        help="time the product path at each batch budget instead")
    parser.add_argument("--budgets", default="256,512,1024,2048,4096",
                        help="batch budgets (tokens) for --sweep")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"int8:    {int8_features()}")
    load = os.getloadavg()
    print(f"load:    {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (1/5/15 min) at the start")
    if args.sweep:
        sweep(args, [int(budget) for budget in args.budgets.split(",")])
        return
    embedder = OnnxEmbedder(cache_dir=MODELS, threads=args.threads or None)
    bare = BareModel(embedder.onnx_path, embedder.model_dir / "tokenizer.json")
    bare.embed(["warm up the session"] * 32)
    small = BATCH_TOKENS // embedder.max_tokens  # rows of a product batch of abstracts
    del embedder
    bare_figures, small_figures, product_figures = [], [], []
    for number, lines in enumerate(slices(args.papers, args.rounds), 1):
        texts = [paper_text(r["title"], r["abstract"]) for r in map(json.loads, lines)]
        bare_figures.append(measured(len(texts), lambda texts=texts: bare.embed(texts)))
        small_figures.append(measured(len(texts), lambda texts=texts: bare.embed(texts, small)))
        product_figures.append(product_path(lines, args.batch_size, args.threads))
        print(f"round {number}: bare {bare_figures[-1].rate:6.1f} papers/s,"
              f" bare in {small}s {small_figures[-1].rate:6.1f},"
              f" product {product_figures[-1].rate:6.1f} papers/s", flush=True)
    print(f"\n{args.rounds} rounds of {args.papers} papers, medians:")
    bare_rate, bare_cpu = report("bare model (ORT defaults, 32s)", bare_figures)
    small_rate, _ = report(f"bare model (ORT defaults, {small}s)", small_figures)
    product_rate, product_cpu = report("product path (paperwire embed)", product_figures)
    print(f"product / bare: {product_rate / bare_rate:.0%} of the speed,"
          f" {bare_cpu / product_cpu:.0%} of the papers per CPU-second (target: >= 85%);"
          f" {product_rate / small_rate:.0%} of the bare model's speed in the product's batches")


if __name__ == "__main__":
    main()
