"""Read a byte stream of log lines (journal JSON, syslog text, or a mix) into Entries.

Every line is accounted for: ``stats.read`` counts each one, and each line is either yielded (the
pipeline then counts it kept or filtered) or skipped here with a short reason (``stats.skip``). So
after a full run ``stats.read == stats.kept + stats.filtered + stats.skipped``.

Decisions worth knowing:

* The format is detected per line: first non-blank byte ``{`` means journal JSON, anything else text.
* Blank lines are counted as read and skipped as ``"blank line"``, so the books balance and the report
  shows them; they are harmless.
* A line over ``max_line_bytes`` is skipped as ``"line too long"`` without ever being held whole: the
  stream is read in bounded chunks and the rest of the line is discarded up to its newline.
* The last line without a newline that is not valid JSON was most likely cut off mid-write:
  ``"truncated JSON"`` rather than ``"invalid JSON"``.
* Text lines that are not UTF-8 are decoded with replacement characters if they are mostly text (a
  Latin-1 name in an otherwise ASCII line); lines with NUL bytes or mostly undecodable / control bytes
  are ``"binary data"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from alsate_cli.entry import Entry
from alsate_cli.priority import PrioritySelection
from alsate_cli.sources.journal_json import INVALID_JSON, parse_journal_json
from alsate_cli.sources.stats import IngestStats, SkipLine
from alsate_cli.sources.syslog_text import SyslogParser

BLANK = "blank line"
TOO_LONG = "line too long"
TRUNCATED_JSON = "truncated JSON"
BINARY = "binary data"

DEFAULT_MAX_LINE_BYTES = 65_536
CHUNK_BYTES = 1 << 18
"""Read size: large enough that per-chunk overhead vanishes, small enough to bound memory."""

_PRIORITY_KEY = b'"PRIORITY":"'
_BINARY_RATIO = 0.3
"""Above this share of undecodable or control bytes a line is data, not text."""
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]")
"""Control bytes that do not occur in text (tab, CR, LF and ESC do: ESC starts colour codes)."""


def _decode_text(line: bytes) -> str:
    """The line as text, or SkipLine(BINARY) when it is data rather than text."""
    if b"\0" in line:
        raise SkipLine(BINARY)
    try:
        text = line.decode("utf-8")
        bad = 0
    except UnicodeDecodeError:
        text = line.decode("utf-8", "replace")
        bad = text.count("\ufffd")
    if bad or _CONTROL_BYTES.search(line):
        bad += len(_CONTROL_BYTES.findall(line))
        if bad > _BINARY_RATIO * len(text):
            raise SkipLine(BINARY)
    return text


def _batches(stream: BinaryIO, max_line_bytes: int) -> Iterator[tuple[list[bytes | None], bool]]:
    """Yield (lines without newlines, complete) per chunk read; None stands for a line over the limit.

    Only the very last line of a stream can be incomplete (no newline): it comes alone with False.
    Batching keeps the per-line cost down to one list step. Reads with ``read1`` where the stream has
    it, so a pipe from ``journalctl --follow`` delivers lines as they arrive instead of per full chunk.
    """
    read = getattr(stream, "read1", None) or stream.read
    carry = b""
    discarding = False  # inside an over-long line, dropping bytes up to its newline
    while True:
        chunk = read(CHUNK_BYTES)
        if not chunk:
            break
        if discarding:
            newline = chunk.find(b"\n")
            if newline < 0:
                continue
            discarding = False
            chunk = chunk[newline + 1 :]
        lines: list[bytes | None] = (carry + chunk).split(b"\n") if carry else chunk.split(b"\n")
        carry = lines.pop()  # type: ignore[assignment]  # split() gives bytes only
        for index, line in enumerate(lines):
            if len(line) > max_line_bytes:  # type: ignore[arg-type]
                lines[index] = None
        if len(carry) > max_line_bytes:
            lines.append(None)
            carry = b""
            discarding = True
        if lines:
            yield lines, True
    if carry and not discarding:
        yield [carry], False


def _priority_bytes(keep: PrioritySelection) -> tuple[bool, ...]:
    """Indexed by the byte after ``"PRIORITY":"``: True for the digits of priorities to drop."""
    drop = [False] * 256
    for level in range(8):
        drop[ord("0") + level] = level not in keep
    return tuple(drop)


def read_entries(
    stream: BinaryIO,
    stats: IngestStats,
    *,
    reference_time: float | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    keep: PrioritySelection | None = None,
    needed: Callable[[bytes], bool] | None = None,
) -> Iterator[Entry]:
    """Yield an Entry for every parseable line of ``stream``; count and skip the rest.

    ``reference_time`` (epoch seconds, default now) resolves the missing year of RFC 3164 dates.
    Lines are numbered from 1 in ``Entry.line`` and in skip reports.

    Without ``keep`` every parsed entry is yielded and the caller filters and counts kept/filtered.
    With ``keep``, filtering happens here: only entries whose priority (given or inferred) is in
    ``keep`` are yielded, the rest are counted in ``stats.filtered``, and the caller counts each yielded
    entry as kept. That lets journal JSON lines with an out-of-range ``"PRIORITY":"6"`` be dropped from
    a byte search without being parsed at all, which is most lines of a typical journal. (Such a line
    is trusted to be well-formed JSON if it ends with ``}``: a corrupt one is counted as filtered
    rather than skipped.)

    ``needed`` (with ``keep``) is for callers whose threat rules must see entries outside ``keep``: a journal
    JSON line whose priority is outside ``keep`` is still parsed when ``needed(line)`` is true, and then every
    parsed entry is yielded, whatever its priority; the caller filters and counts. Only lines the byte test
    drops are counted filtered here.
    """
    syslog = SyslogParser(reference_time)
    drop = _priority_bytes(keep) if keep is not None else None
    post_filter = keep is not None and needed is None
    base = stats.read  # one IngestStats may count several streams
    lineno = 0
    try:
        for lines, complete in _batches(stream, max_line_bytes):
            for line in lines:
                lineno += 1
                if line is None:
                    stats.skip(lineno, TOO_LONG)
                    continue
                first = line[:1]
                if first != b"{":
                    stripped = line.lstrip()
                    if not stripped:
                        stats.skip(lineno, BLANK)
                        continue
                    first = stripped[:1]
                try:
                    if first == b"{":
                        if drop is not None:
                            at = line.find(_PRIORITY_KEY)
                            if (
                                at >= 0
                                and line.endswith(b"}")
                                and len(line) > at + 14
                                and drop[line[at + 12]]
                                and line[at + 13] == 34  # the closing quote: a one-digit value
                                and (needed is None or not needed(line))
                            ):
                                stats.filtered += 1  # `"PRIORITY":"6"`, a priority outside `keep`
                                continue
                        entry = parse_journal_json(line, lineno)
                    else:
                        entry = syslog.parse(_decode_text(line.rstrip(b"\r")), lineno)
                except SkipLine as skip:
                    reason = TRUNCATED_JSON if skip.reason == INVALID_JSON and not complete else skip.reason
                    stats.skip(lineno, reason)
                    continue
                if post_filter and entry.priority not in keep:  # type: ignore[operator]
                    stats.filtered += 1
                    continue
                stats.read = base + lineno  # set when the caller can look, not per line: exact and cheaper
                yield entry
    finally:  # also on an early stop, Ctrl-C or a read error: the count stays exact
        stats.read = base + lineno
