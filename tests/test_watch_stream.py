"""``alsate watch`` on stdin and on a followed text file (rotation, truncation), and the ``--exec`` alert."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers_cli import json_lines, run_alsate
from helpers_watch import FAST_POLL, WatchProcess, summary_kept


def _record(message: str, priority: str, identifier: str = "smartd", cursor: str | None = None) -> dict[str, str]:
    record = {"MESSAGE": message, "PRIORITY": priority, "SYSLOG_IDENTIFIER": identifier}
    return record | ({"__CURSOR": cursor} if cursor else {})


def _events(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_stdin_stream_gives_one_line_per_new_issue_and_a_summary() -> None:
    records = [
        _record("disk sda1 failed", "3", cursor="c1"),
        _record("disk sdb1 failed", "3", cursor="c2"),
        _record("started session 4", "6", "systemd", cursor="c3"),
        _record("temperature above threshold, cpu clock throttled", "4", "kernel", cursor="c4"),
    ]
    result = run_alsate("watch", "--no-explain", stdin=json_lines(records), env=FAST_POLL)
    assert result.returncode == 0, result.stderr.decode()
    events = _events(result.stdout)
    assert [event["event"] for event in events] == ["watching", "issue", "issue", "summary"]
    assert [event["issue"]["template"] for event in events[1:3]] == [
        "disk <DEV> failed", "temperature above threshold, cpu clock throttled",
    ]  # fmt: skip
    summary = events[-1]
    assert summary["summary"]["entries_read"] == 4 and summary_kept(summary) == 3
    assert summary["watch"]["entries_per_priority"][3] == 2


def test_followed_file_survives_rotation_and_truncation(tmp_path: Path) -> None:
    log = tmp_path / "syslog"
    log.write_text("Nov 23 10:00:00 web sshd[1]: error: old line before the watch\n")
    watch = WatchProcess("--input", str(log), "--follow", "--no-explain")
    try:
        watch.wait_for(lambda events: bool(events))  # "watching": the file is open

        def append(line: str) -> None:
            with log.open("a") as handle:
                handle.write(f"Nov 23 10:00:01 web {line}\n")

        append("smartd[2]: disk sda1 failed")
        watch.wait_for(lambda events: len(watch.issues()) == 1)
        log.rename(tmp_path / "syslog.1")  # logrotate: rename, then a new file under the old name
        with (tmp_path / "syslog.1").open("a") as handle:
            handle.write("Nov 23 10:00:02 web kernel: nvme0 controller failed\n")  # late write to the old file
        append("cron[3]: error: job 7 failed")
        watch.wait_for(lambda events: len(watch.issues()) == 3)
        log.write_text("")  # truncation (copytruncate)
        append("smartd[2]: fan 2 failed")
        watch.wait_for(lambda events: len(watch.issues()) == 4)
        summary = watch.stop()
    finally:
        watch.kill()
    assert [issue["examples"][0] for issue in watch.issues()] == [
        "disk sda1 failed", "nvme0 controller failed", "error: job 7 failed", "fan 2 failed",
    ]  # fmt: skip  # the line written before the watch started is not shown
    assert summary_kept(summary) == 4


def test_exec_alert_gets_each_issue_at_the_level_as_json(tmp_path: Path) -> None:
    received = tmp_path / "alerts"
    received.mkdir()
    script = tmp_path / "alert.py"
    script.write_text(
        "import pathlib, sys\n"
        "target = pathlib.Path(sys.argv[1])\n"
        "data = sys.stdin.read()\n"
        "(target / str(len(list(target.iterdir())))).write_text(data)\n"
    )
    command = f"{sys.executable} {script} '{received}'"
    records = [
        _record("disk sda1 failed", "3"),
        _record("low battery", "4", "upower"),  # warning: below the alert level
        _record("disk sdb1 failed", "3"),  # same issue: no second alert
        _record("kernel panic - not syncing", "0", "kernel"),
    ]
    result = run_alsate(
        "watch", "--no-explain", "--alert-level", "err", "--exec", command, stdin=json_lines(records), env=FAST_POLL
    )
    assert result.returncode == 0, result.stderr.decode()
    alerts = sorted((json.loads(path.read_text()) for path in received.iterdir()), key=lambda issue: issue["priority"])
    assert [(alert["priority"], alert["template"]) for alert in alerts] == [
        (0, "kernel panic - not syncing"), (3, "disk <DEV> failed"),
    ]  # fmt: skip


def test_failing_alert_command_is_reported_not_fatal(tmp_path: Path) -> None:
    records = [_record("disk sda1 failed", "3")]
    result = run_alsate(
        "watch", "--no-explain", "--alert-level", "low", "--exec", f"{sys.executable} -c 'import sys; sys.exit(3)'",
        stdin=json_lines(records), env=FAST_POLL,
    )  # fmt: skip
    assert result.returncode == 0
    notices = [event["text"] for event in _events(result.stdout) if event["event"] == "notice"]
    assert notices and "exited with status 3" in notices[0]


def test_bad_alert_options_are_usage_errors() -> None:
    result = run_alsate("watch", "--exec", "true", stdin=b"")
    assert result.returncode == 2 and b"--exec needs --alert-level" in result.stderr
    result = run_alsate("watch", "--alert-level", "loud", stdin=b"")
    assert result.returncode == 2 and b"--alert-level 'loud'" in result.stderr


def test_sigint_stops_a_stream_cleanly() -> None:
    watch = WatchProcess("--no-explain", stdin=subprocess.PIPE)
    try:
        assert watch.process.stdin is not None
        watch.process.stdin.write(json_lines([_record("disk sda1 failed", "3")]))
        watch.process.stdin.flush()
        watch.wait_for(lambda events: len(watch.issues()) == 1)
        import signal

        summary = watch.stop(signal.SIGINT)
    finally:
        watch.kill()
    assert summary_kept(summary) == 1


def test_background_worker_explains_new_issues_with_the_real_model(smollm2_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("max_tokens = 48\n")  # a short answer is enough to see it arrive; keeps the test fast
    records = [_record("disk sda1 failed", "3"), _record("disk sdb1 failed", "3")]
    args = ("watch", "--model", str(smollm2_path), "--threads", "2")
    first = run_alsate(*args, stdin=json_lines(records), env={**FAST_POLL, "ALSATE_CONFIG": str(config)})
    assert first.returncode == 0, first.stderr.decode()
    explained = [event["issue"] for event in _events(first.stdout) if event["event"] == "explanation"]
    assert len(explained) == 1  # one group, explained once
    assert explained[0]["explanation"]["source"] == "model"
    summary = _events(first.stdout)[-1]
    assert summary["summary"]["model"] == smollm2_path.name and summary["watch"]["explained"] == 1
