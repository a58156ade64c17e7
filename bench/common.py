"""Helpers shared by the benchmarks: the sample's path, a served store, percentiles."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
SAMPLE = Path(
    os.environ.get("PAPERWIRE_SAMPLE", REPO.parent / "shared" / "data" / "arxiv-sample.jsonl")
)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summarize(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{label:<34} p50 {percentile(ms, .5):6.1f} ms  p95 {percentile(ms, .95):6.1f} ms"
        f"  p99 {percentile(ms, .99):6.1f} ms  mean {statistics.fmean(ms):6.1f} ms  (n={len(ms)})"
    )


class Served:
    """`paperwire serve` as a subprocess on a free port, for as long as the block runs."""

    def __init__(self, env: dict[str, str], port: int = 8765, workers: int = 1) -> None:
        self.env, self.port, self.workers = env, port, workers
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> Served:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "paperwire", "serve", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                httpx.get(self.url + "/static/style.css", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def __exit__(self, *_exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
