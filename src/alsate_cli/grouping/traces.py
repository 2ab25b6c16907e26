"""One issue per kernel trace: the lines the kernel prints after a BUG, WARNING, hung task or OOM report
(``Call Trace:``, one line per stack frame, registers, the OOM process table) join the report's group.

Each of those lines is a journal entry of its own, and every frame names another function, so without this a
single trace makes a dozen groups, each worth a model call and none meaningful alone. A continuation line is
folded into the group of the report line that came last from the same host, while the burst lasts (the kernel
prints a trace within milliseconds; a gap of more than ``MAX_GAP_US`` ends it), and only while no other kernel
line came in between.
"""

from __future__ import annotations

import re

from alsate_cli.entry import Entry

MAX_GAP_US = 5_000_000
_MAX_HOSTS = 1024

_HEADER = re.compile(
    r"(?:\[\s*\d+\.\d+\]\s*)?(?:"
    r"WARNING: CPU: \d+ PID: \d+|(?:watchdog: )?BUG: |kernel BUG at |Oops: |general protection fault|"
    r"INFO: task \S.* blocked for more than|INFO: rcu_\w+ (?:self-)?detected stall|rcu: INFO: rcu_\w+ |"
    r"\S+ invoked oom-killer: |Kernel panic - not syncing|NMI watchdog: |unreferenced object )"
)
"""Lines that start a report the kernel follows with a trace."""
_CONTINUATION = re.compile(
    r"(?:\[\s*\d+\.\d+\]\s*)?(?:"
    r"(?:\? )?[\w.$]+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w-]+\])?\s*$|"  # one stack frame
    r"(?:Call Trace|Mem-Info|Tasks state \(memory values in pages\)|Code|Stack|Workqueue|Modules linked in|"
    r"Hardware name|Tainted|CR2|RIP|RSP|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R\d\d|FS|CS|DS|ES|DR\d|PKRU|"
    r"Memory cgroup stats for [^:]*|memory|swap|kmem|Node \d+ \w+|lowmem_reserve\[\]|Free swap|Total swap|"
    r"active_anon|oom-kill|Out of memory|Memory cgroup out of memory|Killed process)[: ]|"
    r"</?(?:TASK|IRQ|NMI|SOFTIRQ)>\s*$|"
    r"CPU: \d+ (?:PID|UID): \d+ |task:\S+ +state:|\[\s*pid\s*\]|\[\s*\d+\]\s+\d+\s+\d+|"
    r"\d+ (?:total pagecache pages|pages (?:RAM|reserved|HighMem|in swap cache|hwpoisoned)|pages? )|"
    r"\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message|---\[ end trace )"
)
"""Lines that only continue a report (frames, registers, the OOM report's tables, its kill line)."""


class TraceFolder:
    """Per host, the template of the report being printed; ``fold`` says which template an entry joins."""

    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open: dict[str | None, tuple[str, int | None]] = {}

    def fold(self, entry: Entry, template: str) -> str | None:
        """The report's template when this kernel entry continues one, else None (and it may start one)."""
        message = entry.message
        host = entry.hostname
        report = self._open.get(host)
        if report is not None and _CONTINUATION.match(message):
            header, last_us = report
            now = entry.time_us
            if now is None or last_us is None or 0 <= now - last_us <= MAX_GAP_US:
                self._open[host] = (header, now if now is not None else last_us)
                return header
        if _HEADER.match(message):
            if len(self._open) >= _MAX_HOSTS:
                self._open.clear()
            self._open[host] = (template, entry.time_us)
        elif report is not None:
            del self._open[host]  # another kernel line: the report is over
        return None
