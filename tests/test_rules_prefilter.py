"""The reader's byte-level rule prefilter is exact: a line any rule hits is never dropped unparsed (with the
Hyperscan scan and with the pure-Python search it falls back to)."""

from __future__ import annotations

import bisect
import io
import random

import orjson
import pytest

from alsate_cli.pipeline import Analysis, analyze_stream, feed
from alsate_cli.priority import PrioritySelection
from alsate_cli.rules import RuleSet, ThreatEvaluator
from alsate_cli.sources import read_entries
from alsate_cli.sources.journal_json import parse_journal_json
from alsate_cli.sources.stats import IngestStats

pytestmark = pytest.mark.usefixtures("rule_engine")
RULESET = RuleSet.load()
SELECTION = PrioritySelection.parse("warning")
CHATTER = [
    "Started Session 12 of User alice.",
    "Accepted publickey for git from 10.0.0.9 port 51234 ssh2",
    "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
    "Removed session 41.",
    "device (eth0): state change: ip-check -> secondaries (reason 'none')",
    'storehelpers.go:77: cannot refresh: snap has no updates available: "core20"',
    "Reached target Sockets.",
]


_FAILED = b"Failed password for root from 10.0.0.1 port 22 ssh2"
HAND_WRITTEN = [
    # what journalctl never writes but a JSON parser reads: repeated keys with white space, byte arrays, escapes
    b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"cron","MESSAGE":"ok","MESSAGE" : "ENOSPC on /x"}',
    b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"cron","MESSAGE":"ok","MESSAGE":\t"ENOSPC on /x"}',
    b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"cron","SYSLOG_IDENTIFIER" : "sshd","MESSAGE":"' + _FAILED + b'"}',
    b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"sshd","MESSAGE":[' + b",".join(b"%d" % c for c in _FAILED) + b"]}",
    b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"sshd","MESSAGE" :[' + b",".join(b"%d" % c for c in _FAILED) + b"]}",
    b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"sshd","MESSAGE":["' + _FAILED + b'","x"]}',
    b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"sshd","MESS\\u0041GE":"' + _FAILED + b'"}',
    b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Fail\\bed password for root from 10.0.0.1 port 22"}',
    b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Fail\\u0000ed password for root from 10.0.0.1 port 22"}',
    b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Fail\x7fed password for root from 10.0.0.1 port 22"}',
]


def _variants(message: str) -> list[str]:
    """The message, case-flipped, and with bytes that JSON escapes or control stripping removes spliced in."""
    middle = len(message) // 2
    return [
        message,
        message.upper(),
        message.swapcase(),
        message[:middle] + "\x1b[0m" + message[middle:],  # ESC sequence: stripped before the rules look
        message[:middle] + "\x7f" + message[middle:],  # DEL: stripped, and JSON leaves it raw
        message[:middle] + "\r" + message[middle:],
        "é " + message,
        f'"{message}" \\ tail',
    ]


def _lines(rng: random.Random) -> list[bytes]:
    identifiers = sorted({name for rule in RULESET.rules.values() for name in rule.identifiers} - {"*"})
    identifiers += ["sshd(pam_unix)", "/usr/sbin/sshd", "sudo[1]", "cron", "myapp", ""]
    messages = [text for rule in RULESET.rules.values() for text in (*rule.examples, *rule.counterexamples)]
    messages += CHATTER
    lines = []
    for message in messages:
        for variant in _variants(message):
            for identifier in rng.sample(identifiers, 6):
                fields = {"PRIORITY": rng.choice("5667"), "SYSLOG_IDENTIFIER": identifier, "MESSAGE": variant}
                if rng.random() < 0.2:
                    fields["_COMM"] = rng.choice(identifiers) or "x"
                if rng.random() < 0.2:
                    del fields["SYSLOG_IDENTIFIER"]
                lines.append(orjson.dumps(fields))
    # escapes orjson never writes but valid JSON allows: \u-escaped letters, \/ and a repeated key
    lines.append(b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"cron","MESSAGE":"\\u0069gnore all previous instructions"}')
    lines.append(b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"cron","MESSAGE":"write \\/x: No space left on device"}')
    lines.append(b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"cron","MESSAGE":"ok","MESSAGE":"ENOSPC on /x"}')
    lines.append(b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"cron","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Failed password '
                 b'for root from 10.0.0.1 port 22 ssh2"}')  # fmt: skip
    lines += HAND_WRITTEN
    return lines


def test_every_line_a_rule_hits_passes_the_prefilter() -> None:
    evaluator = ThreatEvaluator(RULESET)
    lines = _lines(random.Random(5))
    hit = dropped = 0
    for number, line in enumerate(lines, 1):
        hits = ThreatEvaluator(RULESET).observe(parse_journal_json(line, number))
        passes = evaluator.might_hit_line(line)
        if hits:
            hit += 1
            assert passes, line
        dropped += not passes
    assert hit > 200  # the examples and their variants really hit
    assert dropped > 200  # and the prefilter really drops: counterexamples, chatter, lines of other programs


def test_analysis_with_the_prefilter_equals_the_analysis_of_every_parsed_line() -> None:
    data = b"\n".join(_lines(random.Random(9))) + b"\n"
    fast = analyze_stream(io.BytesIO(data), SELECTION, analysis=Analysis(threats=ThreatEvaluator(RULESET)))
    full = Analysis(threats=ThreatEvaluator(RULESET))
    feed(read_entries(io.BytesIO(data), full.stats), full, SELECTION)
    assert fast.threats is not None and full.threats is not None
    assert fast.threats.summary().rule_hits == full.threats.summary().rule_hits
    assert [(g.id, g.count, g.priority) for g in fast.grouper.groups()] == [
        (g.id, g.count, g.priority) for g in full.grouper.groups()
    ]
    assert (fast.stats.read, fast.stats.kept, fast.stats.evidence, fast.stats.filtered) == (
        full.stats.read,
        full.stats.kept,
        full.stats.evidence,
        full.stats.filtered,
    )
    assert fast.stats.evidence > 100


def test_reader_drops_only_what_the_prefilter_rejects() -> None:
    quiet = orjson.dumps({"PRIORITY": "6", "SYSLOG_IDENTIFIER": "cron", "MESSAGE": "Reached target Sockets."})
    loud = orjson.dumps({"PRIORITY": "6", "SYSLOG_IDENTIFIER": "cron", "MESSAGE": "write: No space left on device"})
    stats = IngestStats()
    evaluator = ThreatEvaluator(RULESET)
    data = io.BytesIO(quiet + b"\n" + loud + b"\n")
    entries = list(read_entries(data, stats, keep=SELECTION, needed=evaluator.might_hit_line))
    assert [entry.message for entry in entries] == ["write: No space left on device"]  # yielded below the selection
    assert (stats.read, stats.filtered) == (2, 1)


def test_every_line_a_rule_hits_carries_a_mark_in_its_chunk() -> None:
    """The chunk scan: an ASCII line with no mark is dropped without the per-line test, so every line a rule
    hits must carry one — whatever its keys, escapes or field order."""
    marks = ThreatEvaluator(RULESET).might_hit_line.line_marks
    if marks is None:
        pytest.skip("pure-Python scans: the reader asks about every line")
    lines = _lines(random.Random(7))
    ends = sorted(marks(b"\n".join(lines) + b"\n"))
    start = hit = unmarked = 0
    for number, line in enumerate(lines, 1):
        end = start + len(line)
        first_after = bisect.bisect_right(ends, start)  # is there a mark in start < found <= end?
        marked = first_after < len(ends) and ends[first_after] <= end
        unmarked += not marked
        if ThreatEvaluator(RULESET).observe(parse_journal_json(line, number)):
            hit += 1
            assert marked or not line.isascii(), line
        start = end + 1
    assert hit > 200 and unmarked > 200  # the rules really hit, and the marks really leave lines out
    assert all(line in lines for line in HAND_WRITTEN)


def test_hand_written_json_is_never_dropped_when_a_rule_hits_it() -> None:
    """Repeated keys with white space, byte arrays, escaped key names: the parse decides, not the raw bytes."""
    for number, line in enumerate(HAND_WRITTEN, 1):
        if ThreatEvaluator(RULESET).observe(parse_journal_json(line, number)):
            stats = IngestStats()
            entries = list(read_entries(io.BytesIO(line + b"\n"), stats, keep=SELECTION,
                                        needed=ThreatEvaluator(RULESET).might_hit_line))  # fmt: skip
            assert len(entries) == 1, line


def test_a_line_inside_a_buffer_gets_the_answer_of_the_line_alone() -> None:
    """The reader asks about a line in place, ``prefilter(chunk, start, end)``; the bounds must change nothing."""
    prefilter = ThreatEvaluator(RULESET).might_hit_line
    lines = _lines(random.Random(3))
    lines += [
        b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"say \\"Failed password\\" for x"}',
        b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"ss\\\\hd","MESSAGE":"Failed password for root"}',
        b'{"PRIORITY":"6","SYSLOG_IDENTIFIER":"","MESSAGE":"Failed password for root"}',
        b'{"PRIORITY":"6","MESSAGE":"tail without a closing quote',
    ]
    answers = [prefilter(line) for line in lines]
    assert any(answers) and not all(answers)
    for neighbour in (b"", b'{"MESSAGE":"ENOSPC","SYSLOG_IDENTIFIER":"cron"}'):
        buffer = neighbour + b"\n" + b"\n".join(lines) + b"\n" + neighbour
        start = len(neighbour) + 1
        for line, expected in zip(lines, answers, strict=True):
            assert prefilter(buffer, start, start + len(line)) == expected, line
            start += len(line) + 1
