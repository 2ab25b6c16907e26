"""Parse one line of ``journalctl -o json`` output into an Entry.

journalctl's JSON is not a fixed schema, and the parser follows what journald really emits:

* a field value is a string when it is valid UTF-8 text, else an array of byte values (binary data,
  non-UTF-8 text, or text with control characters journalctl will not print), decoded here as UTF-8
  with replacement characters;
* a field set several times in one entry is an array of such values; scalar fields take the first;
* a field over 4096 bytes is ``null`` unless journalctl ran with ``--all``: a null or missing
  ``MESSAGE`` keeps the entry with an empty message rather than losing its priority and time.

This is the hot path of ingest, so it does as little as it can per line: one ``orjson.loads``, plain
dict look-ups and ``type(x) is str`` checks for the common all-text case.
"""

from __future__ import annotations

from typing import Any

import orjson

from alsate_cli.entry import Entry
from alsate_cli.sources.infer import infer_priority
from alsate_cli.sources.stats import SkipLine
from alsate_cli.textsafe import strip_controls

INVALID_JSON = "invalid JSON"
NOT_AN_OBJECT = "JSON line is not an object"
BAD_FIELD = "malformed journal field"

_PRIORITIES = {str(level): level for level in range(8)}


def _text(value: Any) -> str | None:
    """One field value as text: a string, a byte array, or the first of a repeated field's values."""
    if type(value) is str:
        return value
    if type(value) is list:
        if not value:
            return None
        first = value[0]
        if type(first) is int:
            try:
                return bytes(value).decode("utf-8", "replace")
            except (ValueError, TypeError):
                raise SkipLine(BAD_FIELD) from None
        return _text(first)
    if value is None:
        return None
    if type(value) is int or type(value) is float:  # not from journalctl, but unambiguous
        return str(value)
    raise SkipLine(BAD_FIELD)


def _label(value: Any) -> str | None:
    """A short identifying field (host, unit …): text, control-free, empty treated as missing."""
    if type(value) is str and value.isprintable():  # the usual case, checked in C
        return value or None
    text = _text(value)
    return strip_controls(text) or None if text else None


def _int(value: Any) -> int | None:
    text = value if type(value) is str else _text(value)
    if text and text.isascii() and text.isdigit():
        return int(text)
    return None


def parse_journal_json(line: bytes | str, lineno: int) -> Entry:
    """Turn one ``journalctl -o json`` line into an Entry; raise SkipLine when it is not one."""
    try:
        fields = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise SkipLine(INVALID_JSON) from None
    if type(fields) is not dict:
        raise SkipLine(NOT_AN_OBJECT)
    get = fields.get

    message = get("MESSAGE")
    if type(message) is not str:
        message = _text(message) or ""
    if not message.isprintable():
        message = strip_controls(message)

    raw = get("PRIORITY")
    if type(raw) is not str and raw is not None:
        raw = _text(raw)  # repeated PRIORITY, byte array or a number in hand-written JSON
    priority = _PRIORITIES.get(raw) if raw is not None else None
    inferred = priority is None
    if priority is None:
        priority = infer_priority(message)

    # Positional, in Entry's field order: a third of the cost of keywords on the hot path.
    return Entry(
        lineno,
        message,
        priority,
        inferred,
        _int(get("__REALTIME_TIMESTAMP")),
        _label(get("_HOSTNAME")),
        _label(get("SYSLOG_IDENTIFIER") or get("_COMM")) or "",
        _label(get("_SYSTEMD_UNIT") or get("_SYSTEMD_USER_UNIT") or get("UNIT") or get("USER_UNIT")),
        _int(get("_PID") or get("SYSLOG_PID")),
        _label(get("__CURSOR")),
        _label(get("_BOOT_ID")),
    )
