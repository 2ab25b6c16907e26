"""``alsate watch`` off a terminal: one JSON object per line per event, for ``tee``, journald and log shippers.

Events (``event`` key): ``watching`` (the source is open: nothing written from now on is missed), ``issue``
(a new group; ``issue`` holds the same object as ``groups[]`` in ``analyze --format json``), ``explanation`` (an
explanation finished for that issue), ``journal_restart`` (journalctl ended and is restarted from the last cursor),
``notice`` (an alert command failed …) and ``summary`` (on exit: the ``summary`` object of ``analyze --format
json`` plus the watch's own counters).
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from alsate_cli.grouping import Group
from alsate_cli.outcome import Outcome
from alsate_cli.render.json_out import group_dict, summary_dict
from alsate_cli.render.values import iso_time
from alsate_cli.textsafe import one_line


def _line(event: str, **fields: Any) -> bytes:
    record = {"event": event, "at": iso_time(time.time_ns() // 1000), **fields}
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)


def watching_event(source: str) -> bytes:
    return _line("watching", source=one_line(source))


def issue_event(outcome: Outcome, group: Group) -> bytes:
    return _line("issue", issue=group_dict(outcome, group))


def explanation_event(outcome: Outcome, group: Group) -> bytes:
    return _line("explanation", issue=group_dict(outcome, group))


def issue_document(outcome: Outcome, group: Group) -> bytes:
    """What an ``--exec`` alert command reads on stdin: the issue object alone."""
    return orjson.dumps(group_dict(outcome, group), option=orjson.OPT_APPEND_NEWLINE)


def restart_event(reason: str, restarts: int, delay_s: float) -> bytes:
    return _line("journal_restart", reason=one_line(reason), restarts=restarts, retry_in_s=delay_s)


def notice_event(text: str) -> bytes:
    return _line("notice", text=one_line(text))


def summary_event(outcome: Outcome, watch: dict[str, Any]) -> bytes:
    return _line("summary", summary=summary_dict(outcome), watch=watch)
