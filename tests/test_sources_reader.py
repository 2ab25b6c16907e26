"""The line reader: format detection, every skip reason, accounting, bounded memory, live pipes."""

from __future__ import annotations

import io
import os
import threading
import tracemalloc
from datetime import UTC, datetime

import orjson
import pytest

from alsate_cli.entry import Entry
from alsate_cli.priority import PrioritySelection
from alsate_cli.sources.reader import BINARY, BLANK, TOO_LONG, TRUNCATED_JSON, read_entries
from alsate_cli.sources.stats import IngestStats
from alsate_cli.sources.syslog_text import MARKER, NOT_SYSLOG
from fixtures_journal import journalctl_json

REFERENCE = datetime(2026, 11, 23, 12, tzinfo=UTC).timestamp()


def json_line(**fields: str) -> bytes:
    return orjson.dumps(fields) + b"\n"


def read(data: bytes, **kwargs: object) -> tuple[list[Entry], IngestStats]:
    stats = IngestStats()
    entries = list(read_entries(io.BytesIO(data), stats, reference_time=REFERENCE, **kwargs))  # type: ignore[arg-type]
    return entries, stats


def test_mixed_json_and_text_with_every_skip_reason_balances() -> None:
    data = b"".join(
        [
            json_line(MESSAGE="disk failed", PRIORITY="3", SYSLOG_IDENTIFIER="smartd"),  # 1
            b"Nov 07 10:11:20 host sshd[1]: Invalid user bob from 10.0.0.1\n",  # 2
            b"\n",  # 3 blank
            b"   \t \r\n",  # 4 blank too
            b'{"MESSAGE": "oops"\n',  # 5 invalid JSON (not the last line, so not "truncated")
            b"-- Boot 0123456789abcdef0123456789abcdef --\n",  # 6
            b"random words\n",  # 7
            b"Nov 07 10:11:20 host app[2]: has a \x00 NUL\n",  # 8
            bytes(range(128, 256)) * 2 + b"\n",  # 9 mostly undecodable
            b"\x01\x02\x03\x04\x05\x06\x07\x08garbage\n",  # 10 mostly control bytes
            b"  " + json_line(MESSAGE="indented json", PRIORITY="4"),  # 11
            b"Nov 07 10:11:20 host app[3]: caf\xe9 r\xe9sum\xe9 failed\r\n",  # 12 Latin-1, mostly text: kept
            b'{"MESSAGE": "cut off mid-wri',  # 13 last line, no newline
        ]
    )
    entries, stats = read(data)
    assert [entry.line for entry in entries] == [1, 2, 11, 12]
    assert [entry.message for entry in entries] == [
        "disk failed",
        "Invalid user bob from 10.0.0.1",
        "indented json",
        "caf\ufffd r\ufffdsum\ufffd failed",
    ]
    assert stats.skip_reasons == {
        BLANK: 2,
        "invalid JSON": 1,
        MARKER: 1,
        NOT_SYSLOG: 1,
        BINARY: 3,
        TRUNCATED_JSON: 1,
    }
    assert stats.read == 13
    assert stats.read == len(entries) + stats.skipped
    assert stats.skip_examples[:3] == [(3, BLANK), (4, BLANK), (5, "invalid JSON")]


def test_last_line_without_newline_is_parsed_when_complete() -> None:
    entries, stats = read(json_line(MESSAGE="a", PRIORITY="3") + b'{"MESSAGE": "b", "PRIORITY": "4"}')
    assert [entry.message for entry in entries] == ["a", "b"]
    assert (stats.read, stats.skipped) == (2, 0)


def test_text_last_line_without_newline_is_parsed() -> None:
    entries, _ = read(b"Nov 07 10:11:20 host app[3]: error one\nNov 07 10:11:21 host app[3]: error two")
    assert [entry.message for entry in entries] == ["error one", "error two"]


def test_empty_stream() -> None:
    entries, stats = read(b"")
    assert (entries, stats.read, stats.skipped) == ([], 0, 0)


def test_line_limit_is_exact() -> None:
    limit = 200
    fits = b"{" + b" " * (limit - 2) + b"}"
    over = b"{" + b" " * (limit - 1) + b"}"
    entries, stats = read(fits + b"\n" + over + b"\n" + fits, max_line_bytes=limit)
    assert [entry.line for entry in entries] == [1, 3]
    assert stats.skip_examples == [(2, TOO_LONG)]
    assert stats.read == 3


class _GeneratedStream(io.RawIOBase):
    """A stream of ``head``, then ``size`` filler bytes, then ``tail``, made as it is read.

    Stands in for a huge file or pipe without the test itself holding the huge line in memory.
    """

    def __init__(self, head: bytes, size: int, tail: bytes) -> None:
        self._head, self._left, self._tail = head, size, tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        if self._left:
            count = min(len(buffer), self._left)
            buffer[:count] = b"x" * count
            self._left -= count
            return count
        count = min(len(buffer), len(self._tail))
        buffer[:count] = self._tail[:count]
        self._tail = self._tail[count:]
        return count


def test_ten_megabyte_line_is_skipped_without_being_held_in_memory() -> None:
    head = json_line(MESSAGE="before", PRIORITY="3") + b'{"MESSAGE": "'
    tail = b'"}\n' + json_line(MESSAGE="after", PRIORITY="3") + b"Nov 07 10:11:20 host a[1]: error end"
    stream = io.BufferedReader(_GeneratedStream(head, 10 * 1024 * 1024, tail))
    stats = IngestStats()
    tracemalloc.start()
    try:
        entries = list(read_entries(stream, stats, reference_time=REFERENCE))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [entry.message for entry in entries] == ["before", "after", "error end"]
    assert [entry.line for entry in entries] == [1, 3, 4]
    assert stats.skip_examples == [(2, TOO_LONG)]
    assert stats.read == 4
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes: the long line was buffered"


def test_overlong_line_ending_exactly_at_stream_end() -> None:
    stream = io.BufferedReader(_GeneratedStream(b"Nov 07 10:11:20 host a[1]: ", 3 * 1024 * 1024, b""))
    stats = IngestStats()
    assert list(read_entries(stream, stats)) == []
    assert (stats.read, stats.skip_reasons[TOO_LONG]) == (1, 1)


def test_keep_filters_here_and_counts_filtered() -> None:
    data = b"".join(
        [
            json_line(MESSAGE="info", PRIORITY="6"),
            json_line(MESSAGE="err", PRIORITY="3"),
            json_line(MESSAGE="debug", PRIORITY="7"),
            json_line(MESSAGE="no priority but failed"),  # inferred 3: kept
            json_line(MESSAGE="no priority, all fine"),  # inferred 6: filtered
            orjson.dumps({"MESSAGE": "repeated", "PRIORITY": ["6", "2"]}) + b"\n",  # first value: 6
            b"Nov 07 10:11:20 host a[1]: segfault at 0\n",
            b"<30>Nov 07 10:11:20 host a[1]: segfault but daemon.info\n",
            b'{"PRIORITY":"6","MESSAGE":"cut',  # truncated: still reported, never silently filtered
            b"",
        ]
    )
    entries, stats = read(data, keep=PrioritySelection.parse("warning"))
    assert [entry.message for entry in entries] == ["err", "no priority but failed", "segfault at 0"]
    assert stats.filtered == 5
    assert stats.skip_reasons == {TRUNCATED_JSON: 1}
    stats.kept = len(entries)  # what the pipeline does for each entry it receives
    assert stats.balanced and stats.read == 9


def test_keep_prefilter_agrees_with_full_parse_on_a_real_journal(make_journal) -> None:
    journal = make_journal(
        [{"MESSAGE": f"message {n} failed" if n % 3 else f"note {n}", "PRIORITY": str(n % 8)} for n in range(40)]
        + [{"MESSAGE": "no priority: error"}, {"MESSAGE": "no priority: fine"}]
    )
    output = journalctl_json(journal)
    selection = PrioritySelection.parse("err..warning")
    filtered, stats = read(output, keep=selection)
    everything, _ = read(output)
    assert filtered == [entry for entry in everything if entry.priority in selection]
    assert stats.filtered == len(everything) - len(filtered)
    assert any(entry.priority_inferred for entry in filtered)


def test_one_stats_object_counts_several_streams() -> None:
    stats = IngestStats()
    list(read_entries(io.BytesIO(json_line(MESSAGE="a", PRIORITY="3") * 3), stats))
    entries = list(read_entries(io.BytesIO(b"\n" + json_line(MESSAGE="b", PRIORITY="3")), stats))
    assert stats.read == 5
    assert [entry.line for entry in entries] == [2]  # line numbers are per stream


def test_read_count_is_exact_when_the_consumer_stops_early() -> None:
    stats = IngestStats()
    data = b"\n" + json_line(MESSAGE="a", PRIORITY="3") * 100
    for entry in read_entries(io.BytesIO(data), stats):
        if entry.line == 3:
            break
    assert stats.read == 3 and stats.skipped == 1


def test_lines_from_a_pipe_arrive_before_the_writer_finishes() -> None:
    """``journalctl --follow`` writes a line and waits: the reader must not wait for a full chunk."""
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb") as reader, os.fdopen(write_fd, "wb", buffering=0) as writer:
        entries = read_entries(reader, IngestStats())
        writer.write(json_line(MESSAGE="live", PRIORITY="2"))
        got: list[Entry] = []
        thread = threading.Thread(target=lambda: got.append(next(entries)), daemon=True)
        thread.start()
        thread.join(timeout=10)
        assert got and got[0].message == "live", "the first line was not delivered while the pipe stayed open"
        writer.close()
        assert list(entries) == []


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_json_and_text_with_either_line_ending(newline: bytes) -> None:
    data = b'{"MESSAGE":"x","PRIORITY":"3"}' + newline + b"Nov 07 10:11:20 host a[1]: error y" + newline
    entries, stats = read(data)
    assert [entry.message for entry in entries] == ["x", "error y"]
    assert stats.skipped == 0


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_chunk_boundaries_change_nothing(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Lines are tested in place inside each chunk read; a line cut by a chunk boundary is joined first."""
    from alsate_cli.sources import reader

    lines = [
        json_line(MESSAGE="info", PRIORITY="6"),
        json_line(MESSAGE="kept", PRIORITY="3"),
        b"\n",
        b"  " + json_line(MESSAGE="indented", PRIORITY="6"),
        json_line(MESSAGE="crlf", PRIORITY="6")[:-1] + b"\r\n",
        b"Nov 07 10:11:20 host a[1]: error text\n",
        b"{" + b"x" * 300 + b"}\n",  # over the limit below
        json_line(MESSAGE="x" * 150, PRIORITY="6"),
        b'{"PRIORITY":"6","MESSAGE":"no closing brace"\n',  # not valid JSON: parsed, so skipped
        json_line(MESSAGE="last", PRIORITY="2")[:-1],  # no final newline
    ]
    data = b"".join(lines)
    selection = PrioritySelection.parse("warning")

    def run() -> tuple[list[tuple[int, str]], tuple[int, int, int, object]]:
        stats = IngestStats()
        found = [(entry.line, entry.message) for entry in read_entries(io.BytesIO(data), stats, keep=selection,
                                                                       max_line_bytes=250)]  # fmt: skip
        return found, (stats.read, stats.filtered, stats.skipped, dict(stats.skip_reasons))

    expected = run()
    assert expected[0] == [(2, "kept"), (6, "error text"), (10, "last")]
    assert expected[1] == (10, 4, 3, {BLANK: 1, TOO_LONG: 1, "invalid JSON": 1})
    monkeypatch.setattr(reader, "CHUNK_BYTES", chunk)
    assert run() == expected
