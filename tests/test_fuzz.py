"""Short fuzz runs of every surface (hypothesis, a few seconds each), and the inputs the long campaign found.

The targets and their properties are tests/fuzz_targets.py; ``benchmarks/fuzz_campaign.py`` runs them under atheris
for the published figure. Here hypothesis draws bytes (raw, the targets' real-shaped seeds, and seeds spliced with
raw bytes and tricky pieces), derandomised so that CI runs the same inputs every time.
"""

from __future__ import annotations

import io

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alsate_cli.entry import MAX_PID
from alsate_cli.grouping import template as template_module
from alsate_cli.grouping import template_of
from alsate_cli.redact import Redactor
from alsate_cli.sources import IngestStats, read_entries
from alsate_cli.sources.journal_json import BAD_FIELD, parse_journal_json
from alsate_cli.sources.syslog_text import parse_syslog_line
from fuzz_input import TRICKY
from fuzz_render import BASE_US, check_renderers
from fuzz_targets import TARGETS, check_stream, seeds
from helpers_cli import analyze_json

EXAMPLES = {"journal-json": 300, "syslog-text": 300, "template": 400, "rules": 150, "redact": 300, "renderers": 40}


def _splice(seed: bytes, insert: bytes, at: int, cut: int) -> bytes:
    at %= len(seed) + 1
    return seed[:at] + insert + seed[at + cut % 16 :]


def fuzz_bytes(name: str) -> st.SearchStrategy[bytes]:
    known = list(seeds(name))
    pieces = st.one_of(st.binary(max_size=40), st.sampled_from([piece.encode() for piece in TRICKY]))
    return st.one_of(
        st.binary(max_size=600),
        st.sampled_from(known),
        st.builds(_splice, st.sampled_from(known), pieces, st.integers(0, 4096), st.integers(0, 64)),
    )


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target_holds_its_properties_on_fuzzed_input(name: str) -> None:
    """No exception, and every property of the target (books balance, no control reaches an output …)."""
    target = TARGETS[name]

    @settings(max_examples=EXAMPLES[name], derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(fuzz_bytes(name))
    def run(data: bytes) -> None:
        target(data)

    run()


def test_renderers_hold_with_every_tricky_piece_in_every_field() -> None:
    """Each piece that sits on an escaper's edge, in the message, program, host, unit and the model's answer."""
    for number, piece in enumerate(TRICKY):
        record = {"PRIORITY": "3", "SYSLOG_IDENTIFIER": f"app{piece}", "_HOSTNAME": f"h{piece}", "_PID": "7",
                  "_SYSTEMD_UNIT": f"u{piece}.service", "MESSAGE": f"disk {piece} failed {piece}",
                  "__REALTIME_TIMESTAMP": str(BASE_US + number)}  # fmt: skip
        answer = f"Cause - The disk {piece} failed.\nRemediation - 1. Replace {piece} now. 2. Check it."
        check_renderers(bytes([number % 256]), [orjson.dumps(record)], answer)


# Found by the campaign, fixed, kept ----------------------------------------------------------------------------------


def test_deeply_nested_journal_field_is_skipped_not_a_recursion_error() -> None:
    line = b'{"PRIORITY":"3","MESSAGE":' + b"[" * 1000 + b'"x"' + b"]" * 1000 + b"}"
    with pytest.raises(Exception) as raised:
        parse_journal_json(line, 1)
    assert getattr(raised.value, "reason", None) == BAD_FIELD
    check_stream(b"\x00\x00\x07" + line + b"\n" + line)


def test_a_time_past_year_9999_and_a_giant_pid_are_read_as_missing(tmp_path) -> None:
    line = b'{"PRIORITY":"3","MESSAGE":"disk failed","SYSLOG_IDENTIFIER":"smartd","_PID":"%s",' % (b"9" * 25)
    line += b'"__REALTIME_TIMESTAMP":"99999999999999999999"}\n'
    entry = parse_journal_json(line.strip(), 1)
    assert (entry.time_us, entry.pid, entry.message) == (None, None, "disk failed")
    assert parse_syslog_line(f"Nov 23 21:50:19 web sshd[{MAX_PID + 1}]: x", 1).pid is None
    assert parse_syslog_line(f"Nov 23 21:50:19 web sshd[{MAX_PID}]: x", 1).pid == MAX_PID
    path = tmp_path / "hand-written.json"
    path.write_bytes(line)
    document = analyze_json("-i", str(path), "--no-explain", "--no-cache")  # was a traceback: 64-bit range
    assert document["summary"]["entries_kept"] == 1 and document["groups"][0]["first_seen"] is None


@pytest.mark.parametrize("offset", ["+9999", "-24:00", "+7200"])
def test_a_syslog_offset_of_a_day_or_more_is_an_invalid_timestamp_not_a_crash(offset: str) -> None:
    stats = IngestStats()
    line = f"2026-11-20T08:00:00{offset} web sshd[7]: Failed password for root from 1.2.3.4 port 22 ssh2\n"
    assert list(read_entries(io.BytesIO(line.encode()), stats)) == []  # was ValueError from datetime.timezone
    assert dict(stats.skip_reasons) == {"invalid timestamp": 1}


@pytest.mark.parametrize(
    "line", ["Nov 22 21:50:19 \x05 sshd[7]: Failed password", "<13>1 2026-11-20T08:00:00Z \x05\x06 sshd 7 - - x"]
)
def test_a_host_of_control_characters_only_is_missing_not_empty(line: str) -> None:
    """Found by the fuzzer (18,217 of 200,000 inputs): the host was "" once its controls were stripped."""
    assert parse_syslog_line(line, 1).hostname is None


def test_a_template_cut_at_its_length_bound_ends_without_a_space() -> None:
    """Found by the fuzzer (733 of 400,000 inputs): the cut at 512 characters could leave a trailing space."""
    message = "ab" + "word " * 102 + "x" * 20  # the 512th character is a space
    template = template_of(message)
    assert template == " ".join(template.split()) and template == template_module._mask(message)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("DB_PASSWORD=hunter2 ok", "hunter2"),
        ("env X_AUTH_TOKEN=s3cr3t.x", "s3cr3t"),
        ("www.eyJhbGciOi.eyJzdWIiOi.c2lnhttps://bob:pa55w0rd@host.example/", "pa55w0rd"),
        ("x" * 30 + "https://bob:pa55w0rd@host.example/", "pa55w0rd"),
    ],
)
def test_secrets_inside_longer_names_and_glued_urls_are_redacted(text: str, secret: str) -> None:
    assert secret not in Redactor().text(text)


def test_sudo_working_directory_is_still_not_taken_for_a_password() -> None:
    assert (
        Redactor().text("alice : TTY=pts/0 ; PWD=/srv/www ; USER=root")
        == "user-1 : TTY=pts/0 ; PWD=/srv/www ; USER=root"
    )


def test_reader_counts_every_line_of_a_stream_cut_anywhere() -> None:
    """The property the readers' target checks, on one hand-made stream (also a fast mutation check)."""
    stream = b'{"PRIORITY":"3","MESSAGE":"a"}\n\nnot syslog\n{"PRIORITY":"6","MESSAGE":"b"}\n{"cut'
    stats = IngestStats()
    kept = sum(1 for _ in read_entries(io.BytesIO(stream), stats))
    stats.kept = kept
    assert (stats.read, kept, stats.skipped) == (5, 2, 3) and stats.balanced
