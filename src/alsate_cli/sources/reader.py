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
import sys
from collections.abc import Callable, Iterator
from typing import BinaryIO, Protocol

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
_NO_MARK = sys.maxsize
_BINARY_RATIO = 0.3
"""Above this share of undecodable or control bytes a line is data, not text."""
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]")
"""Control bytes that do not occur in text (tab, CR, LF and ESC do: ESC starts colour codes)."""


class LinePrefilter(Protocol):
    """``needed(line)`` or ``needed(buffer, start, end)``: whether a line outside ``keep`` must still be parsed."""

    def __call__(self, line: bytes, first: int = 0, last: int | None = None, /) -> bool: ...


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


def _drop_tails(keep: PrioritySelection) -> tuple[bytes, ...]:
    """What follows ``"PRIORITY":"`` in a line to drop unparsed: a digit outside ``keep`` and the closing quote."""
    return tuple(b'%d"' % level for level in range(8) if level not in keep)


def read_entries(
    stream: BinaryIO,
    stats: IngestStats,
    *,
    reference_time: float | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    keep: PrioritySelection | None = None,
    needed: LinePrefilter | None = None,
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
    drops are counted filtered here. (It is called as ``needed(chunk, start, end)`` for a line inside the chunk
    read, so that it is never copied out: ``RuleLinePrefilter`` takes both forms.)

    This loop is the hot path of ingest, so it works on the chunks as read: a line that the byte test drops
    (most lines of a journal) is tested in place with ``bytes.find`` and never copied out; the counters are
    kept in locals and written to ``stats`` before each entry is handed on, after each chunk and at the end.
    """
    syslog = SyslogParser(reference_time)
    priority_key = _PRIORITY_KEY
    drop_tail = _drop_tails(keep) if keep is not None else ()
    post_filter = keep is not None and needed is None
    marks: Callable[[bytes], list[int]] | None = getattr(needed, "line_marks", None) if drop_tail else None
    ends: list[int] = []
    mark_index = next_mark = 0
    ascii_buffer = True
    low, high = (keep.low, keep.high) if keep is not None else (0, 7)
    read = getattr(stream, "read1", None) or stream.read  # read1: a pipe's lines arrive as written
    base = stats.read  # one IngestStats may count several streams
    lineno = 0
    filtered = 0
    carry = b""  # the start of a line that continues in the next chunk
    discarding = False  # inside an over-long line, dropping bytes up to its newline
    try:
        while True:
            chunk = read(CHUNK_BYTES)
            segments: tuple[tuple[bytes, int, bool], ...]
            if not chunk:
                if not carry:
                    break
                segments = ((carry + b"\n", 0, False),)  # the last line has no newline: maybe cut off
                carry = b""
            elif discarding:
                newline = chunk.find(b"\n")
                if newline < 0:
                    continue
                discarding = False
                segments = ((chunk, newline + 1, True),)
            elif carry:
                newline = chunk.find(b"\n")
                if newline < 0:
                    carry += chunk
                    if len(carry) > max_line_bytes:
                        lineno += 1
                        stats.skip(lineno, TOO_LONG)
                        carry, discarding = b"", True
                    continue
                segments = ((carry + chunk[: newline + 1], 0, True), (chunk, newline + 1, True))
                carry = b""
            else:
                segments = ((chunk, 0, True),)
            for buffer, position, complete in segments:
                find, startswith = buffer.find, buffer.startswith
                if marks is not None:
                    ends = marks(buffer)
                    mark_index, next_mark = 0, ends[0] if ends else _NO_MARK
                    ascii_buffer = buffer.isascii()
                while True:
                    end = find(b"\n", position)
                    if end < 0:
                        break
                    start, position = position, end + 1
                    lineno += 1
                    if end - start > max_line_bytes:
                        stats.skip(lineno, TOO_LONG)
                        continue
                    if (  # the common case, tested in place: `{…"PRIORITY":"6"…}`, a priority outside `keep`
                        drop_tail
                        and buffer[start] == 123  # "{"
                        and buffer[end - 1] == 125  # "}"
                        and (at := find(priority_key, start, end)) >= 0
                        and startswith(drop_tail, at + 12)
                    ):
                        if needed is None:
                            filtered += 1
                            continue
                        if marks is None:
                            if not needed(buffer, start, end):
                                filtered += 1
                                continue
                        else:  # no mark ends inside an ASCII line: no rule can hit it; a marked one is parsed
                            while next_mark <= start:  # (most marked lines are hits: asking first costs as much)
                                mark_index += 1
                                next_mark = ends[mark_index] if mark_index < len(ends) else _NO_MARK
                            if next_mark > end and (ascii_buffer or buffer[start:end].isascii()):
                                filtered += 1
                                continue
                    line = buffer[start:end]
                    first = line[:1]
                    if first != b"{":
                        stripped = line.lstrip()
                        if not stripped:
                            stats.skip(lineno, BLANK)
                            continue
                        first = stripped[:1]
                    try:
                        if first == b"{":
                            if drop_tail and buffer[start] != 123:  # indented JSON: the same byte test
                                at = line.find(_PRIORITY_KEY)
                                if (
                                    at >= 0
                                    and line.endswith(b"}")
                                    and line.startswith(drop_tail, at + 12)
                                    and (needed is None or not needed(line))
                                ):
                                    filtered += 1
                                    continue
                            entry = parse_journal_json(line, lineno)
                        else:
                            entry = syslog.parse(_decode_text(line.rstrip(b"\r")), lineno)
                    except SkipLine as skip:
                        reason = TRUNCATED_JSON if skip.reason == INVALID_JSON and not complete else skip.reason
                        stats.skip(lineno, reason)
                        continue
                    if post_filter and not low <= entry.priority <= high:  # `keep` without `needed`: filter here
                        filtered += 1
                        continue
                    stats.read = base + lineno  # set when the caller can look, not per line: exact and cheaper
                    if filtered:
                        stats.filtered += filtered
                        filtered = 0
                    yield entry
            rest = segments[-1][0][position:] if chunk else b""
            if len(rest) > max_line_bytes:
                lineno += 1
                stats.skip(lineno, TOO_LONG)
                discarding = True
            else:
                carry = rest
            stats.read = base + lineno  # the books balance after every read: a follower's counts stay current
            stats.filtered += filtered
            filtered = 0
    finally:  # also on an early stop, Ctrl-C or a read error: the count stays exact
        stats.read = base + lineno
        stats.filtered += filtered
