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

from operator import itemgetter
from typing import Any

import orjson

from alsate_cli.entry import MAX_PID, MAX_TIME_US, Entry
from alsate_cli.sources.infer import infer_priority
from alsate_cli.sources.stats import SkipLine
from alsate_cli.textsafe import strip_controls

INVALID_JSON = "invalid JSON"
NOT_AN_OBJECT = "JSON line is not an object"
BAD_FIELD = "malformed journal field"

_PRIORITIES = {str(level): level for level in range(8)}
_USUAL_FIELDS = itemgetter(
    "MESSAGE", "PRIORITY", "__REALTIME_TIMESTAMP", "_HOSTNAME", "SYSLOG_IDENTIFIER", "_PID", "__CURSOR", "_BOOT_ID"
)


def _text(value: Any, repeated: bool = True) -> str | None:
    """One field value as text: a string, a byte array, or the first of a repeated field's values.

    A repeated field's values are strings or byte arrays, never arrays of arrays: anything nested deeper is
    malformed (and following it down would let a hand-written line nest past the recursion limit).
    """
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
        if not repeated:
            raise SkipLine(BAD_FIELD)
        return _text(first, repeated=False)
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
    try:  # the fields journald gives nearly every entry, in one C call; any missing: one look-up each
        message, raw, time_us, host, identifier, pid, cursor, boot_id = _USUAL_FIELDS(fields)
    except KeyError:
        message, raw, time_us, host = get("MESSAGE"), get("PRIORITY"), get("__REALTIME_TIMESTAMP"), get("_HOSTNAME")
        identifier, pid, cursor, boot_id = get("SYSLOG_IDENTIFIER"), get("_PID"), get("__CURSOR"), get("_BOOT_ID")

    if type(message) is not str:
        message = _text(message) or ""
    if not message.isprintable():
        message = strip_controls(message)

    if type(raw) is not str and raw is not None:
        raw = _text(raw)  # repeated PRIORITY, byte array or a number in hand-written JSON
    priority = _PRIORITIES.get(raw) if raw is not None else None
    inferred = priority is None
    if priority is None:
        priority = infer_priority(message)

    # The usual values (printable text, digit strings) are taken inline, the rest through the helpers; positional
    # arguments, in Entry's field order: a third of the cost of keywords on the hot path.
    time_us = int(time_us) if time_us.__class__ is str and time_us.isdigit() and time_us.isascii() else _int(time_us)
    host = (host or None) if host.__class__ is str and host.isprintable() else _label(host)
    identifier = identifier or get("_COMM")
    identifier = identifier if identifier.__class__ is str and identifier.isprintable() else _label(identifier) or ""
    unit = get("_SYSTEMD_UNIT") or get("_SYSTEMD_USER_UNIT") or get("UNIT") or get("USER_UNIT")
    unit = (unit or None) if unit.__class__ is str and unit.isprintable() else _label(unit)
    pid = pid or get("SYSLOG_PID")
    pid = int(pid) if pid.__class__ is str and pid.isdigit() and pid.isascii() else _int(pid)
    if time_us is not None and time_us > MAX_TIME_US:  # hand-written JSON: beyond any date (see entry.py)
        time_us = None
    if pid is not None and pid > MAX_PID:
        pid = None
    cursor = (cursor or None) if cursor.__class__ is str and cursor.isprintable() else _label(cursor)
    boot_id = (boot_id or None) if boot_id.__class__ is str and boot_id.isprintable() else _label(boot_id)
    return Entry(lineno, message, priority, inferred, time_us, host, identifier, unit, pid, cursor, boot_id)
