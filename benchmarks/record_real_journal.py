"""Record a real journal: real systemd-journald, sshd, PAM, sudo and cron, driven by real logins over loopback.

No public real journal could be found (BENCHMARKS.md, "Synthetic logs"), so this makes one: journald itself writes
every entry with the fields it trusts (``_PID``, ``_COMM``, ``_EXE``, ``_UID``, ``_BOOT_ID``, cursors …), and every
message is the text of the program that logged it — sshd's and PAM's for the logins, sudo's, cron's, the kernel's
ring buffer, journald's own. This script writes no message; it only does what a host's users and attackers do:
password guesses for common and invalid user names from many sources (private addresses added to the loopback
interface for the run, so sshd sees forty hosts as a server's log would), connections
that close before authenticating or speak HTTP to sshd, and a user who logs in, runs commands and uses sudo, with
the wrong password now and then, beside one who is not in the sudoers file.

Run it as root in a throwaway container or VM only: it adds two users, a cron file and addresses on ``lo``, starts
journald (when none runs), sshd on 127.0.0.1:2222 and cron, and removes and stops what it added at the end::

    apt-get install -y openssh-server sshpass sudo cron
    python benchmarks/record_real_journal.py real.json --connections 1500 --seed 1
    LOGHUB_2K=DIR python benchmarks/synthetic_logs.py --journal real.json

The output is ``journalctl -o json`` of every entry written since the run began (all priorities), and beside it
``OUT.truth.json``: the attackers' source addresses (each with its connections), and the office address the
legitimate sessions came from, so that what alsate flags can be checked against what happened.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

JOURNAL_SOCKET = "/run/systemd/journal/socket"
SYSLOG_SOCKET = "/run/systemd/journal/dev-log"
SSHD_PORT = 2222
CRON_FILE = Path("/etc/cron.d/alsate-real-journal")
ADMIN, OUTSIDER = "alsate-admin", "alsate-guest"
GUESSED_USERS = [
    *("root", "admin", "test", "user", "ubuntu", "oracle", "postgres", "git", "ftp", "guest", "pi", "deploy"),
    *("jenkins", "mysql", "www-data", "support", "nagios", "hadoop", "tomcat", "ansible"),
]
NEEDED = ("/usr/sbin/sshd", "sshpass", "sudo", "cron", "ssh", "journalctl", "useradd", "chpasswd", "ip")


def _journald_listening() -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(JOURNAL_SOCKET)
        except OSError:
            return False
    return True


@contextlib.contextmanager
def journald() -> Iterator[None]:
    """The host's journald if one listens, else one started here (systemd-journald runs without systemd as PID 1)."""
    started = None
    if not _journald_listening():
        Path("/run/systemd/journal").mkdir(parents=True, exist_ok=True)
        started = subprocess.Popen(
            ["/lib/systemd/systemd-journald"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(100):
            if _journald_listening():
                break
            time.sleep(0.05)
        else:
            sys.exit("systemd-journald did not start listening")
    if not os.path.lexists("/dev/log"):
        os.symlink(SYSLOG_SOCKET, "/dev/log")  # where syslog(3) writes: sshd, sudo, PAM and cron log through it
    try:
        yield
    finally:
        if started:
            subprocess.run(["journalctl", "--sync"], check=False, capture_output=True)
            started.terminate()
            started.wait(10)


def _add_user(name: str, password: str, *groups: str) -> None:
    if subprocess.run(["id", name], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "-m", "-s", "/bin/sh", name], check=True)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
    if groups:
        subprocess.run(["usermod", "-aG", ",".join(groups), name], check=True)


@contextlib.contextmanager
def sshd(workdir: Path) -> Iterator[None]:
    """A second sshd on 127.0.0.1:2222 with its own host key and config, logging through syslog like a real one."""
    key = workdir / "host_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    config = workdir / "sshd_config"
    config.write_text(
        f"Port {SSHD_PORT}\nListenAddress 127.0.0.1\nHostKey {key}\nPidFile {workdir / 'sshd.pid'}\n"
        "PasswordAuthentication yes\nKbdInteractiveAuthentication no\nUsePAM yes\nPermitRootLogin prohibit-password\n"
        "SyslogFacility AUTH\nLogLevel INFO\nMaxStartups 30:30:100\nMaxAuthTries 6\n",
        encoding="utf-8",
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    daemon = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", str(config)])
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", SSHD_PORT), 0.2):
                break
            time.sleep(0.05)
        yield
    finally:
        daemon.terminate()
        daemon.wait(10)


@contextlib.contextmanager
def cron(admin: str) -> Iterator[None]:
    """cron with two jobs a minute (root's and the admin's), which log their sessions and commands."""
    CRON_FILE.write_text(f"* * * * * root /bin/true\n* * * * * {admin} /usr/bin/test -d /tmp\n", encoding="utf-8")
    daemon = subprocess.Popen(["cron", "-f", "-L", "15"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        daemon.terminate()
        daemon.wait(10)
        CRON_FILE.unlink(missing_ok=True)


def _ssh(source: str, user: str, password: str, command: str) -> None:
    subprocess.run(
        [
            "sshpass", "-e", "ssh", "-b", source, "-p", str(SSHD_PORT), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "PubkeyAuthentication=no", "-o", "LogLevel=QUIET",
            "-o", "PreferredAuthentications=password", "-o", "ConnectTimeout=10", f"{user}@127.0.0.1", command,
        ],
        env={**os.environ, "SSHPASS": password},
        stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False,
    )  # fmt: skip


def _probe(source: str, payload: bytes) -> None:
    """A connection that never authenticates: closed at once, or speaking something else than SSH."""
    with contextlib.suppress(OSError), socket.socket() as conn:
        conn.bind((source, 0))
        conn.settimeout(5)
        conn.connect(("127.0.0.1", SSHD_PORT))
        if payload:
            conn.sendall(payload)
            with contextlib.suppress(OSError):
                conn.recv(256)


@contextlib.contextmanager
def local_addresses(addresses: list[str]) -> Iterator[None]:
    """Addresses on ``lo`` for the run: a connection bound to one reaches sshd from it, as from another host."""
    added = []
    try:
        for address in addresses:
            result = subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", "lo"], capture_output=True)
            if result.returncode == 0:
                added.append(address)
            elif b"File exists" not in result.stderr:
                sys.exit(f"ip addr add {address}: {result.stderr.decode().strip()}")
        yield
    finally:
        for address in added:
            subprocess.run(["ip", "addr", "del", f"{address}/32", "dev", "lo"], capture_output=True)


def sources(rng: random.Random) -> tuple[list[str], str]:
    """Forty attackers' addresses and the office's, from the private and shared ranges (never a real host's)."""
    attackers = set()
    while len(attackers) < 40:
        first, second = rng.choice(
            [(10, rng.randrange(256)), (172, rng.randrange(16, 32)), (100, rng.randrange(64, 128))]
        )
        attackers.add(f"{first}.{second}.{rng.randrange(256)}.{rng.randrange(1, 255)}")
    return sorted(attackers), "192.168.10.20"


def workload(count: int, rng: random.Random, admin_password: str, guest_password: str) -> list:  # type: ignore[type-arg]
    """What arrives, in order: attackers' bursts, probes, and the admin's and guest's sessions between them."""
    attackers, office = sources(rng)
    jobs: list = []  # type: ignore[type-arg]
    while len(jobs) < count:
        roll = rng.random()
        if roll < 0.70:
            source, users = rng.choice(attackers), rng.sample(GUESSED_USERS, rng.randrange(1, 4))
            for _ in range(rng.randrange(2, 12)):
                jobs.append((_ssh, source, rng.choice(users), secrets.token_hex(rng.randrange(3, 8)), "true"))
        elif roll < 0.80:
            payload = rng.choice([b"", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"SSH-2.0-Go\r\n"])
            jobs.append((_probe, rng.choice(attackers), payload))
        elif roll < 0.95:
            sudo_password = admin_password if rng.random() < 0.8 else secrets.token_hex(4)
            command = rng.choice(["uptime", "df -h /", "id", f"echo {sudo_password} | sudo -S -p '' true"])
            jobs.append((_ssh, office, ADMIN, admin_password, command))
        else:
            jobs.append((_ssh, office, OUTSIDER, guest_password, "echo x | sudo -S -p '' true"))
    return jobs[:count]


def truth(jobs: list) -> dict[str, object]:  # type: ignore[type-arg]
    """Who did what: per attacking address its password guesses and probes, and where the legitimate sessions came
    from."""
    attackers: dict[str, dict[str, int]] = {}
    legitimate = set()
    for job in jobs:
        source = job[1]
        if job[0] is _ssh and job[2] in (ADMIN, OUTSIDER):
            legitimate.add(source)
            continue
        counts = attackers.setdefault(source, {"guesses": 0, "probes": 0})
        counts["guesses" if job[0] is _ssh else "probes"] += 1
    return {"attackers": dict(sorted(attackers.items())), "legitimate": sorted(legitimate)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--connections", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root, in a throwaway container or VM")
    missing = [tool for tool in NEEDED if not shutil.which(tool)]
    if missing:
        sys.exit(f"missing: {' '.join(missing)} (apt-get install -y openssh-server sshpass sudo cron)")
    rng = random.Random(args.seed)
    admin_password, guest_password = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    began = time.time()
    with journald(), tempfile.TemporaryDirectory() as workdir:
        _add_user(ADMIN, admin_password, "sudo")
        _add_user(OUTSIDER, guest_password)
        jobs = workload(args.connections, rng, admin_password, guest_password)
        with (
            local_addresses(sorted({job[1] for job in jobs})),
            sshd(Path(workdir)),
            cron(ADMIN),
            ThreadPoolExecutor(args.parallel) as pool,
        ):
            for done, _ in enumerate(pool.map(lambda job: job[0](*job[1:]), jobs), 1):
                if done % 100 == 0:
                    print(f"{done}/{len(jobs)} connections", file=sys.stderr)
        time.sleep(1)  # the last sessions' close lines
        subprocess.run(["journalctl", "--sync"], check=False, capture_output=True)
        with open(args.out, "wb") as out:
            subprocess.run(["journalctl", "-o", "json", "--since", f"@{int(began)}"], stdout=out, check=True)
    Path(f"{args.out}.truth.json").write_text(json.dumps(truth(jobs), indent=2) + "\n", encoding="utf-8")
    with open(args.out, "rb") as written:
        lines = sum(1 for _ in written)
    print(f"{lines} entries in {time.time() - began:.0f} s -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
