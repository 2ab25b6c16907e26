"""``alsate report`` end to end: the real program in a subprocess on a real journal (read by the real journalctl)
and a syslog text file, with the period and the zone fixed so the golden files hold on any machine.

Set ``ALSATE_UPDATE_GOLDEN=1`` to rewrite the golden files after a deliberate change (and review the diff).
"""

from __future__ import annotations

import html
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from alsate_cli import __version__
from fixtures_journal import MakeJournal
from helpers_cli import run_alsate

GOLDEN = Path(__file__).parent / "golden" / "report"
UTC = {"TZ": "UTC"}
DAY = ("--since", "2026-11-20", "--until", "2026-11-21")
HOSTILE = "login | broken `code` <script>alert('x')</script> <img src=x onerror=alert(1)> **bold** # | ```"
JOURNAL = [  # in time order, as journald writes: journalctl's --since seeks by time
    {"MESSAGE": "disk failure on the day before", "PRIORITY": "2", "SYSLOG_IDENTIFIER": "smartd",
     "__REALTIME_TIMESTAMP": "1795000000000000"},
    *({"MESSAGE": f"Failed password for invalid user admin from 203.0.113.{n} port {4000 + n} ssh2",
       "PRIORITY": "6", "SYSLOG_IDENTIFIER": "sshd", "_PID": "900", "_HOSTNAME": "web-01",
       "_SYSTEMD_UNIT": "ssh.service"} for n in range(6)),
    {"MESSAGE": "Out of memory: Killed process 4242 (java) total-vm:8123456kB", "PRIORITY": "3",
     "SYSLOG_IDENTIFIER": "kernel", "_HOSTNAME": "web-01", "__REALTIME_TIMESTAMP": "1795172400000000"},
    {"MESSAGE": HOSTILE, "PRIORITY": "4", "SYSLOG_IDENTIFIER": "app|x", "_HOSTNAME": "web-01",
     "__REALTIME_TIMESTAMP": "1795176000000000"},
    {"MESSAGE": "Started Session 12 of User alice.", "PRIORITY": "6", "SYSLOG_IDENTIFIER": "systemd",
     "__REALTIME_TIMESTAMP": "1795180000000000"},
]  # fmt: skip
SYSLOG = """\
Nov 20 08:15:01 db-02 sshd[900]: error: maximum authentication attempts exceeded for root from 198.51.100.4 port 4022
Nov 20 08:15:09 db-02 sshd[901]: error: maximum authentication attempts exceeded for root from 198.51.100.5 port 4023
Nov 20 09:20:00 db-02 kernel: EXT4-fs error (device sda1): ext4_find_entry:1463: inode #2: reading directory lblock 0
Nov 20 13:40:00 db-02 cron[77]: (root) CMD (backup.sh) failed with exit status 2
Nov 21 13:40:00 db-02 cron[77]: (root) CMD (backup.sh) failed on the next day
"""  # fmt: skip


def report(*args: str, stdin: bytes | None = b"") -> str:
    result = run_alsate("report", *args, stdin=stdin, env=UTC)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout.decode()


def check_golden(name: str, text: str) -> None:
    text = text.replace(f"alsate {__version__}", "alsate VERSION")
    path = GOLDEN / name
    if os.environ.get("ALSATE_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {name}: run with ALSATE_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture
def journal_file(make_journal: MakeJournal) -> Path:
    return make_journal(JOURNAL)


@pytest.fixture
def syslog_file(tmp_path: Path) -> Path:
    path = tmp_path / "syslog"
    path.write_text(SYSLOG, encoding="utf-8")
    return path


def test_markdown_golden_from_a_real_journal_read_by_journalctl(journal_file: Path) -> None:
    text = report("--file", str(journal_file), *DAY, stdin=None)  # no pipe: alsate runs journalctl itself
    check_golden("journal.md", text)
    assert text.startswith("# alsate report: web\\-01\n")
    assert "2026-11-20 00:00:00 to 2026-11-21 00:00:00 UTC" in text.replace("\\-", "-")
    assert "smartd" not in text, "the day before is outside the period"
    assert "journalctl -t sshd --since '2026-11-20 08:00:01 UTC' --until '2026-11-20 08:00:07 UTC' -p info" in text


def test_markdown_golden_from_a_syslog_file(syslog_file: Path) -> None:
    text = report("-i", str(syslog_file), *DAY)
    check_golden("syslog.md", text)
    assert "next day" not in text


def test_issue_commands_show_exactly_that_issues_entries(journal_file: Path) -> None:
    """The printed journalctl command, run on the same journal, lists the issue's entries (and no others)."""
    import shlex
    import subprocess

    text = report("--file", str(journal_file), *DAY, stdin=None)
    command = next(line for line in text.splitlines() if line.startswith("journalctl -t sshd"))
    argv = [*shlex.split(command), f"--file={journal_file}", "-o", "cat", "--no-pager"]
    output = subprocess.run(argv, capture_output=True, check=True, env={**os.environ, **UTC}).stdout.decode()
    assert output.count("Failed password for invalid user admin") == 6


def test_a_module_issue_command_names_every_program_that_logged_it(make_journal: MakeJournal) -> None:
    """Old-syslog PAM lines (``su(pam_unix)``, ``sshd(pam_unix)``) are one pam_unix issue; its command lists
    both programs (journalctl ORs repeated ``-t``) and shows exactly those entries, not the same words from
    another module."""
    import shlex
    import subprocess

    def pam(identifier: str, user: str, second: int) -> dict[str, str]:
        return {"MESSAGE": f"session opened for user {user} by (uid=0)", "PRIORITY": "4",
                "SYSLOG_IDENTIFIER": identifier, "__REALTIME_TIMESTAMP": f"17951724{second:02d}000000"}  # fmt: skip

    entries = [
        ("su(pam_unix)", "root"),
        ("sshd(pam_unix)", "news"),
        ("su(pam_unix)", "cyrus"),
        ("login(pam_krb5)", "root"),
    ]
    journal = make_journal([pam(identifier, user, second) for second, (identifier, user) in enumerate(entries, 1)])
    text = report("--file", str(journal), *DAY, "-f", "json", stdin=None)
    groups = json.loads(text)["groups"]
    by_writer = {group["identifier"]: group for group in groups}
    assert by_writer["pam_unix"]["count"] == 3
    assert by_writer["pam_unix"]["programs"] == ["sshd(pam_unix)", "su(pam_unix)"]
    assert by_writer["pam_krb5"]["count"] == 1
    command = by_writer["pam_unix"]["journalctl"]
    assert command.startswith("journalctl -t 'sshd(pam_unix)' -t 'su(pam_unix)' ")
    argv = [*shlex.split(command), f"--file={journal}", "-o", "cat", "--no-pager"]
    output = subprocess.run(argv, capture_output=True, check=True, env={**os.environ, **UTC}).stdout.decode()
    assert sorted(output.splitlines()) == [
        "session opened for user cyrus by (uid=0)",
        "session opened for user news by (uid=0)",
        "session opened for user root by (uid=0)",
    ]


def table_rows(tokens: list) -> list[list[int]]:
    """Cells per row of every table the CommonMark parser found."""
    rows, cells = [], 0
    for token in tokens:
        if token.type == "tr_open":
            cells = 0
        elif token.type in ("td_open", "th_open"):
            cells += 1
        elif token.type == "tr_close":
            rows.append(cells)
    return rows


def test_hostile_messages_cannot_break_markdown_tables_or_headings(journal_file: Path) -> None:
    text = report("--file", str(journal_file), *DAY, stdin=None)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    rows_by_width = table_rows(tokens)
    assert sum(token.type == "table_open" for token in tokens) == 2, "summary and timeline tables"
    header_widths = {2, 6}  # level/entries; hour + four bands + total
    assert set(rows_by_width) <= header_widths, rows_by_width
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script>" not in rendered and "<img" not in rendered
    assert re.search(r"<h3>2\. low · warning ×1: app\|x <strong>NEW</strong></h3>", rendered), "identifier intact"
    fences = [token for token in tokens if token.type == "fence"]
    assert any(HOSTILE in token.content for token in fences), "the example survives whole in its code block"
    assert any(token.info == "mermaid" and token.content.startswith("xychart-beta") for token in fences)


class _StrictHTML(HTMLParser):
    """Tracks open elements to prove the page is well-formed; collects every tag name."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr", "rect", "line"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def test_html_is_self_contained_well_formed_and_script_free(journal_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run_alsate("report", "--file", str(journal_file), *DAY, "--format", "html", "-o", str(out),
                        stdin=None, env=UTC)  # fmt: skip
    assert result.returncode == 0 and result.stdout == b"", result.stderr
    page = out.read_text(encoding="utf-8")
    parser = _StrictHTML()
    parser.feed(page)
    parser.close()
    assert not parser.errors and parser.stack == [], (parser.errors, parser.stack)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert "svg" in parser.tags and parser.tags.count("rect") >= 3
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page), "no external resources"
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_json_adds_period_and_timeline_to_analyze_document(syslog_file: Path) -> None:
    doc = json.loads(report("-i", str(syslog_file), *DAY, "--format", "json"))
    assert doc["schema_version"] == 1 and doc["summary"]["groups"] == len(doc["groups"]) == 3
    assert doc["period"]["since"] == "2026-11-20T00:00:00+00:00" and doc["period"]["until_is_now"] is False
    timeline = doc["timeline"]
    assert timeline["unit"] == "hour" and len(timeline["buckets"]) == 24
    totals = {bucket["start"][11:16]: bucket["total"] for bucket in timeline["buckets"] if bucket["total"]}
    assert totals == {"08:00": 2, "09:00": 1, "13:00": 1}
    assert sum(totals.values()) == doc["summary"]["entries_kept"]
    assert sorted(doc["new_since_last_report"]) == sorted(group["id"] for group in doc["groups"])


def test_new_marks_appear_once_and_new_issues_are_marked_later(syslog_file: Path, tmp_path: Path) -> None:
    first = report("-i", str(syslog_file), *DAY)
    assert first.count("**NEW**") == 3
    second = report("-i", str(syslog_file), *DAY)
    assert "**NEW**" not in second and ", 0 new since the last report" in second
    grown = tmp_path / "grown"
    grown.write_text(SYSLOG + "Nov 20 15:00:00 db-02 smartd[5]: Device /dev/sda: read error on 8 sectors\n")
    third = report("-i", str(grown), *DAY)
    assert third.count("**NEW**") == 1 and "smartd **NEW**" in third


def test_empty_period_gives_a_short_valid_report_in_every_format(syslog_file: Path) -> None:
    empty = ("--since", "2026-06-01", "--until", "2026-06-02")
    text = report("-i", str(syslog_file), *empty)
    assert "No entries at warning or worse in this period" in text and "## Issues" not in text
    assert len(text.splitlines()) < 15
    doc = json.loads(report("-i", str(syslog_file), *empty, "--format", "json"))
    assert doc["groups"] == [] and doc["summary"]["entries_kept"] == 0
    page = report("-i", str(syslog_file), *empty, "--format", "html")
    parser = _StrictHTML()
    parser.feed(page)
    assert not parser.errors and parser.stack == [] and "No entries at warning or worse" in page


REDACT_SECRETS = ["203.0.113.99", "alice", "hunter2", "web-secret-07", "carol@example.com",
                  "AKIAIOSFODNN7EXAMPLE", "ghp_0123456789abcdefABCDEF0123456789abcd"]  # fmt: skip


@pytest.mark.parametrize("output_format", ["markdown", "html", "json"])
def test_redact_leaves_no_planted_secret_anywhere(tmp_path: Path, output_format: str) -> None:
    log = tmp_path / "planted.log"
    log.write_text(
        "Nov 20 08:00:01 web-secret-07 sshd[1]: Failed password for alice from 203.0.113.99 port 22 ssh2\n"
        "Nov 20 08:00:02 web-secret-07 sshd[1]: Failed password for alice from 203.0.113.99 port 23 ssh2\n"
        "Nov 20 08:00:03 web-secret-07 app[2]: error: login password=hunter2 for carol@example.com failed\n"
        "Nov 20 08:00:04 web-secret-07 app[2]: error: key AKIAIOSFODNN7EXAMPLE rejected\n"
        "Nov 20 08:00:05 web-secret-07 app[2]: error: Authorization: Bearer ghp_0123456789abcdefABCDEF0123456789abcd\n"
    )
    result = run_alsate("report", "-i", str(log), *DAY, "--redact", "--format", output_format, env=UTC)
    assert result.returncode == 0, result.stderr
    raw = result.stdout.decode() + result.stderr.decode()
    everything = raw + html.unescape(raw) + raw.replace("\\", "")  # escaping must not hide a leak from the check
    for secret in REDACT_SECRETS:
        assert secret not in everything, f"{secret} leaked into the {output_format} report"
    assert "host-1" in everything and "user-1" in everything
    if output_format == "json":
        doc = json.loads(result.stdout)
        assert doc["redacted"] is True and doc["hosts"] == ["host-1"]
        sshd = next(group for group in doc["groups"] if group["identifier"] == "sshd")
        assert sshd["count"] == 2 and len({example.split()[5] for example in sshd["examples"]}) == 1


def test_bad_period_and_unwritable_output_are_one_line_errors(syslog_file: Path, tmp_path: Path) -> None:
    result = run_alsate("report", "-i", str(syslog_file), "--since", "tomorrow", "--until", "yesterday", env=UTC)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert result.stderr.decode().startswith("alsate: error: --since 'tomorrow' is after --until 'yesterday'")
    result = run_alsate("report", "-i", str(syslog_file), *DAY, "-o", str(tmp_path / "missing" / "r.md"), env=UTC)
    assert result.returncode == 1 and result.stderr.decode().count("\n") == 1
    assert "cannot write the report" in result.stderr.decode()


def test_html_renders_in_headless_chromium(journal_file: Path, tmp_path: Path) -> None:
    """The page opens in a real browser and paints: a blank or broken render gives a tiny, single-colour PNG."""
    import shutil
    import subprocess

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    page, png = tmp_path / "report.html", tmp_path / "report.png"
    page.write_text(report("--file", str(journal_file), *DAY, "--format", "html", stdin=None), encoding="utf-8")
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         f"--screenshot={png}", "--window-size=1200,1600", page.as_uri()],
        capture_output=True, timeout=90, check=False,
    )  # fmt: skip
    assert png.exists(), "chromium wrote no screenshot"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == 1200
    assert len(data) > 20_000, "a page with text, a chart and issues compresses to far more than a blank one"


def test_a_long_open_period_draws_only_the_days_that_hold_entries() -> None:
    from alsate_cli.entry import Entry
    from alsate_cli.report.timeline import Timeline

    timeline = Timeline()
    day = 1_795_161_600  # 2026-11-20 08:00 UTC
    for offset in (0, 86_400 * 3):
        timeline.add(Entry(line=1, message="disk error", priority=3, time_us=(day + offset) * 1_000_000))
    unit, buckets = timeline.buckets(day - 86_400 * 2000, day + 86_400 * 30)  # "--since" five years back
    assert unit == "day" and 4 <= len(buckets) <= 5
    assert sum(bucket.total for bucket in buckets) == 2
