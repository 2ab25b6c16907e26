"""Parse one plain-text syslog line into an Entry, whatever shape the line has.

Log files mix shapes (rsyslog's traditional and RFC 3339 templates, ``journalctl`` text output pasted
into a file, lines forwarded with their ``<PRI>``), so the shape is detected per line:

* RFC 3164 / journalctl ``short``: ``Jun 14 15:16:01 combo sshd(pam_unix)[19939]: message``, also
  with a fraction (``short-precise``: ``Nov 07 10:11:20.123456``), without a tag, and without a host
  (``Nov 23 21:50:19 sshd[8148]: message``, ``… [sshd]: message``);
* ISO 8601 / journalctl ``short-iso`` / ``short-iso-precise`` / rsyslog RFC 3339:
  ``2026-11-20T08:00:00+0000 host ident[pid]: message`` (offset ``Z``, ``+0000``, ``+00:00`` or none);
* journalctl ``short-full``: ``Mon 2026-11-23 10:11:20 UTC host ident[pid]: message``;
* any of the above behind a ``<PRI>`` prefix (priority = PRI & 7, facility ignored);
* RFC 5424: ``<34>1 2003-10-11T22:14:15.003Z host app procid msgid [sd …] message`` with ``-`` for
  missing fields and an optional BOM before the message.

Lines carry no priority unless they have ``<PRI>``; then it is inferred from the message (see
:mod:`alsate_cli.sources.infer`). Times without an offset are local time, as journalctl prints them.
RFC 3164 times carry no year: it is the latest year that does not put the line more than about a day
after the reference time (clock-skew slack), so December lines read in January land in last year.

Speed: fixed shapes are matched with precompiled regexes, never a fuzzy date parser, and the calendar
work (year choice, local-time conversion) is cached per (day, hour), so a line costs one regex match,
one dict look-up and a little integer arithmetic.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from alsate_cli.entry import MAX_PID, Entry
from alsate_cli.sources.infer import infer_priority
from alsate_cli.sources.stats import SkipLine
from alsate_cli.textsafe import strip_controls

NOT_SYSLOG = "not a recognised syslog line"
MARKER = "journalctl marker line"
BAD_TIMESTAMP = "invalid timestamp"
BAD_PRI = "invalid syslog priority"

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_MONTH_RE = "|".join(_MONTHS)
_CLOCK = r"(?P<hh>[01]\d|2[0-3]):(?P<mi>[0-5]\d):(?P<ss>[0-5]\d|60)(?:[.,](?P<frac>\d{1,9}))?"
_OFFSET = r"[+-]\d\d(?::?\d\d)?"

# After the timestamp: host, then an optional "tag[pid]:" (a tag has no spaces, brackets or colons, but
# may hold "(…)", "/", "-", "."), then the message. The tag's colon must be followed by a space or the
# end, so "http://x" in a tagless message is not mistaken for a tag.
_TAIL = r" (?P<host>\S+)(?: (?P<tag>[^\s\[\]:]+)(?:\[(?P<pid>\d*)\])?:(?= |$))? ?(?P<msg>.*)"

_BSD_LINE = re.compile(rf"(?P<mon>{_MONTH_RE}) {{1,2}}(?P<day>\d{{1,2}}) {_CLOCK}{_TAIL}", re.DOTALL)
_ISO_LINE = re.compile(rf"(?P<date>\d{{4}}-\d\d-\d\d)[T ]{_CLOCK}(?P<tz>Z|{_OFFSET})?{_TAIL}", re.DOTALL)
_FULL_LINE = re.compile(
    rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<date>\d{{4}}-\d\d-\d\d) {_CLOCK} (?P<tz>[A-Za-z]{{1,6}}|{_OFFSET}){_TAIL}",
    re.DOTALL,
)
_ISO_TIME = re.compile(rf"(?P<date>\d{{4}}-\d\d-\d\d)T{_CLOCK}(?P<tz>Z|{_OFFSET})?")
_PRI = re.compile(r"<(\d{1,3})>")
# RFC 5424 after "<PRI>": VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG].
# Structured data is "-" or [id param="value" …] elements; values may hold \" \\ \] escapes.
_RFC5424 = re.compile(
    r"""1\ (?P<ts>\S+)\ (?P<host>\S+)\ (?P<app>\S+)\ (?P<procid>\S+)\ (?P<msgid>\S+)
        \ (?P<sd>-|(?:\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\])+)(?:\ (?P<msg>.*))?""",
    re.VERBOSE | re.DOTALL,
)

# No host, the tag where the host would be ("Nov 23 21:50:19 sshd[8148]: …", "… [sshd]: …", "… [sshd] …"): a
# host name never holds brackets. Solaris puts a message id before the text ("[ID 800047 auth.info] Failed …").
_TAG_FOR_HOST = re.compile(r"(?P<open>\[)?(?P<tag>[^\s\[\]:]+)(?(open)\]|\[(?P<pid>\d*)\]):?")
_SOLARIS_ID = re.compile(r"\[ID \d+ [\w.]+\] ")

_UTC_NAMES = frozenset({"UTC", "GMT", "UT", "Z"})
_MAX_CACHE = 100_000
"""Cached (day, hour) conversions before the cache is reset; a year of ISO lines needs ~9k."""


def _offset_zone(text: str) -> timezone:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0)
    return timezone(sign * timedelta(minutes=minutes))


def _pid(digits: str | None) -> int | None:
    """A pid's digits as a number; None when missing or too large to be one (see ``entry.MAX_PID``)."""
    if not digits:
        return None
    pid = int(digits)
    return pid if pid <= MAX_PID else None


def _fraction_us(frac: str | None) -> int:
    return int((frac + "00000")[:6]) if frac else 0


class SyslogParser:
    """Parses text lines; holds the reference time and the per-(day, hour) conversion caches.

    ``reference_time`` (epoch seconds, default now) anchors year-less RFC 3164 dates. ``tz`` is the
    zone of times printed without an offset; None means this machine's local zone, like journalctl.
    The reference is fixed when the parser is made: a parser reading a live stream for days should be
    replaced now and then (once a day is plenty) so that a new year is noticed.
    """

    def __init__(self, reference_time: float | None = None, tz: tzinfo | None = None) -> None:
        self._tz = tz
        reference = time.time() if reference_time is None else reference_time
        # The latest calendar date a year-less line may have: one day of slack after the reference.
        self._latest_date = datetime.fromtimestamp(reference + 86_400, tz).date()
        self._bsd_cache: dict[tuple[str, str, str], int | None] = {}
        self._iso_cache: dict[tuple[str, str, str | None], int | None] = {}
        self._zones: dict[str, tzinfo | None] = {}

    def parse(self, text: str, lineno: int) -> Entry:
        """Parse one line (without its newline); raise SkipLine when it is not a syslog line."""
        priority: int | None = None
        if text.startswith("<"):
            pri = _PRI.match(text)
            if pri is None:
                raise SkipLine(NOT_SYSLOG)
            value = int(pri.group(1))
            if value > 191:
                raise SkipLine(BAD_PRI)
            priority = value & 7
            text = text[pri.end() :]
            if text.startswith("1 "):
                return self._rfc5424(text, lineno, priority)

        first = text[:1]
        if first.isdigit():
            match = _ISO_LINE.match(text)
            if match is None:
                raise SkipLine(NOT_SYSLOG)
            seconds = self._iso_hour(match.group("date"), match.group("hh"), match.group("tz"))
        elif (match := _BSD_LINE.match(text)) is not None:
            seconds = self._bsd_hour(match.group("mon"), match.group("day"), match.group("hh"))
        elif (match := _FULL_LINE.match(text)) is not None:
            seconds = self._iso_hour(match.group("date"), match.group("hh"), match.group("tz"), named_zone=True)
        elif text.startswith("-- ") and text.rstrip().endswith(" --"):
            raise SkipLine(MARKER)
        else:
            raise SkipLine(NOT_SYSLOG)
        if seconds is None:
            raise SkipLine(BAD_TIMESTAMP)

        minute, second, frac, host, tag, pid, message = match.group("mi", "ss", "frac", "host", "tag", "pid", "msg")
        if "[" in host and (alone := _TAG_FOR_HOST.fullmatch(host)) is not None:
            tag, pid, host = alone.group("tag"), alone.group("pid"), ""
            message = text[match.end("host") :].lstrip(" ")
        if message.startswith("[ID ") and (solaris := _SOLARIS_ID.match(message)) is not None:
            message = message[solaris.end() :]
        if not message.isprintable():
            message = strip_controls(message)
        inferred = priority is None
        if priority is None:
            priority = infer_priority(message)
        # Positional, in Entry's field order: a third of the cost of keywords on the hot path.
        return Entry(
            lineno,
            message,
            priority,
            inferred,
            (seconds + int(minute) * 60 + int(second)) * 1_000_000 + (_fraction_us(frac) if frac else 0),
            (strip_controls(host) or None) if host else None,  # a host of control characters only is none
            strip_controls(tag) if tag else "",
            None,
            _pid(pid),
        )

    def _rfc5424(self, text: str, lineno: int, priority: int) -> Entry:
        match = _RFC5424.fullmatch(text)
        if match is None:
            raise SkipLine(NOT_SYSLOG)
        time_us = None
        stamp = match.group("ts")
        if stamp != "-":
            parts = _ISO_TIME.fullmatch(stamp)
            if parts is None:
                raise SkipLine(BAD_TIMESTAMP)
            seconds = self._iso_hour(parts.group("date"), parts.group("hh"), parts.group("tz"))
            if seconds is None:
                raise SkipLine(BAD_TIMESTAMP)
            seconds += int(parts.group("mi")) * 60 + int(parts.group("ss"))
            time_us = seconds * 1_000_000 + _fraction_us(parts.group("frac"))
        message = match.group("msg") or ""
        if message.startswith("\ufeff"):
            message = message[1:]
        host, app, procid = match.group("host"), match.group("app"), match.group("procid")
        return Entry(
            line=lineno,
            message=strip_controls(message),
            priority=priority,
            time_us=time_us,
            hostname=None if host == "-" else strip_controls(host) or None,
            identifier="" if app == "-" else strip_controls(app),
            pid=_pid(procid) if procid.isascii() and procid.isdigit() else None,
        )

    def _bsd_hour(self, month: str, day: str, hour: str) -> int | None:
        """Epoch seconds of the start of that local hour, in the year chosen for (month, day)."""
        key = (month, day, hour)
        cached = self._bsd_cache.get(key, -1)
        if cached != -1:
            return cached
        start = None
        year = self._year_for(_MONTHS[month], int(day))
        if year is not None:
            start = self._epoch(datetime(year, _MONTHS[month], int(day), int(hour), tzinfo=self._tz))
        if len(self._bsd_cache) >= _MAX_CACHE:
            self._bsd_cache.clear()
        self._bsd_cache[key] = start
        return start

    def _year_for(self, month: int, day: int) -> int | None:
        """The latest year in which (month, day) is not after the reference date plus slack."""
        latest = self._latest_date
        for year in range(latest.year, latest.year - 8, -1):  # 8 years reach back past any Feb 29
            try:
                if date(year, month, day) <= latest:
                    return year
            except ValueError:  # Feb 29 in a common year, Apr 31 …
                continue
        return None

    def _iso_hour(self, day: str, hour: str, zone: str | None, *, named_zone: bool = False) -> int | None:
        """Epoch seconds of the start of that hour; ``zone`` is an offset, ``Z``, a name or None (local)."""
        key = (day, hour, zone)
        cached = self._iso_cache.get(key, -1)
        if cached != -1:
            return cached
        try:
            tz = self._zone(zone) if named_zone else self._offset(zone)
            start = self._epoch(datetime(int(day[:4]), int(day[5:7]), int(day[8:10]), int(hour), tzinfo=tz))
        except ValueError:  # month 13, day 32 …, an offset of a day or more (+9999)
            start = None
        if len(self._iso_cache) >= _MAX_CACHE:
            self._iso_cache.clear()
        self._iso_cache[key] = start
        return start

    def _offset(self, zone: str | None) -> tzinfo | None:
        if zone is None:
            return self._tz
        if zone == "Z":
            return UTC
        return _offset_zone(zone)

    def _zone(self, name: str | None) -> tzinfo | None:
        """A short-full zone: UTC, an offset, this machine's zone abbreviation, or a tz database name."""
        if name is None:
            return self._tz
        if name in self._zones:
            return self._zones[name]
        if name in _UTC_NAMES:
            zone: tzinfo | None = UTC
        elif name[0] in "+-":
            zone = _offset_zone(name)
        elif name in time.tzname:
            zone = self._tz
        else:
            from dateutil import tz as dateutil_tz  # only for foreign zone names, rare

            zone = dateutil_tz.gettz(name) or self._tz  # unknown abbreviation: read as local time
        self._zones[name] = zone
        return zone

    @staticmethod
    def _epoch(moment: datetime) -> int:
        return int(moment.timestamp())  # naive means local time, which is what an unzoned line means


def parse_syslog_line(text: str, lineno: int, *, reference_time: float | None = None) -> Entry:
    """Parse a single line with a throw-away parser; use SyslogParser for many lines (it caches)."""
    return SyslogParser(reference_time).parse(text, lineno)
