"""A boot that happened once: ``alsate generate`` writes it once in as many lines as the input had, never twice or
not at all, and keeps its share over longer runs."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest

from alsate_cli.generate.episodes import spans
from alsate_cli.grouping.template import template_of
from alsate_cli.sources import IngestStats, read_entries
from generate_corpus import BOOT, boot_lines
from helpers_cli import run_alsate


@pytest.fixture(scope="module")
def booted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("episodes") / "syslog"
    path.write_text("\n".join(boot_lines()) + "\n")
    return path


def _boot_templates(path: Path, lines: int, seed: int) -> tuple[Counter[str], Path]:
    generated = path.with_name(f"gen-{lines}-{seed}.log")
    result = run_alsate("generate", "-i", str(path), "-n", str(lines), "--seed", str(seed), "-o", str(generated))
    assert result.returncode == 0, result.stderr.decode()
    entries = list(read_entries(io.BytesIO(generated.read_bytes()), IngestStats()))
    assert len(entries) == lines
    return Counter(template_of(entry.message) for entry in entries if entry.identifier == "kernel"), generated


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_boot_that_happened_once_is_written_once(booted: Path, tmp_path: Path, seed: int) -> None:
    """Each of the boot's 70 templates exactly once in 1,000 lines, so the raw duplicate rate stays the input's
    (a chain that walks into the boot through one transition writes it twice or not at all about as often as
    once: 2 to 5 points more repeats, or 70 templates missing)."""
    lines = len(booted.read_text().splitlines())
    boot, generated = _boot_templates(booted, lines, seed)
    assert len(boot) == len(BOOT) and set(boot.values()) == {1}, boot
    scores = json.loads(run_alsate("evaluate", str(booted), str(generated), "--format", "json").stdout)
    diversity = scores["diversity"]
    gap = diversity["generated"]["duplicate_rate_raw"] - diversity["real"]["duplicate_rate_raw"]
    assert abs(gap) <= 0.02, gap
    assert scores["templates"]["coverage"] == 1.0
    assert scores["leakage"]["leaked"] == {"addresses": 0, "hosts": 0, "users": 0}


def test_a_longer_run_boots_once_per_input_length(booted: Path) -> None:
    lines = len(booted.read_text().splitlines())
    boot, _ = _boot_templates(booted, 3 * lines, 4)
    assert len(boot) == len(BOOT) and set(boot.values()) == {3}, boot


def test_a_log_that_starts_with_its_boot_is_generated_starting_with_it(tmp_path: Path) -> None:
    path = tmp_path / "syslog"
    path.write_text("\n".join(boot_lines(at=0)) + "\n")
    boot, generated = _boot_templates(path, 2000, 5)
    assert set(boot.values()) == {2} and len(boot) == len(BOOT), boot
    first = next(read_entries(io.BytesIO(generated.read_bytes()), IngestStats()))
    assert first.identifier == "kernel" and template_of(first.message) == template_of(BOOT[0])


def test_spans_are_runs_whose_templates_occur_nowhere_else() -> None:
    background = [0, 1, 2, 1] * 10
    states = [*background[:20], 7, 8, 9, 8, 10, *background[20:], 11]
    assert spans(states, longest=8) == [(20, 25), (45, 46)]  # 8 twice inside the run; 11 at the very end
    assert spans([*background, *range(100, 140)], longest=8) == []  # runs as long as the rest: nothing left to chain
