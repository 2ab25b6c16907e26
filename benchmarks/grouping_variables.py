"""Does grouping generalise to syslog from other programs? Masking checked against fail2ban's labelled test logs.

Usage: ``python benchmarks/grouping_variables.py FAIL2BAN_LOGS [--show-groups] [--json results.json]``

``FAIL2BAN_LOGS`` is fail2ban's ``tests/files/logs`` folder: real lines from ~90 programs (sshd, dovecot,
postfix, pure-ftpd, asterisk, named …) that fail2ban's users reported, each failure line labelled by the line
before it, ``# failJSON: {"match": true, "host": "192.0.2.1", "user": "bob", …}``, with the attacker's address
(and often the account) that fail2ban's filter must extract. Get it without installing fail2ban::

    apt-get download fail2ban && dpkg-deb -x fail2ban_*.deb f2b
    python benchmarks/grouping_variables.py f2b/usr/lib/python3/dist-packages/fail2ban/tests/files/logs

These labels name variables, not templates, so this measures the other half of grouping quality from
loghub's: an attacker address left in a template makes one group (one model call) per attacker, so

- **host masked**: share of labelled failure lines whose template no longer holds the labelled host;
- **user masked**: the same for the labelled account (a word-bounded test: "root" may stay in "ROOT LOGIN");
- **groups / lines**: how far the labelled lines fold (1 group per distinct message would be no grouping).

Lines that are not syslog (web server access logs, application-specific formats) are counted and left out.
``--show-groups`` lists every group with up to three examples, for reading by eye (the over-merge side).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from alsate_cli.entry import Entry
from alsate_cli.grouping.grouper import Grouper, identifier_key
from alsate_cli.grouping.template import template_of
from alsate_cli.sources.stats import SkipLine
from alsate_cli.sources.syslog_text import SyslogParser

LABEL = "# failJSON:"


@dataclass
class Labelled:
    file: str
    identifier: str
    message: str
    match: bool
    host: str | None
    user: str | None


@dataclass
class Tally:
    lines: int = 0
    not_syslog: int = 0
    labelled: list[Labelled] = field(default_factory=list)


def read_folder(folder: Path) -> Tally:
    """Every labelled line of every file that parses as syslog; the rest counted."""
    tally = Tally()
    parser = SyslogParser(reference_time=None)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        label: dict[str, object] | None = None
        for lineno, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if raw.startswith(LABEL):
                try:
                    label = json.loads(raw[len(LABEL) :])
                except ValueError:
                    label = None
                continue
            if not raw.strip() or raw.startswith("#"):
                continue
            if label is None:
                continue  # unlabelled context lines
            tally.lines += 1
            try:
                entry = parser.parse(raw, lineno)
            except SkipLine:
                tally.not_syslog += 1
                label = None
                continue
            host, user = label.get("host"), label.get("user")
            tally.labelled.append(
                Labelled(
                    file=str(path.relative_to(folder)),
                    identifier=entry.identifier,
                    message=entry.message,
                    match=bool(label.get("match")),
                    host=host if isinstance(host, str) and host else None,
                    user=user if isinstance(user, str) and user else None,
                )
            )
            label = None
    return tally


def still_present(value: str, template: str) -> bool:
    """Does the value survive in the template as a whole token (not inside a longer word)?"""
    return re.search(rf"(?<![\w.:-]){re.escape(value)}(?![\w:-]|\.\w)", template) is not None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", type=Path, help="fail2ban's tests/files/logs folder")
    parser.add_argument("--show-groups", action="store_true", help="list every group with examples")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    tally = read_folder(args.logs)
    failures = [line for line in tally.labelled if line.match]
    hosts = [line for line in failures if line.host]
    users = [line for line in failures if line.user]
    host_left = [line for line in hosts if still_present(line.host or "", template_of(line.message))]
    user_left = [line for line in users if still_present(line.user or "", template_of(line.message))]

    grouper = Grouper()
    for index, line in enumerate(tally.labelled, 1):
        grouper.add(Entry(line=index, message=line.message, priority=4, identifier=line.identifier))
    distinct = len({(identifier_key(line.identifier), line.message) for line in tally.labelled})
    files = len({line.file for line in tally.labelled})

    figures = {
        "labelled_lines": tally.lines,
        "not_syslog": tally.not_syslog,
        "syslog_lines": len(tally.labelled),
        "files": files,
        "programs": len({identifier_key(line.identifier) for line in tally.labelled}),
        "host_labelled": len(hosts),
        "host_masked": 1 - len(host_left) / len(hosts) if hosts else None,
        "user_labelled": len(users),
        "user_masked": 1 - len(user_left) / len(users) if users else None,
        "distinct_messages": distinct,
        "groups": len(grouper),
    }
    print("| labelled lines (syslog / other) | files | programs | host masked | user masked | distinct → groups |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {tally.lines} ({len(tally.labelled)} / {tally.not_syslog}) | {files} | {figures['programs']} "
        f"| {figures['host_masked']:.3f} ({len(hosts) - len(host_left)}/{len(hosts)}) "
        f"| {figures['user_masked']:.3f} ({len(users) - len(user_left)}/{len(users)}) "
        f"| {distinct} → {len(grouper)} |"
    )
    for title, left, attr in (("host", host_left, "host"), ("user", user_left, "user")):
        if left:
            print(f"\n{title} left in the template ({len(left)}):", file=sys.stderr)
            for line in left:
                print(f"  {line.file}: {getattr(line, attr)!r} in {template_of(line.message)!r}", file=sys.stderr)
    if args.show_groups:
        for group in sorted(grouper.groups(), key=lambda g: (g.identifier, g.template)):
            print(f"\n[{group.identifier}] ×{group.count} {group.template}", file=sys.stderr)
            for example in group.examples:
                print(f"    {example}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
