"""``alsate analyze`` end to end: real journal files, the real journalctl, the real program in a subprocess."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fixtures_journal import MakeJournal, journalctl_json
from helpers_cli import analyze_json, json_lines, run_alsate

SSHD_FAILURES = [
    {"MESSAGE": f"error: maximum authentication attempts exceeded for root from 203.0.113.{n} port {4000 + n} ssh2",
     "PRIORITY": "3", "SYSLOG_IDENTIFIER": "sshd", "_PID": str(900 + n), "_HOSTNAME": "web-01",
     "_SYSTEMD_UNIT": "ssh.service"}
    for n in range(5)
]  # fmt: skip
MIXED_JOURNAL = [
    *SSHD_FAILURES,
    {"MESSAGE": "Out of memory: Killed process 4242 (java) total-vm:8123456kB", "PRIORITY": "3",
     "SYSLOG_IDENTIFIER": "kernel", "_HOSTNAME": "web-02"},
    {"MESSAGE": "nginx.service: Failed with result 'exit-code'.", "PRIORITY": "4", "SYSLOG_IDENTIFIER": "systemd",
     "_PID": "1", "_HOSTNAME": "web-01", "_SYSTEMD_UNIT": "init.scope"},
    {"MESSAGE": "Started Session 12 of User alice.", "PRIORITY": "6", "SYSLOG_IDENTIFIER": "systemd", "_PID": "1"},
    {"MESSAGE": b"binary \xff\xfe payload: disk failure", "PRIORITY": "2", "SYSLOG_IDENTIFIER": "smartd"},
    {"MESSAGE": "segfault at 0 ip 00007f error 4 in libc.so.6", "SYSLOG_IDENTIFIER": "kernel"},
]  # fmt: skip


def test_version_from_console_script_and_module() -> None:
    result = run_alsate("--version")
    assert result.returncode == 0
    assert result.stdout.decode().startswith("alsate 0.")
    script = Path(sys.executable).parent / "alsate"
    if script.exists():
        assert run_alsate("--version").stdout == __import__("subprocess").run([script, "--version"],
                                                                              capture_output=True).stdout  # fmt: skip


def test_real_journal_piped_as_json(make_journal: MakeJournal) -> None:
    journal = journalctl_json(make_journal(MIXED_JOURNAL))
    doc = analyze_json(stdin=journal)
    summary = doc["summary"]
    assert summary["entries_read"] == len(MIXED_JOURNAL)
    assert summary["entries_kept"] + summary["entries_filtered"] + summary["skipped"] == summary["entries_read"]
    assert summary["entries_filtered"] == 1  # the info-level session start
    assert summary["groups"] == len(doc["groups"])
    sshd = [group for group in doc["groups"] if group["identifier"] == "sshd"]
    assert len(sshd) == 1, "five failures that differ only in address and port are one issue"
    assert sshd[0]["count"] == 5 and sshd[0]["priority"] == 3
    assert sshd[0]["hosts"] == ["web-01"] and sshd[0]["units"] == ["ssh.service"]
    assert len(sshd[0]["examples"]) == 3
    assert sshd[0]["first_seen"] < sshd[0]["last_seen"]
    assert sshd[0]["first_seen"].startswith("2026-11-20T08:00:00")
    binary = next(group for group in doc["groups"] if group["identifier"] == "smartd")
    assert binary["priority"] == 2 and "disk failure" in binary["examples"][0]
    inferred = next(group for group in doc["groups"] if "segfault" in group["template"])
    assert inferred["priority_inferred"] is True and inferred["priority"] <= 4
    levels = ["critical", "high", "medium", "low", "none"]
    ranked = [(levels.index(group["threat"]["level"]), group["priority"], -group["count"]) for group in doc["groups"]]
    assert ranked == sorted(ranked), "highest threat first, then worst priority, then the largest count"
    for group in doc["groups"]:
        explanation = group["explanation"]
        if explanation["source"] == "knowledge":  # written text for what the knowledge base knows (OOM kills …)
            assert explanation["cause"] and explanation["remediation"]
        else:
            assert explanation["source"] == "none" and "alsate pull" in explanation["note"]
    oom = next(group for group in doc["groups"] if "Out of memory" in group["template"])
    assert oom["explanation"]["source"] == "knowledge" and oom["threat"]["reasons"]


def test_entries_format_numbers_input_lines_and_names_groups(make_journal: MakeJournal) -> None:
    journal = journalctl_json(make_journal(MIXED_JOURNAL))
    result = run_alsate("analyze", "--format", "entries", stdin=journal)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    groups = {group["id"] for group in analyze_json(stdin=journal)["groups"]}
    assert [record["line"] for record in records] == [1, 2, 3, 4, 5, 6, 7, 9, 10]  # line 8 is info: filtered
    assert {record["group"] for record in records} == groups
    assert records[0]["priority"] == 3 and records[0]["message"].startswith("error: maximum authentication")


def test_alsate_runs_journalctl_itself_when_stdin_is_a_terminal(make_journal: MakeJournal) -> None:
    failed_logins = [
        {"MESSAGE": f"Failed password for root from 198.51.100.9 port {5000 + n} ssh2", "PRIORITY": "6",
         "SYSLOG_IDENTIFIER": "sshd", "_PID": "700"}
        for n in range(3)
    ]  # fmt: skip
    path = make_journal([*MIXED_JOURNAL, *failed_logins])
    result = run_alsate("analyze", "--format", "json", "--file", str(path), "-p", "err", stdin=None)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    by_priority = {group["priority"] for group in doc["groups"] if not group["threat"]["reasons"]}
    assert by_priority <= {0, 1, 2, 3}, "outside -p err only groups that rules flagged"
    # journalctl was asked for "priority <= err OR a program the rules watch": the info-level failed
    # passwords arrive and are kept as evidence, with their real priority.
    evidence = next(group for group in doc["groups"] if group["template"].startswith("Failed password"))
    assert evidence["priority"] == 6 and evidence["count"] == 3 and evidence["threat"]["level"] != "none"
    assert evidence["explanation"]["source"] in ("knowledge", "none"), "no model call below the priority"
    assert doc["summary"]["entries_evidence"] >= 3
    assert "Started Session" not in json.dumps(doc), "an info line no rule wants stays out"

    plain = json.loads(run_alsate("analyze", "--format", "json", "--file", str(path), "-p", "err", "--no-threats",
                                  stdin=None).stdout)  # fmt: skip
    assert {group["priority"] for group in plain["groups"]} <= {0, 1, 2, 3}
    assert plain["summary"]["entries_kept"] == 7  # five sshd, the OOM kill and smartd: journalctl -p drops the rest


def test_missing_journalctl_is_a_clear_error(tmp_path: Path) -> None:
    result = run_alsate("analyze", stdin=None, env={"ALSATE_JOURNALCTL": str(tmp_path / "no-journalctl")})
    assert result.returncode == 1
    assert b"journalctl" in result.stderr and b"Traceback" not in result.stderr


def test_failing_journalctl_reports_its_message(make_journal: MakeJournal) -> None:
    path = make_journal(SSHD_FAILURES)
    result = run_alsate("analyze", "--file", str(path), "--since", "not a date at all", stdin=None)
    assert result.returncode == 1
    assert b"journalctl" in result.stderr and b"Traceback" not in result.stderr


def test_malformed_lines_are_counted_reported_and_strict_fails() -> None:
    good = json_lines([{"MESSAGE": "disk error on sda", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "kernel"}])
    stdin = good + b"{not json\n" + b"\x00\x01\x02\x03binary\n" + b"x" * 70_000 + b"\n" + good + b'{"MESSAGE": "cut'
    result = run_alsate("analyze", "--format", "json", stdin=stdin)
    assert result.returncode == 0
    summary = json.loads(result.stdout)["summary"]
    assert summary["entries_read"] == 6 and summary["skipped"] == 4 and summary["entries_kept"] == 2
    assert set(summary["skip_reasons"]) == {"invalid JSON", "binary data", "line too long", "truncated JSON"}
    report = result.stderr.decode()
    assert "skipped 4 of 6 input lines" in report and "line 2: invalid JSON" in report

    strict = run_alsate("analyze", "--format", "json", "--strict", stdin=stdin)
    assert strict.returncode == 2 and strict.stdout == b""
    assert b"--strict" in strict.stderr and b"Traceback" not in strict.stderr


def test_syslog_text_gets_inferred_priorities_marked_in_the_table() -> None:
    text = (
        b"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 rhost=1.2.3.4\n"
        b"Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown\n"
        b"<11>Jun 14 15:17:00 combo kernel: I/O error, dev sda, sector 1234\n"
    )
    doc = analyze_json(stdin=text)
    by_template = {group["template"]: group for group in doc["groups"]}
    assert any(group["priority_inferred"] for group in by_template.values())
    kernel = next(group for group in doc["groups"] if group["identifier"] == "kernel")
    assert kernel["priority"] == 3 and kernel["priority_inferred"] is False  # <11> = user.err
    table = run_alsate("analyze", "--format", "table", "--no-explain", stdin=text).stdout.decode()
    assert "err?" in table and "inferred" in table


def test_priority_option_accepts_names_numbers_and_ranges() -> None:
    stdin = json_lines([
        {"MESSAGE": f"message at level {level}", "PRIORITY": str(level), "SYSLOG_IDENTIFIER": f"p{level}"}
        for level in range(8)
    ])  # fmt: skip
    kept = {
        spec: sorted(group["priority"] for group in analyze_json("-p", spec, stdin=stdin)["groups"])
        for spec in ("err", "3", "err..warning", "warning..err", "debug")
    }
    assert kept == {"err": [0, 1, 2, 3], "3": [0, 1, 2, 3], "err..warning": [3, 4], "warning..err": [3, 4],
                    "debug": list(range(8))}  # fmt: skip
    bad = run_alsate("analyze", "-p", "loud", stdin=stdin)
    assert bad.returncode == 2 and b"loud" in bad.stderr and b"Traceback" not in bad.stderr


def test_since_and_until_filter_file_input() -> None:
    stdin = json_lines([
        {"MESSAGE": f"error number {n}", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "app",
         "__REALTIME_TIMESTAMP": str(1_795_161_600_000_000 + n * 3_600_000_000)}
        for n in range(5)
    ])  # fmt: skip
    summary = analyze_json("--since", "2026-11-20T09:00:00Z", "--until", "2026-11-20T11:00:00Z", stdin=stdin)["summary"]
    assert summary["entries_kept"] == 3 and summary["entries_filtered"] == 2
    bad = run_alsate("analyze", "--since", "the day after never", stdin=stdin)
    assert bad.returncode == 2 and b"Traceback" not in bad.stderr


def test_hostile_messages_print_literally_and_harmlessly() -> None:
    hostile = "[bold red]pwned[blink] \x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\ \x1b[2J\x1b[31mred"
    stdin = json_lines([{"MESSAGE": hostile, "PRIORITY": "3", "SYSLOG_IDENTIFIER": "[red]app"}])
    for env in ({}, {"FORCE_COLOR": "1", "COLUMNS": "200"}, {"FORCE_COLOR": "1", "COLUMNS": "80"}):
        out = run_alsate("analyze", "--format", "table", stdin=stdin, env=env).stdout.decode()
        assert "[bold red]pwned[blink]" in out and "[red]app" in out
        assert "\x1b]" not in out and "\x1b[2J" not in out and "\x1b[31mred" not in out
    piped = run_alsate("analyze", "--format", "table", stdin=stdin, env={"COLUMNS": "200"}).stdout
    assert b"\x1b" not in piped, "no ANSI codes when stdout is not a terminal"
    entries = run_alsate("analyze", "--format", "entries", stdin=stdin).stdout.decode()
    assert "\\u001b" not in entries and "\x1b" not in entries


def test_no_color_means_no_ansi_even_when_forced() -> None:
    stdin = json_lines([{"MESSAGE": "disk error", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "kernel"}])
    out = run_alsate("analyze", "--format", "table", stdin=stdin, env={"NO_COLOR": "1", "TTY_COMPATIBLE": "1"}).stdout
    assert b"\x1b[" not in out or b"\x1b[1m" in out  # NO_COLOR removes colour; Rich may keep bold only


def test_markdown_survives_hostile_messages() -> None:
    from markdown_it import MarkdownIt

    stdin = json_lines([
        {"MESSAGE": "a | b | c `tick` <script>alert(1)</script> **bold** # head", "PRIORITY": "3",
         "SYSLOG_IDENTIFIER": "app|x"},
        {"MESSAGE": "plain error", "PRIORITY": "4", "SYSLOG_IDENTIFIER": "other"},
    ])  # fmt: skip
    markdown = run_alsate("analyze", "--format", "markdown", stdin=stdin).stdout.decode()
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    rows, cells = 0, 0
    for token in tokens:
        if token.type == "tr_open":
            rows += 1
        elif token.type in ("td_open", "th_open"):
            cells += 1
    assert rows == 3 and cells == 3 * 5, "hostile pipes must not add table columns"
    assert not any(token.type in ("html_block", "html_inline") for token in tokens)
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<script>" not in html


def test_empty_input_is_a_short_clean_answer() -> None:
    result = run_alsate("analyze", "--format", "table", stdin=b"")
    assert result.returncode == 0 and b"No entries" in result.stdout
    assert analyze_json(stdin=b"")["summary"]["entries_read"] == 0


def test_input_file_errors_are_one_line(tmp_path: Path) -> None:
    missing = run_alsate("analyze", "-i", str(tmp_path / "nope.log"))
    assert missing.returncode == 1 and b"nope.log" in missing.stderr and b"Traceback" not in missing.stderr
    directory = run_alsate("analyze", "-i", str(tmp_path))
    assert directory.returncode == 1 and b"directory" in directory.stderr


def test_input_file_gzip_file_and_dash_for_stdin(tmp_path: Path) -> None:
    import gzip

    data = json_lines([{"MESSAGE": "disk error on sdb", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "kernel"}])
    path = tmp_path / "journal.json"
    path.write_bytes(data)
    assert analyze_json("-i", str(path))["summary"]["entries_kept"] == 1
    rotated = tmp_path / "syslog.2.gz"
    rotated.write_bytes(gzip.compress(b"Nov 20 08:00:00 host kernel: I/O error, dev sda, sector 7\n"))
    assert analyze_json("-i", str(rotated))["summary"]["entries_kept"] == 1
    assert analyze_json("-i", "-", stdin=data)["summary"]["entries_kept"] == 1


def test_bad_model_path_fails_before_reading(tmp_path: Path) -> None:
    result = run_alsate("analyze", "--model", str(tmp_path / "missing.gguf"), stdin=b"")
    assert result.returncode != 0 and b"missing.gguf" in result.stderr and b"Traceback" not in result.stderr
    not_gguf = tmp_path / "model.gguf"
    not_gguf.write_bytes(b"not a model at all")
    result = run_alsate("analyze", "--model", str(not_gguf), stdin=b"", env={"ALSATE_MODEL": ""})
    assert result.returncode != 0 and b"GGUF" in result.stderr


def _answer_source(group: dict) -> str:
    """Where the explainer's answer came from, also when the knowledge base's text was shown instead of it."""
    explanation = group["explanation"]
    return group["model_answer"]["source"] if explanation["source"] == "knowledge" else explanation["source"]


def _model_config(tmp_path: Path) -> dict[str, str]:
    """A config file keeping real SmolLM2 answers short, so the suite stays fast on 2 cores."""
    config = tmp_path / "config.toml"
    config.write_text("max_tokens = 24\ncontext_size = 1024\n")
    return {"ALSATE_CONFIG": str(config)}


def test_real_model_explains_each_group_once_and_the_cache_makes_reruns_free(
    smollm2_path: Path, tmp_path: Path
) -> None:
    stdin = json_lines([
        *({"MESSAGE": f"Out of memory: Killed process {pid} (java)", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "kernel"}
          for pid in range(100, 140)),
        {"MESSAGE": "nginx.service: Failed with result 'exit-code'.", "PRIORITY": "4", "SYSLOG_IDENTIFIER": "systemd"},
    ])  # fmt: skip
    env = _model_config(tmp_path)
    first = analyze_json("--model", str(smollm2_path), stdin=stdin, env=env)
    assert first["summary"]["groups"] == 2
    assert first["summary"]["model_calls"] == 2, "one call per group, never per line"
    assert first["summary"]["model"] == smollm2_path.name
    for group in first["groups"]:
        assert _answer_source(group) == "model"

    second = analyze_json("--model", str(smollm2_path), stdin=stdin, env=env)
    assert second["summary"]["model_calls"] == 0 and second["summary"]["cache_hits"] == 2
    assert [_answer_source(g) for g in second["groups"]] == ["cache", "cache"]
    assert [g["explanation"]["cause"] for g in second["groups"]] == [g["explanation"]["cause"] for g in first["groups"]]

    uncached = analyze_json("--model", str(smollm2_path), "--no-cache", stdin=stdin, env=env)
    assert uncached["summary"]["model_calls"] == 2


def test_limit_caps_model_calls_worst_first(smollm2_path: Path, tmp_path: Path) -> None:
    stdin = json_lines([
        {"MESSAGE": "raid array md0 degraded", "PRIORITY": "2", "SYSLOG_IDENTIFIER": "mdadm"},
        {"MESSAGE": "fan speed low", "PRIORITY": "4", "SYSLOG_IDENTIFIER": "sensors"},
    ])  # fmt: skip
    doc = analyze_json("--model", str(smollm2_path), "--limit", "1", "--no-cache", stdin=stdin,
                       env=_model_config(tmp_path))  # fmt: skip
    assert doc["summary"]["model_calls"] == 1
    worst, other = doc["groups"]
    assert worst["identifier"] == "mdadm" and _answer_source(worst) == "model"
    assert other["explanation"]["status"] == "skipped" or other["model_answer"]["status"] == "skipped"


def test_model_found_through_environment_and_config(smollm2_path: Path, tmp_path: Path) -> None:
    stdin = json_lines([{"MESSAGE": "disk error on sdc", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "kernel"}])
    env = _model_config(tmp_path)
    via_env = analyze_json(stdin=stdin, env={**env, "ALSATE_MODEL": str(smollm2_path)})
    assert via_env["summary"]["model"] == smollm2_path.name
    config = Path(env["ALSATE_CONFIG"])
    config.write_text(config.read_text() + f'model = "{smollm2_path}"\n')
    via_config = analyze_json(stdin=stdin, env=env)
    assert via_config["summary"]["model"] == smollm2_path.name
    assert via_config["summary"]["cache_hits"] == 1, "the same model and template: answered from the cache"


def test_table_with_a_real_model_on_a_narrow_terminal(smollm2_path: Path, tmp_path: Path) -> None:
    stdin = json_lines([{"MESSAGE": "EXT4-fs error (device sda1): bad block", "PRIORITY": "3",
                         "SYSLOG_IDENTIFIER": "kernel"}])  # fmt: skip
    env = {**_model_config(tmp_path), "COLUMNS": "80"}
    result = run_alsate("analyze", "--format", "table", "--model", str(smollm2_path), stdin=stdin, env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert any("EXT4-fs error" in line for line in lines) and "1 calls" in lines[-1]


def test_ctrl_c_during_model_work_still_prints_what_is_done(smollm2_path: Path, tmp_path: Path) -> None:
    import signal
    import subprocess
    import time

    from helpers_cli import ALSATE

    config = tmp_path / "config.toml"
    config.write_text("max_tokens = 96\ncontext_size = 1024\n")
    stdin = json_lines([
        {"MESSAGE": f"service number {n} crashed badly", "PRIORITY": "3", "SYSLOG_IDENTIFIER": f"daemon{chr(97 + n)}"}
        for n in range(26)
    ])  # fmt: skip
    source = tmp_path / "journal.json"
    source.write_bytes(stdin)
    process = subprocess.Popen(
        [*ALSATE, "analyze", "--format", "json", "--no-cache", "--model", str(smollm2_path), "-i", str(source)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**__import__("os").environ, "ALSATE_CONFIG": str(config)},
    )  # fmt: skip
    time.sleep(4)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode(errors="replace")
    assert b"Traceback" not in stderr
    doc = json.loads(stdout)
    assert doc["summary"]["interrupted"] is True
    statuses = [group["explanation"]["status"] for group in doc["groups"]]
    assert len(statuses) == 26 and "skipped" in statuses
    finished = sum(group["explanation"]["source"] == "model" for group in doc["groups"])
    assert doc["summary"]["model_calls"] in (finished, finished + 1), "the call cut short by Ctrl-C may count"
