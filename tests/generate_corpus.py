"""A small real-shaped training log for the generator's tests: sshd, PAM, sudo, cron and kernel lines as those
programs write them, with private addresses, a host name and user names that must never reach the output."""

from __future__ import annotations

import random

HOST = "webprod7"
USERS = ("alice", "bobsmith", "carol")
ATTACKERS = ("10.20.30.40", "172.16.5.9", "100.64.7.7")
LAN = ("10.0.0.12", "10.0.0.13")
INVALID = ("oracle", "tomcat", "deploy", "jenkins")


def training_lines(count: int = 600, seed: int = 7) -> list[str]:
    """``count`` syslog lines, one second to a few minutes apart, starting 2026-11-20 08:00 local time."""
    rng = random.Random(seed)
    lines: list[str] = []
    second = 0
    pid = 2000
    while len(lines) < count:
        second += rng.choice((1, 1, 2, 5, 30, 120))
        stamp = f"Nov 20 {8 + second // 3600 % 12:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        pid += rng.randint(1, 9)
        choice = rng.random()
        if choice < 0.35:
            src, port, user = rng.choice(ATTACKERS), rng.randint(30000, 60000), rng.choice(INVALID)
            lines += [
                f"{stamp} {HOST} sshd[{pid}]: Invalid user {user} from {src} port {port}",
                f"{stamp} {HOST} sshd[{pid}]: Failed password for invalid user {user} from {src} port {port} ssh2",
                f"{stamp} {HOST} sshd[{pid}]: Connection closed by invalid user {user} {src} port {port} [preauth]",
            ]
        elif choice < 0.55:
            src, port, user = rng.choice(LAN), rng.randint(30000, 60000), rng.choice(USERS)
            lines += [
                f"{stamp} {HOST} sshd[{pid}]: Accepted publickey for {user} from {src} port {port} ssh2",
                f"{stamp} {HOST} sshd[{pid}]: pam_unix(sshd:session): session opened for user {user}(uid=1000) "
                "by (uid=0)",
            ]
        elif choice < 0.7:
            user = rng.choice(USERS)
            lines.append(f"{stamp} {HOST} sudo: {user} : TTY=pts/{rng.randint(0, 3)} ; PWD=/home/{user} ; USER=root ; "
                         f"COMMAND=/usr/bin/systemctl restart nginx")  # fmt: skip
        elif choice < 0.9:
            lines.append(f"{stamp} {HOST} CRON[{pid}]: (root) CMD (/usr/lib/php/sessionclean)")
        else:
            lines.append(f"{stamp} {HOST} kernel: [{second}.{rng.randint(100000, 999999)}] e1000e: eth0 NIC Link is Up "
                         f"1000 Mbps Full Duplex, Flow Control: None")  # fmt: skip
    return lines[:count]


def secrets() -> list[str]:
    """Everything of the training input that identifies someone."""
    return [HOST, *USERS, *ATTACKERS, *LAN, *INVALID]


def retry_lines(attackers: int = 300, seed: int = 11) -> list[str]:
    """sshd brute force where attackers come back: each address has its own user name and makes one connection,
    or (two in five) a second one later with a new PID, the same user and address and a new port; other
    attackers' connections and cron lines come in between. Addresses are mostly distinct (so drawn afresh by the
    generator), and the first line of a connection names only the address: the user name on the next line repeats
    an earlier connection's only where the generator pairs it with that address again."""
    rng = random.Random(seed)
    visits = []
    for index in range(attackers):
        address = f"10.{index // 250 + 100}.{index % 250}.{rng.randint(1, 250)}"
        visits.append((index * 20 + rng.randint(0, 5), address, f"u{index:03d}x"))
        if rng.random() < 0.4:
            visits.append((index * 20 + rng.randint(100, 2000), address, f"u{index:03d}x"))
    visits.sort()
    lines: list[str] = []
    pid = 5000
    for at, address, user in visits:
        pid += rng.randint(2, 40)
        stamp = f"Nov 21 {9 + at // 3600:02d}:{at // 60 % 60:02d}:{at % 60:02d}"
        lines += [
            f"{stamp} {HOST} sshd[{pid}]: reverse mapping checking getaddrinfo for {user}.example.net [{address}] "
            "failed - POSSIBLE BREAK-IN ATTEMPT!",
            f"{stamp} {HOST} sshd[{pid}]: Invalid user {user} from {address}",
            f"{stamp} {HOST} sshd[{pid}]: Failed password for invalid user {user} from {address} port "
            f"{rng.randint(30000, 60000)} ssh2",
            f"{stamp} {HOST} sshd[{pid}]: Connection closed by {address} [preauth]",
        ]
        if rng.random() < 0.3:
            lines.append(f"{stamp} {HOST} CRON[{pid + 1}]: (root) CMD (/usr/lib/php/sessionclean)")
    return lines


BOOT = (
    "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC",
    "Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=4f1e ro quiet",
    "BIOS-provided physical RAM map:",
    "NX (Execute Disable) protection: active",
    "SMBIOS 3.0.0 present.",
    "DMI: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
    "tsc: Fast TSC calibration using PIT",
    "last_pfn = 0x7ffdc max_arch_pfn = 0x400000000",
    "x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT",
    "found SMP MP-table at [mem 0x000f5b80-0x000f5b8f]",
    "RAMDISK: [mem 0x33ba2000-0x35dc8fff]",
    "ACPI: Early table checksum verification disabled",
    "Zone ranges:",
    "Movable zone start for each node",
    "Early memory node ranges",
    "Initmem setup node 0 [mem 0x0000000000001000-0x000000007ffdbfff]",
    "percpu: Embedded 61 pages/cpu s212992 r8192 d28672 u1048576",
    "Built 1 zonelists, mobility grouping on.  Total pages: 515804",
    "Kernel command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=4f1e ro quiet",
    "Dentry cache hash table entries: 262144 (order: 9, 2097152 bytes, linear)",
    "Inode-cache hash table entries: 131072 (order: 8, 1048576 bytes, linear)",
    "mem auto-init: stack:all(zero), heap alloc:on, heap free:off",
    "Memory: 1995000K/2096600K available (14342K kernel code, 2457K rwdata)",
    "SLUB: HWalign=64, Order=0-3, MinObjects=0, CPUs=2, Nodes=1",
    "ftrace: allocating 40165 entries in 157 pages",
    "rcu: Preemptible hierarchical RCU implementation.",
    "NR_IRQS: 524544, nr_irqs: 440, preallocated irqs: 16",
    "Console: colour VGA+ 80x25",
    "printk: console [tty0] enabled",
    "APIC: Switch to symmetric I/O mode setup",
    "clocksource: tsc-early: mask: 0xffffffffffffffff max_cycles: 0x3985c314e25",
    "Calibrating delay loop (skipped), value calculated using timer frequency.. 5999.99 BogoMIPS",
    "pid_max: default: 32768 minimum: 301",
    "LSM: Security Framework initializing",
    "landlock: Up and running.",
    "Yama: disabled by default; enable with sysctl kernel.yama.*",
    "AppArmor: AppArmor initialized",
    "Mount-cache hash table entries: 4096 (order: 3, 32768 bytes, linear)",
    "smpboot: CPU0: Intel Xeon Processor (Icelake) (family: 0x6, model: 0x6a, stepping: 0x0)",
    "Performance Events: Icelake events, full-width counters, Intel PMU driver.",
    "signal: max sigframe size: 3632",
    "smp: Bringing up secondary CPUs ...",
    "x86: Booting SMP configuration:",
    "devtmpfs: initialized",
    "NET: Registered PF_NETLINK/PF_ROUTE protocol family",
    "audit: initializing netlink subsys (disabled)",
    "thermal_sys: Registered thermal governor 'fair_share'",
    "cpuidle: using governor ladder",
    "PCI: Using configuration type 1 for base access",
    "kprobes: kprobe jump-optimization is enabled. All kprobes are optimized if possible.",
    "HugeTLB: registered 2.00 MiB page size, pre-allocated 0 pages",
    "iommu: Default domain type: Translated",
    "SCSI subsystem initialized",
    "usbcore: registered new interface driver usbfs",
    "EDAC MC: Ver: 3.0.0",
    "NetLabel: Initializing",
    "vgaarb: loaded",
    "VFS: Disk quotas dquot_6.6.0",
    "pnp: PnP ACPI init",
    "Freeing initrd memory: 35996K",
    "Initialise system trusted keyrings",
    "zbud: loaded",
    "Key type asymmetric registered",
    "Serial: 8250/16550 driver, 32 ports, IRQ sharing enabled",
    "i8042: PNP: PS/2 Controller [PNP0303:KBD,PNP0f13:MOU] at 0x60,0x64 irq 1,12",
    "rtc_cmos 00:05: RTC can wake from S4",
    "Freeing unused kernel image (initmem) memory: 2796K",
    "Write protecting the kernel read-only data: 26624k",
    "Run /init as init process",
    "EXT4-fs (vda1): mounted filesystem with ordered data mode. Quota mode: none.",
)
"""A boot's kernel messages, as a server logs them once per boot: each a template of its own."""


def boot_lines(count: int = 1000, seed: int = 5, at: float = 0.6) -> list[str]:
    """A server's ``count`` lines with one boot in them (``at`` of the way through): before and after it, cron and
    session lines that repeat all the time and sshd failures that never do (a new port each); the boot (``BOOT``)
    happens once, so none of its lines repeats. A generator that walks the boot twice in as
    many lines repeats seventy lines the input wrote once; one that misses it loses seventy templates."""
    rng = random.Random(seed)
    lines: list[str] = []
    second = 0
    pid = 3000
    booted = False
    while len(lines) < count:
        second += rng.choice((1, 3, 20, 60, 300))
        stamp = f"Nov 22 {second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        if not booted and len(lines) >= at * count:
            booted = True
            lines += [f"{stamp} {HOST} kernel: {message}" for message in BOOT]
            continue
        pid += rng.randint(1, 9)
        choice = rng.random()
        if choice < 0.4:
            src, port = rng.choice(ATTACKERS), rng.randint(30000, 60000)
            lines.append(f"{stamp} {HOST} sshd[{pid}]: Failed password for root from {src} port {port} ssh2")
        elif choice < 0.6:
            user = rng.choice(USERS)
            lines += [
                f"{stamp} {HOST} su[{pid}]: pam_unix(su:session): session opened for user {user} by (uid=0)",
                f"{stamp} {HOST} su[{pid}]: pam_unix(su:session): session closed for user {user}",
            ]
        elif choice < 0.9:
            lines.append(f"{stamp} {HOST} CRON[{pid}]: (root) CMD (/usr/lib/php/sessionclean)")
        else:
            lines.append(f"{stamp} {HOST} logrotate: ALERT exited abnormally with [1]")
    return lines[:count] if booted else lines
