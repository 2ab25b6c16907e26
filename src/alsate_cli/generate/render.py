"""Write generated lines as syslog text (journalctl ``short``) or journal JSON (``journalctl -o json``).

Both shapes are the ones alsate's own readers take, and a generated file is read back by them in the
evaluation, so what is written here is exactly what ``sources`` parses: a tag without spaces, brackets or colons,
and JSON with journald's field names and string values.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from enum import StrEnum

import orjson

from alsate_cli.generate.sample import Generated

_NOT_IN_TAG = re.compile(r"[\s\[\]:]")


class LineFormat(StrEnum):
    AUTO = "auto"
    SYSLOG = "syslog"
    JSON = "json"


def syslog_writer() -> Callable[[Generated], str]:
    """``Jun 14 15:16:01 host tag[pid]: message``, local time like journalctl (the stamp cached per second)."""
    last_second = -1
    stamp = ""
    tags: dict[str, str] = {}

    def line(item: Generated) -> str:
        nonlocal last_second, stamp
        second = item.time_us // 1_000_000
        if second != last_second:
            last_second = second
            stamp = time.strftime("%b %d %H:%M:%S", time.localtime(second))
        tag = tags.get(item.identifier)
        if tag is None:
            tag = tags[item.identifier] = _NOT_IN_TAG.sub("_", item.identifier) or "unknown"
        head = f"{stamp} {item.host or 'localhost'} {tag}"
        if item.pid is not None:
            return f"{head}[{item.pid}]: {item.message}"
        return f"{head}: {item.message}"

    return line


def json_writer() -> Callable[[Generated], str]:
    """One ``journalctl -o json`` object per line, with the fields alsate and journald share."""
    dumps = orjson.dumps

    def line(item: Generated) -> str:
        fields = {
            "__REALTIME_TIMESTAMP": str(item.time_us),
            "PRIORITY": str(item.priority),
            "SYSLOG_IDENTIFIER": item.identifier,
            "MESSAGE": item.message,
        }
        if item.host:
            fields["_HOSTNAME"] = item.host
        if item.pid is not None:
            fields["_PID"] = str(item.pid)
        if item.unit:
            fields["_SYSTEMD_UNIT"] = item.unit
        return dumps(fields).decode()

    return line
