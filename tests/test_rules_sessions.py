"""An sshd connection's lines judged together: attempts without an address, forgiven key refusals, logins that
follow guesses, rule modes, and addresses that a client cannot choose."""

from __future__ import annotations

from pathlib import Path

import pytest

from alsate_cli.entry import Entry
from alsate_cli.rules import RuleError, RuleSet, ThreatEvaluator
from alsate_cli.rules.address import normalise_address
from alsate_cli.rules.sessions import MODES, ConnectionTracker

RULESET = RuleSet.load()


def _run(lines: list[tuple[int, str]], mode: str = "normal") -> list[tuple[int, str | None, int | None]]:
    """(attempts, blamed address, line naming it) for each (pid, message) line of host "srv"."""
    evaluator = ThreatEvaluator(RULESET, mode=mode)
    answers = []
    for number, (pid, message) in enumerate(lines, start=1):
        entry = Entry(line=number, message=message, priority=6, time_us=number * 1_000_000, hostname="srv",
                      identifier="sshd", pid=pid)  # fmt: skip
        counted = [hit for hit in evaluator.observe(entry) if hit.attempts]
        hit = counted[0] if counted else None
        answers.append((hit.attempts, hit.fields.get("src"), hit.address_line) if hit else (0, None, None))
    return answers


def test_a_line_without_an_address_is_blamed_on_its_connection() -> None:
    answers = _run([
        (7, "Connection from 203.0.113.7 port 51353 on 10.0.0.1 port 22"),
        (7, "Disconnecting: Too many authentication failures for root [preauth]"),
    ])  # fmt: skip
    assert answers == [(0, None, None), (1, "203.0.113.7", 1)]


def test_an_attempt_waits_for_the_address_the_connection_closes_with() -> None:
    answers = _run([
        (8, "User root not allowed because account is locked"),
        (9, "Connection closed by 198.51.100.1 port 4 [preauth]"),  # another process: not its close
        (8, "Received disconnect from 203.0.113.8 port 58846:11: Bye Bye [preauth]"),
    ])  # fmt: skip
    assert answers == [(0, None, None), (0, None, None), (1, "203.0.113.8", 3)]


def test_refused_keys_of_a_real_user_count_only_when_the_connection_fails() -> None:
    forgiven = _run([
        (1, "Failed publickey for git from 192.0.2.1 port 57904 ssh2: ECDSA SHA256:abc"),
        (1, "Accepted publickey for git from 192.0.2.1 port 57904 ssh2: RSA SHA256:def"),
    ])  # fmt: skip
    failed = _run([
        (2, "Failed publickey for git from 192.0.2.111 port 57910 ssh2: ECDSA SHA256:abc"),
        (2, "Failed publickey for git from 192.0.2.111 port 57910 ssh2: RSA SHA256:def"),
        (2, "Disconnecting: Too many authentication failures for git [preauth]"),
    ])  # fmt: skip
    assert forgiven == [(0, None, None), (0, None, None)]
    assert failed[-1] == (1, "192.0.2.111", 2)  # sshd's verdict on the refused keys: one attempt, not three


def test_a_login_after_guessing_other_users_is_an_attempt() -> None:
    pam = "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser={} rhost=192.0.2.114"
    answers = _run([(5, pam.format("root")), (5, pam.format("root")),
                    (5, "Accepted password for known from 192.0.2.114 port 52100 ssh2")])  # fmt: skip
    same_user = _run([(6, pam.format("rda")), (6, "Accepted password for rda from 192.0.2.114 port 52100 ssh2")])
    assert answers == [(0, None, None), (0, None, None), (3, "192.0.2.114", 3)]
    assert same_user == [(0, None, None), (0, None, None)]


def test_rule_modes_decide_what_else_counts() -> None:
    lines = [(3, "Did not receive identification string from 203.0.113.9 port 4"),
             (4, "Connection closed by 203.0.113.10 port 5 [preauth]"),
             (5, "Unable to negotiate with 203.0.113.11 port 6: no matching cipher found. Their offer: x")]  # fmt: skip
    counted = {mode: [address for _, address, _ in _run(lines, mode)] for mode in MODES}
    assert counted == {
        "normal": [None, None, None],
        "ddos": ["203.0.113.9", "203.0.113.10", None],
        "extra": [None, None, "203.0.113.11"],
        "aggressive": ["203.0.113.9", "203.0.113.10", "203.0.113.11"],
    }


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown rule mode 'paranoid'"):
        ThreatEvaluator(RULESET, mode="paranoid")


@pytest.mark.parametrize(
    ("message", "address"),
    [
        # user names chosen to look like sshd's own suffix (fail2ban's injection cases, and our own)
        ("Failed password for invalid user x from 198.51.100.1 port 1 ssh2 from 203.0.113.7 port 22 ssh2",
         "203.0.113.7"),
        ("Failed password for invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2", "127.0.0.1"),
        ("Failed password for user from 127.0.0.1 port 20000 ssh1: ruser from 1.2.3.4", "127.0.0.1"),
        ("Invalid user a from 198.51.100.1 port 1 from 203.0.113.7 port 22", "203.0.113.7"),
        ("Connection closed by authenticating user t 127.0.0.1 port 1 192.0.2.11 port 46039 [preauth]", "192.0.2.11"),
        ("Bad protocol version identification 'x' from 192.0.2.1' from 69.61.56.115 port 31778", "69.61.56.115"),
        # the address is normalised: IPv4-mapped as IPv4, IPv6 in one spelling
        ("Failed password for root from ::ffff:192.0.2.10 port 22 ssh2", "192.0.2.10"),
        ("Failed password for root from 2001:DB8:0:0::7 port 22 ssh2", "2001:db8::7"),
        ("ROOT LOGIN REFUSED FROM ::ffff:1.2.3.4 port 12345 [preauth]", "1.2.3.4"),
    ],
)  # fmt: skip
def test_the_address_is_where_sshd_writes_it(message: str, address: str | None) -> None:
    ((attempts, blamed, _),) = _run([(1, message)], "aggressive")
    assert (attempts, blamed) == (1, address)


def test_pam_generic_rule_blames_the_host_pam_wrote() -> None:
    message = ("pam_unix(auth): authentication failure; logname= uid=0 euid=0 tty=xxx ruser=test rhost=192.0.2.151 "
               "rhost=192.0.2.1")  # fmt: skip
    entry = Entry(line=1, message=message, priority=5, identifier="daemon", pid=3)
    (hit,) = [hit for hit in ThreatEvaluator(RULESET).observe(entry) if hit.attempts]
    assert (hit.rule_id, hit.fields["src"], hit.fields["ruser"]) == ("pam.auth_failure", "192.0.2.1",
                                                                     "test rhost=192.0.2.151")  # fmt: skip


def test_brute_force_counts_attempts_the_connection_confirmed_later() -> None:
    evaluator = ThreatEvaluator(RULESET)
    for pid in range(10):
        for message in ("User root not allowed because account is locked",
                        "Received disconnect from 203.0.113.5 port 9:11: Bye Bye [preauth]"):  # fmt: skip
            evaluator.observe(Entry(line=1, message=message, priority=6, time_us=10**6 + pid, hostname="h",
                                    identifier="sshd", pid=100 + pid))  # fmt: skip
    findings = {(f.correlation_id, f.key, f.total) for f in evaluator.summary().findings}
    assert ("ssh.brute_force", "203.0.113.5", 10) in findings


def test_open_connections_are_bounded() -> None:
    tracker = ConnectionTracker(max_connections=8)
    for pid in range(100):
        tracker.judge(("h", "sshd", pid), ("attempt",), None, None, pid)
    assert len(tracker._open) <= 8 and ("h", "sshd", 99) in tracker._open and ("h", "sshd", 0) not in tracker._open


def test_address_normalisation_keeps_what_it_cannot_parse() -> None:
    assert normalise_address("192.030.0.6") == "192.030.0.6"
    assert normalise_address("example.com") == "example.com"
    assert normalise_address("fe80::1%eth0") == "fe80::1%eth0"
    assert normalise_address("::FFFF:10.0.0.1") == "10.0.0.1"


def test_session_fields_are_checked_at_load(tmp_path: Path) -> None:
    rule = (
        '[[rule]]\nid = "local.x"\ntitle = "x"\nidentifiers = ["sshd"]\ncontains = ["x"]\nlevel = "low"\n'
        "regex = 'x (?P<src>\\S+)'\n"
        'session = "attempt"\nsession_by_mode = {{ {mode} = "{role}" }}\n'
        'examples = ["x 1.2.3.4"]\ncounterexamples = ["y"]\n'
    )
    (tmp_path / "a.toml").write_text(rule.format(mode="ddos", role="sometimes"))
    with pytest.raises(RuleError, match=r"'session_by_mode\.ddos' 'sometimes' must be one of"):
        RuleSet.load(tmp_path)
    (tmp_path / "a.toml").write_text(rule.format(mode="paranoid", role="attempt"))
    with pytest.raises(RuleError, match="unknown mode 'paranoid'"):
        RuleSet.load(tmp_path)
    (tmp_path / "a.toml").write_text(rule.format(mode="ddos", role="none"))
    loaded = RuleSet.load(tmp_path).rules["local.x"]
    assert (loaded.role("normal"), loaded.role("ddos"), loaded.role("aggressive")) == ("attempt", "none", "attempt")
