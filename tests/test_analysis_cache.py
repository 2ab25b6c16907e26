"""A repeat ``alsate analyze`` over an unchanged input file reuses the recorded analysis, and only then.

The real program in a subprocess, over a real journal turned into journalctl's JSON, with the real SQLite cache in
the test's own cache folder (see conftest.py).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from alsate_cli.analysis_cache import AnalysisReuse
from alsate_cli.cache import MAX_ANALYSES, Cache
from alsate_cli.entry import Entry
from alsate_cli.inputs import InputChoice
from alsate_cli.pipeline import Analysis, feed
from alsate_cli.priority import PrioritySelection
from alsate_cli.rules import RuleSet, ThreatEvaluator
from alsate_cli.sources.journalctl import JournalQuery
from fixtures_journal import BASE_TIME_US, MakeJournal, journalctl_json
from helpers_cli import ALSATE, analyze_json, run_alsate

ATTACKER = "203.0.113.7"
WARNING = PrioritySelection.parse("warning")


def attack_and_failures() -> list[dict[str, str]]:
    """Evidence below warning that correlates (password guessing), warnings, and an error from another host."""
    guessing = [
        {"MESSAGE": f"Failed password for invalid user guest{n} from {ATTACKER} port {40000 + n} ssh2",
         "PRIORITY": "6", "SYSLOG_IDENTIFIER": "sshd", "_PID": str(5000 + n), "_HOSTNAME": "bastion",
         "__REALTIME_TIMESTAMP": str(BASE_TIME_US + n * 2_000_000)}
        for n in range(25)
    ]  # fmt: skip
    return [
        *guessing,
        {"MESSAGE": "nginx.service: Failed with result 'exit-code'.", "PRIORITY": "4", "SYSLOG_IDENTIFIER": "systemd",
         "_HOSTNAME": "web-01", "_SYSTEMD_UNIT": "init.scope"},
        {"MESSAGE": "Out of memory: Killed process 4242 (java)", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "kernel",
         "_HOSTNAME": "web-02"},
        {"MESSAGE": "Started Session 12 of User alice.", "PRIORITY": "6", "SYSLOG_IDENTIFIER": "systemd"},
    ]  # fmt: skip


@pytest.fixture
def log_file(make_journal: MakeJournal, tmp_path: Path) -> Path:
    """journalctl's JSON of a real journal, plus a line that is not JSON (so skipped-line counts are recorded too)."""
    path = tmp_path / "journal.json"
    path.write_bytes(journalctl_json(make_journal(attack_and_failures())) + b"{not json\n")
    return path


def analyze_file(path: Path, *args: str) -> dict[str, Any]:
    return analyze_json("--input", str(path), "--no-explain", *args)


def without_reuse_flag(document: dict[str, Any]) -> dict[str, Any]:
    document = json.loads(json.dumps(document))
    del document["summary"]["analysis_reused"]
    return document


def test_a_repeat_run_reuses_the_analysis_and_says_the_same(log_file: Path) -> None:
    first = analyze_file(log_file)
    again = analyze_file(log_file)
    assert first["summary"]["analysis_reused"] is False and again["summary"]["analysis_reused"] is True
    assert without_reuse_flag(again) == without_reuse_flag(first)
    assert first["summary"]["skipped"] == 1 and first["summary"]["entries_evidence"] == 25
    assert first["summary"]["threat"]["findings"], "the correlation's finding is part of what is replayed"
    markdown = [run_alsate("analyze", "-i", str(log_file), "--no-explain", "--format", "markdown") for _ in range(2)]
    assert markdown[0].returncode == markdown[1].returncode == 0
    assert markdown[0].stdout == markdown[1].stdout
    assert markdown[0].stderr == markdown[1].stderr, "the skipped-line report comes from the recorded counts too"
    assert b"skipped 1 of" in markdown[0].stderr and b"invalid JSON" in markdown[0].stderr


def test_any_change_to_the_bytes_reads_the_file_again(log_file: Path) -> None:
    first = analyze_file(log_file)
    line = {"MESSAGE": "Out of memory: Killed process 4243 (java)", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "kernel"}
    with log_file.open("ab") as handle:
        handle.write(json.dumps(line).encode() + b"\n")
    grown = analyze_file(log_file)
    assert grown["summary"]["analysis_reused"] is False
    assert grown["summary"]["entries_read"] == first["summary"]["entries_read"] + 1
    oom = next(group for group in grown["groups"] if group["identifier"] == "kernel")
    assert oom["count"] == 2


@pytest.mark.parametrize(
    "settings",
    [("--priority", "err"), ("--no-threats",), ("--since", "2000-01-01"), ("--until", "2100-01-01")],
    ids=["priority", "no-threats", "since", "until"],
)
def test_settings_that_change_the_analysis_are_part_of_the_key(log_file: Path, settings: tuple[str, ...]) -> None:
    plain = analyze_file(log_file)
    assert plain["summary"]["analysis_reused"] is False
    changed = analyze_file(log_file, *settings)
    assert changed["summary"]["analysis_reused"] is False
    assert analyze_file(log_file, *settings)["summary"]["analysis_reused"] is True
    assert analyze_file(log_file)["summary"]["analysis_reused"] is True, "each setting keeps its own record"


def test_a_new_user_rule_reads_the_file_again(log_file: Path) -> None:
    analyze_file(log_file)
    rules = Path(os.environ["XDG_CONFIG_HOME"]) / "alsate" / "rules"
    rules.mkdir(parents=True)
    (rules / "site.toml").write_text(
        '[[rule]]\nid = "site.session"\ntitle = "Session started"\nidentifiers = ["systemd"]\n'
        'contains = ["Started Session"]\nregex = "Started Session"\nlevel = "low"\n'
        'examples = ["Started Session 1 of User bob."]\ncounterexamples = ["Stopped Session 1 of User bob."]\n'
    )
    with_rule = analyze_file(log_file)
    assert with_rule["summary"]["analysis_reused"] is False
    assert with_rule["summary"]["threat"]["rule_hits"].get("site.session") == 1


def test_no_cache_neither_reads_nor_records(log_file: Path) -> None:
    assert analyze_file(log_file, "--no-cache")["summary"]["analysis_reused"] is False
    assert analyze_file(log_file, "--no-cache")["summary"]["analysis_reused"] is False
    assert analyze_file(log_file)["summary"]["analysis_reused"] is False, "--no-cache runs recorded nothing"


def test_stdin_from_a_file_is_reused_but_a_pipe_never(log_file: Path) -> None:
    def redirected() -> dict[str, Any]:
        with log_file.open("rb") as stdin:
            done = subprocess.run([*ALSATE, "analyze", "--no-explain", "--format", "json"], stdin=stdin,
                                  capture_output=True, check=True, timeout=120)  # fmt: skip
        return json.loads(done.stdout)

    first, again = redirected(), redirected()
    assert (first["summary"]["analysis_reused"], again["summary"]["analysis_reused"]) == (False, True)
    assert again["summary"]["entries_read"] == first["summary"]["entries_read"] > 0
    piped = [analyze_json("--no-explain", stdin=log_file.read_bytes()) for _ in range(2)]
    assert [doc["summary"]["analysis_reused"] for doc in piped] == [False, False]
    assert without_reuse_flag(piped[1]) == without_reuse_flag(first)


def test_a_damaged_record_is_a_warning_and_a_fresh_reading(log_file: Path) -> None:
    first = analyze_file(log_file)
    database = Path(os.environ["XDG_CACHE_HOME"]) / "alsate" / "cache.sqlite3"
    with sqlite3.connect(database) as db:
        assert db.execute("UPDATE analyses SET record = ?", (b'{"version": 1, "groups": 7}',)).rowcount == 1
    result = run_alsate("analyze", "-i", str(log_file), "--no-explain", "--format", "json")
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    assert b"ignored a recorded analysis" in result.stderr
    document = json.loads(result.stdout)
    assert document["summary"]["analysis_reused"] is False
    assert without_reuse_flag(document) == without_reuse_flag(first)
    assert analyze_file(log_file)["summary"]["analysis_reused"] is True, "the fresh reading replaced the record"


def test_an_interrupted_reading_is_not_recorded(tmp_path: Path) -> None:
    log = tmp_path / "x.json"
    log.write_bytes(b'{"MESSAGE": "disk error", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "kernel"}\n')
    with Cache.open(tmp_path / "cache.sqlite3") as cache:
        analysis = Analysis(threats=ThreatEvaluator(RuleSet.load()))
        plan = AnalysisReuse.for_run(str(log), WARNING, None, analysis, cache)
        assert plan is not None
        feed([Entry(line=1, message="disk error", priority=3, identifier="kernel")], analysis, WARNING)
        analysis.interrupted = True
        plan.save(analysis)
        assert cache.get_analysis(plan.key) is None
        analysis.interrupted = False
        plan.save(analysis)
        assert cache.get_analysis(plan.key) is not None
        restored = Analysis()
        assert plan.load_into(restored, warn=pytest.fail)
        (group,) = restored.grouper.groups()
        assert group.template == "disk error" and restored.stats.kept == 1 and restored.reused


def test_rules_built_in_code_and_special_files_do_not_qualify(tmp_path: Path) -> None:
    with Cache.open(tmp_path / "cache.sqlite3") as cache:
        loaded = RuleSet.load()
        in_code = RuleSet(loaded.rules, loaded.correlations)
        log = tmp_path / "x.json"
        log.write_bytes(b"\n")
        assert AnalysisReuse.for_run(str(log), WARNING, None, Analysis(threats=ThreatEvaluator(in_code)), cache) is None
        assert AnalysisReuse.for_run(str(log), WARNING, None, Analysis(), cache) is not None
    query = JournalQuery.from_options(since=None, until=None, units=None, boot=None, directory=None, files=None,
                                      priority=WARNING)  # fmt: skip
    assert InputChoice(path="/dev/null", query=query).regular_file() is None
    assert InputChoice(path=str(tmp_path), query=query).regular_file() is None
    assert InputChoice(path=str(tmp_path / "missing"), query=query).regular_file() is None
    assert InputChoice(path=str(log), query=query).regular_file() == str(log)


def test_the_cache_keeps_only_the_newest_records(tmp_path: Path) -> None:
    with Cache.open(tmp_path / "cache.sqlite3") as cache:
        for n in range(MAX_ANALYSES + 3):
            cache.put_analysis(f"key{n}", b"record %d" % n)
        kept = [n for n in range(MAX_ANALYSES + 3) if cache.get_analysis(f"key{n}") is not None]
        assert kept == list(range(3, MAX_ANALYSES + 3))
        cache.clear()
        assert cache.get_analysis(f"key{MAX_ANALYSES + 2}") is None


def test_the_rule_mode_is_part_of_the_key(tmp_path: Path) -> None:
    log = tmp_path / "x.json"
    log.write_bytes(b"\n")
    ruleset = RuleSet.load()
    with Cache.open(tmp_path / "cache.sqlite3") as cache:
        keys = {
            mode: AnalysisReuse.for_run(str(log), WARNING, None, Analysis(threats=ThreatEvaluator(ruleset, mode=mode)),
                                        cache).key  # type: ignore[union-attr]
            for mode in ("normal", "ddos", "aggressive")
        }  # fmt: skip
    assert len(set(keys.values())) == 3
