"""Parsing plain syslog lines: each shape, year resolution, zones, and what is not a log line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from alsate_cli.sources.stats import SkipLine
from alsate_cli.sources.syslog_text import BAD_PRI, BAD_TIMESTAMP, MARKER, NOT_SYSLOG, SyslogParser


def us(*args: int, micro: int = 0) -> int:
    """UTC date parts -> epoch microseconds."""
    return int(datetime(*args, tzinfo=UTC).timestamp()) * 1_000_000 + micro  # type: ignore[misc]


def ref(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()  # type: ignore[misc]


@pytest.fixture
def parser() -> SyslogParser:
    """A parser reading unzoned times as UTC, as of 2026-11-23 12:00 UTC."""
    return SyslogParser(reference_time=ref(2026, 11, 23, 12), tz=UTC)


def test_rfc3164_with_pam_tag_and_pid(parser: SyslogParser) -> None:
    line = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 rhost=218.188.2.4"
    entry = parser.parse(line, 5)
    assert entry.line == 5
    assert entry.time_us == us(2026, 6, 14, 15, 16, 1)
    assert (entry.hostname, entry.identifier, entry.pid) == ("combo", "sshd(pam_unix)", 19939)
    assert entry.message == "authentication failure; logname= uid=0 rhost=218.188.2.4"
    assert (entry.priority, entry.priority_inferred) == (3, True)
    assert entry.unit is None


@pytest.mark.parametrize(
    ("line", "identifier", "pid", "message"),
    [
        ("Nov 07 10:11:20 mx postfix/smtpd[123]: warning: hostname x does not resolve", "postfix/smtpd", 123, None),
        ("Nov 07 10:11:20 pc org.gnome.Shell.desktop[2]: JS ERROR: oops", "org.gnome.Shell.desktop", 2, None),
        ("Nov 07 10:11:20 pc gnome-shell[1]: ok", "gnome-shell", 1, "ok"),
        ("Nov 07 10:11:20 pc kernel: [ 12.5] Out of memory: Killed process 1234", "kernel", None, None),
        ("Nov 07 10:11:20 pc -- MARK --", "", None, "-- MARK --"),
        ("Nov 07 10:11:20 pc fetch http://x.example/a: failed", "", None, "fetch http://x.example/a: failed"),
        ("Nov 07 10:11:20 pc app[]: empty pid", "app", None, "empty pid"),
        ("Nov 07 10:11:20 pc app:", "app", None, ""),
    ],
)
def test_rfc3164_tag_shapes(parser: SyslogParser, line: str, identifier: str, pid: int | None, message: str) -> None:
    entry = parser.parse(line, 1)
    assert (entry.hostname, entry.identifier, entry.pid) == (line.split()[3], identifier, pid)
    if message is not None:
        assert entry.message == message
    assert entry.time_us == us(2026, 11, 7, 10, 11, 20)


def test_space_padded_day(parser: SyslogParser) -> None:
    assert parser.parse("Jun  4 01:02:03 host cron[1]: x", 1).time_us == us(2026, 6, 4, 1, 2, 3)


def test_short_precise_keeps_microseconds(parser: SyslogParser) -> None:
    entry = parser.parse("Nov 07 10:11:20.123456 host app[9]: fine", 1)
    assert entry.time_us == us(2026, 11, 7, 10, 11, 20, micro=123456)


def test_pri_prefix_gives_priority_and_ignores_facility(parser: SyslogParser) -> None:
    entry = parser.parse("<34>Oct 11 22:14:15 mymachine su: 'su root' succeeded for lonvick on /dev/pts/8", 1)
    assert (entry.priority, entry.priority_inferred) == (2, False)  # 34 = facility 4 (auth) * 8 + 2 (crit)
    assert (entry.identifier, entry.hostname) == ("su", "mymachine")


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-11-20T08:00:00+0000", us(2026, 11, 20, 8)),
        ("2026-11-20T08:00:00+00:00", us(2026, 11, 20, 8)),
        ("2026-11-20T08:00:00Z", us(2026, 11, 20, 8)),
        ("2026-11-20T13:30:00+0530", us(2026, 11, 20, 8)),
        ("2026-11-20T03:00:00-05:00", us(2026, 11, 20, 8)),
        ("2026-11-20T08:00:00.123456+00:00", us(2026, 11, 20, 8, micro=123456)),
        ("2026-11-20T08:00:00,5+0000", us(2026, 11, 20, 8, micro=500000)),
        ("2026-11-20T08:00:00", us(2026, 11, 20, 8)),  # unzoned: the parser's zone (UTC here)
    ],
)
def test_short_iso_forms(parser: SyslogParser, stamp: str, expected: int) -> None:
    entry = parser.parse(f"{stamp} web-01 nginx[77]: upstream timed out", 1)
    assert entry.time_us == expected
    assert (entry.hostname, entry.identifier, entry.pid, entry.message) == ("web-01", "nginx", 77, "upstream timed out")
    assert entry.priority == 3


def test_short_full_with_utc_and_a_named_zone(parser: SyslogParser) -> None:
    entry = parser.parse("Mon 2026-11-23 10:11:20 UTC host app[1]: x", 1)
    assert entry.time_us == us(2026, 11, 23, 10, 11, 20)
    entry = parser.parse("Mon 2026-11-23 11:11:20 CET host app[1]: x", 1)  # CET is UTC+1 in November
    assert entry.time_us == us(2026, 11, 23, 10, 11, 20)
    entry = parser.parse("Mon 2026-11-23 13:11:20 +03 host app[1]: x", 1)
    assert entry.time_us == us(2026, 11, 23, 10, 11, 20)


def test_rfc5424_with_bom_and_nil_procid(parser: SyslogParser) -> None:
    line = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick"
    entry = parser.parse(line, 1)
    assert entry.time_us == us(2003, 10, 11, 22, 14, 15, micro=3000)
    assert (entry.hostname, entry.identifier, entry.pid) == ("mymachine.example.com", "su", None)
    assert entry.message == "'su root' failed for lonvick"
    assert (entry.priority, entry.priority_inferred) == (2, False)


def test_rfc5424_with_offset_and_procid(parser: SyslogParser) -> None:
    entry = parser.parse("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time", 1)
    assert entry.time_us == us(2003, 8, 24, 12, 14, 15, micro=3)
    assert (entry.priority, entry.pid, entry.identifier, entry.message) == (5, 8710, "myproc", "%% It's time")


def test_rfc5424_structured_data_is_not_part_of_the_message(parser: SyslogParser) -> None:
    line = (
        '<165>1 2003-10-11T22:14:15.003Z host evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App"]'
        '[x@1 v="a \\"quoted\\" \\] bracket"] An application event'
    )
    entry = parser.parse(line, 1)
    assert entry.message == "An application event"
    assert entry.identifier == "evntslog"


def test_rfc5424_all_nil(parser: SyslogParser) -> None:
    entry = parser.parse("<14>1 - - - - - -", 1)
    assert (entry.time_us, entry.hostname, entry.identifier, entry.pid, entry.message) == (None, None, "", None, "")
    assert entry.priority == 6


@pytest.mark.parametrize(
    ("line", "reference", "year"),
    [
        ("Dec 31 23:59:59 h a: x", ref(2027, 1, 2, 9), 2026),  # December read in January: last year
        ("Jan 02 10:00:00 h a: x", ref(2027, 1, 1, 12), 2027),  # a day ahead (clock skew): still this year
        ("Jan 01 00:00:30 h a: x", ref(2026, 12, 31, 23, 59), 2027),  # skewed past New Year: next year
        ("Mar 01 00:00:00 h a: x", ref(2027, 2, 10), 2026),  # weeks ahead: cannot be future, so last year
        ("Feb 29 12:00:00 h a: x", ref(2027, 3, 1), 2024),  # the latest leap year not in the future
    ],
)
def test_year_resolution(line: str, reference: float, year: int) -> None:
    entry = SyslogParser(reference_time=reference, tz=UTC).parse(line, 1)
    assert entry.time_us is not None
    assert datetime.fromtimestamp(entry.time_us / 1e6, UTC).year == year


@pytest.fixture
def new_york() -> Iterator[None]:
    """This process's local zone set to America/New_York, restored afterwards."""
    mp = pytest.MonkeyPatch()
    mp.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        yield
    finally:
        mp.undo()
        time.tzset()


def test_unzoned_times_are_local_time_by_default(new_york: None) -> None:
    parser = SyslogParser(reference_time=ref(2026, 11, 23, 12))
    expected = us(2026, 11, 20, 13)  # 08:00 EST is 13:00 UTC
    assert parser.parse("Nov 20 08:00:00 host a: x", 1).time_us == expected
    assert parser.parse("2026-11-20T08:00:00 host a: x", 1).time_us == expected
    assert parser.parse("2026-11-20T08:00:00+00:00 host a: x", 1).time_us == us(2026, 11, 20, 8)
    assert parser.parse("Jul 20 08:00:00 host a: x", 1).time_us == us(2026, 7, 20, 12)  # EDT in summer


def test_message_control_sequences_are_removed(parser: SyslogParser) -> None:
    entry = parser.parse("Nov 07 10:11:20 host app[1]: \x1b]0;pwned\x07title \x1b[1mbold\x1b[0m", 1)
    assert entry.message == "title bold"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("-- Boot 3f2a8c4e1d2b4c5a9e8f7a6b5c4d3e2f --", MARKER),
        ("-- No entries --", MARKER),
        ("-- Logs begin at Mon 2026-11-23 10:11:20 UTC, end at Mon 2026-11-23 11:00:00 UTC. --", MARKER),
        ("-- Journal begins at Mon 2026-11-23 10:11:20 UTC. --", MARKER),
        ("hello world", NOT_SYSLOG),
        ("    continuation of a multi-line message", NOT_SYSLOG),
        ("2026 was a good year", NOT_SYSLOG),
        ("Nov 7 is a date", NOT_SYSLOG),
        ("<abc>Oct 11 22:14:15 host su: x", NOT_SYSLOG),
        ("<999>Oct 11 22:14:15 host su: x", BAD_PRI),
        ("<34>1 not enough fields", NOT_SYSLOG),
        ("<34>1 yesterday host app - - - msg", BAD_TIMESTAMP),
        ("Feb 30 10:00:00 host app: x", BAD_TIMESTAMP),
        ("2026-13-01T10:00:00Z host app: x", BAD_TIMESTAMP),
        ("Nov 07 25:11:20 host app: x", NOT_SYSLOG),
    ],
)
def test_lines_that_are_not_entries(parser: SyslogParser, line: str, reason: str) -> None:
    with pytest.raises(SkipLine) as caught:
        parser.parse(line, 1)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("line", "identifier", "pid", "message"),
    [
        # real shapes from fail2ban's test logs: no host, the tag where the host would be
        ("Nov 23 21:50:19 sshd[8148]: Disconnecting: Too many authentication failures", "sshd", 8148,
         "Disconnecting: Too many authentication failures"),
        ("Mar  3 00:17:22 [sshd]: User root from 192.0.2.49 not allowed", "sshd", None,
         "User root from 192.0.2.49 not allowed"),
        ("Jun 25 23:53:34 [sshd] User root from 1.2.3.4 not allowed", "sshd", None,
         "User root from 1.2.3.4 not allowed"),
        # Solaris writes a message id before the text
        ("Mar 29 05:59:23 dusky sshd[20878]: [ID 800047 auth.info] Failed keyboard-interactive for x", "sshd", 20878,
         "Failed keyboard-interactive for x"),
    ],
)  # fmt: skip
def test_lines_without_a_host_or_with_a_solaris_message_id(
    parser: SyslogParser, line: str, identifier: str, pid: int | None, message: str
) -> None:
    entry = parser.parse(line, 1)
    assert (entry.identifier, entry.pid, entry.message) == (identifier, pid, message)
    assert entry.hostname == ("dusky" if "dusky" in line else None)


def test_a_bracket_in_a_host_position_that_is_no_tag_stays_the_host(parser: SyslogParser) -> None:
    entry = parser.parse("Nov 07 10:11:20 pc[x] app[3]: ok", 1)
    assert (entry.hostname, entry.identifier, entry.message) == ("pc[x]", "app", "ok")
