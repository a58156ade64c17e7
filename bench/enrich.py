"""Code and project links extracted from the sample's abstracts and comments per second,
and extractive one-line summaries per second.

    python bench/enrich.py [--rounds N] [--summaries N]

Reads the sample once (JSON parsing is not timed), then runs the extractor over every
paper N times and prints papers/s, links/s and how many papers link GitHub. With
``--summaries N`` it then takes N papers spread over the sample, embeds them with the
bundled model (the embedding job's cost) and summarizes them (shortlisted sentences
through the same model), and prints both in papers/s and CPU-ms per paper, and what
embedding every sentence instead would cost. With ``--github N`` it refreshes N
repositories against the fake GitHub of tests/github_server.py twice (the first pass all
200s, the second all 304s, a week later) and prints requests, the 304 share, the wall
time (the pacer's waits left out), and the time the client's pacer takes over the same
requests at a 5,000 requests/hour budget with a token (counted on a virtual clock).
"""

from __future__ import annotations

import argparse
import json
import os
import time

from common import SAMPLE, machine
from paperwire.links import extract_links
from paperwire.search.embedder import paper_text
from paperwire.text import plain_abstract, plain_title


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--summaries", type=int, default=0, metavar="N",
                        help="also time extractive summaries of N papers")
    parser.add_argument("--github", type=int, default=0, metavar="N",
                        help="also time a GitHub refresh of N repositories (fake server)")
    args = parser.parse_args()
    if args.github:
        from github_bench import bench_github

        print(f"machine: {machine()}, load {os.getloadavg()[0]:.2f}")
        bench_github(args.github)
        return
    with SAMPLE.open(encoding="utf-8") as lines:
        records = list(map(json.loads, lines))
    texts = [(r.get("abstract"), r.get("comments")) for r in records]
    print(f"machine: {machine()}, load {os.getloadavg()[0]:.2f}")
    print(f"sample:  {SAMPLE} ({len(texts):,} papers)")
    best = float("inf")
    for _ in range(args.rounds):
        started = time.perf_counter()
        found = [extract_links(abstract, comments) for abstract, comments in texts]
        best = min(best, time.perf_counter() - started)
    links = sum(map(len, found))
    github = sum(any(link.host == "github.com" for link in paper) for paper in found)
    repos = sum(link.kind == "repo" for paper in found for link in paper)
    print(f"links:   {links:,} ({repos:,} repositories, {links - repos:,} project pages); "
          f"{github:,} papers link GitHub")
    print(f"speed:   {len(texts) / best:,.0f} papers/s, {links / best:,.0f} links/s "
          f"(best of {args.rounds}: {best:.2f} s)")
    if args.summaries:
        step = max(1, len(records) // args.summaries)
        bench_summaries(records[::step][: args.summaries])


def timed(work):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bench_summaries(records: list[dict]) -> None:
    from paperwire.search.onnx_embedder import OnnxEmbedder
    from paperwire.summaries.extractive import ExtractiveSummarizer
    from paperwire.summaries.sentences import split_sentences, word_count

    embedder = OnnxEmbedder()
    embedder.embed(["warm up"] * 8)
    papers = [(plain_title(r["title"]), plain_abstract(r["abstract"])) for r in records]
    count = len(papers)
    vectors, wall, cpu = timed(lambda: embedder.embed([paper_text(t, a) for t, a in papers]))
    print(f"embedding ({count:,} papers, {embedder.threads} threads): {count / wall:,.1f} papers/s,"
          f" {cpu / count * 1000:.1f} CPU-ms/paper")
    summarizer = ExtractiveSummarizer(embedder)
    rows = [(t, a, v) for (t, a), v in zip(papers, vectors, strict=True)]
    chosen, s_wall, s_cpu = timed(lambda: [
        text for start in range(0, count, 256) for text in summarizer.summarize_many(rows[start : start + 256])
    ])
    print(f"summaries: {count / s_wall:,.1f} papers/s, {s_cpu / count * 1000:.1f} CPU-ms/paper"
          f" ({s_cpu / cpu:.0%} of embedding's CPU)")
    every = [s for _, a in papers for s in split_sentences(a)]
    _, a_wall, a_cpu = timed(lambda: embedder.embed(every))
    print(f"every sentence instead ({len(every) / count:.1f} a paper): {count / a_wall:,.1f}"
          f" papers/s, {a_cpu / count * 1000:.1f} CPU-ms/paper ({a_cpu / cpu:.0%} of embedding's)")
    made = [text for text in chosen if text]
    words = sorted(word_count(text) for text in made)
    print(f"made {len(made):,}; words median {words[len(words) // 2]}, max {words[-1]};"
          f" trimmed {sum(text.endswith('…') for text in made):,}")


if __name__ == "__main__":
    main()
