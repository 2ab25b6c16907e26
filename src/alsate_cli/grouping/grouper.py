"""Fold a stream of entries into distinct issues: one Group per (writer of the message, message template).

The writer is part of the key because the same words from different programs are different issues to a sysadmin
(``Connection reset by peer`` from nginx is not sshd's). The writer is the program identifier, except where the
identifier names a module inside a host program: old syslog writes PAM's lines as ``sshd(pam_unix)``,
``su(pam_unix)``, and the text is pam_unix's, meaning the same thing whichever program loaded it, so those group
by module and the group lists the programs. Memory grows with the number of groups, never with the number of
lines: counts and time bounds are folded in place, and hosts, units, programs and examples are capped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable

from alsate_cli.entry import Entry, short_line
from alsate_cli.grouping.group import MAX_EXAMPLES, MAX_LABELS, Group
from alsate_cli.grouping.template import template_of
from alsate_cli.grouping.traces import TraceFolder
from alsate_cli.textsafe import one_line

_TRAILING_PID = re.compile(r"\[\d+\]:?$")
_HOSTED_MODULE = re.compile(r"[\w.+-]+\(([\w.+-]+)\)")
"""``host(module)``, as old syslog names a PAM module's lines (``sshd(pam_unix)``)."""

_MAX_WRITERS = 4096
"""Distinct identifiers one grouper remembers (writer and program name) before it starts afresh."""

MAX_TEXT = 2000
"""Longest example or representative kept (characters): a group's memory stays bounded even for giant messages,
and the model is shown a line it can read whole."""


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def program_name(identifier: str) -> str:
    """The identifier as shown and compared: control-free, single-spaced, without a stray ``[pid]``/colon."""
    return _TRAILING_PID.sub("", one_line(identifier)).rstrip(":")


def writer_and_program(identifier: str) -> tuple[str, str]:
    """(writer, program name) of a raw identifier (``Grouper.add`` memoises both per identifier).

    The writer is what grouping keys on: the program name, or the module of ``host(module)``
    (``sshd(pam_unix)`` and ``su(pam_unix)`` are pam_unix's words, one group); ``sshd`` stays ``sshd``.
    """
    name = program_name(identifier)
    module = _HOSTED_MODULE.fullmatch(name)
    return (module.group(1) if module is not None else name), name


def identifier_key(identifier: str) -> str:
    """The writer of the message, as grouping keys it (see :func:`writer_and_program`)."""
    return writer_and_program(identifier)[0]


def group_id(identifier: str, template: str) -> str:
    """Stable 12-hex-digit id: the same issue gets the same id in every run and on every machine."""
    digest = hashlib.blake2b(f"{identifier}\0{template}".encode(), digest_size=6)
    return digest.hexdigest()


class Grouper:
    """Collects entries into groups.

    The representative line (what the model is shown) is the first entry seen with the group's worst priority:
    the first entry, replaced only when a strictly more severe one arrives, so the model explains the worst case.
    """

    __slots__ = ("_groups", "_traces", "_writers")

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], Group] = {}
        self._traces = TraceFolder()
        """Kernel trace lines join the group of the report they belong to (grouping/traces.py)."""
        self._writers: dict[str, tuple[str, str]] = {}
        """Raw identifier → (writer, program name): ``add`` needs both for every entry, and writers are few."""

    def add(self, entry: Entry) -> Group:
        """Fold one entry into its group (creating it) and return that group."""
        writer = self._writers.get(entry.identifier)
        if writer is None:
            if len(self._writers) >= _MAX_WRITERS:  # bounded, like every memo: a hostile stream of identifiers
                self._writers.clear()
            writer = self._writers[entry.identifier] = writer_and_program(entry.identifier)
        identifier, program = writer
        message = entry.message
        template = template_of(message)
        folded = False
        if identifier == "kernel":
            report = self._traces.fold(entry, template)
            if report is not None and (identifier, report) in self._groups:
                template, folded = report, True
        group = self._groups.get((identifier, template))
        if group is None:
            group = self._new_group(entry, identifier, template)
        elif entry.priority < group.priority and not folded:
            group.priority = entry.priority
            group.representative = _clip(one_line(short_line(entry)))

        group.count += 1
        if group.priority_inferred and not entry.priority_inferred:
            group.priority_inferred = False
        seen = entry.time_us
        if seen is not None:
            first = group.first_seen_us
            if first is None:
                group.first_seen_us = group.last_seen_us = seen
            elif seen < first:
                group.first_seen_us = seen
            elif seen > group.last_seen_us:  # type: ignore[operator]  # set together with first_seen_us
                group.last_seen_us = seen
        hostname = entry.hostname  # the labels are nearly always known already: one look-up each
        if hostname and hostname not in group.hosts and len(group.hosts) < MAX_LABELS:
            group.hosts.add(hostname)
        unit = entry.unit
        if unit and unit not in group.units and len(group.units) < MAX_LABELS:
            group.units.add(unit)
        if program and program not in group.programs and len(group.programs) < MAX_LABELS:
            group.programs.add(program)
        examples = group.examples
        # A message equal to a kept example would give that very example (one_line and _clip leave their own
        # output as it is): the common repeat costs one comparison instead of a normalisation.
        if len(examples) < MAX_EXAMPLES and message not in examples and not folded:
            example = _clip(one_line(message))
            if example not in examples:
                examples.append(example)
        return group

    def _new_group(self, entry: Entry, identifier: str, template: str) -> Group:
        group = Group(
            id=group_id(identifier, template),
            identifier=identifier,
            template=template,
            priority=entry.priority,
            representative=_clip(one_line(short_line(entry))),
        )
        self._groups[(identifier, template)] = group
        return group

    @classmethod
    def from_groups(cls, groups: Iterable[Group]) -> Grouper:
        """A grouper holding finished groups (a recorded analysis), in the order given."""
        grouper = cls()
        grouper._groups = {(group.identifier, group.template): group for group in groups}
        return grouper

    def forget(self, group_ids: Collection[str]) -> int:
        """Drop these groups (a long watch forgets quiet issues); an entry of one later opens it anew. How many."""
        doomed = [key for key, group in self._groups.items() if group.id in group_ids]
        for key in doomed:
            del self._groups[key]
        return len(doomed)

    def groups(self) -> list[Group]:
        """Every group, in the order each was first created."""
        return list(self._groups.values())

    def __len__(self) -> int:
        return len(self._groups)
