"""Code and project links extracted from the sample's abstracts and comments per second.

    python bench/enrich.py [--rounds N]

Reads the sample once (JSON parsing is not timed), then runs the extractor over every
paper N times and prints papers/s, links/s and how many papers link GitHub.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from common import SAMPLE, machine
from paperwire.links import extract_links


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with SAMPLE.open(encoding="utf-8") as lines:
        texts = [(r.get("abstract"), r.get("comments")) for r in map(json.loads, lines)]
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


if __name__ == "__main__":
    main()
