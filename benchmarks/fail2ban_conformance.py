"""alsate's rules against fail2ban's own annotated test logs: same match / no-match, same source address.

Usage: ``python benchmarks/fail2ban_conformance.py [LOGS_DIR] [--show-misses]``

fail2ban's test logs (``fail2ban/tests/files/logs/{sshd,sshd-journal,pam-generic}``, GPL-2.0, by the fail2ban
authors) are not copied here: without ``LOGS_DIR`` they are taken from Debian's ``fail2ban`` package
(``apt-get download fail2ban`` and ``dpkg-deb -x``, nothing is installed) into a cache folder.

Each ``# failJSON: {...}`` line annotates the log line after it: ``match`` (is it a failure fail2ban counts
towards a ban) and ``host`` (the address it blames). ``# filterOptions:`` names the filter modes the following
lines are checked in (``normal``, ``ddos``, ``extra``, ``aggressive``), ``constraint`` limits one line to some
of them; fail2ban's filter keeps its state (an sshd connection's earlier lines) across a file, per mode, so
alsate reads each file once per mode with one evaluator in that rule mode. alsate "matches" a line when one of
its rule hits counts failed attempts (``RuleHit.attempts``), and blames the hit's ``src``.

The same code runs as ``tests/test_rules_fail2ban.py`` (every line must agree) and prints the coverage table
of BENCHMARKS.md ("Threat rules on peers' test suites").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from alsate_cli.entry import Entry
from alsate_cli.rules import RuleSet, ThreatEvaluator
from alsate_cli.rules.address import normalise_address
from alsate_cli.sources import SkipLine, parse_journal_json
from alsate_cli.sources.syslog_text import SyslogParser

SUITES = ("sshd", "sshd-journal", "pam-generic")
PACKAGE_LOGS = "usr/lib/python3/dist-packages/fail2ban/tests/files/logs"
"""Where Debian's fail2ban package ships the test logs."""
CACHE_ENV = "ALSATE_FAIL2BAN_LOGS"
"""A folder holding the logs (or where to unpack them); default: a folder under the system's temp dir."""

_ANNOTATION = re.compile(r"^#+ ?(failJSON|(?:file|filter)Options|addFILE):(.+)$")
_CONDITION = re.compile(r"""^\s*(name|opts\.get\('mode'\))\s*(==|!=)\s*'([\w-]+)'\s*$""")
_JOURNAL_PREFIX = re.compile(r"^(?:(?P<host>\S+) )?(?P<tag>[^\s\[\]:]+)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)$")


class FetchError(RuntimeError):
    """The Debian package could not be downloaded or unpacked (no network, no apt)."""


def fetch_logs(cache: Path | None = None) -> Path:
    """The folder holding fail2ban's test logs, downloading Debian's package into ``cache`` once."""
    cache = cache or Path(os.environ.get(CACHE_ENV) or Path(tempfile.gettempdir()) / "alsate-fail2ban-logs")
    if all((cache / suite).is_file() for suite in SUITES):
        return cache
    logs = cache / PACKAGE_LOGS
    if all((logs / suite).is_file() for suite in SUITES):
        return logs
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise FetchError("apt-get and dpkg-deb are needed to fetch Debian's fail2ban package")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as work:
        done = subprocess.run(["apt-get", "download", "fail2ban"], cwd=work, capture_output=True, text=True)
        debs = sorted(Path(work).glob("fail2ban_*.deb"))
        if done.returncode != 0 or not debs:
            raise FetchError(f"apt-get download fail2ban failed: {(done.stderr or done.stdout).strip()[-300:]}")
        unpacked = subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(cache)], capture_output=True, text=True)
        if unpacked.returncode != 0:
            raise FetchError(f"dpkg-deb -x failed: {unpacked.stderr.strip()[-300:]}")
    if not all((logs / suite).is_file() for suite in SUITES):
        raise FetchError(f"the fail2ban package has no test logs under {PACKAGE_LOGS}")
    return logs


@dataclass(frozen=True, slots=True)
class Case:
    """One annotated log line, checked in one fail2ban mode."""

    suite: str
    lineno: int
    line: str
    mode: str
    match: bool
    host: str | None
    journal: bool


def _holds(condition: str, name: str, mode: str) -> bool:
    """fail2ban's constraints, read (never evaluated as Python): ``name == 'sshd'``, ``opts.get('mode') != 'x'``."""
    found = _CONDITION.match(condition)
    if found is None:
        raise ValueError(f"unknown constraint {condition!r}")
    subject, operator, value = found.groups()
    actual = name if subject == "name" else mode
    return (actual == value) == (operator == "==")


def read_cases(logs: Path, suite: str) -> list[Case]:
    """Every annotated line of one suite, once per mode it is checked in (as fail2ban's samplestestcase does)."""
    cases: list[Case] = []
    common: dict[str, object] = {}
    variants: list[dict[str, object]] = [{}]
    annotation: dict[str, object] | None = None
    skip_block = False
    name = "sshd" if suite.startswith("sshd") else suite
    for lineno, text in enumerate((logs / suite).read_text(encoding="utf-8").splitlines(), start=1):
        found = _ANNOTATION.match(text)
        if found is not None:
            kind, payload = found.group(1), json.loads(found.group(2))
            if kind == "fileOptions":
                common = payload
            elif kind == "filterOptions":
                variants = []
                skip_block = False
                for options in payload if isinstance(payload, list) else [payload]:
                    merged = {**common, **options}
                    condition = merged.get("test.condition")
                    if condition and not _holds(str(condition), name, "normal"):
                        skip_block = True
                    elif not skip_block:
                        variants.append(merged)
            elif kind == "failJSON":
                annotation = payload
            continue
        if annotation is None or skip_block or text.startswith("#") or not text.strip():
            continue
        for options in variants:
            mode = str(options.get("mode", "normal"))
            constraint = annotation.get("constraint")
            if constraint and not _holds(str(constraint), name, mode):
                continue
            host = annotation.get("host", annotation.get("ip4", annotation.get("ip6")))
            cases.append(
                Case(
                    suite,
                    lineno,
                    text,
                    mode,
                    bool(annotation.get("match", False)),
                    None if host is None else str(host),
                    options.get("logtype") == "journal",
                )
            )
        annotation = None
    return cases


def _journal_entry(case: Case, parser_line: int) -> Entry:
    """A journal line of the test log ("srv sshd[123]: message") as journald's JSON would carry it."""
    found = _JOURNAL_PREFIX.match(case.line)
    fields: dict[str, str] = {"MESSAGE": case.line, "PRIORITY": "6"}
    if found is not None:
        fields = {"MESSAGE": found.group("msg"), "SYSLOG_IDENTIFIER": found.group("tag"), "PRIORITY": "6"}
        if found.group("host"):
            fields["_HOSTNAME"] = found.group("host")
        if found.group("pid"):
            fields["_PID"] = found.group("pid")
    return parse_journal_json(json.dumps(fields), parser_line)


@dataclass(slots=True)
class Outcome:
    """alsate's answer for one case."""

    case: Case
    matched: bool
    hosts: tuple[str, ...]
    rules: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool:
        if self.matched != self.case.match:
            return False
        return not self.case.match or self.case.host is None or self.hosts == (expected_host(self.case),)


def expected_host(case: Case) -> str | None:
    """fail2ban's expected address in alsate's spelling (IPv4-mapped as IPv4, IPv6 compressed)."""
    return None if case.host is None else normalise_address(case.host)


def run(cases: list[Case], ruleset: RuleSet | None = None) -> list[Outcome]:
    """alsate's answer for every case: one evaluator per (suite, mode), the lines in file order."""
    ruleset = ruleset or RuleSet.load()
    outcomes: list[Outcome] = []
    evaluators: dict[tuple[str, str, bool], ThreatEvaluator] = {}
    parser = SyslogParser(reference_time=1_200_000_000)
    for case in cases:
        evaluator = evaluators.setdefault(
            (case.suite, case.mode, case.journal), ThreatEvaluator(ruleset, mode=case.mode)
        )
        try:
            entry = _journal_entry(case, case.lineno) if case.journal else parser.parse(case.line, case.lineno)
        except SkipLine:
            outcomes.append(Outcome(case, False, (), ("(line not parsed)",)))
            continue
        hits = evaluator.observe(entry)
        counted = [hit for hit in hits if hit.attempts > 0]
        hosts = tuple(sorted({hit.fields.get("src", "") for hit in counted}))
        outcomes.append(Outcome(case, bool(counted), hosts, tuple(hit.rule_id for hit in hits)))
    return outcomes


COLUMNS = ("failures", "matched", "sources_right", "wrong_sources", "non_failures", "false_positives")
"""failures: lines fail2ban counts; matched / sources_right / wrong_sources: of those, what alsate did;
non_failures: lines fail2ban does not count; false_positives: of those, the ones alsate counts."""


@dataclass(slots=True)
class Row:
    """One line of the coverage table: ``counts`` by the names of COLUMNS, and the lines that disagree."""

    suite: str
    mode: str
    counts: Counter[str] = field(default_factory=Counter)
    misses: list[Outcome] = field(default_factory=list)


def table(outcomes: list[Outcome]) -> list[Row]:
    """Per suite and mode: fail2ban's failure lines alsate matched, with the right source, and its false positives."""
    rows: dict[tuple[str, str], Row] = {}
    for outcome in outcomes:
        case = outcome.case
        row = rows.setdefault((case.suite, case.mode), Row(case.suite, case.mode))
        if case.match:
            row.counts["failures"] += 1
            if outcome.matched:
                row.counts["matched"] += 1
                right = case.host is None or outcome.hosts == (expected_host(case),)
                row.counts["sources_right" if right else "wrong_sources"] += 1
        else:
            row.counts["non_failures"] += 1
            row.counts["false_positives"] += outcome.matched
        if not outcome.agrees:
            row.misses.append(outcome)
    return list(rows.values())


def all_cases(logs: Path) -> Iterator[Case]:
    for suite in SUITES:
        yield from read_cases(logs, suite)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("logs", nargs="?", type=Path, help="fail2ban's tests/files/logs folder (default: fetch)")
    parser.add_argument("--show-misses", action="store_true", help="print every line alsate answers differently")
    args = parser.parse_args()
    try:
        logs = args.logs or fetch_logs()
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = table(run(list(all_cases(logs))))
    print("| suite | mode | failure lines (fail2ban) | matched | source right | wrong source | "
          "non-failure lines | false positives |")  # fmt: skip
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        failures, matched, right, wrong, non_failures, false_positives = (row.counts[name] for name in COLUMNS)
        recall = matched / failures if failures else 1.0
        print(f"| {row.suite} | {row.mode} | {failures} | {matched} ({recall:.3f}) | {right} | {wrong} | "
              f"{non_failures} | {false_positives} |")  # fmt: skip
    if args.show_misses:
        for row in rows:
            for miss in row.misses:
                case = miss.case
                print(f"{case.suite}:{case.lineno} [{case.mode}] expected match={case.match} host={case.host}; "
                      f"got match={miss.matched} hosts={list(miss.hosts)} rules={list(miss.rules)}")  # fmt: skip
                print(f"    {case.line}")
    return 0 if all(not row.misses for row in rows) else 2


if __name__ == "__main__":
    sys.exit(main())
