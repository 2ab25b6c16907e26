"""``alsate dataset``: real analyses in, fine-tuning JSONL out, read back as trainers read it and parsed back by
alsate's own answer parser.

The reader is plain ``json.loads`` per line, what the ``datasets`` library's JSON builder does for JSON Lines
(``datasets`` itself pulls in pyarrow and pandas, too heavy for the test extra).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alsate_cli.explain.parse import parse_answer
from alsate_cli.explain.prompt import ALSATE_SYSTEM_PROMPT
from alsate_cli.knowledge.base import CHANGE_MARK
from alsate_cli.sources import parse_syslog_line
from generate_corpus import HOST, training_lines
from helpers_cli import analyze_json, run_alsate


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    log = tmp_path_factory.mktemp("dataset") / "auth.log"
    log.write_text("\n".join(training_lines(300)) + "\n")
    return analyze_json("-i", str(log), "--no-explain", "-p", "info")


def _dataset(tmp_path: Path, document: dict, *args: str) -> tuple[list[dict], str]:  # type: ignore[type-arg]
    source = tmp_path / "analysis.json"
    source.write_text(json.dumps(document))
    result = run_alsate("dataset", str(source), *args)
    assert result.returncode == 0, result.stderr.decode()
    return [json.loads(line) for line in result.stdout.decode().splitlines()], result.stderr.decode()


def test_records_are_alsate_chat_turns_that_parse_back(analysis: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    records, report = _dataset(tmp_path, analysis)
    answered = [group for group in analysis["groups"] if group["explanation"]["cause"]]
    assert records and answered
    by_example = {example: group for group in answered for example in group["examples"]}
    for record in records:
        system, user, assistant = record["messages"]
        assert [system["role"], user["role"], assistant["role"]] == ["system", "user", "assistant"]
        assert system["content"] == ALSATE_SYSTEM_PROMPT
        entry = parse_syslog_line(user["content"], 1)  # one line in syslog short form
        assert "\n" not in user["content"] and entry.hostname == HOST
        group = by_example[entry.message]
        parsed = parse_answer(assistant["content"], "stop")
        assert parsed.status.value == "ok"
        assert parsed.cause == group["explanation"]["cause"]
        assert parsed.remediation == [step.removesuffix(CHANGE_MARK) for step in group["explanation"]["remediation"]]
    assert f"{len(records)} records from {len(analysis['groups'])} groups" in report


def test_cleaning_drops_control_and_empty_lines_and_takes_corrections(analysis: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    document = json.loads(json.dumps(analysis))
    group = next(group for group in document["groups"] if group["explanation"]["cause"])
    group["examples"] = ["evil \x1b]8;;http://x\x07 line", "   ", "two\n   lines  here"]
    group["explanation"]["cause"] = "A person wrote this cause."
    group["explanation"]["source"] = "knowledge"
    records, report = _dataset(tmp_path, document)
    users = [record["messages"][1]["content"] for record in records]
    assert not any("evil" in user for user in users)
    corrected = [record for record in records if record["messages"][1]["content"].endswith(": two lines here")]
    assert len(corrected) == 1
    assert corrected[0]["messages"][2]["content"].startswith("Cause - A person wrote this cause.\nRemediation - 1. ")
    assert "1 control characters" in report and "1 empty line" in report


def test_redact_and_source_selection(analysis: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    records, _ = _dataset(tmp_path, analysis, "--redact")
    text = json.dumps(records)
    assert records and HOST not in text and "alice" not in text and "10.20.30.40" not in text
    none, report = _dataset(tmp_path, analysis, "--sources", "model")
    assert none == [] and "answer source not selected" in report


def test_bad_documents_are_one_line_errors(tmp_path: Path) -> None:
    for content, message in (("not json", b"not a JSON document"), ("[1]", b"no 'groups' list")):
        path = tmp_path / "bad.json"
        path.write_text(content)
        result = run_alsate("dataset", str(path))
        assert result.returncode == 2 and message in result.stderr and b"Traceback" not in result.stderr
    result = run_alsate("dataset", str(tmp_path / "bad.json"), "--sources", "oracle")
    assert result.returncode == 2 and b"--sources" in result.stderr
