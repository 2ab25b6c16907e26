"""template_of: variable parts are masked by shape or position, words that carry meaning never are."""

from __future__ import annotations

import pytest

from alsate_cli.grouping import template_of
from alsate_cli.grouping.template import MAX_TEMPLATE_INPUT


@pytest.mark.parametrize(
    ("message", "template"),
    [
        # numbers, pids in brackets, key=value numbers
        ("Removed session 42.", "Removed session <NUM>."),
        ("rtkit-daemon[123]: Supervising 5 threads", "rtkit-daemon[<NUM>]: Supervising <NUM> threads"),
        ("uid=0 euid=1000", "uid=<NUM> euid=<NUM>"),
        # IPv4 and IPv6 in their usual spellings
        ("Connection closed by 173.234.31.186 [preauth]", "Connection closed by <IP> [preauth]"),
        ("Connection from ::1 port 50000", "Connection from <IP> port <NUM>"),
        ("from fe80::1ff:fe23:4567:890a%eth0 port 22", "from <IP> port <NUM>"),
        ("reset by 2001:db8:85a3:0:0:8a2e:370:7334 port 22", "reset by <IP> port <NUM>"),
        ("peer ::ffff:192.0.2.1 gone", "peer <IP> gone"),
        # hardware and ids
        ("MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=1.2.3.4", "MAC=<MAC> SRC=<IP>"),
        ("link 3c:22:fb:01:02:0a up", "link <MAC> up"),
        ("Boot ID 0f5c8a3e-2b1d-4c6a-9e7f-1a2b3c4d5e6f", "Boot ID <UUID>"),
        ("flags 0x1f at 0xffff8880", "flags <HEX> at <HEX>"),
        ("sp 00007ffd12345678 id 3f2a1b9c4d5e", "sp <HEX> id <HEX>"),
        ("Using IRQ router PIIX/ICH [8086/2410] at 0000:00:1f.0", "Using IRQ router PIIX/ICH [<NUM>/<NUM>] at <PCI>"),
        # paths, URLs, host names
        ("creating device node '/udev/vcs2'", "creating device node '<PATH>'"),
        ("Failed to open /etc/foo.conf: No such file", "Failed to open <PATH>: No such file"),
        ("tty=/dev/pts/1 ruser=", "tty=<PATH> ruser="),
        ("fetch http://example.com/a?b=1 failed", "fetch <URL> failed"),
        ("hostname mail.example.net does not resolve", "hostname <HOST> does not resolve"),
        # times, durations, sizes
        ("at Fri Jun 17 07:07:00 2005", "at <TIME>"),
        ("#1 Sat May 8 09:04:50 EDT 2004", "#<NUM> <TIME>"),
        ("since 2024-01-05T10:11:12.123+01:00 ok", "since <TIME> ok"),
        ("job ran 10:11:12 late", "job ran <TIME> late"),
        ("Timed out after 1min 30.500s waiting", "Timed out after <DURATION> <DURATION> waiting"),
        ("total-vm:4096kB, anon-rss:12MB", "total-vm:<SIZE>, anon-rss:<SIZE>"),
        # user names where the structure says so
        (
            "Failed password for root from 1.2.3.4 port 22 ssh2",
            "Failed password for <USER> from <IP> port <NUM> ssh2",
        ),
        (
            "Failed password for invalid user admin from 1.2.3.4 port 22 ssh2",
            "Failed password for invalid user <USER> from <IP> port <NUM> ssh2",
        ),
        ("Invalid user webmaster from 1.2.3.4", "Invalid user <USER> from <IP>"),
        ("session opened for user root by (uid=0)", "session opened for user <USER> by (uid=<NUM>)"),
        (
            "session opened for user root(uid=0) by alice(uid=1000)",
            "session opened for user <USER>(uid=<NUM>) by <USER>(uid=<NUM>)",
        ),
        (
            "authentication failure; logname=alice uid=1000 euid=0 tty=pts/1 ruser=alice rhost=  user=alice",
            "authentication failure; logname=<USER> uid=<NUM> euid=<NUM> tty=pts/<NUM> ruser=<USER> rhost= user=<USER>",
        ),
        (
            "alice : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id -u",
            "<USER> : <NUM> incorrect password attempts ; TTY=pts/<NUM> ; PWD=<PATH> ; USER=<USER> ; COMMAND=<CMD>",
        ),
        ("FAILED SU (to root) alice on pts/0", "FAILED SU (to <USER>) <USER> on pts/<NUM>"),
        ("Started Session 42 of User john.smith.", "Started Session <NUM> of User <USER>."),
        # hosts where the structure says so, whether a name or an address
        ("ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root", "ruser= rhost=<HOST> user=<USER>"),
        ("ruser= rhost=218.188.2.4", "ruser= rhost=<HOST>"),
        (
            "reverse mapping checking getaddrinfo for ns.example.com [1.2.3.4] failed - POSSIBLE BREAK-IN ATTEMPT!",
            "reverse mapping checking getaddrinfo for <HOST> [<IP>] failed - POSSIBLE BREAK-IN ATTEMPT!",
        ),
        ("connection from 1.2.3.4 (host.adsl.example.net) at", "connection from <IP> (<HOST>) at"),
        ("connection from 1.2.3.4 () at", "connection from <IP> (<HOST>) at"),
        ("connect from unknown[1.2.3.4]", "connect from <HOST>[<IP>]"),
        # block devices: one issue whichever disk
        ("I/O error, dev sdb, sector 123456", "I/O error, dev <DEV>, sector <NUM>"),
        ("EXT4-fs error (device nvme0n1p2): bad", "EXT4-fs error (device <DEV>): bad"),
        # sshd key fingerprints and client algorithm lists
        (
            "Accepted publickey for bob from 1.2.3.4 port 22 ssh2: "
            "RSA SHA256:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/abcde",
            "Accepted publickey for <USER> from <IP> port <NUM> ssh2: RSA <FINGERPRINT>",
        ),
        (
            "no matching cipher found. Their offer: aes128-cbc,3des-cbc [preauth]",
            "no matching cipher found. Their offer: <LIST> [preauth]",
        ),
    ],
)
def test_masks_variable_parts(message: str, template: str) -> None:
    assert template_of(message) == template


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Failed password for root from 1.2.3.4 port 22 ssh2", "Failed none for root from 1.2.3.4 port 22 ssh2"),
        ("Failed password for root from 1.2.3.4 port 22 ssh2", "Failed publickey for root from 1.2.3.4 port 22 ssh2"),
        ("Accepted password for bob from 1.2.3.4 port 22 ssh2", "Failed password for bob from 1.2.3.4 port 22 ssh2"),
        ("cupsd startup succeeded", "cupsd shutdown succeeded"),
        (
            "BIOS-e820: 0000000000000000 - 00000000000a0000 (usable)",
            "BIOS-e820: 00000000000f0000 - 0000000000100000 (reserved)",
        ),
        ("session opened for user root by (uid=0)", "session closed for user root"),
        ("Started Daily apt download activities.", "Stopped Daily apt download activities."),
        ("foo.service: Failed with result 'exit-code'.", "foo.service: Failed with result 'timeout'."),
        ("foo.service: Failed with result 'exit-code'.", "bar.service: Failed with result 'exit-code'."),
        ("check pass; user unknown", "check pass; user root"),
        (
            "Accepted publickey for a from 1.2.3.4 port 22 ssh2: ED25519 SHA256:x",
            "Accepted publickey for a from 1.2.3.4 port 22 ssh2: RSA SHA256:x",
        ),
        ('apparmor="DENIED" operation="open"', 'apparmor="ALLOWED" operation="open"'),
        ("authentication failure; rhost= user=root", "authentication failure; rhost=1.2.3.4 user=root"),
    ],
)
def test_different_meanings_stay_apart(first: str, second: str) -> None:
    assert template_of(first) != template_of(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "Failed password for root from 1.2.3.4 port 22 ssh2",
            "Failed password for oracle from 5.6.7.8 port 4711 ssh2",
        ),
        ("Invalid user admin from 1.2.3.4", "Invalid user 0 from 2001:db8::2"),
        ("rhost=1.2.3.4  user=root", "rhost=dsl.example.net  user=guest"),
        (
            "connection from 1.2.3.4 () at Fri Jun 17 07:07:00 2005",
            "connection from 5.6.7.8 (a.example.de) at Sat Jul 2 23:01:59 2005",
        ),
        (
            "Out of memory: Killed process 12 (java) total-vm:100kB",
            "Out of memory: Killed process 9876 (java) total-vm:123456kB",
        ),
        ("creating device node '/udev/vcs2'", "creating device node '/udev/vcsa12'"),
    ],
)
def test_same_issue_with_other_values_merges(first: str, second: str) -> None:
    assert template_of(first) == template_of(second)


def test_multi_line_messages_are_named_by_their_first_non_blank_line() -> None:
    dump = "\n  \nProcess 1234 (firefox) of user 1000 dumped core.\n\nStack trace of thread 1234:\n#0 0x00007f in raise"
    other = "Process 99 (firefox) of user 1000 dumped core.\n\nStack trace of thread 99:\n#0 0x00007a in abort"
    assert template_of(dump) == "Process <NUM> (firefox) of user <USER> dumped core."
    assert template_of(dump) == template_of(other)
    assert "\n" not in template_of("a\nb")


def test_whitespace_is_collapsed_and_controls_removed() -> None:
    assert template_of("  Bringing up  loopback\tinterface:  succeeded ") == "Bringing up loopback interface: succeeded"
    hostile = "login failed \x1b]8;;http://evil.example/\x07click\x1b]8;;\x07 for user root\x1b[2J"
    template = template_of(hostile)
    assert "\x1b" not in template and "\x07" not in template
    assert template == "login failed click for user <USER>"


def test_a_first_line_of_escape_codes_only_counts_as_blank() -> None:
    assert template_of("\x1b[31m\x1b[0m\nkernel: disk 3 failing") == "kernel: disk <NUM> failing"


def test_huge_messages_are_cut_to_a_bounded_template() -> None:
    huge = "x" * (MAX_TEMPLATE_INPUT * 50)
    assert template_of(huge) == "x" * MAX_TEMPLATE_INPUT
    assert template_of(huge + "tail differs") == template_of(huge)


def test_empty_and_blank_messages() -> None:
    assert template_of("") == ""
    assert template_of("\n \n") == ""


def _family(pattern: str, values: list[tuple[str, ...]]) -> list[str]:
    return [pattern.format(*value) for value in values]


_HEXES = [("1a2e68840cf8",), ("d9b1005a7cf0",), ("00000000000a",), ("abcdef1",), ("1234567",), ("abcdefa",), ("0x1f",)]


@pytest.mark.parametrize(
    "messages",
    [
        # kernel firewall lines: MAC letters, address and number lengths vary, as in every real log
        _family(
            "[UFW BLOCK] IN=eth0 OUT= MAC={} SRC={} DST=10.0.0.5 LEN={} TTL=244 ID={} PROTO=TCP SPT={} DPT=23",
            [
                ("55:ea:dd:38:62:07:7c:9d", "1.2.3.4", "40", "7", "1024"),
                ("00:11:22:33:44:55", "211.160.31.135", "1500", "65535", "5"),
                ("AA:BB:CC:DD:EE:FF", "10.0.0.1", "007", "00000001", "22"),
                ("55:ea:dd:38:62", "1.2.3.4.5", "x1", "1.5", "22"),
            ],
        ),
        _family("Handler for POST /v1.43/containers/{}/start returned error", _HEXES),
        _family(
            "{}[{}]: segfault at {} ip {} error 4 in libc.so.6[{}+{}]",
            [
                ("bob", "1", "1a2e68840cf8", "d9b1005a7cf0", "e18750122e9d", "95ab12cd34ef"),
                ("alice", "12345", "abcdef1", "1234567", "0000000a", "abcdefa"),
                ("sda", "1", "1a2e68840cf8", "d9b1005a7cf0", "e1875012-2e9d", "95ab12cd34ef"),
            ],
        ),
        _family(
            "pam_unix(sudo:auth): authentication failure; logname={} uid={} tty=/dev/pts/{} ruser={} user={}",
            [
                ("alice", "0", "1", "bob", "root"),
                ("www-data", "1000", "17474", "invalid", "a."),
                ("x(y)", "00001", "2", "illegal user", "sda1"),
            ],
        ),
        _family(
            "Accepted publickey for {} from {} port {} ssh2: RSA SHA256:{}",
            [
                ("git", "10.0.0.9", "51234", "1a2b3c4d5e6f"),
                ("root", "1.2.3.4", "22", "1a2b3c4d5e6f7a8b9c0d1e2f3a4b"),
                ("invalid", "1.2.3.4", "22", "abcdef1"),
            ],
        ),
        # a host name whose end could start the user rule's "failure for " is not spelt canonically
        [
            "authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=xfailure for bob",
            "authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=host.example for bob",
            "authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=xfailure  user=root",
            "authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=mail.example.org",
        ],
        # where a canonical spelling would change the template, none is used
        ["FOR 'x '00000001 failed", "FOR 'x '1 failed", "sda=00000000 read", "sda=1 read"],
        ["at Jul  9 12:34:56 2024 port 22", "at Jul  9 12:34:56 1 port 22", "10/Oct/2000:13:55:36abcdef1 x"],
        ["see abcdef1://x now", "see 1234567a://x now", "id x:1234567a", "id x:abcdefa1", "12:34:1234567a"],
        # word spellings memoised by digit shape: a month name before a number, bare hex words of every case
        [
            "report Jan 5 12:00:00 done port 22",
            "report Jan 12345 12:00:00 done port 22",
            "report Janx 5 port 22",
            "report Sept. 5 port 22",
            "report xJan 1 port 22",
            "report Jan. 12345 port 22",
        ],
        _family("at {} ip {} sp {}", [("1abcdef", "1234567", "abcdefa"), ("1ABCDEF", "0000000a", "a1b2c3d4e5")]),
    ],
)
def test_memoised_templates_equal_the_passes_for_every_spelling(messages: list[str]) -> None:
    """The memos share templates between messages differing in numbers, hex words, MACs or user names only where
    the masking passes give every such message the same template: compare with the passes, cold and warm."""
    from alsate_cli.grouping.template import _mask, clear_template_cache

    clear_template_cache()
    for message in messages * 3:
        assert template_of(message) == _mask(message), message
