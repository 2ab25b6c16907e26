"""``--redact`` at the unit level: planted secrets disappear, the same value keeps one pseudonym, and the things
that are not personal (units, UUIDs, paths, loopback) stay readable."""

from __future__ import annotations

import ipaddress

from alsate_cli.entry import Entry
from alsate_cli.grouping import Grouper
from alsate_cli.redact import Redactor

PLANTED = {
    "203.0.113.77": "Failed password for alice from 203.0.113.77 port 4022 ssh2",
    "alice": "pam_unix(sudo:session): session opened for user alice(uid=0) by (uid=1000)",
    "hunter2": "login attempt with password=hunter2 failed",
    "s3cr3t-T0ken": 'config {"token": "s3cr3t-T0ken"} rejected',
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U": "Authorization: "
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "AKIAIOSFODNN7EXAMPLE": "aws: using key AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY leaked",
    "carol.smith@corp.example.com": "mail to carol.smith@corp.example.com bounced",
    "db.internal.example.com": "cannot resolve db.internal.example.com",
    "2001:db8:85a3::8a2e:370:7334": "connection from 2001:db8:85a3::8a2e:370:7334 refused",
    "pa55w0rd": "fetch https://deploy:pa55w0rd@git.example.org/repo.git failed",
}


def test_every_planted_value_is_gone() -> None:
    redactor = Redactor()
    for secret, message in PLANTED.items():
        redacted = redactor.text(message)
        assert secret not in redacted, (secret, redacted)


def test_same_value_same_pseudonym_and_names_learned_in_context_are_replaced_elsewhere() -> None:
    redactor = Redactor()
    first = redactor.text("Failed password for bob from 198.51.100.9 port 22 ssh2")
    second = redactor.text("Accepted password for bob from 198.51.100.9 port 23 ssh2")
    third = redactor.text("cannot open /home/bob/.ssh/authorized_keys")
    other = redactor.text("Failed password for carol from 198.51.100.10 port 22 ssh2")
    assert first.split()[3] == second.split()[3] == "user-1"
    assert first.split()[5] == second.split()[5]
    assert ipaddress.ip_address(first.split()[5])  # still an address: correlation rules keep working
    assert "/home/user-1/.ssh" in third
    assert other.split()[3] == "user-2" and other.split()[5] != first.split()[5]


def test_entry_host_field_and_mentions_share_a_pseudonym() -> None:
    redactor = Redactor()
    entry = redactor.entry(Entry(line=1, message="web-01 lost contact with web-01's peer", priority=3,
                                 hostname="web-01"))  # fmt: skip
    assert entry.hostname == "host-1"
    assert "web-01" not in entry.message and entry.message.startswith("host-1 ")


def test_what_identifies_nobody_stays_readable() -> None:
    redactor = Redactor()
    message = (
        "user@1000.service: Failed with result 'exit-code' on 127.0.0.1 for root; "
        "disk 123e4567-e89b-12d3-a456-426614174000 at /var/lib/docker/overlay2/AbC123dEf456GhI789jKl012/merged"
    )
    assert redactor.text(message) == message


def test_grouping_sees_redacted_text_so_one_issue_stays_one_group() -> None:
    redactor, grouper = Redactor(), Grouper()
    for n in range(4):
        grouper.add(redactor.entry(Entry(line=n, message=f"Failed password for user{n} from 203.0.113.{n} port 22",
                                         priority=3, identifier="sshd")))  # fmt: skip
    (group,) = grouper.groups()
    assert group.count == 4 and not any("203.0.113." in example for example in group.examples)


# Leaks the campaign (tests/test_leaks.py, benchmarks/leak_campaign.py) found, one line each: (line, what must go).
FOUND_LEAKS = (
    ("Accepted publickey for ann from ::ffff:203.0.113.9 port 22 ssh2", "203.0.113.9"),
    ("rejected request from 2001:db8:1:2:3:4:5:6: Authorization: Bearer x", "2001:db8:1:2:3:4:5:6"),
    ("rejected request from 2001:db8:7::8: Authorization: Bearer x", "2001:db8:7::8"),
    (
        "Accepted publickey for ann from 192.0.2.4 port 22 ssh2: RSA 0b:7d:29:7b:4c:fc:b8:de:6c:57:5f:5d:fa:79:eb:91",
        "0b:7d:29:7b",
    ),
    (
        "Failed publickey for ann from 192.0.2.4 port 22: ECDSA SHA256:l4SkxJz8/+YyYvIZdDCbmE3qQX8jNlYJGtWfYv7JLsE",
        "l4SkxJz8",
    ),
    ("curl -H 'Authorization: Bearer x' https://deploy.ops.corp/api/v2", "deploy.ops.corp"),
    ("Could not resolve host: git.build.cloud", "git.build.cloud"),
    ("FAILED LOGIN 1 FROM tty1 FOR marvin, Authentication failure", "marvin"),
    ("(marvin) CMD (/usr/local/bin/backup.sh)", "marvin"),
    ('*45 user "marvin": password mismatch, client: 192.0.2.4', "marvin"),
    ("POST /login?username=marvin&password=x failed", "marvin"),
    ("marvin/192.0.2.4:1194 TLS Error: TLS handshake failed", "marvin"),
    ("upload failed with AWS_ACCESS_KEY_ID=ASIAQIF5TACDICRH3FMB AWS_SECRET_ACCESS_KEY=x", "ASIAQIF5TACDICRH3FMB"),
    ("upload failed with AWS_SECRET_ACCESS_KEY=+qJy5XQIHFFhwS2hT0z2iIjGwmthA2fgl8VmOfqe", "+qJy5XQIHF"),
    ("credentials ASIAGI4BSKMXYUG2WIEC/MO1MOTIPbptOPPi5J96UWkhrg/GFRUVZN7RvdsGC rejected", "MO1MOTIPbptOPPi5"),
    ("config: DB_PASSWORD=hunter2 ignored", "hunter2"),
    ("(backup) CMD (PGPASSWORD=Zq9-ee1 pg_dump -h db1 app)", "Zq9-ee1"),
    ("COMMAND=/usr/bin/env SSHPASS=Zq9-ee2 sshpass -e rsync -a /srv b:/x", "Zq9-ee2"),
    ("(root) CMD (REDISCLI_AUTH=Zq9-ee3 redis-cli BGSAVE)", "Zq9-ee3"),
    ("POST /form csrftoken=Zq9ee4abc rejected", "Zq9ee4abc"),
)


def test_leaks_the_campaign_found_stay_fixed() -> None:
    for message, secret in FOUND_LEAKS:
        redacted = Redactor().text(message)
        assert secret not in redacted, (message, redacted)


def test_what_the_precise_patterns_keep() -> None:
    redactor = Redactor()
    kept = (
        "Warning: Access denied, retrying (using password: YES)",
        "link eth0 aa:bb:cc:dd:ee:ff is up; default route via ::1",
        "nginx.service: Main process exited, code=exited, status=1/FAILURE at /etc/nginx/sites-enabled/app.conf",
        "env PGPASSFILE=/etc/backup/pgpass OLDPWD=/srv bypass=1 compass=n",  # a path, a directory, not secrets
    )
    for message in kept:
        assert redactor.text(message) == message
    assert redactor.text("from 2001:db8:7::8: denied") == "from 2001:db8::1: denied"  # the colon is kept


def test_names_that_are_words_of_the_log_are_not_learned() -> None:
    redactor = Redactor()
    redactor.text("Failed password for user from 192.0.2.7 port 22 ssh2")  # sshd: an account called "user"
    redactor.text("session opened for user marvin by LOGIN(uid=0)")
    later = "Invalid user carol from 192.0.2.7; FAILED LOGIN 1 FROM tty1"
    assert "Invalid user user-" in redactor.text(later) and "FAILED LOGIN 1" in redactor.text(later)
