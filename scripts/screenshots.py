"""Take the README's screenshots in real Chromium against `paperwire serve`.

    python scripts/screenshots.py --store DIR   (a data dir holding an imported store)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from common import Served

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SHOTS = {
    "daily.png": "/",
    "paper.png": "/papers/2604.26375",
    "search.png": "/papers?q=task-specific+heads",
}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--dark", action="store_true", help="also take dark-mode shots")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(args.store), "PAPERWIRE_DEV_MODE": "true"}
    with Served(env, port=8766) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        for name, path in SHOTS.items():
            page.goto(server.url + path)
            page.screenshot(path=str(OUT / name))
            print(f"wrote {OUT / name}")
        browser.close()


if __name__ == "__main__":
    main()
