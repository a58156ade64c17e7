"""Take the README's screenshots in real Chromium against `paperwire serve`.

    python scripts/screenshots.py [--every N]

Builds a store from every Nth record of the arXiv sample (real embeddings), adds a
few readers' upvotes and a confirmed digest subscriber, serves it, and writes
docs/screenshots/{daily,paper,search,trending,digest}.png.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from common import SAMPLE, Served
from paperwire.core import Paperwire
from paperwire.digest.models import Frequency, Topics
from paperwire.models import PaperFilter
from paperwire.settings import Settings

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
READER = "reader@example.org"


def build_store(data_dir: Path, every: int) -> Paperwire:
    subset = data_dir / "subset.jsonl"
    with SAMPLE.open("rb") as source, subset.open("wb") as sink:
        for number, line in enumerate(source):
            if number % every == 0:
                sink.write(line)
    core = Paperwire(Settings(data_dir=data_dir, dev_mode=True))
    core.migrate()
    core.import_snapshot([subset])
    core.embed_pending()
    latest = core.list_papers(PaperFilter(limit=12)).papers
    for index in range(6):
        user = core.add_user(f"reader{index}@example.org")
        for paper in latest[: 12 - 2 * index]:
            core.upvote(user, paper.arxiv_id, up=True)
    mail = core.subscribe_digest(READER, frequency=Frequency.DAILY,
                                 topics=Topics(keywords=("multi-task learning",)))
    token = re.search(r"token=([\w.\-=]+)", mail.text).group(1)
    core.confirm_digest(token)
    return core


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--every", type=int, default=8, help="take every Nth sample record")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="paperwire-shots-"))
    core = build_store(data_dir, args.every)
    digest = core.preview_digest(READER)
    html = next(p for p in digest.walk() if p.get_content_type() == "text/html")
    (data_dir / "digest.html").write_bytes(html.get_payload(decode=True))
    paper = core.list_papers(PaperFilter(limit=1)).papers[0].arxiv_id
    shots = {
        "daily.png": "/",
        "paper.png": f"/papers/{paper}",
        "search.png": "/papers?q=task-specific+heads",
        "trending.png": "/trending?period=week",
    }
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir), "PAPERWIRE_DEV_MODE": "true",
           "PAPERWIRE_HARVEST_ENABLED": "false"}
    with Served(env, port=8766) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        for name, path in shots.items():
            page.goto(server.url + path)
            page.wait_for_timeout(500)  # KaTeX
            page.screenshot(path=str(OUT / name))
            print(f"wrote {OUT / name}")
        page.goto((data_dir / "digest.html").as_uri())
        page.screenshot(path=str(OUT / "digest.png"), full_page=False)
        print(f"wrote {OUT / 'digest.png'}")
        browser.close()


if __name__ == "__main__":
    main()
