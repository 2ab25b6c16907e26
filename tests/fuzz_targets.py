"""Fuzz targets: one per surface, each taking bytes and checking the properties that must hold for ANY input.

An uncaught exception (anything but ``Broken``) is a crash; ``Broken`` is a property that failed. Each target checks
more than "no exception":

* ``journal-json`` / ``syslog-text``: the reader over the bytes as a stream: every line accounted for (read =
  kept + filtered + skipped, read = the number of lines in the bytes), skip reasons from the documented set, entry
  fields control-free and in range, the same entries and counts however the stream is cut into reads, and the
  priority byte test only ever drops lines outside the selection;
* ``template``: ``template_of`` (with its memos) equals the plain masking of the same text for the message and for
  variants that share its digit shape, on one control-free line, and the grouper files the entry under it;
* ``rules``: Hyperscan and pure-Python evaluators against the rules' plain definition (tests/rules_compare.py), and
  the byte prefilter with Hyperscan's chunk marks never drops a line a rule hits, on orjson-written and fuzzed
  journal JSON lines;
* ``redact``: planted secrets, addresses and mail addresses never survive, the same text gets the same pseudonyms
  (in one run, and in a fresh one), redacting the output again changes nothing, no control character appears;
* ``renderers`` (tests/fuzz_render.py): every output format of a run over fuzzed journal entries and model answers.

Used by tests/test_fuzz.py (hypothesis, seconds per target) and benchmarks/fuzz_campaign.py (atheris, ≥ 1M inputs).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterator
from functools import cache

import orjson

from alsate_cli.entry import MAX_PID, MAX_TIME_US, Entry
from alsate_cli.grouping import Grouper, template_of
from alsate_cli.grouping import template as template_module
from alsate_cli.priority import PrioritySelection
from alsate_cli.redact import Redactor
from alsate_cli.rules import RuleSet, ThreatEvaluator
from alsate_cli.sources import journal_json, reader, syslog_text
from alsate_cli.sources.reader import read_entries
from alsate_cli.sources.stats import IngestStats, SkipLine
from alsate_cli.textsafe import strip_controls
from fuzz_input import Draw, rule_examples
from rules_compare import Differential, engine, full_signature

REFERENCE_TIME = 1_795_161_600.0
"""2026-11-20 08:00 UTC: year-less syslog dates resolve the same way on every run."""
SELECTION = PrioritySelection.parse("warning")
SKIP_REASONS = frozenset({
    reader.BLANK, reader.TOO_LONG, reader.TRUNCATED_JSON, reader.BINARY, journal_json.INVALID_JSON,
    journal_json.NOT_AN_OBJECT, journal_json.BAD_FIELD, syslog_text.NOT_SYSLOG, syslog_text.MARKER,
    syslog_text.BAD_TIMESTAMP, syslog_text.BAD_PRI,
})  # fmt: skip
"""The documented reasons a line is skipped: never an exception's text."""
LINE_LIMITS = (reader.DEFAULT_MAX_LINE_BYTES, 24, 200, 1000)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class Broken(AssertionError):
    """A property of a target failed for this input (as opposed to an uncaught exception: a crash)."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Broken(what)


# Readers ---------------------------------------------------------------------------------------------------------


class Pieces:
    """A pipe that hands its bytes over in reads of the given sizes (cycled), so lines are cut across reads."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data, self._sizes, self._position, self._turn = data, sizes, 0, 0

    def read1(self, limit: int) -> bytes:
        size = min(limit, self._sizes[self._turn % len(self._sizes)])
        self._turn += 1
        piece = self._data[self._position : self._position + size]
        self._position += len(piece)
        return piece


def line_count(data: bytes) -> int:
    """Lines in the bytes: each newline ends one, and a last line without a newline counts too."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def read_all(stream: object, *, max_line_bytes: int, keep: PrioritySelection | None = None) -> tuple[list, IngestStats]:
    """Read the stream to its end as the pipeline does: each yielded entry counted kept (filtered ones by the
    reader's byte test, with ``keep``; without it, here)."""
    stats = IngestStats()
    entries = []
    for entry in read_entries(
        stream,  # type: ignore[arg-type]
        stats,
        reference_time=REFERENCE_TIME,
        max_line_bytes=max_line_bytes,
        keep=keep,
    ):
        entries.append(entry)
        stats.kept += 1
    return entries, stats


def entry_problems(entry: Entry, lines: int) -> list[str]:
    """What no entry may be: out of range, or carrying control characters into every later stage."""
    found = []
    for name in ("message", "identifier", "hostname", "unit", "cursor", "boot_id"):
        value = getattr(entry, name)
        if value is not None and strip_controls(value) != value:
            found.append(f"{name} {value!r} holds control characters")
    for name in ("hostname", "unit", "cursor", "boot_id"):
        if getattr(entry, name) == "":
            found.append(f"{name} is empty rather than missing")
    if not 0 <= entry.priority <= 7:
        found.append(f"priority {entry.priority}")
    if not 1 <= entry.line <= lines:
        found.append(f"line number {entry.line} of {lines}")
    if entry.pid is not None and not 0 <= entry.pid <= MAX_PID:
        found.append(f"pid {entry.pid}")
    if entry.time_us is not None and entry.time_us > MAX_TIME_US:
        found.append(f"time {entry.time_us} beyond any date")
    return found


def check_stream(data: bytes) -> None:
    """The reader over arbitrary bytes: two config bytes (line limit, read sizes), then the stream itself."""
    draw = Draw(data[:3])
    max_line_bytes = draw.pick(LINE_LIMITS)
    sizes = [1 + draw.byte() % 97, 1 + draw.byte() * 13]
    stream = data[3:]
    lines = line_count(stream)
    entries, stats = read_all(io.BytesIO(stream), max_line_bytes=max_line_bytes)
    expect(stats.read == lines, f"read {stats.read} of {lines} lines")
    expect(stats.balanced and stats.filtered == 0, f"books do not balance: {stats}")
    expect(set(stats.skip_reasons) <= SKIP_REASONS, f"undocumented skip reasons {set(stats.skip_reasons)}")
    expect(sum(stats.skip_reasons.values()) == stats.skipped, "skip reasons do not add up")
    numbers = [entry.line for entry in entries]
    expect(numbers == sorted(set(numbers)), f"line numbers not increasing: {numbers[:20]}")
    for entry in entries:
        problems = entry_problems(entry, lines)
        expect(not problems, f"line {entry.line}: {problems}")

    cut, cut_stats = read_all(Pieces(stream, sizes), max_line_bytes=max_line_bytes)
    expect(cut == entries, f"reads of {sizes} bytes give other entries")
    expect(
        (cut_stats.read, cut_stats.skip_reasons) == (stats.read, stats.skip_reasons),
        f"reads of {sizes} bytes count otherwise: {cut_stats} vs {stats}",
    )

    kept, kept_stats = read_all(io.BytesIO(stream), max_line_bytes=max_line_bytes, keep=SELECTION)
    expect(kept_stats.read == lines and kept_stats.balanced, f"books do not balance with a selection: {kept_stats}")
    by_line = {entry.line: entry for entry in entries}
    for entry in kept:
        expect(entry.priority in SELECTION, f"line {entry.line}: priority {entry.priority} kept outside the selection")
        expect(by_line.get(entry.line) == entry, f"line {entry.line} parses otherwise with a selection")
    wanted = [entry.line for entry in entries if entry.priority in SELECTION]
    lost = sorted(set(wanted) - {entry.line for entry in kept})
    for number in lost:  # only the byte test may drop a kept line: a `"PRIORITY":"<outside>"` it trusts
        expect(_trusted_priority_outside(stream, number), f"line {number} in the selection lost with a selection")


def _trusted_priority_outside(stream: bytes, number: int) -> bool:
    line = stream.split(b"\n")[number - 1]
    at = line.find(b'"PRIORITY":"')
    return at >= 0 and line.rstrip().endswith(b"}") and line[at + 12 : at + 13] in (b"5", b"6", b"7")


# Template miner ----------------------------------------------------------------------------------------------------

_DIGIT = re.compile(r"\d")


def digit_variants(message: str, salt: int) -> list[str]:
    """The message with its ASCII digits changed but not their positions: its memo key (the digit shape) is shared,
    so a memo that answered for one spelling must answer right for the others."""
    if not any("0" <= char <= "9" for char in message):
        return []
    shifts = (1 + salt % 9, 5, 9 - salt % 3)
    return [
        _DIGIT.sub(lambda m, s=shift: str((int(m.group(0)) + s) % 10) if m.group(0).isascii() else m.group(0), message)
        for shift in shifts
    ]


def check_template(data: bytes) -> None:
    draw = Draw(data)
    identifier = draw.pick(("sshd", "kernel", "sudo", "systemd", "app"))
    message = draw.text(120) if draw.byte() % 2 else draw.rest().decode("utf-8", "replace")
    grouper = Grouper()
    for text in (message, *digit_variants(message, len(data)), message):
        template = template_of(text)
        expect(template == template_module._mask(text), f"memoised template differs for {text!r}: {template!r}")
        expect(_CONTROL.search(template) is None, f"template {template!r} holds a control or line break")
        expect(template == " ".join(template.split()) or not template.strip(), f"template {template!r} not one line")
        group = grouper.add(Entry(1, text, 3, identifier=identifier))
        if identifier != "kernel":  # a kernel trace may join the report it belongs to
            expect(group.template == template, f"grouped under {group.template!r}, not {template!r}")
    groups = grouper.groups()
    expect(sum(group.count for group in groups) == len(digit_variants(message, len(data))) + 2, "group counts")


# Rules -------------------------------------------------------------------------------------------------------------


_LINE_NUMBERS = itertools.count(1)


@cache
def _ruleset() -> RuleSet:
    return RuleSet.load()


@cache
def _differential() -> Differential:
    return Differential(_ruleset())


@cache
def _pair(name: str) -> tuple[ThreatEvaluator, ThreatEvaluator]:
    """Two evaluators under one engine: one sees what the prefiltered reader yields, the other every entry."""
    with engine(name):
        return ThreatEvaluator(_ruleset()), ThreatEvaluator(_ruleset())


@cache
def _programs() -> tuple[str, ...]:
    return tuple(sorted({program for program, _ in rule_examples()} | {"cron", "sshd(pam_unix)", ""}))


def rule_message(draw: Draw) -> tuple[str, str]:
    """(program, message): a rule example spliced with fuzz text, or fuzz text alone."""
    program, example = draw.pick(rule_examples())
    if draw.byte() % 4 == 0:
        program = draw.pick(_programs())
    choice = draw.byte() % 4
    if choice == 0:
        return program, draw.text()
    cut = draw.below(len(example) + 1)
    if choice == 1:
        return program, example[:cut] + draw.text(12) + example[cut:]
    if choice == 2:
        return program, draw.text(12) + example + draw.text(12)
    return program, example.upper() if draw.byte() % 2 else example


def check_rules(data: bytes) -> None:
    draw = Draw(data)
    program, message = rule_message(draw)
    record: dict[str, object] = {
        "PRIORITY": str(draw.byte() % 8),
        "SYSLOG_IDENTIFIER": program,
        "_PID": str(draw.below(1000)),
        "_HOSTNAME": "web-01",
        "MESSAGE": message,
        "__REALTIME_TIMESTAMP": str(1_795_161_600_000_000 + draw.below(3600) * 1_000_000),
    }
    lines = [orjson.dumps(record), draw.rest()]
    differential = _differential()
    before = differential.report.counts["differences"]
    pairs = []
    for raw in lines:  # numbered across inputs: one evaluator sees them all, and lends addresses by line
        try:
            pairs.append((journal_json.parse_journal_json(raw, next(_LINE_NUMBERS)), raw))
        except SkipLine:
            continue
    differential.feed(pairs)
    found = differential.report.counts["differences"] - before
    expect(not found, f"{found} differences: {differential.report.differences[-found:]}")
    stream = b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n"
    for name in ("compiled", "pure"):
        with engine(name):
            _check_prefiltered_reader(stream, *_pair(name))


def _check_prefiltered_reader(stream: bytes, filtered: ThreatEvaluator, full: ThreatEvaluator) -> None:
    """The reader with the rules' byte prefilter (and its chunk marks) yields every entry a rule hits."""
    stats = IngestStats()
    seen = {}
    for entry in read_entries(io.BytesIO(stream), stats, reference_time=REFERENCE_TIME, keep=SELECTION,
                              needed=filtered.might_hit_line):  # fmt: skip
        seen[entry.line] = full_signature(filtered.observe(entry))
    for entry in read_entries(io.BytesIO(stream), IngestStats(), reference_time=REFERENCE_TIME):
        hits = full_signature(full.observe(entry))
        if hits:
            expect(entry.line in seen, f"line {entry.line} with hits {hits} dropped unparsed")
            expect(seen[entry.line] == hits, f"line {entry.line}: {seen[entry.line]} vs {hits}")


# Redaction ---------------------------------------------------------------------------------------------------------


def planted(data: bytes) -> tuple[str, str, str]:
    """A secret, a public IPv4 address and a mail address that the input itself cannot spell (a hash of it)."""
    digest = hashlib.blake2b(data, digest_size=8).digest()
    return (
        "Zq" + digest.hex()[:14],
        f"203.0.{digest[0] % 200 + 10}.{digest[1] % 250 + 1}",
        f"m{digest.hex()[2:10]}@corp.example.org",
    )


_PSEUDONYM_HOST = re.compile(r"host-\d+|198\.18\.0\.1|2001:db8::1")


def check_redact(data: bytes) -> None:
    draw = Draw(data)
    before, middle, after = draw.text(), draw.text(), draw.text()
    secret, address, mail = planted(data)
    message = f"{before} password={secret} {middle} from {address} port 22 mail {mail} {after}"
    redactor = Redactor()
    out = redactor.text(message)
    fuzz = before + middle + after
    for value in (secret, address, mail):
        expect(value not in out or value in fuzz, f"{value!r} survives: {out!r}")
    expect(redactor.text(message) == out, "the same text got other pseudonyms later in the run")
    expect(Redactor().text(message) == out, "a fresh run redacts otherwise")
    if _CONTROL.search(message.replace("\n", "").replace("\t", "")) is None:
        expect(_CONTROL.search(out.replace("\n", "").replace("\t", "")) is None, f"a control appeared: {out!r}")
    host = draw.text(20).strip() or "web-01"
    entry = Redactor().entry(Entry(1, message, 3, hostname=host))
    expect(entry.hostname != host or _PSEUDONYM_HOST.fullmatch(host) is not None, f"host name {host!r} kept")


# The registry ------------------------------------------------------------------------------------------------------


def _renderers(data: bytes) -> None:
    from fuzz_render import check_renderers  # rich, markdown-it: loaded only by the target that needs them

    check_renderers(data)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "journal-json": check_stream,
    "syslog-text": check_stream,
    "template": check_template,
    "rules": check_rules,
    "redact": check_redact,
    "renderers": _renderers,
}


def seeds(name: str) -> Iterator[bytes]:
    """Real-shaped inputs a target's campaign starts from (atheris mutates them; hypothesis mixes them in)."""
    from fuzz_input import journal_json_seeds, syslog_seeds

    config = b"\x00\x00\x07"  # default line limit, 1-byte and 92-byte reads
    if name == "journal-json":
        lines = journal_json_seeds()
        for start in range(0, len(lines), 8):
            yield config + b"\n".join(lines[start : start + 8]) + b"\n"
    elif name == "syslog-text":
        lines = syslog_seeds()
        for start in range(0, len(lines), 8):
            yield config + b"\n".join(lines[start : start + 8])
    elif name == "template":
        for program, message in rule_examples():
            yield b"\x01" + program.encode() + b"\x00" + message.encode()
    else:
        for number, (_, message) in enumerate(rule_examples()):
            yield bytes([number % 256, 40, 3]) + message.encode()
