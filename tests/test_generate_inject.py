"""``alsate generate --inject``: labelled attacks mixed into a benign stream, and alsate's own rules must find every
one of them (the analyze pipeline, run as a sysadmin would run it, over the generated file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alsate_cli.generate.scenarios import SCENARIOS
from generate_corpus import training_lines
from helpers_cli import analyze_json, run_alsate

ALL = ",".join(SCENARIOS)


@pytest.fixture(scope="module")
def training(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inject") / "auth.log"
    path.write_text("\n".join(training_lines()) + "\n")
    return path


def _detected(document: dict[str, object]) -> tuple[set[tuple[str, str]], dict[str, int]]:
    threat = document["summary"]["threat"]  # type: ignore[index]
    findings = {(finding["rule"], finding["key"]) for finding in threat["findings"]}
    return findings, threat["rule_hits"]


@pytest.mark.parametrize(("seed", "line_format"), [(1, "syslog"), (2, "json"), (3, "syslog")])
def test_every_injected_scenario_is_detected(training: Path, tmp_path: Path, seed: int, line_format: str) -> None:
    out = tmp_path / "mixed.log"
    result = run_alsate("generate", "-i", str(training), "-n", "3000", "--seed", str(seed), "--format", line_format,
                        "--inject", ALL + ",ssh-bruteforce", "-o", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    lines = out.read_text().splitlines()
    assert len(lines) == 3000
    truth = [json.loads(line) for line in Path(f"{out}.truth.jsonl").read_text().splitlines()]
    assert sorted(record["scenario"] for record in truth) == sorted([*SCENARIOS, "ssh-bruteforce"])
    sources = [record["source"] for record in truth if record["source"]]
    assert len(set(sources)) == len(sources)  # each attack its own address

    findings, rule_hits = _detected(analyze_json("-i", str(out), "--no-explain"))
    for record in truth:
        for expected in record["expected"]:
            if "key" in expected:
                assert (expected["rule"], expected["key"]) in findings, (record["scenario"], expected)
            else:
                assert rule_hits.get(expected["rule"], 0) > 0, (record["scenario"], expected)
        for number in record["lines"]:  # the ground truth points at the scenario's own lines
            line = lines[number - 1]
            assert record["source"] is None or record["source"] in line
            assert record["user"] is None or record["user"] in line
    labelled = {number for record in truth for number in record["lines"]}
    for number, line in enumerate(lines, 1):
        if "203.0.113." in line:  # the attackers' range: never in the benign stream
            assert number in labelled


def test_benign_stream_alone_raises_no_injected_finding(training: Path, tmp_path: Path) -> None:
    out = tmp_path / "benign.log"
    assert run_alsate("generate", "-i", str(training), "-n", "3000", "--seed", "1", "-o", str(out)).returncode == 0
    findings, rule_hits = _detected(analyze_json("-i", str(out), "--no-explain"))
    assert not any(key and key.startswith("203.0.113.") for _, key in findings)
    assert not {"kernel.oom_kill", "storage.io_error", "storage.smart_failing", "sudo.root_shell"} & set(rule_hits)


def test_too_few_lines_for_the_scenarios(training: Path, tmp_path: Path) -> None:
    result = run_alsate("generate", "-i", str(training), "-n", "20", "--inject", ALL, "-o", str(tmp_path / "x.log"))
    assert result.returncode == 2
    assert b"too few for the injected scenarios" in result.stderr and b"Traceback" not in result.stderr
