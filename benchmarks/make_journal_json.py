"""Generate a realistic journalctl ``-o json`` file for throughput benchmarks.

Each entry carries the ~25 fields journald really emits for a syslog-transport message (cursor, timestamps,
boot and machine ids, credentials, cgroup, unit …), and messages are drawn from templates of common Ubuntu/
RHEL services with random variable parts, at a priority mix resembling a busy server.

``--mix attack`` writes a host under attack instead: 30 % of the lines are security evidence (SSH brute force
from a rotating pool of sources, in bursts, with the connection lines sshd writes around them; sudo failures; a
port scan), mixed into benign chatter (the default mix without its security lines), with kernel and disk errors
at a few per thousand.

Usage: python benchmarks/make_journal_json.py OUT.json [--lines 1000000] [--seed 1] [--mix benign|attack]
"""

from __future__ import annotations

import argparse
import random
import uuid

import orjson

# (identifier, unit, priority, template) — {ip} {user} {n} {port} {hex} {path} {dev} are filled at random.
TEMPLATES: list[tuple[str, str, int, str]] = [
    ("sshd", "ssh.service", 6, "Failed password for {user} from {ip} port {port} ssh2"),
    ("sshd", "ssh.service", 6, "Failed password for invalid user {user} from {ip} port {port} ssh2"),
    ("sshd", "ssh.service", 6, "Invalid user {user} from {ip} port {port}"),
    ("sshd", "ssh.service", 6, "Accepted publickey for {user} from {ip} port {port} ssh2: RSA SHA256:{hex}"),
    ("sshd", "ssh.service", 3, "error: kex_exchange_identification: Connection closed by remote host"),
    ("sshd", "ssh.service", 4, "Connection reset by {ip} port {port} [preauth]"),
    ("sshd", "ssh.service", 2, "fatal: Timeout before authentication for {ip} port {port}"),
    (
        "sudo",
        "session-{n}.scope",
        5,
        "{user} : TTY=pts/{n} ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/apt update",
    ),
    (
        "sudo",
        "session-{n}.scope",
        3,
        "pam_unix(sudo:auth): authentication failure; logname={user} uid={n} euid=0 tty=/dev/pts/{n} ruser={user} rhost=  user={user}",
    ),
    (
        "kernel",
        "",
        4,
        "[UFW BLOCK] IN=eth0 OUT= MAC={mac} SRC={ip} DST=10.0.0.5 LEN=40 TOS=0x00 PREC=0x00 TTL=244 ID={n} PROTO=TCP SPT={port} DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0",
    ),
    (
        "kernel",
        "",
        3,
        "EXT4-fs error (device {dev}): ext4_find_entry:1455: inode #{n}: comm nginx: reading directory lblock 0",
    ),
    (
        "kernel",
        "",
        3,
        "Out of memory: Killed process {n} (java) total-vm:{n}kB, anon-rss:{n}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:{n}kB oom_score_adj:0",
    ),
    ("kernel", "", 4, "nvme nvme0: I/O {n} QID 3 timeout, aborting"),
    (
        "kernel",
        "",
        6,
        'audit: type=1400 audit({n}.{n}:{n}): apparmor="DENIED" operation="open" profile="/usr/sbin/cupsd" name="{path}" pid={n} comm="cupsd" requested_mask="r" denied_mask="r" fsuid=0 ouid=0',
    ),
    ("kernel", "", 3, "{user}[{n}]: segfault at {hex} ip {hex} sp {hex} error 4 in libc.so.6[{hex}+{hex}]"),
    ("systemd", "init.scope", 3, "{user}.service: Failed with result 'exit-code'."),
    ("systemd", "init.scope", 4, "{user}.service: Start request repeated too quickly."),
    ("systemd", "init.scope", 6, "Started Session {n} of User {user}."),
    ("systemd", "init.scope", 6, "Starting Daily apt download activities..."),
    ("systemd", "init.scope", 5, "{user}.service: Deactivated successfully."),
    ("systemd-logind", "systemd-logind.service", 6, "New session {n} of user {user}."),
    ("systemd-logind", "systemd-logind.service", 6, "Removed session {n}."),
    ("NetworkManager", "NetworkManager.service", 4, "<warn>  [{n}.{n}] dhcp4 (eth0): request timed out"),
    (
        "NetworkManager",
        "NetworkManager.service",
        6,
        "<info>  [{n}.{n}] device (eth0): state change: ip-check -> secondaries (reason 'none', sys-iface-state: 'managed')",
    ),
    ("CRON", "cron.service", 6, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"),
    ("CRON", "cron.service", 6, "({user}) CMD (/usr/local/bin/backup.sh {path})"),
    ("gdm3", "gdm.service", 4, "GLib: Source ID {n} was not found when attempting to remove it"),
    ("pulseaudio", "user@1000.service", 4, "W: [pulseaudio] module-alsa-card.c: Failed to find a working profile."),
    (
        "dockerd",
        "docker.service",
        3,
        'level=error msg="Handler for POST /v1.43/containers/{hex}/start returned error: driver failed"',
    ),
    ("smartd", "smartd.service", 2, "Device: /dev/{dev} [SAT], {n} Currently unreadable (pending) sectors"),
    (
        "postfix/smtpd",
        "postfix@-.service",
        4,
        "warning: hostname {user}.example.net does not resolve to address {ip}: Name or service not known",
    ),
    (
        "nginx",
        "nginx.service",
        3,
        '{n}#{n}: *{n} open() "{path}" failed (2: No such file or directory), client: {ip}, server: _, request: "GET {path} HTTP/1.1"',
    ),
    ("polkitd", "polkit.service", 5, "Registered Authentication Agent for unix-session:{n}"),
    (
        "rsyslogd",
        "rsyslog.service",
        4,
        "imjournal: {n} messages lost due to rate-limiting (20000 allowed within 600 seconds)",
    ),
    ("snapd", "snapd.service", 6, 'storehelpers.go:{n}: cannot refresh: snap has no updates available: "core20"'),
    ("chronyd", "chrony.service", 4, "System clock wrong by {n}.{n} seconds"),
]
# (identifier, unit, priority, template, weight) of an attacked host's security lines; {src} is the attacker.
ATTACK_TEMPLATES: list[tuple[str, str, int, str, float]] = [
    ("sshd", "ssh.service", 6, "Failed password for {user} from {src} port {port} ssh2", 40),
    ("sshd", "ssh.service", 6, "Failed password for invalid user {user} from {src} port {port} ssh2", 25),
    ("sshd", "ssh.service", 6, "Invalid user {user} from {src} port {port}", 15),
    ("sshd", "ssh.service", 6, "Connection closed by invalid user {user} {src} port {port} [preauth]", 6),
    (
        "sshd",
        "ssh.service",
        3,
        "error: maximum authentication attempts exceeded for {user} from {src} port {port} ssh2 [preauth]",
        3,
    ),
    (
        "sshd",
        "ssh.service",
        6,
        "Disconnecting invalid user {user} {src} port {port}: Too many authentication failures [preauth]",
        2,
    ),
    (
        "sudo",
        "session-{n}.scope",
        3,
        "pam_unix(sudo:auth): authentication failure; logname={user} uid=1001 euid=0 tty=/dev/pts/{n} ruser={user} rhost=  user={user}",
        4,
    ),
    (
        "sudo",
        "session-{n}.scope",
        2,
        "{user} : user NOT in sudoers ; TTY=pts/{n} ; PWD=/home/{user} ; USER=root ; COMMAND=/bin/bash",
        2,
    ),
    (
        "kernel",
        "",
        4,
        "[UFW BLOCK] IN=eth0 OUT= MAC={mac} SRC={src} DST=10.0.0.5 LEN=40 TOS=0x00 PREC=0x00 TTL=244 ID={n} PROTO=TCP SPT={port} DPT={port} WINDOW=1024 RES=0x00 SYN URGP=0",
        3,
    ),
]
INCIDENT_TEMPLATES: list[tuple[str, str, int, str]] = [
    (
        "kernel",
        "",
        3,
        "EXT4-fs error (device {dev}): ext4_find_entry:1455: inode #{n}: comm nginx: reading directory lblock 0",
    ),
    (
        "kernel",
        "",
        3,
        "blk_update_request: I/O error, dev {dev}, sector {n} op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0",
    ),
    (
        "kernel",
        "",
        3,
        "Out of memory: Killed process {n} (java) total-vm:{n}kB, anon-rss:{n}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:{n}kB oom_score_adj:0",
    ),
    ("kernel", "", 3, "{user}[{n}]: segfault at {hex} ip {hex} sp {hex} error 4 in libc.so.6[{hex}+{hex}]"),
    ("smartd", "smartd.service", 2, "Device: /dev/{dev} [SAT], {n} Currently unreadable (pending) sectors"),
]
ATTACK_SHARE, INCIDENT_SHARE = 0.30, 0.004
SECURITY_WORDS = ("Failed password", "Invalid user", "UFW", "apparmor", "authentication failure", "segfault",
                  "EXT4-fs error", "Out of memory", "unreadable", "Accepted")  # fmt: skip
"""Lines of the default mix left out of the attacked host's chatter: it gets its security lines from above."""
PRIORITY_WEIGHT = {0: 0.1, 1: 0.1, 2: 1, 3: 6, 4: 12, 5: 10, 6: 70, 7: 1}
USERS = ["root", "admin", "oracle", "test", "ubuntu", "alice", "bob", "git", "postgres", "www-data", "deploy"]
DEVS = ["sda1", "sdb", "nvme0n1p2", "md0", "dm-0"]
PATHS = ["/var/www/html/index.php", "/etc/cups/ppd/x.ppd", "/srv/data/file.bin", "/wp-login.php", "/.env"]


def fill(template: str, rng: random.Random) -> str:
    def ip() -> str:
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))

    text = template
    while "{" in text:
        text = text.replace("{ip}", ip(), 1).replace("{user}", rng.choice(USERS), 1)
        text = text.replace("{n}", str(rng.randint(1, 99999)), 1).replace("{port}", str(rng.randint(1024, 65535)), 1)
        text = text.replace("{hex}", f"{rng.getrandbits(48):x}", 1).replace("{path}", rng.choice(PATHS), 1)
        text = text.replace("{dev}", rng.choice(DEVS), 1)
        text = text.replace("{mac}", ":".join(f"{rng.randint(0, 255):02x}" for _ in range(14)), 1)
    return text


def _attack_lines(rng: random.Random):
    """Endless (identifier, unit, priority, message) of an attacked host: bursts from a rotating pool of sources."""
    benign = [t for t in TEMPLATES if not any(word in t[3] for word in SECURITY_WORDS)]
    benign_weights = [PRIORITY_WEIGHT[priority] for _, _, priority, _ in benign]
    attack_weights = [weight for *_, weight in ATTACK_TEMPLATES]
    sources = [f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
               for _ in range(5000)]  # fmt: skip
    source, left = rng.choice(sources), 0
    while True:
        roll = rng.random()
        if roll < ATTACK_SHARE:
            if left <= 0:  # the next attacker's burst: a handful to a few hundred tries
                source, left = rng.choice(sources), int(rng.paretovariate(1.2) * 5)
            left -= 1
            identifier, unit, priority, template, _ = rng.choices(ATTACK_TEMPLATES, attack_weights)[0]
            yield identifier, unit, priority, template.replace("{src}", source)
        elif roll < ATTACK_SHARE + INCIDENT_SHARE:
            yield rng.choice(INCIDENT_TEMPLATES)
        else:
            yield rng.choices(benign, benign_weights)[0]


def _benign_lines(rng: random.Random):
    weights = [PRIORITY_WEIGHT[priority] for _, _, priority, _ in TEMPLATES]
    while True:
        yield rng.choices(TEMPLATES, weights)[0]


def entries(count: int, seed: int, mix: str = "benign"):
    rng = random.Random(seed)
    lines = _attack_lines(rng) if mix == "attack" else _benign_lines(rng)
    boot, machine = uuid.UUID(int=rng.getrandbits(128)).hex, uuid.UUID(int=rng.getrandbits(128)).hex
    realtime = 1_763_856_000_000_000
    for seqnum in range(1, count + 1):
        identifier, unit, priority, template = next(lines)
        realtime += rng.randint(1, 200_000)
        pid = rng.randint(300, 99999)
        unit = fill(unit, rng) if unit else ""
        record = {
            "__CURSOR": f"s={boot};i={seqnum:x};b={boot};m={seqnum * 7:x};t={realtime:x};x={seqnum * 13:x}",
            "__REALTIME_TIMESTAMP": str(realtime),
            "__MONOTONIC_TIMESTAMP": str(realtime - 1_763_800_000_000_000),
            "__SEQNUM": str(seqnum),
            "_BOOT_ID": boot,
            "_MACHINE_ID": machine,
            "_HOSTNAME": "web-01",
            "PRIORITY": str(priority),
            "SYSLOG_FACILITY": "4" if identifier in ("sshd", "sudo") else "3",
            "SYSLOG_IDENTIFIER": identifier,
            "SYSLOG_PID": str(pid),
            "SYSLOG_TIMESTAMP": "Nov 23 10:00:00 ",
            "_PID": str(pid),
            "_UID": "0",
            "_GID": "0",
            "_COMM": identifier.split("/")[0][:15],
            "_EXE": f"/usr/sbin/{identifier.split('/')[0]}",
            "_CMDLINE": f"/usr/sbin/{identifier.split('/')[0]} -D",
            "_CAP_EFFECTIVE": "1ffffffffff",
            "_SELINUX_CONTEXT": "unconfined\n",
            "_SYSTEMD_CGROUP": f"/system.slice/{unit or 'kernel'}",
            "_SYSTEMD_UNIT": unit or None,
            "_SYSTEMD_SLICE": "system.slice",
            "_SYSTEMD_INVOCATION_ID": f"{rng.getrandbits(128):032x}",
            "_TRANSPORT": "kernel" if identifier == "kernel" else "syslog",
            "_SOURCE_REALTIME_TIMESTAMP": str(realtime - 3),
            "MESSAGE": fill(template, rng),
        }
        if record["_SYSTEMD_UNIT"] is None:
            del record["_SYSTEMD_UNIT"]
        yield record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mix", choices=("benign", "attack"), default="benign")
    args = parser.parse_args()
    with open(args.out, "wb") as out:
        for record in entries(args.lines, args.seed, args.mix):
            out.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))


if __name__ == "__main__":
    main()
