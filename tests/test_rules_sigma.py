"""alsate's rules against Sigma's Linux keyword rules (tests/data/sigma: which rules are in scope, and real lines).

Every Sigma rule of ``rules/linux/builtin`` is listed with what alsate does with it; every rule in scope has
lines that must raise the alsate rule named for it (blaming the right address where the line names one) and
lines that must raise nothing. ``benchmarks/sigma_coverage.py`` runs the same code and prints the coverage row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alsate_cli.rules import RuleSet
from helpers_bench import load_benchmark

coverage = load_benchmark("sigma_coverage")
RULES = coverage.read_rules()
CASES = coverage.read_cases()
RULESET = RuleSet.load()
OUTCOMES = {outcome.case.number: outcome for outcome in coverage.run(CASES, RULESET)}
POSITIVES = [case for case in CASES if case.expect is not None]
NEGATIVES = [case for case in CASES if case.expect is None]


def _ids(cases: list) -> list[str]:
    return [f"{case.number}:{case.sigma}" for case in cases]


def test_every_rule_of_the_folder_is_decided_once_and_out_of_scope_says_why() -> None:
    assert len(RULES) >= 35
    assert len({rule.id for rule in RULES}) == len({rule.name for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.path.startswith("rules/linux/builtin/") and len(rule.commit) == 40, rule.name
        if rule.in_scope:
            assert rule.alsate, rule.name
        else:
            assert rule.note and not rule.alsate, rule.name


def test_rules_in_scope_name_real_alsate_rules_and_have_lines_on_both_sides() -> None:
    known = set(RULESET.all_ids())
    by_sigma = {rule.name: rule for rule in RULES}
    for case in CASES:
        assert case.sigma in by_sigma and by_sigma[case.sigma].in_scope, case.number
        assert case.origin.strip(), f"line #{case.number} names no origin"
        assert case.expect is None or case.expect in by_sigma[case.sigma].alsate, case.number
    for rule in RULES:
        assert set(rule.alsate) <= known, rule.name
        if rule.in_scope:
            mine = [case for case in CASES if case.sigma == rule.name]
            assert any(case.expect for case in mine) and any(not case.expect for case in mine), rule.name


def test_every_rule_written_for_sigma_is_raised_by_some_line() -> None:
    expected = {case.expect for case in POSITIVES}
    assert coverage.rules_written_for_sigma(RULES) <= expected


@pytest.mark.parametrize("case", POSITIVES, ids=_ids(POSITIVES))
def test_positive_line_raises_its_rule(case) -> None:
    outcome = OUTCOMES[case.number]
    assert outcome.matched, f"{case.expect} not raised by {case.text!r}; got {list(outcome.rule_ids)}"
    assert case.src is None or outcome.source_right, f"{case.expect} does not blame {case.src}"


@pytest.mark.parametrize("case", NEGATIVES, ids=_ids(NEGATIVES))
def test_negative_line_raises_nothing(case) -> None:
    outcome = OUTCOMES[case.number]
    assert not outcome.false_positive, f"{case.text!r} raised {list(outcome.rule_ids)}"


def test_the_table_counts_what_alsate_gets_wrong(tmp_path: Path) -> None:
    """Lines annotated (here, on purpose) against what alsate answers are counted as misses, line by line."""
    (tmp_path / "lines.toml").write_text(
        "[[line]]\nsigma = 'x'\norigin = 'test'\nverbatim = true\nexpect = 'ssh.failed_password'\n"
        "src = '198.51.100.9'\nline = 'Jan  5 01:31:41 www sshd[1643]: Failed password for root from 203.0.113.7 "
        "port 22 ssh2'\n"
        "[[line]]\nsigma = 'x'\norigin = 'test'\nverbatim = false\n"
        "line = 'Jan  5 01:31:42 www sshd[1644]: Invalid user admin from 203.0.113.8 port 22'\n"
        "[[line]]\nsigma = 'x'\norigin = 'test'\nverbatim = false\nexpect = 'kernel.oom_kill'\n"
        "identifier = 'kernel'\nmessage = 'Out of memory: Killed process 812 (mysqld) total-vm:2048000kB'\n"
    )
    outcomes = coverage.run(coverage.read_cases(tmp_path), RULESET)
    assert [outcome.agrees for outcome in outcomes] == [False, False, True]
    row = coverage.tally(coverage.Row("x"), outcomes)
    assert row.counts["matched"] == 2 and row.counts["source_right"] == 0 and row.counts["false_positives"] == 1
    assert [miss.case.number for miss in row.misses] == [1, 2]


def test_a_line_given_both_ways_is_refused(tmp_path: Path) -> None:
    (tmp_path / "lines.toml").write_text(
        "[[line]]\nsigma = 'x'\norigin = 'o'\nverbatim = true\nline = 'a'\nidentifier = 'b'\nmessage = 'c'\n"
    )
    with pytest.raises(ValueError, match="either `line` or"):
        coverage.read_cases(tmp_path)
