"""Small stores with known papers for search tests."""

from __future__ import annotations

import json
from pathlib import Path

from paperwire.core import Paperwire


def paper(arxiv_id: str, title: str, abstract: str, *, cats: str = "cs.LG",
          day: str = "2024-03-05", authors: str = "Ada Lovelace", **extra: object) -> dict:
    weekday = "Tue"
    return {
        "id": arxiv_id, "title": title, "abstract": abstract, "authors": authors,
        "categories": cats, "update_date": day,
        "versions": [{"version": "v1", "created": f"{weekday}, {_rfc_day(day)} 10:00:00 GMT"}],
        **extra,
    }


def _rfc_day(day: str) -> str:
    year, month, dom = day.split("-")
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{int(dom)} {months[int(month) - 1]} {year}"


CORPUS = [
    paper("2401.00001", "Multi-task learning with task-specific heads",
          "We train a shared encoder with task-specific heads for several vision tasks. "
          "Gradient calibration balances the heads.", day="2024-01-10"),
    paper("2401.00002", "Shared encoders and separate output heads for multitask vision",
          "A shared backbone feeds separate output heads, one per objective; we study "
          "multitask vision transfer.", day="2024-02-11", cats="cs.CV"),
    paper("2401.00003", "Black hole entropy from string theory",
          "We count microstates of extremal black holes in string theory and recover the "
          "Bekenstein-Hawking entropy.", cats="hep-th", day="2023-05-01",
          authors="Andrew Strominger, Cumrun Vafa"),
    paper("2401.00004", "Quantum error correction with surface codes",
          "Surface codes protect logical qubits; we decode syndromes with a neural decoder "
          "for quantum error correction.", cats="quant-ph", day="2024-06-01"),
    paper("2401.00005", "Graph neural networks for molecules",
          "Message passing graph neural networks predict molecular properties; task "
          "heads per property share one encoder.", day="2024-04-20", cats="cs.LG"),
    paper("2401.00006", "A duplicate of the black hole paper",
          "We count microstates of extremal black holes in string theory and recover the "
          "Bekenstein-Hawking entropy.", cats="hep-th", day="2023-06-01"),
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def load(core: Paperwire, tmp_path: Path, records: list[dict] | None = None) -> Paperwire:
    core.import_snapshot([write_jsonl(tmp_path / "corpus.jsonl", records or CORPUS)])
    core.embed_pending()
    return core
