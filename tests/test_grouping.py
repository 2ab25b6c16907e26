"""Grouper: one group per (writer, template), folded in place with bounded memory."""

from __future__ import annotations

import re

from alsate_cli.entry import Entry
from alsate_cli.grouping import Group, Grouper
from alsate_cli.grouping.group import MAX_EXAMPLES, MAX_LABELS
from alsate_cli.grouping.grouper import MAX_TEXT, group_id, identifier_key, program_name

T0 = 1_700_000_000_000_000  # µs


def entry(message: str, *, identifier: str = "sshd", priority: int = 4, **fields: object) -> Entry:
    line = fields.pop("line", 1)
    return Entry(line=line, message=message, priority=priority, identifier=identifier, **fields)  # type: ignore[arg-type]


def test_same_issue_folds_into_one_group_with_counts_and_time_bounds() -> None:
    grouper = Grouper()
    times = [T0 + 50, T0 + 10, T0 + 90, T0 + 30]  # out of time order on purpose
    for i, when in enumerate(times):
        grouper.add(entry(f"Failed password for root from 10.0.0.{i} port {4000 + i} ssh2", time_us=when))
    grouper.add(entry("Failed password for root from 10.0.0.9 port 22 ssh2"))  # no time: bounds unchanged

    (group,) = grouper.groups()
    assert len(grouper) == 1
    assert group.count == 5
    assert group.first_seen_us == T0 + 10
    assert group.last_seen_us == T0 + 90
    assert group.template == "Failed password for <USER> from <IP> port <NUM> ssh2"


def test_add_returns_the_group_it_updated() -> None:
    grouper = Grouper()
    first = grouper.add(entry("Invalid user admin from 1.2.3.4"))
    second = grouper.add(entry("Invalid user oracle from 5.6.7.8"))
    other = grouper.add(entry("Connection closed by 1.2.3.4 [preauth]"))
    assert first is second
    assert other is not first
    assert [g.count for g in grouper.groups()] == [2, 1]


def test_program_identifier_is_part_of_the_issue() -> None:
    grouper = Grouper()
    grouper.add(entry("Connection reset by peer", identifier="nginx"))
    grouper.add(entry("Connection reset by peer", identifier="sshd[812]"))
    grouper.add(entry("Connection reset by peer", identifier="sshd"))
    assert sorted((g.identifier, g.count, sorted(g.programs)) for g in grouper.groups()) == [
        ("nginx", 1, ["nginx"]),
        ("sshd", 2, ["sshd"]),
    ]


def test_a_modules_words_group_by_module_and_list_the_programs_that_loaded_it() -> None:
    grouper = Grouper()
    grouper.add(entry("session opened for user root by (uid=0)", identifier="su(pam_unix)"))
    grouper.add(entry("session opened for user news by (uid=0)", identifier="sshd(pam_unix)[1]"))
    grouper.add(entry("session closed for user news", identifier="sshd(pam_unix)"))
    opened, closed = grouper.groups()
    assert (opened.identifier, opened.count, sorted(opened.programs)) == (
        "pam_unix",
        2,
        ["sshd(pam_unix)", "su(pam_unix)"],
    )
    assert (closed.identifier, closed.count, sorted(closed.programs)) == ("pam_unix", 1, ["sshd(pam_unix)"])
    assert opened.id == group_id("pam_unix", opened.template)  # stable whichever program came first


def test_an_identifier_of_nothing_but_control_sequences_names_no_program() -> None:
    grouper = Grouper()
    group = grouper.add(entry("disk is failing", identifier="\x1b[31m"))
    assert (group.identifier, group.programs) == ("", set())


def test_identifier_normalisation_keeps_meaningful_parts() -> None:
    assert identifier_key("sshd(pam_unix)") == "pam_unix"
    assert program_name("sshd(pam_unix)[77]:") == "sshd(pam_unix)"
    assert identifier_key("(sd-pam)") == "(sd-pam)"  # a program whose name is in parentheses
    assert identifier_key("sshd[1234]") == "sshd"
    assert identifier_key(" postfix/smtpd ") == "postfix/smtpd"
    assert identifier_key("evil\x1b[31mred") == "evilred"
    assert identifier_key("") == ""


def test_worst_priority_wins_and_becomes_the_representative() -> None:
    grouper = Grouper()
    grouper.add(entry("disk sda1 temperature 50 C", identifier="smartd", priority=4, hostname="web1", pid=7))
    grouper.add(entry("disk sda1 temperature 70 C", identifier="smartd", priority=2, hostname="web1", pid=7))
    grouper.add(entry("disk sda1 temperature 90 C", identifier="smartd", priority=2, hostname="web1", pid=7))
    grouper.add(entry("disk sda1 temperature 40 C", identifier="smartd", priority=5, hostname="web1", pid=7))
    (group,) = grouper.groups()
    assert group.priority == 2
    # the first entry that reached the worst priority, not the last one
    assert group.representative.endswith("web1 smartd[7]: disk sda1 temperature 70 C")


def test_representative_is_the_first_entry_when_priorities_are_equal() -> None:
    grouper = Grouper()
    grouper.add(entry("Invalid user admin from 1.2.3.4", hostname="h", pid=1))
    grouper.add(entry("Invalid user guest from 1.2.3.5", hostname="h", pid=2))
    (group,) = grouper.groups()
    assert group.representative == "h sshd[1]: Invalid user admin from 1.2.3.4"


def test_representative_is_a_single_control_free_line() -> None:
    grouper = Grouper()
    group = grouper.add(entry("first line\nsecond \x1b]0;title\x07line", identifier="app"))
    assert group.representative == "app: first line second line"


def test_giant_messages_keep_group_memory_bounded() -> None:
    grouper = Grouper()
    for i in range(5):
        grouper.add(entry(f"payload {i} " + "A" * 1_000_000, identifier="app"))
    (group,) = grouper.groups()
    assert group.count == 5
    assert all(len(text) <= MAX_TEXT for text in [*group.examples, group.representative])
    assert group.representative.endswith("…")


def test_priority_inferred_only_while_every_entry_was_inferred() -> None:
    grouper = Grouper()
    group = grouper.add(entry("Invalid user a from 1.2.3.4", priority_inferred=True))
    assert group.priority_inferred is True
    grouper.add(entry("Invalid user b from 1.2.3.4", priority_inferred=False))
    grouper.add(entry("Invalid user c from 1.2.3.4", priority_inferred=True))
    assert group.priority_inferred is False

    known = Grouper().add(entry("Invalid user a from 1.2.3.4", priority_inferred=False))
    assert known.priority_inferred is False


def test_examples_are_distinct_single_lines_capped_at_max() -> None:
    grouper = Grouper()
    messages = ["Invalid user a from 1.2.3.4", "Invalid user a from 1.2.3.4", "Invalid  user b\tfrom 1.2.3.4 "]
    messages += [f"Invalid user u{i} from 1.2.3.4" for i in range(10)]
    for message in messages:
        grouper.add(entry(message))
    (group,) = grouper.groups()
    assert MAX_EXAMPLES == 3
    assert group.examples == [
        "Invalid user a from 1.2.3.4",
        "Invalid user b from 1.2.3.4",
        "Invalid user u0 from 1.2.3.4",
    ]


def test_hosts_and_units_are_capped() -> None:
    grouper = Grouper()
    for i in range(MAX_LABELS * 3):
        grouper.add(entry("Connection reset by peer", hostname=f"host{i}", unit=f"unit{i}.service"))
    grouper.add(entry("Connection reset by peer", hostname=None, unit=None))
    (group,) = grouper.groups()
    assert len(group.hosts) == MAX_LABELS
    assert len(group.units) == MAX_LABELS
    assert "host0" in group.hosts and "unit0.service" in group.units


def test_group_ids_are_stable_short_hashes() -> None:
    def ids() -> dict[str, str]:
        grouper = Grouper()
        grouper.add(entry("Invalid user a from 1.2.3.4"))
        grouper.add(entry("Out of memory: Killed process 12 (java)", identifier="kernel"))
        return {g.template: g.id for g in grouper.groups()}

    first, second = ids(), ids()
    assert first == second
    assert all(re.fullmatch(r"[0-9a-f]{12}", i) for i in first.values())
    assert len(set(first.values())) == 2
    assert first["Invalid user <USER> from <IP>"] == group_id("sshd", "Invalid user <USER> from <IP>")
    assert group_id("sshd", "x") != group_id("sshd(pam_unix)", "x")
    # the separator cannot occur inside either part: both are control-free by construction
    assert "\0" not in identifier_key("a\0b")


def test_memory_is_bounded_by_groups_not_lines() -> None:
    shapes = [
        ("sshd", "Failed password for root from 10.{a}.{b}.1 port {c} ssh2"),
        ("sshd", "Invalid user u{c} from 10.{a}.{b}.2"),
        ("kernel", "[UFW BLOCK] IN=eth0 SRC=10.{a}.{b}.3 DST=10.0.0.5 LEN={c} PROTO=TCP SPT={c} DPT=22"),
        ("systemd", "backup.service: Main process exited, code=exited, status={a}/FAILURE"),
        (
            "sudo",
            "pam_unix(sudo:auth): authentication failure; logname=u{a} uid={c} euid=0 tty=/dev/pts/{b} "
            "ruser=u{a} rhost=  user=u{a}",
        ),
    ]
    # A few hundred distinct messages (the template memo is bounded anyway), 200k entries, 1000 hosts.
    messages = [(ident, text.format(a=i % 7, b=i % 5, c=i)) for ident, text in shapes for i in range(60)]
    grouper = Grouper()
    add = grouper.add
    total = 200_000
    for n in range(total):
        ident, text = messages[n % len(messages)]
        add(Entry(line=n, message=text, priority=4, identifier=ident, hostname=f"h{n % 1000}", time_us=T0 + n))
    groups = grouper.groups()
    assert len(groups) == len(shapes)
    assert sum(g.count for g in groups) == total
    assert all(len(g.hosts) == MAX_LABELS and len(g.examples) == MAX_EXAMPLES for g in groups)


def test_a_morning_of_real_looking_lines_groups_like_a_sysadmin_would() -> None:
    lines = [
        ("sshd", "Failed password for root from 203.0.113.7 port 52144 ssh2"),
        ("sshd", "Failed password for root from 198.51.100.23 port 40022 ssh2"),
        ("sshd", "Failed password for invalid user admin from 203.0.113.7 port 52150 ssh2"),
        ("sshd", "Failed password for invalid user test from 198.51.100.23 port 40100 ssh2"),
        (
            "sshd",
            "Accepted publickey for deploy from 192.0.2.10 port 50022 ssh2: "
            "ED25519 SHA256:q1w2e3r4t5y6u7i8o9p0AsDfGhJkLzXcVbNm+/12345",
        ),
        (
            "sshd",
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
            "rhost=203.0.113.7  user=root",
        ),
        (
            "sshd",
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
            "rhost=host.example.net  user=root",
        ),
        (
            "kernel",
            "EXT4-fs error (device sda1): ext4_find_entry:1455: inode #131074: comm nginx: reading directory lblock 0",
        ),
        (
            "kernel",
            "EXT4-fs error (device sdb2): ext4_find_entry:1455: inode #2: comm nginx: reading directory lblock 0",
        ),
        ("kernel", "Out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:6123456kB, file-rss:0kB"),
        ("kernel", "Out of memory: Killed process 777 (postgres) total-vm:2123456kB, anon-rss:1123456kB, file-rss:0kB"),
        ("systemd", "nginx.service: Failed with result 'exit-code'."),
        ("systemd", "nginx.service: Failed with result 'exit-code'."),
        ("systemd", "backup.service: Failed with result 'exit-code'."),
        ("systemd", "backup.service: Failed with result 'timeout'."),
    ]
    grouper = Grouper()
    membership = [grouper.add(entry(message, identifier=ident, line=i)).id for i, (ident, message) in enumerate(lines)]
    expected_partition = [[0, 1], [2, 3], [4], [5, 6], [7, 8], [9], [10], [11, 12], [13], [14]]
    actual: dict[str, list[int]] = {}
    for index, gid in enumerate(membership):
        actual.setdefault(gid, []).append(index)
    assert sorted(actual.values()) == expected_partition


def test_groups_are_listed_in_creation_order() -> None:
    grouper = Grouper()
    for message in ["b happened", "a happened 1", "b happened", "c happened", "a happened 2"]:
        grouper.add(entry(message, identifier="app"))
    assert [g.template for g in grouper.groups()] == ["b happened", "a happened <NUM>", "c happened"]
    assert all(isinstance(g, Group) for g in grouper.groups())
