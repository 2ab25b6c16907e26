"""Opening log files: plain and gzip-rotated files read alike; bad paths give a message, not a traceback."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from alsate_cli.sources.errors import SourceError
from alsate_cli.sources.files import open_log_file
from alsate_cli.sources.reader import read_entries
from alsate_cli.sources.stats import IngestStats

LINES = b"Nov 07 10:11:20 host sshd[1]: error: kex_exchange_identification\nNov 07 10:11:21 host cron[2]: ok\n"


def messages(path: Path) -> list[str]:
    with open_log_file(str(path)) as stream:
        return [entry.message for entry in read_entries(stream, IngestStats())]


def test_plain_and_gzip_files_read_the_same(tmp_path: Path) -> None:
    plain = tmp_path / "syslog.1"
    plain.write_bytes(LINES)
    packed = tmp_path / "syslog.2.gz"
    packed.write_bytes(gzip.compress(LINES))
    assert messages(plain) == messages(packed) == ["error: kex_exchange_identification", "ok"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"), open_log_file(str(tmp_path / "absent.log")):
        pass


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is a directory"), open_log_file(str(tmp_path)):
        pass


def test_corrupt_gzip_is_reported_while_reading(tmp_path: Path) -> None:
    broken = tmp_path / "syslog.3.gz"
    lines = b"".join(b"Nov 07 10:11:20 host app[1]: event %d of many\n" % n for n in range(5000))
    packed = gzip.compress(lines)
    broken.write_bytes(packed[: len(packed) // 2])  # cut short, as a full disk leaves it
    with pytest.raises(SourceError, match="corrupt gzip file"):
        messages(broken)
