"""Conformance with fail2ban's own annotated test logs (sshd, sshd-journal, pam-generic), in every mode.

fail2ban's logs are GPL-2.0 and stay out of this repository: ``benchmarks/fail2ban_conformance.py`` takes them
from Debian's ``fail2ban`` package once per machine (``ALSATE_FAIL2BAN_LOGS`` names the folder to use). Every
annotated line must get fail2ban's answer: counted as a failure or not, and blamed on the same address.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers_bench import load_benchmark

conformance = load_benchmark("fail2ban_conformance")


@pytest.fixture(scope="session")
def fail2ban_logs() -> Path:
    try:
        return conformance.fetch_logs()
    except conformance.FetchError as exc:
        pytest.skip(f"fail2ban's test logs are not available here: {exc}")


def _report(misses: list) -> str:
    return "\n".join(
        f"{m.case.suite}:{m.case.lineno} [{m.case.mode}] fail2ban: match={m.case.match} host={m.case.host}; "
        f"alsate: match={m.matched} hosts={list(m.hosts)} rules={list(m.rules)}\n    {m.case.line}"
        for m in misses
    )


@pytest.mark.parametrize("suite", conformance.SUITES)
def test_every_annotated_line_gets_fail2bans_answer(fail2ban_logs: Path, suite: str) -> None:
    cases = conformance.read_cases(fail2ban_logs, suite)
    modes = {case.mode for case in cases}
    assert len(cases) > 8 and "normal" in modes
    if suite.startswith("sshd"):
        assert modes == {"normal", "ddos", "extra", "aggressive"}
        assert sum(case.match for case in cases) > 100
    outcomes = conformance.run(cases)
    misses = [outcome for outcome in outcomes if not outcome.agrees]
    assert not misses, f"{len(misses)} of {len(outcomes)} lines disagree:\n{_report(misses)}"


def test_the_check_fails_when_alsate_disagrees(tmp_path: Path) -> None:
    """A log annotated (here, by hand) against what alsate answers is reported line by line."""
    (tmp_path / "sshd").write_text(
        '# filterOptions: [{}, {"mode": "aggressive"}]\n'
        '# failJSON: { "match": true , "host": "203.0.113.9" }\n'
        "Jan  5 01:31:41 www sshd[1643]: Failed password for root from 203.0.113.7 port 22 ssh2\n"
        '# failJSON: { "match": false }\n'
        "Jan  5 01:31:42 www sshd[1644]: Invalid user admin from 203.0.113.8 port 22\n"
        '# failJSON: { "constraint": "opts.get(\'mode\') == \'aggressive\'", "match": true, "host": "203.0.113.8" }\n'
        "Jan  5 01:31:43 www sshd[1645]: Connection closed by 203.0.113.8 port 22 [preauth]\n"
    )
    outcomes = conformance.run(conformance.read_cases(tmp_path, "sshd"))
    answers = [(o.case.lineno, o.case.mode, o.agrees) for o in outcomes]
    assert answers == [(3, "normal", False), (3, "aggressive", False), (5, "normal", False),
                       (5, "aggressive", False), (7, "aggressive", True)]  # fmt: skip
    rows = {row.mode: row for row in conformance.table(outcomes)}
    assert rows["normal"].counts["wrong_sources"] == 1 and rows["normal"].counts["false_positives"] == 1
    assert rows["aggressive"].counts["matched"] == 2 and rows["aggressive"].counts["sources_right"] == 1


def test_unknown_constraints_are_refused_not_evaluated(tmp_path: Path) -> None:
    (tmp_path / "sshd").write_text(
        '# failJSON: { "constraint": "__import__(\'os\').system(\'true\')", "match": false }\n'
        "Jan  5 01:31:41 www sshd[1643]: Connection closed by 203.0.113.7\n"
    )
    with pytest.raises(ValueError, match="unknown constraint"):
        conformance.read_cases(tmp_path, "sshd")
