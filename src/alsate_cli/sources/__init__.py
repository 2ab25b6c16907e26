"""Ingest: turn journal JSON and syslog text into Entries, and run journalctl to get them.

The usual path is::

    stats = IngestStats()
    with open_journalctl(journalctl_argv(JournalQuery(since="today"))) as stream:  # or open_log_file(path)
        for entry in read_entries(stream, stats, keep=selection):
            stats.kept += 1
            ...
"""

from __future__ import annotations

from alsate_cli.sources.errors import SourceError
from alsate_cli.sources.files import open_log_file
from alsate_cli.sources.infer import infer_priority
from alsate_cli.sources.journal_json import parse_journal_json
from alsate_cli.sources.journalctl import JournalQuery, journalctl_argv, journalctl_binary, open_journalctl
from alsate_cli.sources.reader import read_entries
from alsate_cli.sources.stats import IngestStats, SkipLine
from alsate_cli.sources.syslog_text import SyslogParser, parse_syslog_line

__all__ = [
    "IngestStats",
    "JournalQuery",
    "SkipLine",
    "SourceError",
    "SyslogParser",
    "infer_priority",
    "journalctl_argv",
    "journalctl_binary",
    "open_journalctl",
    "open_log_file",
    "parse_journal_json",
    "parse_syslog_line",
    "read_entries",
]
