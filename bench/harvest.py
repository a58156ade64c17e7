"""Harvest N thousand records from a local fake arXiv with politeness off; print records/s.

    python bench/harvest.py --thousands 20 [--page-size 2500] [--database-url URL]

Measures parsing (arXivRaw XML) plus storing (upsert, versions, categories,
keyword index, cursor) end to end through ``Paperwire.harvest``: the same path
a real harvest takes, minus arXiv's 3-second pauses. Also prints how long the
hostile documents of tests/harvest/test_harvest_safety.py take to be refused.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "harvest"))

from fake_arxiv import BILLION_LAUGHS, XXE, XXE_PARAMETER, FakeArxiv, make_records, oai_page

from paperwire.core import Paperwire
from paperwire.settings import Settings
from paperwire.sources.xmlsafe import MalformedDocument, parse_xml


class PrebuiltArxiv(FakeArxiv):
    """Serves pages rendered before the clock starts, so the server costs nothing."""

    def __init__(self, pages: list[bytes]) -> None:
        super().__init__()
        self.pages = pages

    def list_records(self, params: dict[str, str]):  # type: ignore[no-untyped-def]
        from fake_arxiv import Response

        index = int(params.get("resumptionToken", "0"))
        return Response(body=self.pages[index])


def build_pages(count: int, page_size: int) -> list[bytes]:
    records = make_records(count)
    for index, record in enumerate(records):
        record.abstract = ("  We study a problem of some importance and show results.\n" * 12)
        if index % 3 == 0:
            first = record.versions[0][1]
            record.versions.append((2, first.replace(day=first.day + 1), "210kb"))
    pages = []
    for number, start in enumerate(range(0, count, page_size)):
        last = start + page_size >= count
        pages.append(oai_page(records[start : start + page_size], "" if last else str(number + 1)))
    return pages


def refusal_ms(document: bytes, rounds: int = 1000) -> float:
    """Milliseconds to refuse one hostile document (mean over ``rounds``)."""
    started = time.perf_counter()
    for _ in range(rounds):
        with contextlib.suppress(MalformedDocument):
            parse_xml(document)
    return (time.perf_counter() - started) * 1000 / rounds


def print_refusals() -> None:
    for name, document in [("billion laughs", BILLION_LAUGHS), ("XXE", XXE),
                           ("XXE parameter", XXE_PARAMETER)]:
        print(f"refused        {name}: {refusal_ms(document):.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--thousands", type=int, default=20)
    parser.add_argument("--page-size", type=int, default=2500)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    count = args.thousands * 1000
    pages = build_pages(count, args.page_size)
    server = PrebuiltArxiv(pages).start()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder), database_url=args.database_url,
            arxiv_oai_url=f"{server.url}/oai", arxiv_delay_seconds=0,
        )
        core = Paperwire(settings)
        core.migrate()
        started, cpu_started = time.perf_counter(), time.process_time()
        report = core.harvest(sets=["cs"])
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        stored = core.stats().papers
        core.close()
    server.stop()
    assert stored == count, (stored, count)
    print(f"backend        {core.engine.dialect.name}")
    print(f"records        {count:,} in {len(pages)} pages of {args.page_size:,}")
    print(f"added          {report.counts.added:,}")
    print(f"seconds        {elapsed:.2f} wall, {cpu:.2f} CPU")
    print(f"records/s      {count / elapsed:,.0f} (wall clock)")
    print(f"records/CPU-s  {count / cpu:,.0f} (this process's CPU time: steady under load)")
    print_refusals()
    print(f"load average   {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
