"""``alsate generate`` and ``alsate evaluate`` run as a sysadmin would: real files, the real program."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alsate_cli.grouping.template import template_of
from alsate_cli.sources import IngestStats, read_entries
from generate_corpus import ATTACKERS, HOST, USERS, secrets, training_lines
from helpers_cli import run_alsate


@pytest.fixture(scope="module")
def training(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("generate") / "auth.log"
    path.write_text("\n".join(training_lines()) + "\n")
    return path


def _generate(*args: str, stdin: bytes = b"") -> bytes:
    result = run_alsate("generate", *args, stdin=stdin)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def test_output_reads_back_as_the_input_s_programs_and_templates(training: Path) -> None:
    out = _generate("-i", str(training), "-n", "3000", "--seed", "1")
    stats = IngestStats()
    entries = list(read_entries(__import__("io").BytesIO(out), stats))
    assert len(entries) == 3000 and stats.skipped == 0
    real_templates = {template_of(line.split(": ", 1)[1]) for line in training_lines()}
    generated = {template_of(entry.message) for entry in entries}
    assert generated <= real_templates and len(generated) >= len(real_templates) - 1
    assert {entry.identifier for entry in entries} == {"sshd", "sudo", "CRON", "kernel"}
    times = [entry.time_us for entry in entries]
    assert times == sorted(times) and times[0] is not None


def test_nothing_identifying_reaches_the_output_unless_kept(training: Path) -> None:
    text = _generate("-i", str(training), "-n", "3000", "--seed", "2").decode()
    for secret in secrets():
        assert secret not in text, secret
    assert "USER=root" in text and "(root) CMD" in text  # system accounts stay: the rules key on them
    kept = _generate("-i", str(training), "-n", "3000", "--seed", "2", "--keep-values").decode()
    assert HOST in kept and any(user in kept for user in USERS) and any(src in kept for src in ATTACKERS)


def test_one_attacker_address_carries_through_a_connection(training: Path) -> None:
    """The three lines of one sshd connection name one user, address and port, as the real ones did."""
    lines = _generate("-i", str(training), "-n", "3000", "--seed", "3").decode().splitlines()
    by_pid: dict[str, list[str]] = {}
    for line in lines:
        if "Invalid user" in line or "Failed password for invalid" in line:
            by_pid.setdefault(line.split("sshd[", 1)[1].split("]", 1)[0], []).append(line.rsplit(" from ", 1)[1])
    pairs = [tails for tails in by_pid.values() if len(tails) == 2]
    assert len(pairs) > 50
    same = sum(first == second.removesuffix(" ssh2") for first, second in pairs)
    assert same >= 0.9 * len(pairs)


def test_same_seed_same_output_and_stdin_works(training: Path) -> None:
    first = _generate("-i", str(training), "-n", "500", "--seed", "9")
    assert _generate("-n", "500", "--seed", "9", stdin=training.read_bytes()) == first
    assert _generate("-i", str(training), "-n", "500", "--seed", "10") != first


def test_rate_and_start_set_the_timestamps(training: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    _generate("-i", str(training), "-n", "2000", "--seed", "4", "--rate", "10", "--start", "2026-01-02T03:00:00Z",
              "--format", "json", "-o", str(out))  # fmt: skip
    records = [json.loads(line) for line in out.read_text().splitlines()]
    times = [int(record["__REALTIME_TIMESTAMP"]) for record in records]
    assert times[0] == 1_767_322_800_000_000
    span_s = (times[-1] - times[0]) / 1e6
    assert 150 < span_s < 250  # 2000 lines at 10 a second
    assert all(record["_HOSTNAME"] != HOST and record["PRIORITY"].isdigit() for record in records)


def test_journal_in_journal_out(make_journal, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from fixtures_journal import journalctl_json

    fields = []
    for index in range(200):
        fields.append(
            {
                "MESSAGE": f"Failed password for root from 10.9.8.{index % 5} port {40000 + index} ssh2",
                "PRIORITY": "5",
                "SYSLOG_IDENTIFIER": "sshd",
                "_PID": str(3000 + index),
                "_HOSTNAME": "dbhost3",
            }
        )
        fields.append({"MESSAGE": "Started Daily apt upgrade and clean activities.", "PRIORITY": "6",
                       "SYSLOG_IDENTIFIER": "systemd", "_PID": "1", "_HOSTNAME": "dbhost3",
                       "_SYSTEMD_UNIT": "init.scope"})  # fmt: skip
    journal = journalctl_json(make_journal(fields))
    out = _generate("-n", "400", "--seed", "1", stdin=journal)
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 400
    assert {record["PRIORITY"] for record in records} == {"5", "6"}
    assert "dbhost3" not in out.decode() and "10.9.8." not in out.decode()
    assert all(record["_PID"] == "1" for record in records if record["SYSLOG_IDENTIFIER"] == "systemd")


def test_evaluate_scores_a_generated_log(training: Path, tmp_path: Path) -> None:
    generated = tmp_path / "gen.log"
    _generate("-i", str(training), "-n", "600", "--seed", "5", "-o", str(generated))
    result = run_alsate("evaluate", str(training), str(generated), "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    scores = json.loads(result.stdout)
    assert scores["parse_rate"] == {"real": 1.0, "generated": 1.0}
    assert scores["jsd"]["template"] < 0.1 and scores["templates"]["coverage"] > 0.8
    assert scores["leakage"]["leaked"] == {"addresses": 0, "hosts": 0, "users": 0}
    assert scores["leakage"]["training"]["addresses"] == len(ATTACKERS) + 2
    same = json.loads(run_alsate("evaluate", str(training), str(training), "--format", "json").stdout)
    assert same["jsd"] == {"template": 0.0, "program": 0.0, "priority": 0.0, "hour": 0.0}
    assert same["leakage"]["leaked"]["users"] == same["leakage"]["training"]["users"] > 0
    table = run_alsate("evaluate", str(training), str(generated))
    assert b"JSD template" in table.stdout and b"training users leaked" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-n", "10"), b"no log entries to learn from"),
        (("-i", "/nonexistent/x.log"), b"no such file"),
        (("--inject", "meteor"), b"unknown scenario meteor"),
        (("--inject", "oom"), b"give --output or --truth"),
        (("--start", "not a time at all"), b"--start"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_or_1(args: tuple[str, ...], message: bytes, training: Path) -> None:
    stdin = b"\n\n" if args[0] == "-n" else training.read_bytes()
    result = run_alsate("generate", *args, stdin=stdin)
    assert result.returncode in (1, 2)
    assert message in result.stderr and b"Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_public_addresses_are_not_counted_as_identifying_hosts() -> None:
    """A loopback address in a host slot names no one: the generator keeps it, so the leak check must not count it."""
    from alsate_cli.generate.identities import collect

    rows = [
        ("web-01", ("HOST",), ("127.52.118.104",), "rhost="),
        ("web-01", ("HOST",), ("10.1.2.3",), "rhost="),
        ("web-01", ("HOST",), ("db-7.corp.example",), "rhost="),
    ]
    found = collect(rows)
    assert found.hosts == {"web-01", "db-7.corp.example"}
    assert found.addresses == {"10.1.2.3"}
