"""Prove a faster ``template_of`` changes no template: compare it with the frozen reference on many inputs.

Usage: ``python benchmarks/template_equivalence.py [--journal FILE] [--loghub DIR] [--random 20000] [--seed 1]``

Grouping decides which lines share an explanation, so a speed-up must give exactly the same template for every
input. The reference is ``_template_reference.py`` (today's implementation, frozen). Inputs: the kept messages of a
journal JSON file (``make_journal_json.py``), loghub-2.0's Linux and OpenSSH samples (the ``Content`` column of
``*_structured_corrected.csv`` under DIR), every rule example and counterexample, and random adversarial messages
built from tricky tokens. Each input runs twice through the new code (cold, then memoised) so a memo cannot hide
a difference. Exit status 1 when any template differs.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _template_reference as reference  # a sibling script, not a package
from alsate_cli.grouping import template as current

RULES_DATA = Path(current.__file__).resolve().parent.parent / "rules" / "data"

_TOKENS = (
    "1.2.3.4", "192.168.0.255", "10.0.0.1:22", "999.1.1.1", "1.2.3", "1.2.3.4.5", "01.02.03.004", "::1", "fe80::1%eth0",
    "2001:db8::7", "::ffff:192.0.2.10", "2001:0db8:0000:0000:0000:ff00:0042:8329", "a:b:c", "00:1a:2b:3c:4d:5e",
    "00-1A-2B-3C-4D-5E", "55:ea:dd:38:62:07:7c:9d:6d:96:9d:87:b2:88", "0x1f", "0XdeadBEEF", "deadbeef", "1a2e68840cf8",
    "ED25519", "ABCDEF12", "0000:00:1f.2", "00:1f.7", "00:1f.8", "/usr/bin/ls", "/", "~/x", "(/dev/sda1)", "'/a b'",
    "=/x", "key=value", "SRC=1.2.3.4", "ID=93683", "OUT=", "=x", "a=b=c", "x.y=1", "9=9", "user=root", "ruser=",
    "rhost=", "rhost=host.example.com", "logname=", "USER=root", "acct=\"bob smith\"", "acct=\"", "\"quoted\"",
    "'single'", "[1234]", "[1.2.3.4]", "(123)", "{x}", "<y>", "#5", "*96890", "21906#17066:", "[46775.20959]",
    "12:34:56", "1:23", "12:34:56.789", "2024-01-02", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05+01:00",
    "10/Oct/2000:13:55:36", "Jan", "Feb", "Mar", "Sept.", "Mon", "Tue,", "UTC", "CEST", "+0200", "2024", "5", "05",
    "123", "0", "007", "12345678901234567890", "1.5", "1.2.3", "10kB", "4GiB", "512M", "3B", "10ms", "1.5s", "2h",
    "5sec", "µs", "3µs", "https://x.example/a?b=c", "ftp://1.2.3.4/x", "SHA256:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "MD5:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", "123e4567-e89b-12d3-a456-426614174000", "host.example.org",
    "mail.example.org[1.2.3.4]", "unknown[1.2.3.4]", "example.py", "user.id", "a.b.c.de", "sda", "sda1", "sdb",
    "vdz2", "nvme0n1p2", "nvme0", "mmcblk0p1", "md0", "dm-3", "loop7", "xvda1", "sdaa", "/dev/sda", "for", "user",
    "invalid", "illegal", "Invalid", "User", "from", "port", "ssh2", "ssh", "sshd[123]:", "by", "(uid=0)",
    "alice(uid=1000)", "(to", "root)", "on", ":", ";", "TTY=pts/0", "PWD=/home/x", "COMMAND=/bin/sh", "CMD", "(x)",
    ") CMD (", "FOR", "'x'", "FROM", "Their offer:", "getaddrinfo", "maps", "to", "not allowed", "failure", "password",
    "publickey", "none", "exceeded", "failures", "<IP>", "(<HOST>)", "[<IP>]", "é", "日本", "ß", "İ", "٣٤٥", "１２３",
    "sda=00000000", "x'00000000", "FOR 'x '00000001", "SHA111:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "abcd:ef01:abcd.ef01", "0000:0000:0000.0000", "1.2.3.4.8", "00:1f.9", "0x0", "0X00000000", "deadbeef0",
    "\u00a0", "\u2028", "\t", "\n", "\r", "\x1b[31m", "\x1b]8;;http://x\x07", "\x07", "\x00", "\x7f", "\x9b1m", "",
    " ", "  ", ",", ".", "..", "-", "_", "=", "\\", "\"", "'", "(", ")", "[", "]", "x" * 70, "1" * 70, "a1" * 40,
    # canonical spellings (template.py): hex runs by their neighbours, MACs, KEY=value, bracketed numbers, dates
    "1a2b3c4d5e", "d67ea9b576d7", "abcdef1", "1234567a", "0000000a", "a000000", "deadbeefcafe0", "x/1a2b3c4d5e/y",
    "=deadbeef12", "[0123abcd+4567ef01]", "+95ab12cd34ef]", "SHA256:1a2b3c4d5e6f7", "SHA256:1a2b3c4d5e6f7a8b9c0d1e2f",
    "SHA123:1a2b3c4d", "MD5:1234567abc", "SHA1:abcdef12345", "10/Oct/2000:13:55:36abcdef1", "12:34:1234567a",
    "-1234567a", "1234567a-", "1234567a.com", "abcdef1://x", "1234567a://x", "dm-1234567a", "sd1234567a",
    "'1234567a'", "\"1234567a\"", "(1234567a)", "<1234567a>", "{1234567a}", "_1234567a", "1234567a_", "1234567a:",
    "aa:bb:cc:dd:ee:ff", "12:34:56:78:9a:bc", "00:11:22:33:44:55:66", "(aa:bb:cc:dd:ee:ff)", "aa:bb:cc:dd:ee:ff:",
    "MAC=00:11:22:33:44:55:66", "X=aa:bb:cc:dd:ee:ff", "sda=123", "vdb=1.2.3.4", "sdx=00:11:22:33:44:55",
    "user=1.2.3.4", "a.b=0001", "_x=12345678", "ID=00000001", "K=1.2.3.4.5", "(007)", "#00000001", "*1.2.3.4,",
    "[1.2.3.4]:", "'123'", "\"1.2.3.4\"", "'00000001", "00000001'", "(12)", "{12}", "<12>", "12!", "12?",
    "Jul  9", "Sep 3", "Mon Jan 1", "Dec", "Sat Jul 9 12:34:56 2024", "Jan 1, 2024 10:00:00 UTC",
    "Nov  3 10:00:00 1999", "FOR 'x '", "acct=\"x \"", "for user", "(to x)", "(uid=0)", "by", "ruser=bob",
    "user=invalid", "logname=x.y.", "rhost=a,b", "user=a(b)", "USER=www-data", "euser=1.2.3.4", "user=sda1",
    "rhost=sda", "logname=illegal", "user=a;b", "user=a.", "rhost=mail.example.org", "logname=x@y", "user=user=x",
    "xuser=bob", "usr=bob", "user", "invalid", "illegal",
)  # fmt: skip


def journal_messages(path: Path) -> Iterator[str]:
    """The messages a default ``alsate analyze`` run would group (warning and worse)."""
    from alsate_cli.priority import PrioritySelection
    from alsate_cli.sources import read_entries
    from alsate_cli.sources.stats import IngestStats

    with path.open("rb") as stream:
        for entry in read_entries(stream, IngestStats(), keep=PrioritySelection.parse("warning")):
            yield entry.message


def loghub_messages(folder: Path) -> Iterator[str]:
    for csv_path in sorted(folder.glob("*/*_structured_corrected.csv")):
        with csv_path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                yield row["Content"]


def rule_messages() -> Iterator[str]:
    for toml_path in sorted(RULES_DATA.glob("*.toml")):
        for rule in tomllib.loads(toml_path.read_text(encoding="utf-8")).get("rule", []):
            yield from rule.get("examples", [])
            yield from rule.get("counterexamples", [])


def random_messages(count: int, seed: int, seeds: list[str]) -> Iterator[str]:
    """Tricky tokens, real words and digit-mutated real messages, glued by spaces or nothing."""
    rng = random.Random(seed)
    words = [word for message in seeds for word in message.split()] or ["x"]
    digits = "0123456789"
    for number in range(count):
        kind = number % 4
        if kind == 3 and seeds:  # a real message with its digits changed: the shape of a memo's near misses
            base = rng.choice(seeds)
            grow = rng.random() < 0.2  # now and then a number one digit longer
            yield "".join(
                (rng.choice(digits) + (rng.choice(digits) if grow and rng.random() < 0.1 else ""))
                if ch.isdigit() and rng.random() < 0.7
                else ch
                for ch in base
            )
            continue
        parts = [rng.choice(_TOKENS) if rng.random() < 0.6 else rng.choice(words) for _ in range(rng.randint(0, 24))]
        glue = rng.choice((" ", " ", " ", "", "  ", "\t", " : ", "="))
        message = glue.join(parts)
        if kind == 2 and rng.random() < 0.3:
            message = message * rng.randint(2, 40)  # very long lines: past the 512-character cut
        yield message


def compare(label: str, messages: Iterable[str], show: int = 5) -> tuple[int, int]:
    """(compared, different) for one source; prints the first few differences."""
    compared = different = 0
    for message in messages:
        expected = reference.template_of(message)
        for _ in range(2):  # cold, then whatever the new code memoised
            compared += 1
            got = current.template_of(message)
            if got != expected:
                different += 1
                if different <= show:
                    print(f"  DIFF {label}: {message[:200]!r}")
                    print(f"    reference {expected[:200]!r}\n    new       {got[:200]!r}")
    print(f"{label}: {compared:,} compared, {different:,} different")
    return compared, different


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journal", type=Path, help="journal JSON lines (make_journal_json.py)")
    parser.add_argument("--loghub", type=Path, help="loghub-2.0 2k_dataset folder (Linux/, OpenSSH/)")
    parser.add_argument("--random", type=int, default=20_000, help="random adversarial messages")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sources: list[tuple[str, list[str]]] = []
    if args.journal:
        sources.append(("journal kept messages", list(journal_messages(args.journal))))
    if args.loghub:
        sources.append(("loghub", list(loghub_messages(args.loghub))))
    sources.append(("rule examples", list(rule_messages())))
    seeds = [message for _, messages in sources for message in messages[:5000]]
    sources.append(("random adversarial", list(random_messages(args.random, args.seed, seeds))))
    total = failures = 0
    for label, messages in sources:
        current.clear_template_cache()
        compared, different = compare(label, messages)
        total, failures = total + compared, failures + different
    print(f"total: {total:,} compared, {failures:,} different")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
