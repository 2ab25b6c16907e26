"""The shell completion scripts in completions/ are what the app generates today, and they really complete."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_committed_completion_scripts_are_fresh() -> None:
    generator = runpy.run_path(str(ROOT / "scripts" / "generate_completions.py"))
    for filename, script in generator["completion_scripts"]().items():
        committed = (ROOT / "completions" / filename).read_text()
        stale = f"completions/{filename} is stale: run scripts/generate_completions.py"
        assert committed == script.rstrip("\n") + "\n", stale


def test_bash_completion_protocol_offers_subcommands_and_options() -> None:
    """What the bash script asks the program, answered by the real program."""

    def complete(words: str) -> list[str]:
        env = {**os.environ, "_ALSATE_COMPLETE": "complete_bash", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split(" ")) - 1)}  # fmt: skip
        result = subprocess.run([sys.executable, "-m", "alsate_cli"], env=env, capture_output=True, timeout=60)
        return result.stdout.decode().split()

    assert "analyze" in complete("alsate ")
    options = complete("alsate analyze --")
    assert {"--priority", "--input", "--format", "--model", "--since"} <= set(options)
    assert set(complete("alsate analyze --format ")) == {"table", "json", "entries", "markdown"}
