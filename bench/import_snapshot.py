"""Import the 32k-record sample into an empty SQLite store and print records/s.

    python bench/import_snapshot.py [--keep DIR]

With --keep, the store is left in DIR for bench/pages.py.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from common import SAMPLE, machine
from paperwire.core import Paperwire
from paperwire.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="leave the store in this folder")
    args = parser.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="paperwire-bench-"))
    if args.keep and data_dir.exists():
        shutil.rmtree(data_dir)
    core = Paperwire(Settings(data_dir=data_dir))
    core.migrate()
    print(f"machine: {machine()}")
    print(f"sample:  {SAMPLE} ({SAMPLE.stat().st_size / 1e6:.1f} MB)")

    started = time.perf_counter()
    first = core.import_snapshot([SAMPLE])
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = core.import_snapshot([SAMPLE])
    second_seconds = time.perf_counter() - started

    print(f"first import:  {first.added:,} added, {first.rejected} rejected in "
          f"{first_seconds:.1f} s = {first.seen / first_seconds:,.0f} records/s (target: < 30 s)")
    print(f"re-import:     {second.unchanged:,} unchanged in {second_seconds:.1f} s = "
          f"{second.seen / second_seconds:,.0f} records/s")
    size = (data_dir / "paperwire.db").stat().st_size
    print(f"store size:    {size / 1e6:.0f} MB")
    core.close()
    if not args.keep:
        shutil.rmtree(data_dir)


if __name__ == "__main__":
    main()
