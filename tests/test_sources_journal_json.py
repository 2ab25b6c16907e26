"""Parsing journalctl's JSON: every shape a field value really takes, and a real journal round trip."""

from __future__ import annotations

import orjson
import pytest

from alsate_cli.sources.journal_json import BAD_FIELD, INVALID_JSON, NOT_AN_OBJECT, parse_journal_json
from alsate_cli.sources.stats import SkipLine
from fixtures_journal import BASE_TIME_US, DEFAULT_BOOT_ID, journalctl_json


def parse(fields: dict[str, object], lineno: int = 1):
    return parse_journal_json(orjson.dumps(fields), lineno)


def test_typical_entry_maps_every_field() -> None:
    entry = parse(
        {
            "__CURSOR": "s=abc;i=1",
            "__REALTIME_TIMESTAMP": "1795161600123456",
            "_BOOT_ID": DEFAULT_BOOT_ID,
            "PRIORITY": "3",
            "_HOSTNAME": "web-01",
            "SYSLOG_IDENTIFIER": "sshd",
            "_COMM": "sshd-session",
            "_PID": "4242",
            "SYSLOG_PID": "1",
            "_SYSTEMD_UNIT": "ssh.service",
            "MESSAGE": "Failed password for root from 203.0.113.9 port 2222 ssh2",
        },
        lineno=7,
    )
    assert entry.line == 7
    assert entry.message == "Failed password for root from 203.0.113.9 port 2222 ssh2"
    assert (entry.priority, entry.priority_inferred) == (3, False)
    assert entry.time_us == 1795161600123456
    assert entry.hostname == "web-01"
    assert entry.identifier == "sshd"  # SYSLOG_IDENTIFIER wins over _COMM
    assert entry.pid == 4242  # _PID wins over SYSLOG_PID
    assert entry.unit == "ssh.service"
    assert entry.cursor == "s=abc;i=1"
    assert entry.boot_id == DEFAULT_BOOT_ID


def test_message_as_byte_array_is_decoded_with_replacement_and_escapes_removed() -> None:
    raw = b"bad \xff byte \x1b]8;;http://evil/\x07link\x1b]8;;\x07 \x1b[31mred"
    entry = parse({"MESSAGE": list(raw), "PRIORITY": "4"})
    assert entry.message == "bad \ufffd byte link red"


@pytest.mark.parametrize("message", [None, "absent"])
def test_null_or_missing_message_keeps_the_entry_with_empty_text(message: str | None) -> None:
    fields: dict[str, object] = {"PRIORITY": "2", "SYSLOG_IDENTIFIER": "kernel"}
    if message is None:
        fields["MESSAGE"] = None  # what journalctl prints for a field over 4096 bytes without --all
    entry = parse(fields)
    assert entry.message == ""
    assert (entry.priority, entry.priority_inferred) == (2, False)
    assert entry.identifier == "kernel"


def test_repeated_fields_take_the_first_value_text_or_bytes() -> None:
    entry = parse(
        {
            "MESSAGE": [list(b"first \xfe"), "second"],
            "PRIORITY": ["4", "1"],
            "SYSLOG_IDENTIFIER": ["app", "other"],
            "_PID": ["12", "13"],
            "_HOSTNAME": [list(b"host-a"), list(b"host-b")],
        }
    )
    assert entry.message == "first \ufffd"
    assert entry.priority == 4
    assert entry.identifier == "app"
    assert entry.pid == 12
    assert entry.hostname == "host-a"


@pytest.mark.parametrize("priority", [None, "9", "-1", "warning", "", "3.0"])
def test_missing_or_invalid_priority_is_inferred_from_the_message(priority: str | None) -> None:
    fields: dict[str, object] = {"MESSAGE": "EXT4-fs error (device sda1): corrupted inode"}
    if priority is not None:
        fields["PRIORITY"] = priority
    entry = parse(fields)
    assert (entry.priority, entry.priority_inferred) == (3, True)


def test_inferred_priority_of_a_plain_message_is_info() -> None:
    entry = parse({"MESSAGE": "Started Session 4 of User alice."})
    assert (entry.priority, entry.priority_inferred) == (6, True)


def test_identifier_and_unit_fallbacks() -> None:
    entry = parse({"MESSAGE": "x", "PRIORITY": "6", "_COMM": "cron", "UNIT": "backup.service", "SYSLOG_PID": "77"})
    assert (entry.identifier, entry.unit, entry.pid) == ("cron", "backup.service", 77)
    entry = parse({"MESSAGE": "x", "PRIORITY": "6", "USER_UNIT": "app.service"})
    assert (entry.identifier, entry.unit, entry.pid, entry.time_us, entry.hostname) == (
        "",
        "app.service",
        None,
        None,
        None,
    )


def test_labels_are_stripped_of_terminal_escapes() -> None:
    entry = parse({"MESSAGE": "x", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "ev\x1b[2Jil", "_HOSTNAME": "h\x07st"})
    assert (entry.identifier, entry.hostname) == ("evil", "hst")


def test_non_numeric_pid_and_time_are_dropped_not_fatal() -> None:
    entry = parse({"MESSAGE": "x", "PRIORITY": "3", "_PID": "12a", "__REALTIME_TIMESTAMP": "soon"})
    assert (entry.pid, entry.time_us) == (None, None)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"MESSAGE": "unterminated', INVALID_JSON),
        (b"{not json}", INVALID_JSON),
        (b'["MESSAGE", "x"]', NOT_AN_OBJECT),
        (b'"just a string"', NOT_AN_OBJECT),
        (b'{"MESSAGE": [1, 2, 999]}', BAD_FIELD),
        (b'{"MESSAGE": {"nested": 1}}', BAD_FIELD),
        (b'{"MESSAGE": "x", "_HOSTNAME": [300]}', BAD_FIELD),
    ],
)
def test_malformed_lines_raise_skipline_with_reason(line: bytes, reason: str) -> None:
    with pytest.raises(SkipLine) as caught:
        parse_journal_json(line, 1)
    assert caught.value.reason == reason


def test_real_journal_round_trip(make_journal) -> None:
    """Binary and repeated fields written by systemd-journal-remote, read back by the real journalctl."""
    path = make_journal(
        [
            {
                "MESSAGE": b"disk \xff\xfe error \x1b[31mred\x1b[0m done",
                "PRIORITY": "3",
                "SYSLOG_IDENTIFIER": "smartd",
                "_HOSTNAME": "nas",
                "_PID": "321",
                "_SYSTEMD_UNIT": "smartd.service",
            },
            {"MESSAGE": "multi\nline message", "SYSLOG_IDENTIFIER": "app"},
            {"SYSLOG_IDENTIFIER": "silent", "PRIORITY": "4"},
            {"MESSAGE": "plain text", "PRIORITY": "6", "TAG": "a", "_COMM": "worker"},
        ]
    )
    lines = journalctl_json(path).splitlines()
    assert len(lines) == 4
    assert b'"MESSAGE":[' in lines[0]  # journalctl really did emit a byte array
    entries = [parse_journal_json(line, number) for number, line in enumerate(lines, 1)]

    binary, multiline, silent, plain = entries
    assert binary.message == "disk \ufffd\ufffd error red done"
    assert (binary.priority, binary.priority_inferred) == (3, False)
    assert (binary.identifier, binary.hostname, binary.pid, binary.unit) == ("smartd", "nas", 321, "smartd.service")
    assert binary.time_us == BASE_TIME_US
    assert binary.boot_id == DEFAULT_BOOT_ID
    assert binary.cursor and binary.cursor.startswith("s=")

    assert multiline.message == "multi\nline message"
    assert (multiline.priority, multiline.priority_inferred) == (6, True)
    assert multiline.time_us == BASE_TIME_US + 1_000_000

    assert (silent.message, silent.priority, silent.identifier) == ("", 4, "silent")
    assert plain.identifier == "worker"
