"""The rules' compiled and pure-Python scans give every entry exactly the hits and fields of the rules' plain
definition, and the same correlations and threat levels (the full run is ``benchmarks/rules_differential.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from alsate_cli.entry import Entry
from alsate_cli.rules import RuleSet, compiled
from alsate_cli.rules.sessions import MODES
from alsate_cli.sources.journal_json import parse_journal_json
from alsate_cli.sources.stats import SkipLine
from alsate_cli.sources.syslog_text import SyslogParser
from fuzz_input import load_benchmark
from rules_compare import Differential

RULESET = RuleSet.load()
pytestmark = pytest.mark.skipif(not compiled.available(), reason="Hyperscan is not importable: nothing to compare")


def rule_case_entries() -> Iterator[tuple[Entry, bytes | None]]:
    """Every rule's examples and counterexamples under each of its programs, as written and case-flipped."""
    number = 0
    for rule in RULESET.rules.values():
        for identifier in rule.identifiers:
            program = "cron" if identifier == "*" else identifier
            for text in (*rule.examples, *rule.counterexamples):
                for message in (text, text.upper(), text.swapcase(), f"x {text} y"):
                    number += 1
                    raw = orjson.dumps({"PRIORITY": "6", "SYSLOG_IDENTIFIER": program, "_PID": "42",
                                        "MESSAGE": message})  # fmt: skip
                    yield parse_journal_json(raw, number), raw


def generated_entries(lines: int, mix: str, seed: int) -> Iterator[tuple[Entry, bytes | None]]:
    make = load_benchmark("make_journal_json")
    for number, record in enumerate(make.entries(lines, seed, mix), 1):
        raw = orjson.dumps(record)
        yield parse_journal_json(raw, number), raw


def fail2ban_entries(conformance, cases) -> Iterator[tuple[Entry, bytes | None]]:
    """fail2ban's annotated lines as its conformance test reads them: journal lines as journald's JSON, the rest
    as syslog text (the few lines alsate's syslog reader rejects are left out here, as they are there)."""
    parser = SyslogParser(reference_time=1_200_000_000)
    for case in cases:
        try:
            entry = (
                conformance._journal_entry(case, case.lineno) if case.journal else parser.parse(case.line, case.lineno)
            )
        except SkipLine:
            continue
        yield entry, None


def test_the_rules_own_cases_get_the_same_hits_every_way() -> None:
    check = Differential(RULESET)
    check.feed(rule_case_entries())
    report = check.finish()
    assert report.counts["differences"] == 0, "\n".join(report.differences)
    assert report.counts["rule_hits"] > 500 and report.counts["prefilter_checked"] == report.counts["entries"]


@pytest.mark.parametrize("mix", ["benign", "attack"])
def test_generated_journals_get_the_same_hits_every_way(mix: str) -> None:
    check = Differential(RULESET)
    entries = list(generated_entries(6000, mix, seed=3))
    for start in range(0, len(entries), 1000):
        check.feed(entries[start : start + 1000])
    report = check.finish()
    assert report.counts["differences"] == 0, "\n".join(report.differences)
    assert report.counts["rule_hits"] > 1000 and report.counts["correlated_hits"] > 100


def test_fail2ban_test_logs_get_the_same_hits_every_way() -> None:
    conformance = load_benchmark("fail2ban_conformance")
    try:
        logs = conformance.fetch_logs()
    except conformance.FetchError as exc:
        pytest.skip(f"fail2ban's test logs are not available here: {exc}")
    cases = list(conformance.all_cases(logs))
    for mode in MODES:
        check = Differential(RULESET, mode=mode)
        check.feed(fail2ban_entries(conformance, cases))
        report = check.finish()
        assert report.counts["differences"] == 0, "\n".join(report.differences)
        assert report.counts["rule_hits"] > 100


def test_the_check_fails_when_the_compiled_scan_misses_a_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    real = compiled.rule_bits_scanner

    def forgetful(rules):
        scan = real(rules)
        return None if scan is None else (lambda message: scan(message) & ~1)  # rule 0 never passes

    monkeypatch.setattr("alsate_cli.rules.literals.rule_bits_scanner", forgetful)
    check = Differential(RULESET)
    check.feed(rule_case_entries())
    assert check.finish().counts["differences"] > 0
