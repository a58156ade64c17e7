"""Schemathesis against our own OpenAPI document: every operation, 100 examples each, 0 failures."""

import shutil
import subprocess
import sys
from pathlib import Path


def test_openapi_holds_under_fuzzing(read_server):
    cli = Path(sys.executable).parent / "schemathesis"
    command = [str(cli if cli.exists() else shutil.which("schemathesis"))]
    result = subprocess.run(
        [*command, "run", f"{read_server.url}/openapi.json", "--max-examples", "100", "--checks", "all",
         "--seed", "20261128", "--no-color"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:]
