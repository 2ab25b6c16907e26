"""``alsate rules list`` and ``alsate rules test`` through the real program."""

from __future__ import annotations

import json
from pathlib import Path

from helpers_cli import run_alsate


def test_rules_list_shows_every_rule_and_correlation() -> None:
    result = run_alsate("rules", "list", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert rows["ssh.failed_password"]["kind"] == "rule" and "sshd" in rows["ssh.failed_password"]["identifiers"]
    brute = rows["ssh.brute_force"]
    assert brute["kind"] == "correlation" and brute["counts"]["group_by"] == "src" and "T1110" in brute["mitre"]
    table = run_alsate("rules", "list", env={"COLUMNS": "160"}).stdout.decode()
    assert "ssh.brute_force" in table and "correlations" in table


def test_rules_test_reports_hits_lines_and_correlated_keys(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    lines = [f"Nov 20 08:00:{n:02d} bastion sshd[{900 + n}]: Failed password for root from 198.51.100.23 port "
             f"{5000 + n} ssh2" for n in range(12)]  # fmt: skip
    lines.append("Nov 20 08:01:00 bastion sudo[77]:    alice : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/alice ; "
                 "USER=root ; COMMAND=/bin/bash")  # fmt: skip
    lines.append("Nov 20 08:02:00 bastion cron[5]: (root) CMD (run-parts /etc/cron.hourly)")
    log.write_text("\n".join(lines) + "\n")
    result = run_alsate("rules", "test", str(log), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    hits = {hit["id"]: hit for hit in report["hits"]}
    assert report["entries_read"] == 14
    assert hits["ssh.failed_password"]["count"] == 12 and hits["ssh.failed_password"]["first_lines"][0] == 1
    assert hits["ssh.brute_force"]["keys"].get("198.51.100.23", 0) >= 1
    assert hits["sudo.not_in_sudoers"]["first_lines"] == [13]
    assert not any(14 in hit["first_lines"] for hit in report["hits"]), "the cron line matches no rule"


def test_rules_test_on_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = run_alsate("rules", "test", str(tmp_path / "none.log"))
    assert result.returncode == 1 and b"none.log" in result.stderr and b"Traceback" not in result.stderr


def test_rules_test_mode_decides_which_lines_count_as_attempts(tmp_path: Path) -> None:
    from alsate_cli.commands.rules import RULE_MODES
    from alsate_cli.rules.sessions import MODES

    assert RULE_MODES == MODES  # the command keeps its own copy to start without importing the rules
    log = tmp_path / "auth.log"
    log.write_text("".join(f"Nov 20 08:00:{n:02d} bastion sshd[{900 + n}]: Did not receive identification string "
                           f"from 198.51.100.9 port {5000 + n}\n" for n in range(12)))  # fmt: skip
    normal = json.loads(run_alsate("rules", "test", str(log), "--json").stdout)
    ddos = json.loads(run_alsate("rules", "test", str(log), "--json", "--mode", "ddos").stdout)
    assert "ssh.brute_force" not in {hit["id"] for hit in normal["hits"]}
    assert {hit["id"]: hit for hit in ddos["hits"]}["ssh.brute_force"]["keys"] == {"198.51.100.9": 3}
    bad = run_alsate("rules", "test", str(log), "--mode", "paranoid")
    assert bad.returncode == 2 and b"not a rule mode" in bad.stderr and b"Traceback" not in bad.stderr


def test_rules_test_traces_why_each_verdict_was_given(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    lines = [
        "Nov 20 08:00:00 bastion sshd[900]: Connection from 198.51.100.23 port 5000 on 10.0.0.1 port 22",
        "Nov 20 08:00:01 bastion sshd[900]: Disconnecting: Too many authentication failures for root [preauth]",
    ]
    lines += [f"Nov 20 08:00:{10 + n} bastion sshd[{901 + n}]: Failed password for root from 198.51.100.23 port "
              f"{5001 + n} ssh2" for n in range(11)]  # fmt: skip
    log.write_text("\n".join(lines) + "\n")
    report = json.loads(run_alsate("rules", "test", str(log), "--json").stdout)
    assert report["mode"] == "normal" and report["trace_dropped"] == 0
    by_line = {(record["line"], record["rule"]): record for record in report["trace"]}
    borrowed = by_line[2, "ssh.too_many_auth_failures"]
    assert borrowed["fields"]["src"] == "198.51.100.23" and borrowed["address_line"] == 1
    assert borrowed["attempts"] == 1 and borrowed["mitre"] == ["T1110"] and borrowed["level"] == "medium"
    fired = by_line[11, "ssh.brute_force"]
    assert fired["kind"] == "correlation" and fired["key"] == "198.51.100.23" and fired["group_by"] == "src"
    assert (fired["count"], fired["threshold"], fired["window_seconds"]) == (10, 10, 120)
    assert fired["lines"] == list(range(2, 12)) and "T1110" in fired["mitre"]
    assert not any(record["line"] == 1 and record.get("attempts") for record in report["trace"])
    table = run_alsate("rules", "test", str(log), env={"COLUMNS": "200"}).stdout.decode()
    assert "Why" in table and "≥ 10 within 120s (lines 2–11)" in table and "address from line 1" in table
