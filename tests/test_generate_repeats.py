"""Attackers who come back: ``alsate generate`` repeats whole lines across connections as often as the input did."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from alsate_cli.generate.repeats import learn_repeats
from alsate_cli.sources import IngestStats, read_entries
from generate_corpus import retry_lines
from helpers_cli import run_alsate


@pytest.fixture(scope="module")
def retries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("repeats") / "auth.log"
    path.write_text("\n".join(retry_lines()) + "\n")
    return path


@pytest.mark.parametrize("seed", [1, 2])
def test_retried_connections_repeat_as_often_as_the_input_s(retries: Path, tmp_path: Path, seed: int) -> None:
    """The first line of a connection names only the address; the next names the user too. Only a generator
    that brings an earlier user back with a returning address repeats the input's retries (without it the raw
    duplicate rate falls about 3 points short and returning users are all but absent)."""
    lines = len(retries.read_text().splitlines())
    generated = tmp_path / "gen.log"
    result = run_alsate("generate", "-i", str(retries), "-n", str(lines), "--seed", str(seed), "-o", str(generated))
    assert result.returncode == 0, result.stderr.decode()
    scores = json.loads(run_alsate("evaluate", str(retries), str(generated), "--format", "json").stdout)
    diversity = scores["diversity"]
    gap = diversity["generated"]["duplicate_rate_raw"] - diversity["real"]["duplicate_rate_raw"]
    assert abs(gap) <= 0.025, gap
    assert scores["leakage"]["leaked"] == {"addresses": 0, "hosts": 0, "users": 0}

    entries = list(read_entries(io.BytesIO(generated.read_bytes()), IngestStats()))
    first_pid: dict[str, int | None] = {}
    invalid = returning = 0
    for entry in entries:
        if entry.message.startswith("Invalid user "):
            invalid += 1
            if entry.message in first_pid and first_pid[entry.message] != entry.pid:
                returning += 1  # the same user from the same address, on a new connection
            first_pid.setdefault(entry.message, entry.pid)
    assert invalid > 300 and returning >= 0.05 * invalid, (returning, invalid)


def test_share_and_distance_of_repeats_are_learned_per_state() -> None:
    rows = [(0, ("a",)), (1, ("x",)), (0, ("b",)), (0, ("a",)), (1, ("y",)), (0, ("a",)), (2, ("z",))]
    repeats = learn_repeats(rows, 3, random.Random(1))
    assert repeats[0] is not None and repeats[0].share == 0.5 and repeats[0].distances == (2, 1)
    assert repeats[1] is None and repeats[2] is None  # never a tuple again: nothing to reuse
